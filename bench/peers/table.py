#!/usr/bin/python3
"""Runs the Go benchmarks of package bench and the NumPy peer side by side
and prints the Markdown table of bench/README.md.

Run from the module root: /usr/bin/python3 bench/peers/table.py
[--benchtime 5x] [--repeat 5]. Figures are the best call of each run
(best-GFLOP/s), which a busy machine lowers less than the mean.
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
    args = p.parse_args()

    env = dict(os.environ, GOMAXPROCS=str(args.threads))
    out = subprocess.run(
        ["go", "test", "-run", "^$", "-bench", "Peak|Sgemm", "-benchtime", args.benchtime, "./bench"],
        env=env, check=True, capture_output=True, text=True).stdout
    sys.stderr.write(out)
    peak = {}
    ours = {}  # shape -> kernel -> (gflops, pct)
    for line in out.splitlines():
        m = re.match(r"BenchmarkPeak/(\w+)/threads=(\d+)\S*\s+\d+\s+\d+ ns/op\s+([\d.]+) GFLOP/s", line)
        if m:
            peak[(m.group(1), int(m.group(2)))] = float(m.group(3))
            continue
        m = re.match(r"BenchmarkSgemm/(\w+)/(\w+)\S*\s+\d+\s+\d+ ns/op(.*)", line)
        if m:
            metrics = dict((v, float(k)) for k, v in re.findall(r"([\d.]+) (\S+)", m.group(3)))
            ours.setdefault(m.group(2), {})[m.group(1)] = (metrics.get("best-GFLOP/s"), metrics.get("best-%peak"))

    np_out = subprocess.run(
        ["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "sgemm_numpy.py"),
         "--threads", str(args.threads), "--repeat", str(args.repeat)],
        check=True, capture_output=True, text=True).stdout
    sys.stderr.write(np_out)
    theirs = {}
    for line in np_out.splitlines()[1:]:
        f = line.split()
        if len(f) == 6:
            theirs[f[0]] = float(f[5])

    kernels = sorted({k for v in ours.values() for k in v}, key=lambda k: ["avx512", "avx2", "neon", "generic"].index(k))
    print("Measured FMA peak (GFLOP/s): " + ", ".join(
        "%s %d thread%s %.0f" % (isa, t, "" if t == 1 else "s", g) for (isa, t), g in sorted(peak.items())))
    print()
    head = "| shape (M×N×K) | " + " | ".join("%s GFLOP/s | %s %% peak" % (k, k) for k in kernels) + " | OpenBLAS GFLOP/s |"
    print(head)
    print("|" + "---|" * (2 + 2 * len(kernels)))
    for name, per in ours.items():
        cells = []
        for k in kernels:
            g, pct = per.get(k, (None, None))
            cells += ["%.0f" % g if g else "", "%.0f" % pct if pct else ""]
        t = theirs.get(name)
        print("| %s | %s | %s |" % (name, " | ".join(cells), "%.0f" % t if t else ""))


if __name__ == "__main__":
    main()
