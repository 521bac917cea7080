#!/usr/bin/python3
"""Runs the Go training-step benchmarks (BenchmarkTrainStep in bench/) and the
PyTorch peer (torch_steps.py) one after the other and prints a Markdown table
of the two side by side.

Run from the module root, with Debian's PyTorch (python3-torch):

    /usr/bin/python3 bench/peers/steps_table.py [--threads 2] [--benchtime 10x] [--steps 10]
        [--ae-benchtime 3x] [--ae-steps 3] [--only mlp] [--rounds 1] [--pairs 8]

Go runs with GOMAXPROCS = --threads (the environment variable and -cpu) and
-benchmem; PyTorch with torch.set_num_threads(--threads). The autoencoder
cases (stl10_ae), whose steps take seconds, run in a go test invocation of
their own with --ae-benchtime and in PyTorch with --ae-steps timed steps.
Go figures are the mean over the benchmark's steps, PyTorch's the median.
With --rounds N, Go and PyTorch alternate N times and each side keeps its
fastest figure per case (allocations: the most seen).

Columns per case and method (ccl, ccl-lean, bp): Go ms/step, PyTorch
ms/step, speed-up (PyTorch ms / Go ms: above 1 means Go is faster), Go
GFLOP/s, % of the measured peak and live heap (MB) when the Go benchmark
reports them, Go allocations per step (the exact mean over the timed steps,
worst of the rounds). ccl-lean (Go's memory-lean CCL mode,
same arithmetic) is compared with PyTorch's ccl step. A last line gives Go's
CCL/BP step-time ratio per case, from the table's figures; for the MLPs
another gives it from BenchmarkCCLOverBP (--ratio-benchtime blocks of CCL
and BP steps alternated in one process, the median of the blocks' ratios),
which a slow spell of a shared host cannot land on one method only. Another
line splits each MLP step into its matrix products and the rest, from
BenchmarkStepGEMMs (--gemm-benchtime blocks of steps alternated with blocks
of the step's products replayed alone): the products' work over their own
time (issue #8's "GEMM work", GFLOP/s and % of peak), the step's % of peak
and the rest's ms, medians over the blocks.

With --pairs N, each of the --pair-cases (among the selected) is then also timed in N
pairs of runs, Go and PyTorch one right after the other (Go first in odd
pairs, PyTorch first in even ones), and a last block of lines gives the
median of the pairs' speed-ups (PyTorch ms / Go ms) with their range: on a
host whose speed drifts from minute to minute, the fair form of the
table's speed-up column, whose two sides come from runs minutes apart.
A pair's Go figure is the mean over --pair-benchtime steps (a test binary
built once), PyTorch's the median of --pair-steps steps in a fresh process.
A case missing on one side (not built, filtered out, or a failed run) shows
"–". Both raw outputs go to standard error; the table to standard output.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

# Case order of the table; the cases whose steps take seconds get their own
# (shorter) step counts.
CASES = ["fmnist_mlp", "cifar10_mlp", "cifar10_cnn_pool", "stl10_ae", "fmnist_cnn"]
HEAVY = {"stl10_ae"}
# The cases of BenchmarkCCLOverBP and BenchmarkStepGEMMs.
MLP_CASES = ("fmnist_mlp", "cifar10_mlp")
# ccl-lean is Go's memory-lean CCL mode (same arithmetic as ccl); PyTorch has
# no such mode, so its row is compared with PyTorch's ccl step.
METHODS = ["ccl", "ccl-lean", "bp"]
# The cases --pairs times by default: issue #8's targets against PyTorch.
PAIR_CASES = ["fmnist_mlp_ccl", "cifar10_mlp_ccl", "cifar10_cnn_pool_ccl"]
TORCH_PEER = {"ccl-lean": "ccl"}
# Optional Go metrics, shown as columns when any selected case reports them.
GO_EXTRA = [("GFLOP/s", "Go GFLOP/s", 0), ("%peak", "Go % peak", 0), ("heap-MB", "Go heap MB", 0)]
DASH = "–"

# BenchmarkTrainStep/<case>/<method>[-GOMAXPROCS]  N  <value unit>…
GO_LINE = re.compile(r"BenchmarkTrainStep/(\S+)/(\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$")
TORCH_LINE = re.compile(r"(\S+)_(ccl|bp)\s+([\d.]+) ms/step")


def run(cmd, env=None, cwd=None):
    """Runs cmd, echoes its output to stderr, and returns stdout ("" on failure, with a warning)."""
    sys.stderr.write("$ %s\n" % " ".join(cmd))
    sys.stderr.flush()
    try:
        p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    except OSError as e:
        sys.stderr.write("steps_table: cannot run %s: %s\n" % (cmd[0], e))
        return ""
    sys.stderr.write(p.stdout)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        sys.stderr.write("steps_table: %s exited with status %d; its cases show %s\n" % (cmd[0], p.returncode, DASH))
    return p.stdout


def parse_go(out):
    """BenchmarkTrainStep lines -> {(case, method): {unit: value}} (ms/step, GFLOP/s, %peak, allocs/op, …)."""
    res = {}
    for line in out.splitlines():
        m = GO_LINE.match(line.strip())
        if m:
            res[(m.group(1), m.group(2))] = {u: float(v) for v, u in re.findall(r"([-+\d.eE]+) (\S+)", m.group(4))}
    return res


def allocs_cell(g):
    """The allocations column: the exact mean per timed step (mallocs/step,
    which shows one allocation in 20 steps as 0.05) when the benchmark
    reports it, else go test's allocs/op (rounded down)."""
    if "mallocs/step" in g:
        v = g["mallocs/step"]
        return "0" if v == 0 else ("%.2f" % v).rstrip("0").rstrip(".")
    if "allocs/op" in g:
        return "%d" % g["allocs/op"]
    return DASH


