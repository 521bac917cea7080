//go:build !(amd64 || arm64) || !gc || purego || noasm

package blas

// No assembly in this build: only the generic kernel, and no prefetch.
var avx512Kernel, avx2Kernel, neonKernel *kernel

// prefetchRows is a no-op without assembly.
func prefetchRows(a []float32, ld, rows, n int) {}
