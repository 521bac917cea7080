//go:build amd64 && gc && !purego && !noasm

package blas

// avx512Wide is the AVX-512 kernel with 6×64 tiles, which Intel CPUs use
// for the products of stored matrices, Sgemm and SgemmSym (see kernel.wide
// and init in kernel_amd64.go). Its k step loads B as four vectors and broadcasts
// six elements of A: 10 loads for 24 FMAs, against 14 in the 12×32 step.
// Its blocks are the 12×32 kernel's, so that each element of C sees the
// same operations in the same order: the two give the same bits.
var avx512Wide = ifKernel(hasAVX512, &kernel{
	name: "avx512",
	mr:   6, nr: 64,
	mc: 960, nc: 640, kc: 384,
	micro: micro664, general: general664, inPlace: rowsA | rowsB,
	stream: stream664, fence: sfence, tiles: tiles664,
	pack: packRowsAVX512, packCols: packColsX86,
	transpose16: transpose16, dot: dotProducts,
})

// micro664 checks the bounds of the 6×64 tile and runs sgemmPacked664.
func micro664(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	_ = a[kc*6-1]
	_ = b[kc*64-1]
	_ = c[5*ldc+63]
	sgemmPacked664(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, 0, 1)
}

// general664 checks the bounds of the 6×64 tile and runs the kernel for
// the layouts of A (rs == 0: packed sliver, else 6 rows rs apart; Aᵀ is
// not read in place: cs must be 0) and B (ldb == 0: packed sliver, else
// kc rows of 64 floats ldb apart).
func general664(kc int, a []float32, rs, cs int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	run664(kc, a, rs, b, ldb, c, ldc, alpha, beta, 0)
}

// stream664 is general664 writing C with non-temporal stores (beta == 0;
// every row of the tile 64-byte aligned) when B is a packed sliver; with
// B read in place, C is stored as usual.
func stream664(kc int, a []float32, rs, cs int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	run664(kc, a, rs, b, ldb, c, ldc, alpha, beta, 1)
}

// tiles664 is tilesAVX512 for the 6×64 tiles.
func tiles664(kc int, a []float32, rs int, b, c []float32, ldc int, alpha, beta float32, stream bool, n int) {
	tilesX86(6, 64, sgemmPacked664, sgemmRows664, kc, a, rs, b, c, ldc, alpha, beta, stream, n)
}

// run664 checks the bounds of the tile and runs the 6×64 kernel for the
// operands' layouts; nt as in sgemmPacked664.
func run664(kc int, a []float32, rs int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, nt int) {
	_ = c[5*ldc+63]
	if rs == 0 {
		_ = a[kc*6-1]
	} else {
		_ = a[5*rs+kc-1]
	}
	if ldb == 0 {
		_ = b[kc*64-1]
	} else {
		_ = b[(kc-1)*ldb+63]
	}
	switch {
	case rs == 0 && ldb == 0:
		sgemmPacked664(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, nt, 1)
	case ldb == 0:
		sgemmRows664(kc, &a[0], rs, &b[0], &c[0], ldc, alpha, beta, nt, 1)
	case rs == 0:
		sgemmPackedRowsB664(kc, &a[0], &b[0], ldb, &c[0], ldc, alpha, beta)
	default:
		sgemmRowsRowsB664(kc, &a[0], rs, &b[0], ldb, &c[0], ldc, alpha, beta)
	}
}

// sgemmPacked664 is the AVX-512 6×64 micro-kernel (MR = 6, NR = 64; 24
// zmm accumulators, four zmm of B, rotating broadcasts of A) on a packed A
// sliver. kc ≥ 1. It is equivalent to, with fused multiply-adds:
//
//	for i := 0; i < 6; i++ {
//		for j := 0; j < 64; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[p*6+i] * b[p*64+j]
//			}
//			if beta == 0 {
//				c[i*ldc+j] = alpha * s
//			} else {
//				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
//			}
//		}
//	}
//
// With nt != 0 and beta == 0, C is written with non-temporal stores (every
// row of the tile 64-byte aligned) and not prefetched. With tiles > 1, the
// kernel then computes the next tiles-1 tiles to the right from the same A
// sliver and the packed B slivers that follow (tile t: b[t*kc*64:],
// c[t*64:]), as tiles calls would.
//
//go:noescape
func sgemmPacked664(kc int, a, b, c *float32, ldc int, alpha, beta float32, nt, tiles int)

// sgemmRows664 is sgemmPacked664 reading A in place: element (i, p) of the
// sliver at a[i*rs+p]. kc ≥ 1; nt and tiles as in sgemmPacked664.
//
//go:noescape
func sgemmRows664(kc int, a *float32, rs int, b, c *float32, ldc int, alpha, beta float32, nt, tiles int)

// sgemmPackedRowsB664 is sgemmPacked664 reading B in place: element (p, j)
// of the sliver at b[p*ldb+j]. kc ≥ 1; one tile, C stored as usual.
//
//go:noescape
func sgemmPackedRowsB664(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// sgemmRowsRowsB664 reads both in place: A[i, p] at a[i*rs+p], B[p, j] at
// b[p*ldb+j]. kc ≥ 1; one tile, C stored as usual.
//
//go:noescape
func sgemmRowsRowsB664(kc int, a *float32, rs int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
