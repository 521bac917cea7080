//go:build !(amd64 || arm64) || !gc || purego || noasm

package blas

// No assembly in this build: only the generic kernel.
var avx512Kernel, avx512Wide, avx2Kernel, neonKernel *kernel
