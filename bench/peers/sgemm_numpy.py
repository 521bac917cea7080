#!/usr/bin/python3
"""Peer benchmark: float32 matrix products in NumPy (Debian's build on
OpenBLAS), on the shapes of bench/sgemm_test.go, with 2 threads.

Run with /usr/bin/python3 bench/peers/sgemm_numpy.py [--threads N]
[--repeat R]. For each shape C(M×N) = A(M×K)·B(K×N) it prints the mean and
best GFLOP/s over R timed calls after one warm-up call, in the same units as
BenchmarkSgemm (2·M·N·K floating-point operations per call).
"""

import argparse
import os
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--shapes", default="", help="substring filter on shape names")
    args = p.parse_args()
    # The thread count must be set before NumPy loads OpenBLAS.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import openblas_core

    core = openblas_core.select()
    print(f"OpenBLAS core type: {core or 'as detected'}", file=sys.stderr)
    import time

    import numpy as np

    shapes = [
        ("square512", 512, 512, 512),
        ("square1024", 1024, 1024, 1024),
        ("square2048", 2048, 2048, 2048),
        ("dense256x1024x3072", 256, 1024, 3072),
        ("dense256x1024x1024", 256, 1024, 1024),
        ("dense256x256x784", 256, 256, 784),
        ("cnn1_131072x128x27", 131072, 128, 27),
        ("cnn2_32768x128x1152", 32768, 128, 1152),
        ("cnn3_8192x256x1152", 8192, 256, 1152),
        ("cnn4_2048x256x2304", 2048, 256, 2304),
        ("cnn5_512x512x2304", 512, 512, 2304),
    ]
    rng = np.random.default_rng(1)
    print(f"numpy {np.__version__}, threads={args.threads}", file=sys.stderr)
    print(f"{'shape':24} {'M':>7} {'N':>5} {'K':>5} {'GFLOP/s':>9} {'best':>9}")
    for name, m, n, k in shapes:
        if args.shapes not in name:
            continue
        a = (rng.random((m, k), dtype=np.float32) - 0.5)
        b = (rng.random((k, n), dtype=np.float32) - 0.5)
        c = np.empty((m, n), dtype=np.float32)
        np.matmul(a, b, out=c)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            np.matmul(a, b, out=c)
            times.append(time.perf_counter() - t0)
        flops = 2.0 * m * n * k
        mean = flops * len(times) / sum(times) / 1e9
        best = flops / min(times) / 1e9
        print(f"{name:24} {m:7d} {n:5d} {k:5d} {mean:9.1f} {best:9.1f}", flush=True)


if __name__ == "__main__":
    main()
