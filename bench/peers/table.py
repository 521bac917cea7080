#!/usr/bin/python3
"""Runs the Go benchmarks of package bench and the NumPy peer side by side
and prints the Markdown table of bench/README.md.

Run from the module root: /usr/bin/python3 bench/peers/table.py
[--benchtime 5x] [--repeat 5] [--rounds 3]. Figures are the best call
(best-GFLOP/s), which a busy machine lowers less than the mean. The Go
benchmarks and the NumPy peer run alternately, --rounds times each, and each
side keeps its best figure per shape over the rounds, so that a slow spell
of a shared machine does not land on one side only. The FMA peak is the
best over the rounds too.
"""

import argparse
import os
import re
import subprocess
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--benchtime", default="5x")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3, help="alternating runs of each side (default 3)")
    args = p.parse_args()

    env = dict(os.environ, GOMAXPROCS=str(args.threads))
    peak = {}
    ours = {}  # shape -> kernel -> (gflops, pct)
    theirs = {}
    for _ in range(args.rounds):
        out = subprocess.run(
            ["go", "test", "-run", "^$", "-bench", "Peak|Sgemm", "-benchtime", args.benchtime, "./bench"],
            env=env, check=True, capture_output=True, text=True).stdout
        sys.stderr.write(out)
        for line in out.splitlines():
            m = re.match(r"BenchmarkPeak/(\w+)/threads=(\d+)\S*\s+\d+\s+\d+ ns/op\s+([\d.]+) GFLOP/s", line)
            if m:
                key = (m.group(1), int(m.group(2)))
                peak[key] = max(peak.get(key, 0), float(m.group(3)))
                continue
            m = re.match(r"BenchmarkSgemm/(\w+)/(\w+)\S*\s+\d+\s+\d+ ns/op(.*)", line)
            if m:
                metrics = dict((v, float(k)) for k, v in re.findall(r"([\d.]+) (\S+)", m.group(3)))
                g = metrics.get("best-GFLOP/s")
                per = ours.setdefault(m.group(2), {})
                if g and g > (per.get(m.group(1)) or (0,))[0]:
                    per[m.group(1)] = (g, metrics.get("best-%peak"))

        np_out = subprocess.run(
            ["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "sgemm_numpy.py"),
             "--threads", str(args.threads), "--repeat", str(args.repeat)],
            check=True, capture_output=True, text=True)
        sys.stderr.write(np_out.stderr + np_out.stdout)
        for line in np_out.stdout.splitlines()[1:]:
            f = line.split()
            if len(f) == 6:
                theirs[f[0]] = max(theirs.get(f[0], 0), float(f[5]))
    # Percentages against the best peak seen, so that every round's figure
    # is measured against the same yardstick.
    for per in ours.values():
        for k, (g, _) in list(per.items()):
            pk = peak.get((k, args.threads))
            per[k] = (g, 100 * g / pk if pk else None)

    kernels = sorted({k for v in ours.values() for k in v}, key=lambda k: ["avx512", "avx2", "neon", "generic"].index(k))
    print("Measured FMA peak (GFLOP/s): " + ", ".join(
        "%s %d thread%s %.0f" % (isa, t, "" if t == 1 else "s", g) for (isa, t), g in sorted(peak.items())))
    print()
    head = "| shape (M×N×K) | " + " | ".join("%s GFLOP/s | %s %% peak" % (k, k) for k in kernels) + " | OpenBLAS GFLOP/s | %s / OpenBLAS |" % kernels[0]
    print(head)
    print("|" + "---|" * (3 + 2 * len(kernels)))
    for name, per in ours.items():
        cells = []
        for k in kernels:
            g, pct = per.get(k, (None, None))
            cells += ["%.0f" % g if g else "", "%.0f" % pct if pct else ""]
        t = theirs.get(name)
        g0 = per.get(kernels[0], (None, None))[0]
        print("| %s | %s | %s | %s |" % (name, " | ".join(cells), "%.0f" % t if t else "",
                                         "%.2f×" % (g0 / t) if t and g0 else ""))


if __name__ == "__main__":
    main()
