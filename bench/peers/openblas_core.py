"""OpenBLAS core selection for the peer benchmarks.

Debian's OpenBLAS 0.3.21 picks its kernels from the CPU's family and model
numbers. On a CPU newer than it knows it falls back to slower kernels: its
"Prescott" SSE3 ones on family 6 model 207 (2048^3 with 2 threads: 31
GFLOP/s against 228 with OPENBLAS_CORETYPE=SkylakeX). A machine's
environment may also force a core type: this one (AMD family 26, AVX-512)
exports OPENBLAS_CORETYPE=Haswell, whose AVX2 kernels reach about half of
the SkylakeX ones here (2048^3: 245 against 467 GFLOP/s, 2 threads).

A fair comparison needs OpenBLAS's best kernels, so on a CPU with AVX-512
the peers set OPENBLAS_CORETYPE=SkylakeX before NumPy or PyTorch load
OpenBLAS, replacing an inherited value. To time another core type, set
CCL_PEER_OPENBLAS_CORETYPE (for example Haswell); it is used as given.
"""

import os


def select():
    """Sets OPENBLAS_CORETYPE; returns the core type used (None when left
    to OpenBLAS's detection)."""
    forced = os.environ.get("CCL_PEER_OPENBLAS_CORETYPE")
    if forced:
        os.environ["OPENBLAS_CORETYPE"] = forced
        return forced
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((l for l in f if l.startswith("flags")), "")
    except OSError:
        flags = ""
    if " avx512f" in flags and " avx512bw" in flags and " avx512vl" in flags:
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
        return "SkylakeX"
    return os.environ.get("OPENBLAS_CORETYPE")