def parse_torch(out):
    """torch_steps.py lines -> {(case, method): ms/step}."""
    res = {}
    for line in out.splitlines():
        m = TORCH_LINE.match(line.strip())
        if m:
            res[(m.group(1), m.group(2))] = float(m.group(3))
    return res


def go_ms(g):
    """Go's ms per step: the ms/step metric, else ns/op."""
    if "ms/step" in g:
        return g["ms/step"]
    return g["ns/op"] / 1e6 if "ns/op" in g else None


def fmt(v, digits=None):
    """A figure with about three significant digits, or the dash."""
    if v is None:
        return DASH
    if digits is None:
        digits = 2 if abs(v) < 10 else 1 if abs(v) < 100 else 0
    return "%.*f" % (digits, v)


def go_runs(args, selected):
    """Runs go test once per group of cases sharing a benchtime; returns the merged parse."""
    env = dict(os.environ, GOMAXPROCS=str(args.threads))
    groups = {}
    for case, method in selected:
        bt = args.ae_benchtime if case in HEAVY else args.benchtime
        g = groups.setdefault(bt, ({}, {}))
        g[0][case] = None
        g[1][method] = None
    res = {}
    for bt, (cases, methods) in groups.items():
        pattern = "^BenchmarkTrainStep$/^(?:%s)$/^(?:%s)$" % ("|".join(cases), "|".join(methods))
        out = run(["go", "test", "-run", "^$", "-bench", pattern, "-benchtime", bt, "-benchmem",
                   "-cpu", str(args.threads), "./bench"], env=env)
        res.update(parse_go(out))
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    p.add_argument("--threads", type=int, default=2, help="GOMAXPROCS for Go, torch threads (default 2)")
    p.add_argument("--benchtime", default="10x", help="go test -benchtime for the light cases (default 10x)")
    p.add_argument("--ae-benchtime", default="3x", help="go test -benchtime for stl10_ae (default 3x)")
    p.add_argument("--steps", type=int, default=10, help="PyTorch timed steps for the light cases (default 10)")
    p.add_argument("--ae-steps", type=int, default=3, help="PyTorch timed steps for stl10_ae (default 3)")
    p.add_argument("--only", default="",
                   help="only the case_method names containing this, e.g. mlp, stl10_ae, _bp (default: all)")
    p.add_argument("--rounds", type=int, default=1,
                   help="alternating runs of each side; each keeps its fastest per case (default 1)")
    p.add_argument("--ratio-benchtime", default="30x",
                   help="go test -benchtime for BenchmarkCCLOverBP (default 30x; 0x: not run)")
    p.add_argument("--gemm-benchtime", default="10x",
                   help="go test -benchtime for BenchmarkStepGEMMs (default 10x; 0x: not run)")
    p.add_argument("--pairs", type=int, default=0,
                   help="also time each case in this many alternated Go/PyTorch pairs of runs (default 0: not)")
    p.add_argument("--pair-cases", default=",".join(PAIR_CASES),
                   help="comma-separated case_method names timed in pairs (default: %s, the cases issue #8 "
                        "sets PyTorch targets for)" % ",".join(PAIR_CASES))
    p.add_argument("--pairs-only", action="store_true", help="with --pairs: only the pairs, no table")
    p.add_argument("--pair-benchtime", default="10x", help="go test -benchtime of a pair's Go run (default 10x)")
    p.add_argument("--pair-steps", type=int, default=10, help="PyTorch timed steps of a pair's run (default 10)")
    p.add_argument("--no-go", action="store_true", help="skip the Go benchmarks")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    args = p.parse_args()

    selected = [(c, m) for c in CASES for m in METHODS if args.only in "%s_%s" % (c, m)]
    if not selected:
        p.error("--only %r matches no case (cases: %s; methods: %s)" % (args.only, ", ".join(CASES), ", ".join(METHODS)))
    if args.pairs < 0 or args.pair_steps < 1:
        p.error("--pairs must be ≥ 0 and --pair-steps ≥ 1")
    if args.pairs and (args.no_go or args.no_torch):
        p.error("--pairs needs both sides: drop --no-go and --no-torch")
    names = {"%s_%s" % k: k for k in selected}
    pair_sel = [names[c] for c in args.pair_cases.split(",") if c in names]
    if args.pairs and not pair_sel:
        p.error("--pair-cases %r names no selected case_method (selected: %s)" % (args.pair_cases, ", ".join(names)))
    if args.pairs_only:
        if not args.pairs:
            p.error("--pairs-only needs --pairs N")
        print_pairs(args, pair_sel)
        return

    # The two sides alternate --rounds times, so that a slow spell of a
    # shared machine does not land on one side only; each keeps its fastest
    # run per case (Go: that run's metrics, but the most allocations seen).
    go, torch, torch_out = {}, {}, ""
    for _ in range(max(1, args.rounds)):
        if not args.no_go:
            for k, g in go_runs(args, selected).items():
                old = go.get(k)
                if old is None or (go_ms(g) or float("inf")) < (go_ms(old) or float("inf")):
                    go[k] = g
                for unit in ("allocs/op", "mallocs/step"):
                    seen = [r[unit] for r in (old, g) if r and unit in r]
                    if seen:
                        go[k][unit] = max(seen)
        if not args.no_torch:
            out = run(["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_steps.py"),
                       "--threads", str(args.threads), "--steps", str(args.steps), "--ae-steps", str(args.ae_steps),
                       "--only", args.only])
            torch_out = torch_out or out
            for k, v in parse_torch(out).items():
                torch[k] = min(v, torch.get(k, v))
    torch_version = next((l for l in torch_out.splitlines() if l.startswith("torch ")), None)

    # Rows: the known cases in order, then any other case either side reported.
    keys = [k for k in selected if k in go or k in torch]
    keys += sorted(k for k in set(go) | set(torch) if k not in keys and args.only in "%s_%s" % k)
    if not keys:
        sys.exit("steps_table: neither side reported a case")
    extra = [e for e in GO_EXTRA if any(e[0] in go.get(k, {}) for k in keys)]

    print("Go: GOMAXPROCS=%d, -benchtime %s (%s: %s), mean ms/step. PyTorch: %s, %d (%s: %d) timed steps, median.%s" % (
        args.threads, args.benchtime, "/".join(sorted(HEAVY)), args.ae_benchtime,
        torch_version or "not run", args.steps, "/".join(sorted(HEAVY)), args.ae_steps,
        " Best of %d alternating rounds per side." % args.rounds if args.rounds > 1 else ""))
    print()
    head = ["case", "method", "Go ms/step", "PyTorch ms/step", "speed-up"]
    head += [e[1] for e in extra]
    # The allocations column's unit: the exact mean per step when every
    # Go row reports it (allocs_cell), else go test's rounded allocs/op.
    exact = all("mallocs/step" in go[k] for k in keys if k in go)
    head += ["Go allocs/step" if exact else "Go allocs/op"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for k in keys:
        g = go.get(k, {})
        ms_go, ms_torch = go_ms(g), torch.get((k[0], TORCH_PEER.get(k[1], k[1])))
        row = [k[0], k[1], fmt(ms_go), fmt(ms_torch),
               fmt(ms_torch / ms_go) + "×" if ms_go and ms_torch else DASH]
        row += [fmt(g.get(unit), digits) for unit, _, digits in extra]
        row += [allocs_cell(g)]
        print("| " + " | ".join(row) + " |")

    ratios = []
    for c in dict.fromkeys(k[0] for k in keys):
        a, b = go_ms(go.get((c, "ccl"), {})), go_ms(go.get((c, "bp"), {}))
        ratios.append("%s %s" % (c, "%.2f" % (a / b) if a and b else DASH))
    print()
    print("Go CCL/BP step-time ratio: " + ", ".join(ratios))

    # BenchmarkCCLOverBP runs the MLPs; the other cases match none of its
    # sub-benchmarks and are left out of the line.
    pairs = [c for c in dict.fromkeys(k[0] for k in keys) if (c, "ccl") in selected and (c, "bp") in selected]
    if pairs and not args.no_go and args.ratio_benchtime not in ("0", "0x"):
        env = dict(os.environ, GOMAXPROCS=str(args.threads))
        out = run(["go", "test", "-run", "^$", "-bench", "^BenchmarkCCLOverBP$/^(?:%s)$" % "|".join(pairs),
                   "-benchtime", args.ratio_benchtime, "-cpu", str(args.threads), "./bench"], env=env)
        got = {}
        for line in out.splitlines():
            m = re.match(r"BenchmarkCCLOverBP/(\w+?)(?:-\d+)?\s.*?([\d.]+) ccl/bp", line)
            if m:
                got[m.group(1)] = float(m.group(2))
        if got:
            print("Go CCL/BP, alternated blocks of steps in one process (BenchmarkCCLOverBP, -benchtime %s, median ratio): %s" % (
                args.ratio_benchtime, ", ".join("%s %.2f" % (c, got[c]) for c in pairs if c in got)))

    gemm = [k for k in keys if k[0] in MLP_CASES and k[1] in ("ccl", "bp")]
    if gemm and not args.no_go and args.gemm_benchtime not in ("0", "0x"):
        env = dict(os.environ, GOMAXPROCS=str(args.threads))
        out = run(["go", "test", "-run", "^$", "-bench",
                   "^BenchmarkStepGEMMs$/^(?:%s)$/^(?:ccl|bp)$" % "|".join(dict.fromkeys(k[0] for k in gemm)),
                   "-benchtime", args.gemm_benchtime, "-cpu", str(args.threads), "./bench"], env=env)
        got = {}
        for line in out.splitlines():
            m = re.match(r"BenchmarkStepGEMMs/(\w+?)/(\w+?)(?:-\d+)?\s+\d+\s+\d+ ns/op(.*)", line)
            if m:
                got[(m.group(1), m.group(2))] = {u: float(v) for v, u in re.findall(r"([-\d.]+) (\S+)", m.group(3))}
        parts = []
        for k in gemm:
            g = got.get(k)
            if g:
                parts.append("%s %s %.0f GFLOP/s = %s %% peak (step %s %%, rest %.1f ms of %.1f)" % (
                    k[0], k[1], g["gemm-GFLOP/s"], fmt(g.get("gemm-%peak"), 0), fmt(g.get("step-%peak"), 0),
                    g["rest-ms"], g["step-ms"]))
        if parts:
            print("Go step's matrix products replayed alone, alternated with steps (BenchmarkStepGEMMs, -benchtime %s, medians): %s" % (
                args.gemm_benchtime, "; ".join(parts)))

    if args.pairs:
        print()
        print_pairs(args, pair_sel)


def print_pairs(args, selected):
    """Prints the block of lines of --pairs."""
    print("Go over PyTorch in %d alternated pairs of runs (Go: -benchtime %s, mean; PyTorch: %d steps, median), "
          "median speed-up [range]:" % (args.pairs, args.pair_benchtime, args.pair_steps), flush=True)
    for line in paired(args, selected):
        print("- " + line, flush=True)


def paired(args, selected):
    """Times each (case, method) in args.pairs alternated Go/PyTorch pairs of runs; yields one summary line each."""
    env = dict(os.environ, GOMAXPROCS=str(args.threads))
    here = os.path.dirname(os.path.abspath(__file__))
    bench_dir = os.path.dirname(here)
    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(tmp, "bench.test")
        run(["go", "test", "-c", "-o", binary, bench_dir], env=env)
        if not os.path.exists(binary):
            yield "the Go benchmarks did not build (see standard error)"
            return
        for case, method in selected:
            peer = TORCH_PEER.get(method, method)
            go_cmd = [binary, "-test.run", "^$", "-test.bench", "^BenchmarkTrainStep$/^%s$/^%s$" % (case, method),
                      "-test.benchtime", args.pair_benchtime, "-test.cpu", str(args.threads)]
            torch_cmd = ["/usr/bin/python3", os.path.join(here, "torch_steps.py"), "--threads", str(args.threads),
                         "--steps", str(args.pair_steps), "--ae-steps", str(args.pair_steps),
                         "--only", "%s_%s" % (case, peer)]
            speedups, gos, torches = [], [], []
            for i in range(args.pairs):
                got = {}
                for side in (("go", "torch") if i % 2 == 0 else ("torch", "go")):
                    if side == "go":
                        # Run from bench/, as go test would.
                        out = run(go_cmd, env=env, cwd=bench_dir)
                        got[side] = go_ms(parse_go(out).get((case, method), {}))
                    else:
                        got[side] = parse_torch(run(torch_cmd)).get((case, peer))
                if got.get("go") and got.get("torch"):
                    gos.append(got["go"])
                    torches.append(got["torch"])
                    speedups.append(got["torch"] / got["go"])
            if not speedups:
                yield "%s %s: no pair completed (see standard error)" % (case, method)
                continue
            yield "%s %s: %s× [%s–%s] over %d pairs (Go %s ms, PyTorch %s ms: medians)" % (
                case, method, fmt(statistics.median(speedups)), fmt(min(speedups)), fmt(max(speedups)),
                len(speedups), fmt(statistics.median(gos)), fmt(statistics.median(torches)))


if __name__ == "__main__":
    main()
