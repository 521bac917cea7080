//go:build amd64 && gc && !purego && !noasm

package bench

import "github.com/counter-current/ccl/blas"

var fmaLoops = func() []fmaLoop {
	var l []fmaLoop
	for _, k := range blas.Kernels() {
		switch k {
		case "avx512":
			l = append(l, fmaLoop{ISA: "avx512", flops: 24 * 16 * 2, run: fmaAVX512})
		case "avx2":
			l = append(l, fmaLoop{ISA: "avx2", flops: 12 * 8 * 2, run: fmaAVX2})
		}
	}
	return l
}()

// fmaAVX512 runs iters iterations of 24 independent 16-lane FMAs:
//
//	for range iters {
//		for r := 0; r < 24; r++ {
//			acc[r] += x·y // 16 lanes each
//		}
//	}
//
//go:noescape
func fmaAVX512(iters int)

// fmaAVX2 runs iters iterations of 12 independent 8-lane FMAs:
//
//	for range iters {
//		for r := 0; r < 12; r++ {
//			acc[r] += x·y // 8 lanes each
//		}
//	}
//
//go:noescape
func fmaAVX2(iters int)
