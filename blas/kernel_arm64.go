//go:build arm64 && gc && !purego && !noasm

package blas

// NEON (Advanced SIMD) is part of every ARMv8-A CPU: the arm64 kernel
// needs no feature test.
var (
	avx512Kernel, avx512Wide, avx2Kernel *kernel
	neonKernel                           = &kernel{
		name: "neon",
		mr:   8, nr: 12,
		mc: 960, nc: 1020, kc: 384,
		micro: microNEON, general: generalNEON, inPlace: rowsA,
	}
)

// microNEON checks the bounds of the 8×12 tile and runs sgemmKernelNEON.
func microNEON(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	_ = a[kc*8-1]
	_ = b[kc*12-1]
	_ = c[7*ldc+11]
	sgemmKernelNEON(kc, &a[0], &b[0], &c[0], ldc, alpha, beta)
}

// sgemmKernelNEON is the NEON 8×12 micro-kernel (MR = 8, NR = 12; 24
// 4-lane accumulators, three vectors of B, broadcasts of A). kc ≥ 1. It is
// equivalent to, with fused multiply-adds:
//
//	for i := 0; i < 8; i++ {
//		for j := 0; j < 12; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[p*8+i] * b[p*12+j]
//			}
//			if beta == 0 {
//				c[i*ldc+j] = alpha * s
//			} else {
//				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
//			}
//		}
//	}
//
//go:noescape
func sgemmKernelNEON(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// generalNEON runs the NEON kernel with A packed (rs == 0) or as 8 rows rs
// apart (rs != 0); it supports only these (inPlace: rowsA) and panics on
// other layouts.
func generalNEON(kc int, a []float32, rs, cs int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	if cs != 0 || ldb != 0 {
		panic(errLayout)
	}
	if rs == 0 {
		microNEON(kc, a, b, c, ldc, alpha, beta)
		return
	}
	_ = a[7*rs+kc-1]
	_ = b[kc*12-1]
	_ = c[7*ldc+11]
	sgemmRowsNEON(kc, &a[0], rs, &b[0], &c[0], ldc, alpha, beta)
}

// sgemmRowsNEON is sgemmKernelNEON reading A in place: element (i, p) of
// the sliver at a[i*rs+p]. kc ≥ 1. It is equivalent to, with fused
// multiply-adds:
//
//	for i := 0; i < 8; i++ {
//		for j := 0; j < 12; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[i*rs+p] * b[p*12+j]
//			}
//			if beta == 0 {
//				c[i*ldc+j] = alpha * s
//			} else {
//				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
//			}
//		}
//	}
//
//go:noescape
func sgemmRowsNEON(kc int, a *float32, rs int, b, c *float32, ldc int, alpha, beta float32)
