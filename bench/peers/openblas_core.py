"""OpenBLAS core selection for the peer benchmarks.

Debian's OpenBLAS 0.3.21 picks its kernels from the CPU's family and model
numbers. On a CPU newer than it knows (this machine reports family 6, model
207) it falls back to its "Prescott" SSE3 kernels, about 8 times slower than
its AVX-512 ones (2048^3 with 2 threads here: 31 GFLOP/s against 228 with
OPENBLAS_CORETYPE=SkylakeX). A fair comparison needs the AVX-512 kernels, so
the peers set OPENBLAS_CORETYPE=SkylakeX before NumPy or PyTorch load
OpenBLAS, when the CPU has AVX-512 and the caller did not choose a core type.
"""

import os


def select():
    """Sets OPENBLAS_CORETYPE for an AVX-512 CPU; returns the core type used
    (None when left to OpenBLAS)."""
    if "OPENBLAS_CORETYPE" in os.environ:
        return os.environ["OPENBLAS_CORETYPE"]
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((l for l in f if l.startswith("flags")), "")
    except OSError:
        return None
    if " avx512f" in flags and " avx512bw" in flags and " avx512vl" in flags:
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
        return "SkylakeX"
    return None
