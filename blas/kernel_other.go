package blas

// No assembly yet: only the generic kernel.
var avx512Kernel, avx2Kernel, neonKernel *kernel
