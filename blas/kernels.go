package blas

import (
	"errors"
	"os"
)

// Kernel switches. At start-up each is true and the best kernel the CPU
// supports is used; clearing a switch forces a lower path (tests use this
// to run every available kernel, CCL_BLAS and SetKernel set them). They
// must not be changed while a product is running.
var (
	useAVX512 = true // amd64 AVX-512F micro-kernel
	useAVX2   = true // amd64 AVX2+FMA micro-kernel
	useNEON   = true // arm64 NEON micro-kernel
)

// genericKernel is the pure-Go path, available everywhere.
var genericKernel = &kernel{
	name: "generic",
	mr:   4, nr: 4,
	mc: 512, nc: 1024, kc: 384,
	micro: microGeneric,
}

// currentKernel returns the kernel selected by the switches. The kernels
// of the platform files (avx512Kernel, avx2Kernel, neonKernel) are nil when
// not built or not supported by the CPU.
func currentKernel() *kernel {
	switch {
	case useAVX512 && avx512Kernel != nil:
		return avx512Kernel
	case useAVX2 && avx2Kernel != nil:
		return avx2Kernel
	case useNEON && neonKernel != nil:
		return neonKernel
	}
	return genericKernel
}

// avx512Embedded selects the AVX-512 kernels whose k step takes A as
// embedded broadcasts (sgemm*AVX512Embedded) over those that broadcast it
// into registers (sgemm*AVX512); see STEP512 in kernel_amd64.s. Set at
// start-up on AMD CPUs: on Zen 4 the embedded form measured 1-2 % faster,
// on Intel's Ice Lake half as fast. Both forms give the same bits; the
// tests run the kernel in each (under -short, in the one this CPU chose).
var avx512Embedded bool

// availableKernels lists the kernels this build and CPU can run, best
// first.
func availableKernels() []*kernel {
	var ks []*kernel
	for _, k := range []*kernel{avx512Kernel, avx2Kernel, neonKernel, genericKernel} {
		if k != nil {
			ks = append(ks, k)
		}
	}
	return ks
}

// Kernel returns the name of the micro-kernel Sgemm uses: "avx512",
// "avx2", "neon" or "generic".
func Kernel() string { return currentKernel().name }

// Kernels returns the names of the kernels this build and CPU can run,
// best first; "generic" is always last.
func Kernels() []string {
	var names []string
	for _, k := range availableKernels() {
		names = append(names, k.name)
	}
	return names
}

// ErrKernel is returned by SetKernel for a kernel that is unknown or not
// available on this build and CPU.
var ErrKernel = errors.New("blas: kernel not available")

// SetKernel forces Sgemm onto the named kernel ("avx512", "avx2", "neon",
// "generic") or restores the automatic choice ("auto" or ""). It must not
// be called while a product is running. The environment variable CCL_BLAS
// does the same at start-up.
func SetKernel(name string) error {
	switch name {
	case "", "auto":
		useAVX512, useAVX2, useNEON = true, true, true
		return nil
	case "generic":
		useAVX512, useAVX2, useNEON = false, false, false
		return nil
	}
	for _, k := range availableKernels() {
		if k.name != name {
			continue
		}
		useAVX512 = k == avx512Kernel
		useAVX2 = k == avx512Kernel || k == avx2Kernel
		useNEON = k == neonKernel
		return nil
	}
	return ErrKernel
}

func init() { kernelFromEnv() }

// kernelFromEnv applies CCL_BLAS if it is set; an unknown or unavailable
// kernel leaves the automatic choice.
func kernelFromEnv() {
	if name, ok := os.LookupEnv("CCL_BLAS"); ok {
		_ = SetKernel(name)
	}
}
