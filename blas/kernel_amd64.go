//go:build amd64 && gc && !purego && !noasm

package blas

import "golang.org/x/sys/cpu"

// CPU features, read once at start-up from golang.org/x/sys/cpu, which
// counts an instruction set only when the CPU reports it and the OS has
// enabled its register state (XCR0).
var (
	hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512  = hasAVX2FMA && cpu.X86.HasAVX512F
)

// The amd64 kernels, nil when the CPU lacks the instructions.
var (
	avx512Kernel = ifKernel(hasAVX512, &kernel{
		name: "avx512",
		mr:   12, nr: 32,
		mc: 960, nc: 640, kc: 384,
		micro: microAVX512, general: generalAVX512, inPlace: rowsA | colsA | rowsB,
		stream: streamAVX512, fence: sfence, tiles: tilesAVX512,
		pack: packRowsAVX512, packCols: packColsX86,
		transpose16: transpose16, dot: dotProducts, edge: edgeAVX512,
		packPtrs: packPtrs12,
	})
	avx2Kernel = ifKernel(hasAVX2FMA, &kernel{
		name: "avx2",
		mr:   6, nr: 16,
		mc: 960, nc: 1024, kc: 512, // 640 and 384 on Intel: see init
		micro: microAVX2, general: generalAVX2, inPlace: rowsA | colsA | rowsB,
		stream: streamAVX2, fence: sfence, tiles: tilesAVX2,
		pack: packRowsAVX2, packCols: packColsX86,
	})
	neonKernel *kernel
)

// On AMD family 26 (Zen 5: 48 KiB 12-way L1d), A is read in place even
// when its rows are a multiple of 4 KiB apart (see gemmJob.block): there
// the 256×1024×{1024,3072} products measured 2-3 % faster read in place
// than packed (1 thread, interleaved runs), where family 6 model 207
// (Intel) measured packing 1.3× faster with 12-row slivers. On the other
// CPUs, slivers of at most alias4KRows = 6 rows (the 6×64 and AVX2 6×16
// tiles) are read in place all the same: they take half of the 12 ways of
// the L1 set. On Ice Lake (family 6 model 106, 2 threads, medians of 20-40
// calls alternated in one process), against packing: 6×64 2048³ +15 to
// +21 %, 1024³ +13 to +49 %, 256×1024×3072 +7 to +16 %, 256×1024×1024 +3
// to +8 %; AVX2 +6 to +39 % on the same shapes; one thread +4 to +16 %.
// With A read in place the cost model of swapPays put the swapped forms of
// the linear layers' X·Wᵀ 2 % ahead, which measured 9-11 % slower: there
// swapping must save swapMinGain = 5 % of the estimate. Other CPUs, not
// measured, pack.
// The vendor also picks the form of the AVX-512 k step (avx512Embedded:
// AMD's), whether Aᵀ may be read in place (directColsLd: 0, never, on
// every CPU not from AMD, Intel's being the ones measured) and the tiles of
// the products of stored matrices (kernel.wide: 6×64 on those CPUs), and
// the AVX2 blocks: session 8's KC = 512 with NC = 1024 (measured on Zen 4)
// makes a 2 MiB B panel, which the 1.25 MiB L2 of Ice Lake (family 6 model
// 106) cannot hold, so each A sliver streamed it from L3. The AVX-512
// blocks, KC = 384 and NC = 640 (a 960 KiB panel), measured on Ice Lake,
// AVX2 forced, 2 threads, medians of 28 calls alternated in one process
// against 512/1024: 2048³ 128-140 → 176-186 GFLOP/s, 256×1024×3072 131 →
// 158, 2048×256×2304 136 → 141, 32768×128×1152 and 1024³ level; 512/512,
// 384/512 and 512/384 were no better than 384/640. Other Intel CPUs get
// the same blocks unmeasured (their L2 ranges from 256 KiB to 2 MiB).
func init() {
	_, b, c, d := cpuid(0)
	amd := b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163 // "AuthenticAMD"
	eax, _, _, _ := cpuid(1)
	family := eax >> 8 & 0xf
	if family == 0xf {
		family += eax >> 20 & 0xff
	}
	alias4KCheap = amd && family >= 26
	avx512Embedded = amd
	if !amd {
		alias4KRows, swapMinGain = 6, 0.05
		directColsLd = 0
		if avx512Kernel != nil {
			avx512Kernel.wide = avx512Wide
		}
		if avx2Kernel != nil {
			avx2Kernel.kc, avx2Kernel.nc = 384, 640
		}
	}
}

//go:noescape
func cpuid(leaf uint32) (eax, ebx, ecx, edx uint32)

// sfence orders the non-temporal stores issued before it (SFENCE).
func sfence()

// transpose16 writes the transpose of the 16×16 block at src (row stride
// lds) to dst (row stride ldd): dst[i*ldd+j] = src[j*lds+i].
func transpose16(dst []float32, ldd int, src []float32, lds int) {
	_ = src[15*lds+15]
	_ = dst[15*ldd+15]
	transpose16AVX512(&dst[0], ldd, &src[0], lds)
}

//go:noescape
func transpose16AVX512(dst *float32, ldd int, src *float32, lds int)

// packPtrs12 writes dst[p*12+i] = rows[i][p] for i < 12, p < n (n a
// multiple of 16; every row at least n long).
func packPtrs12(dst []float32, rows *[12][]float32, n int) {
	if n == 0 {
		return
	}
	_ = dst[n*12-1]
	var ptrs [12]*float32
	for i := range rows {
		_ = rows[i][n-1]
		ptrs[i] = &rows[i][0]
	}
	transposePtrs12AVX512(&dst[0], &ptrs, n/16)
}

//go:noescape
func transposePtrs12AVX512(dst *float32, ptrs *[12]*float32, nb int)

// edgeAVX512 checks the bounds of a 4- or 8-row edge tile and runs
// sgemmEdgeAVX512.
func edgeAVX512(kc int, a []float32, rows int, b []float32, ldb int, c []float32, alpha float32) {
	_ = a[kc*12-1]
	if ldb == 0 {
		_ = b[kc*32-1]
	} else {
		_ = b[(kc-1)*ldb+31]
	}
	_ = c[rows*32-1]
	sgemmEdgeAVX512(kc, &a[0], rows, &b[0], ldb, &c[0], alpha)
}

// sgemmEdgeAVX512 computes the first rows (4 or 8) of the 12×32 tile of
// sgemmPackedAVX512 (A a packed 12-row sliver) or sgemmPackedRowsBAVX512
// (ldb != 0: B read in place) into the scratch c (row stride 32), with
// beta = 0, at a third or two thirds of the cost: the kernels for partial
// tiles whose rows are only 4 or 8 (the last 27 − 24 rows of a weight
// gradient with K·K·Cin = 27 took as long as a full sliver). It is
// equivalent to, with fused multiply-adds:
//
//	for i := 0; i < rows; i++ {
//		for j := 0; j < 32; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[p*12+i] * b[p*ldb+j]   // ldb = 32 when 0 (packed)
//			}
//			c[i*32+j] = alpha * s
//		}
//	}
//
// the same operations, in the same order, as the full kernels. kc ≥ 1.
//
//go:noescape
func sgemmEdgeAVX512(kc int, a *float32, rows int, b *float32, ldb int, c *float32, alpha float32)

// dotProducts is the AVX-512 dotKernel.
func dotProducts(k int, x, y0, y1, n0, n1 []float32, out *[2 * dotRows]float32) {
	_ = x[(k+15)/16*dotRows*16-1]
	_ = y0[k-1]
	_ = y1[k-1]
	dotAVX512(k, &x[0], &y0[0], &y1[0], &n0[0], &n1[0], &out[0])
}

// dotAVX512 computes out[r*12+i] = Σ_p x_i[p]·y_r[p] for p < k, the 12
// rows x_i interleaved by chunks of 16 (x[(c*12+i)*16+l] = x_i[16c+l],
// zero-padded to a whole chunk), y_0 = y0[:k], y_1 = y1[:k] (the tail
// beyond k is not read). Each sum is taken lane-wise over p mod 16 with
// fused multiply-adds, then over the 16 lanes by a fixed tree. k ≥ 1.
// Meanwhile the rows n0, n1 of the next call are prefetched into L2, a
// line per 16 floats: the hardware prefetchers alone left the CCL steps'
// 10 × 3072 × 1024 product waiting on memory.
//
//go:noescape
func dotAVX512(k int, x, y0, y1, n0, n1, out *float32)

func ifKernel(ok bool, k *kernel) *kernel {
	if ok {
		return k
	}
	return nil
}

// microAVX512 checks the bounds of the 12×32 tile and runs
// sgemmPackedAVX512.
func microAVX512(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	_ = a[kc*12-1]
	_ = b[kc*32-1]
	_ = c[11*ldc+31]
	packed512(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, 0, 1)
}

// packed512 runs sgemmPackedAVX512 or, with avx512Embedded, its embedded
// form.
func packed512(kc int, a, b, c *float32, ldc int, alpha, beta float32, nt, tiles int) {
	if avx512Embedded {
		sgemmPackedAVX512Embedded(kc, a, b, c, ldc, alpha, beta, nt, tiles)
		return
	}
	sgemmPackedAVX512(kc, a, b, c, ldc, alpha, beta, nt, tiles)
}

// rows512 runs sgemmRowsAVX512 or, with avx512Embedded, its embedded form.
func rows512(kc int, a *float32, rs int, b, c *float32, ldc int, alpha, beta float32, nt, tiles int) {
	if avx512Embedded {
		sgemmRowsAVX512Embedded(kc, a, rs, b, c, ldc, alpha, beta, nt, tiles)
		return
	}
	sgemmRowsAVX512(kc, a, rs, b, c, ldc, alpha, beta, nt, tiles)
}

// sgemmPackedAVX512 is the AVX-512 12×32 micro-kernel (MR = 12, NR = 32;
// 24 zmm accumulators, two zmm of B, rotating broadcasts of A) on a packed
// A sliver. kc ≥ 1. It is equivalent to, with fused multiply-adds:
//
//	for i := 0; i < 12; i++ {
//		for j := 0; j < 32; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[p*12+i] * b[p*32+j]
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
// sliver and the packed B slivers that follow (tile t: b[t*kc*32:],
// c[t*32:]), as tiles calls would.
//
//go:noescape
func sgemmPackedAVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, nt, tiles int)

// generalAVX512 checks the bounds of the 12×32 tile and runs the
// AVX-512 kernel for the layouts of A (cs != 0: kc rows of 12 floats cs
// apart, op(A) = Aᵀ read in place; else rs == 0: packed sliver; else 12
// rows rs apart) and B (ldb == 0: packed sliver, else kc rows of 32 floats
// ldb apart).
func generalAVX512(kc int, a []float32, rs, cs int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	runAVX512(kc, a, rs, cs, b, ldb, c, ldc, alpha, beta, 0)
}

// streamAVX512 is generalAVX512 writing C with non-temporal stores (beta
// == 0; every row of the tile 64-byte aligned) when B is a packed sliver
// and A packed or read as rows; with B read in place or Aᵀ read in place
// (cs != 0), C is stored as usual.
func streamAVX512(kc int, a []float32, rs, cs int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	runAVX512(kc, a, rs, cs, b, ldb, c, ldc, alpha, beta, 1)
}

// tilesAVX512 checks the bounds of n adjacent 12×32 tiles and computes
// them from one A sliver (packed, or 12 rows rs apart when rs != 0) and n
// consecutive packed B slivers, in one call of the kernel.
func tilesAVX512(kc int, a []float32, rs int, b, c []float32, ldc int, alpha, beta float32, stream bool, n int) {
	tilesX86(12, 32, packed512, rows512, kc, a, rs, b, c, ldc, alpha, beta, stream, n)
}

// tilesX86 is tilesAVX512 for mr×nr tiles, with the kernel's packed and
// rows forms.
func tilesX86(mr, nr int, packed func(kc int, a, b, c *float32, ldc int, alpha, beta float32, nt, tiles int),
	rows func(kc int, a *float32, rs int, b, c *float32, ldc int, alpha, beta float32, nt, tiles int),
	kc int, a []float32, rs int, b, c []float32, ldc int, alpha, beta float32, stream bool, n int) {
	_ = c[(mr-1)*ldc+nr*n-1]
	_ = b[n*kc*nr-1]
	nt := 0
	if stream {
		nt = 1
	}
	if rs == 0 {
		_ = a[kc*mr-1]
		packed(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, nt, n)
		return
	}
	_ = a[(mr-1)*rs+kc-1]
	rows(kc, &a[0], rs, &b[0], &c[0], ldc, alpha, beta, nt, n)
}

// runAVX512 checks the bounds of the tile and runs the AVX-512 kernel for
// the operands' layouts; nt as in sgemmPackedAVX512.
func runAVX512(kc int, a []float32, rs, cs int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, nt int) {
	_ = c[11*ldc+31]
	switch {
	case cs != 0:
		_ = a[(kc-1)*cs+11]
	case rs == 0:
		_ = a[kc*12-1]
	default:
		_ = a[11*rs+kc-1]
	}
	if ldb == 0 {
		_ = b[kc*32-1]
	} else {
		_ = b[(kc-1)*ldb+31]
	}
	e := avx512Embedded
	switch {
	case rs == 0 && cs == 0 && ldb == 0:
		packed512(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, nt, 1)
	case cs == 0 && ldb == 0:
		rows512(kc, &a[0], rs, &b[0], &c[0], ldc, alpha, beta, nt, 1)
	case cs != 0 && ldb == 0 && e:
		sgemmColsAVX512Embedded(kc, &a[0], cs, &b[0], &c[0], ldc, alpha, beta)
	case cs != 0 && ldb == 0:
		sgemmColsAVX512(kc, &a[0], cs, &b[0], &c[0], ldc, alpha, beta)
	case cs != 0 && e:
		sgemmColsRowsBAVX512Embedded(kc, &a[0], cs, &b[0], ldb, &c[0], ldc, alpha, beta)
	case cs != 0:
		sgemmColsRowsBAVX512(kc, &a[0], cs, &b[0], ldb, &c[0], ldc, alpha, beta)
	case rs == 0 && e:
		sgemmPackedRowsBAVX512Embedded(kc, &a[0], &b[0], ldb, &c[0], ldc, alpha, beta)
	case rs == 0:
		sgemmPackedRowsBAVX512(kc, &a[0], &b[0], ldb, &c[0], ldc, alpha, beta)
	case e:
		sgemmRowsRowsBAVX512Embedded(kc, &a[0], rs, &b[0], ldb, &c[0], ldc, alpha, beta)
	default:
		sgemmRowsRowsBAVX512(kc, &a[0], rs, &b[0], ldb, &c[0], ldc, alpha, beta)
	}
}

// sgemmRowsAVX512 is sgemmPackedAVX512 reading A in place: element (i, p)
// of the sliver at a[i*rs+p]. kc ≥ 1. It is equivalent to, with fused
// multiply-adds:
//
//	for i := 0; i < 12; i++ {
//		for j := 0; j < 32; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[i*rs+p] * b[p*32+j]
//			}
//			if beta == 0 {
//				c[i*ldc+j] = alpha * s
//			} else {
//				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
//			}
//		}
//	}
//
// nt and tiles as in sgemmPackedAVX512.
//
//go:noescape
func sgemmRowsAVX512(kc int, a *float32, rs int, b, c *float32, ldc int, alpha, beta float32, nt, tiles int)

// sgemmPackedRowsBAVX512 is sgemmPackedAVX512 reading B in place: element
// (p, j) of the sliver at b[p*ldb+j]. kc ≥ 1. It is equivalent to, with
// fused multiply-adds:
//
//	for i := 0; i < 12; i++ {
//		for j := 0; j < 32; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[p*12+i] * b[p*ldb+j]
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
func sgemmPackedRowsBAVX512(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// sgemmRowsRowsBAVX512 is sgemmPackedAVX512 reading A and B in place:
// element (i, p) of the A sliver at a[i*rs+p], element (p, j) of the B
// sliver at b[p*ldb+j]. kc ≥ 1. It is equivalent to, with fused
// multiply-adds:
//
//	for i := 0; i < 12; i++ {
//		for j := 0; j < 32; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[i*rs+p] * b[p*ldb+j]
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
func sgemmRowsRowsBAVX512(kc int, a *float32, rs int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// sgemmColsAVX512 is sgemmPackedAVX512 reading op(A) = Aᵀ in place:
// element (i, p) of the A sliver at a[p*cs+i]. kc ≥ 1. It is equivalent
// to, with fused multiply-adds:
//
//	for i := 0; i < 12; i++ {
//		for j := 0; j < 32; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[p*cs+i] * b[p*32+j]
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
func sgemmColsAVX512(kc int, a *float32, cs int, b, c *float32, ldc int, alpha, beta float32)

// sgemmColsRowsBAVX512 is sgemmPackedAVX512 reading op(A) = Aᵀ and B
// in place: element (i, p) of the A sliver at a[p*cs+i], element (p, j) of
// the B sliver at b[p*ldb+j]. kc ≥ 1. It is equivalent to, with fused
// multiply-adds:
//
//	for i := 0; i < 12; i++ {
//		for j := 0; j < 32; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[p*cs+i] * b[p*ldb+j]
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
func sgemmColsRowsBAVX512(kc int, a *float32, cs int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// The six kernels above in the embedded form of their k step (see
// avx512Embedded): the same arguments, products and bits.

//go:noescape
func sgemmPackedAVX512Embedded(kc int, a, b, c *float32, ldc int, alpha, beta float32, nt, tiles int)

//go:noescape
func sgemmRowsAVX512Embedded(kc int, a *float32, rs int, b, c *float32, ldc int, alpha, beta float32, nt, tiles int)

//go:noescape
func sgemmPackedRowsBAVX512Embedded(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmRowsRowsBAVX512Embedded(kc int, a *float32, rs int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmColsAVX512Embedded(kc int, a *float32, cs int, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmColsRowsBAVX512Embedded(kc int, a *float32, cs int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// microAVX2 checks the bounds of the 6×16 tile and runs sgemmPackedAVX2.
func microAVX2(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	_ = a[kc*6-1]
	_ = b[kc*16-1]
	_ = c[5*ldc+15]
	sgemmPackedAVX2(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, 0, 1)
}

// sgemmPackedAVX2 is the AVX2+FMA 6×16 micro-kernel (MR = 6, NR = 16; 12
// ymm accumulators, two ymm of B, two broadcasts of A) on a packed A
// sliver. kc ≥ 1. It is equivalent to, with fused multiply-adds:
//
//	for i := 0; i < 6; i++ {
//		for j := 0; j < 16; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[p*6+i] * b[p*16+j]
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
// row of the tile 32-byte aligned) and not prefetched. tiles as in
// sgemmPackedAVX512 (tile t: b[t*kc*16:], c[t*16:]).
//
//go:noescape
func sgemmPackedAVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32, nt, tiles int)

// generalAVX2 checks the bounds of the 6×16 tile and runs the AVX2 kernel
// for the layouts of A (cs != 0: kc rows of 6 floats cs apart, op(A) = Aᵀ
// read in place; else rs == 0: packed sliver; else 6 rows rs apart) and B
// (ldb == 0: packed sliver, else kc rows of 16 floats ldb apart).
func generalAVX2(kc int, a []float32, rs, cs int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	runAVX2(kc, a, rs, cs, b, ldb, c, ldc, alpha, beta, 0)
}

// streamAVX2 is generalAVX2 writing C with non-temporal stores, as
// streamAVX512.
func streamAVX2(kc int, a []float32, rs, cs int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	runAVX2(kc, a, rs, cs, b, ldb, c, ldc, alpha, beta, 1)
}

// tilesAVX2 is tilesAVX512 for the 6×16 tiles of the AVX2 kernel.
func tilesAVX2(kc int, a []float32, rs int, b, c []float32, ldc int, alpha, beta float32, stream bool, n int) {
	tilesX86(6, 16, sgemmPackedAVX2, sgemmRowsAVX2, kc, a, rs, b, c, ldc, alpha, beta, stream, n)
}

// runAVX2 checks the bounds of the tile and runs the AVX2 kernel for the
// operands' layouts; nt as in sgemmPackedAVX2.
func runAVX2(kc int, a []float32, rs, cs int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, nt int) {
	_ = c[5*ldc+15]
	switch {
	case cs != 0:
		_ = a[(kc-1)*cs+5]
	case rs == 0:
		_ = a[kc*6-1]
	default:
		_ = a[5*rs+kc-1]
	}
	if ldb == 0 {
		_ = b[kc*16-1]
	} else {
		_ = b[(kc-1)*ldb+15]
	}
	switch {
	case cs != 0 && ldb == 0:
		sgemmColsAVX2(kc, &a[0], cs, &b[0], &c[0], ldc, alpha, beta)
	case cs != 0:
		sgemmColsRowsBAVX2(kc, &a[0], cs, &b[0], ldb, &c[0], ldc, alpha, beta)
	case rs == 0 && ldb == 0:
		sgemmPackedAVX2(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, nt, 1)
	case ldb == 0:
		sgemmRowsAVX2(kc, &a[0], rs, &b[0], &c[0], ldc, alpha, beta, nt, 1)
	case rs == 0:
		sgemmPackedRowsBAVX2(kc, &a[0], &b[0], ldb, &c[0], ldc, alpha, beta)
	default:
		sgemmRowsRowsBAVX2(kc, &a[0], rs, &b[0], ldb, &c[0], ldc, alpha, beta)
	}
}

// sgemmRowsAVX2 is sgemmPackedAVX2 reading A in place: element (i, p) of
// the sliver at a[i*rs+p]. kc ≥ 1. It is equivalent to, with fused
// multiply-adds:
//
//	for i := 0; i < 6; i++ {
//		for j := 0; j < 16; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[i*rs+p] * b[p*16+j]
//			}
//			if beta == 0 {
//				c[i*ldc+j] = alpha * s
//			} else {
//				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
//			}
//		}
//	}
//
// nt and tiles as in sgemmPackedAVX2.
//
//go:noescape
func sgemmRowsAVX2(kc int, a *float32, rs int, b, c *float32, ldc int, alpha, beta float32, nt, tiles int)

// sgemmPackedRowsBAVX2 is sgemmPackedAVX2 reading B in place: element
// (p, j) of the sliver at b[p*ldb+j]. kc ≥ 1. It is equivalent to, with
// fused multiply-adds:
//
//	for i := 0; i < 6; i++ {
//		for j := 0; j < 16; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[p*6+i] * b[p*ldb+j]
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
func sgemmPackedRowsBAVX2(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// sgemmRowsRowsBAVX2 is sgemmPackedAVX2 reading A and B in place: element
// (i, p) of the A sliver at a[i*rs+p], element (p, j) of the B sliver at
// b[p*ldb+j]. kc ≥ 1. It is equivalent to, with fused multiply-adds:
//
//	for i := 0; i < 6; i++ {
//		for j := 0; j < 16; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[i*rs+p] * b[p*ldb+j]
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
func sgemmRowsRowsBAVX2(kc int, a *float32, rs int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// sgemmColsAVX2 is sgemmPackedAVX2 reading op(A) = Aᵀ in place:
// element (i, p) of the A sliver at a[p*cs+i]. kc ≥ 1. It is equivalent
// to, with fused multiply-adds:
//
//	for i := 0; i < 6; i++ {
//		for j := 0; j < 16; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[p*cs+i] * b[p*16+j]
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
func sgemmColsAVX2(kc int, a *float32, cs int, b, c *float32, ldc int, alpha, beta float32)

// sgemmColsRowsBAVX2 is sgemmPackedAVX2 reading op(A) = Aᵀ and B
// in place: element (i, p) of the A sliver at a[p*cs+i], element (p, j) of
// the B sliver at b[p*ldb+j]. kc ≥ 1. It is equivalent to, with fused
// multiply-adds:
//
//	for i := 0; i < 6; i++ {
//		for j := 0; j < 16; j++ {
//			var s float32
//			for p := 0; p < kc; p++ {
//				s += a[p*cs+i] * b[p*ldb+j]
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
func sgemmColsRowsBAVX2(kc int, a *float32, cs int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// saxpyVec does Saxpy's work on a prefix of x and y with AVX2 when the
// CPU has it (and useAVX2 is set) and returns the prefix length.
func saxpyVec(alpha float32, x, y []float32) int {
	n := len(x) &^ 31
	if n == 0 || !useAVX2 || !hasAVX2FMA {
		return 0
	}
	_ = y[n-1]
	saxpyAVX2(alpha, &x[0], &y[0], n)
	return n
}

// saxpyAVX2 computes, 32 floats per iteration, n a multiple of 32:
//
//	for i := 0; i < n; i++ {
//		y[i] += float32(alpha * x[i]) // VMULPS then VADDPS, not fused
//	}
//
//go:noescape
func saxpyAVX2(alpha float32, x, y *float32, n int)

// sscalVec does Sscal's work on a prefix of x with AVX2 when the CPU has
// it (and useAVX2 is set) and returns the prefix length.
func sscalVec(alpha float32, x []float32) int {
	n := len(x) &^ 31
	if n == 0 || !useAVX2 || !hasAVX2FMA {
		return 0
	}
	sscalAVX2(alpha, &x[0], n)
	return n
}

// sscalAVX2 computes, 32 floats per iteration, n a multiple of 32:
//
//	for i := 0; i < n; i++ {
//		x[i] *= alpha
//	}
//
//go:noescape
func sscalAVX2(alpha float32, x *float32, n int)

// packRowsAVX512 is packRows with 16×16 in-register transposes for the
// slivers of the AVX-512 kernels: 32 and 64 rows (op(B) = Bᵀ, 12×32 and
// 6×64 tiles), 12 and 6 rows (op(A) = A, when it is packed; 6-row slivers
// two at a time); other widths and the partial last sliver go to packRows.
func packRowsAVX512(dst, src []float32, ld, r, kc, w int) {
	if w != 6 && w != 12 && w != 32 && w != 64 {
		packRows(dst, src, ld, r, kc, w)
		return
	}
	full := r / w * w
	nb := kc / 16
	for s := 0; s < full; s += w {
		d := dst[s*kc : (s+w)*kc]
		if nb > 0 {
			_ = src[(s+w-1)*ld+nb*16-1]
			switch {
			case w == 6 && s%12 != 0:
				// The second sliver of a pair: transposed with the first.
			case w == 6 && s+12 <= full:
				// Two slivers in one pass: this one and the next.
				_ = src[(s+11)*ld+nb*16-1]
				_ = dst[(s+12)*kc-1]
				transposeRows6PairAVX512(&d[0], &src[s*ld], ld, nb, kc)
			case w == 6:
				// A last, odd sliver.
				transposeRows6AVX512(&d[0], &src[s*ld], ld, nb)
			case w == 12:
				transposeRows12AVX512(&d[0], &src[s*ld], ld, nb)
			case w == 32:
				transposeBlocksAVX512(&d[0], &src[s*ld], ld, 32, nb)
				transposeBlocksAVX512(&d[16], &src[(s+16)*ld], ld, 32, nb)
			default:
				for h := 0; h < 64; h += 16 {
					transposeBlocksAVX512(&d[h], &src[(s+h)*ld], ld, 64, nb)
				}
			}
		}
		for i := range w {
			row := src[(s+i)*ld : (s+i)*ld+kc]
			for p := nb * 16; p < kc; p++ {
				d[p*w+i] = row[p]
			}
		}
	}
	if full < r {
		packRows(dst[full*kc:], src[full*ld:], ld, r-full, kc, w)
	}
}

// transposeBlocksAVX512 transposes nb blocks of 16 rows × 16 columns into
// the slivers of width ldd (32: the 12×32 kernel's B operand; 64: the
// 6×64 kernel's). It is equivalent to
//
//	for b := 0; b < nb; b++ {
//		for p := 0; p < 16; p++ {
//			for i := 0; i < 16; i++ {
//				dst[(b*16+p)*ldd+i] = src[i*ld+b*16+p]
//			}
//		}
//	}
//
//go:noescape
func transposeBlocksAVX512(dst, src *float32, ld, ldd, nb int)

// transposeRows12AVX512 is the same for 12 rows into the 12-wide sliver
// layout of the A operand:
//
//	for b := 0; b < nb; b++ {
//		for p := 0; p < 16; p++ {
//			for i := 0; i < 12; i++ {
//				dst[(b*16+p)*12+i] = src[i*ld+b*16+p]
//			}
//		}
//	}
//
//go:noescape
func transposeRows12AVX512(dst, src *float32, ld, nb int)

// transposeRows6PairAVX512 is transposeRows6AVX512 for two adjacent
// slivers, rows 0..5 into dst and rows 6..11 into dst[6*kc:], in one pass
// of 12-row transposes:
//
//	for b := 0; b < nb; b++ {
//		for p := 0; p < 16; p++ {
//			for i := 0; i < 12; i++ {
//				dst[(i/6)*6*kc+(b*16+p)*6+i%6] = src[i*ld+b*16+p]
//			}
//		}
//	}
//
//go:noescape
func transposeRows6PairAVX512(dst, src *float32, ld, nb, kc int)

// transposeRows6AVX512 is the same for 6 rows into the 6-wide sliver
// layout of the 6×64 kernel's A operand:
//
//	for b := 0; b < nb; b++ {
//		for p := 0; p < 16; p++ {
//			for i := 0; i < 6; i++ {
//				dst[(b*16+p)*6+i] = src[i*ld+b*16+p]
//			}
//		}
//	}
//
//go:noescape
func transposeRows6AVX512(dst, src *float32, ld, nb int)

// packColsX86 is packCols with assembly row copies for the widths of the
// amd64 kernels (64, 32, 12 and 6 for AVX-512, 16 for AVX2; a Go array
// copy of that size is a memmove call), in the same order (packColsRows
// rows into every sliver at a time); other widths go to packCols. The 64-
// and 32-wide copies need AVX-512 (the 6-wide one is used only while the
// AVX-512 kernel is: the AVX2 kernel's A slivers are 6 wide too), the
// others AVX.
func packColsX86(dst, src []float32, ld, r, kc, w int) {
	var copyRows func(dst, src *float32, ld, kc int)
	switch {
	case w == 64:
		copyRows = copyRows64AVX512
	case w == 6 && hasAVX512 && useAVX512:
		copyRows = copyRows6AVX512
	case w == 32:
		copyRows = copyRows32AVX512
	case w == 16:
		copyRows = copyRows16AVX2
	case w == 12:
		copyRows = copyRows12AVX2
	default:
		packCols(dst, src, ld, r, kc, w)
		return
	}
	full := r / w * w
	if full > 0 {
		_ = src[(kc-1)*ld+full-1]
		_ = dst[full*kc-1]
	}
	for p0 := 0; p0 < kc; p0 += packColsRows {
		n := min(packColsRows, kc-p0)
		for s := 0; s < full; s += w {
			copyRows(&dst[s*kc+p0*w], &src[p0*ld+s], ld, n)
		}
	}
	switch {
	case full == r:
	case hasAVX512 && useAVX512 && kc > 0 && w <= 32:
		// The partial last sliver with masked loads and stores.
		h := r - full
		_ = src[(kc-1)*ld+r-1]
		_ = dst[(full+w)*kc-1]
		copyRowsMaskedAVX512(&dst[full*kc], &src[full], ld, kc, 1<<h-1, 1<<w-1, w)
	default:
		packCols(dst[full*kc:], src[full:], ld, r-full, kc, w)
	}
}

// copyRows32AVX512 copies kc rows of 32 floats, ld apart, into a packed
// sliver. It is equivalent to
//
//	for p := 0; p < kc; p++ {
//		copy(dst[p*32:p*32+32], src[p*ld:p*ld+32])
//	}
//
//go:noescape
func copyRows32AVX512(dst, src *float32, ld, kc int)

// copyRows64AVX512 copies kc rows of 64 floats, ld apart, into a packed
// sliver. It is equivalent to
//
//	for p := 0; p < kc; p++ {
//		copy(dst[p*64:p*64+64], src[p*ld:p*ld+64])
//	}
//
//go:noescape
func copyRows64AVX512(dst, src *float32, ld, kc int)

// copyRows6AVX512 copies kc rows of 6 floats, ld apart, into a packed
// sliver (the A slivers of the 6×64 kernel when op(A) = Aᵀ), with
// copyRowsMaskedAVX512.
func copyRows6AVX512(dst, src *float32, ld, kc int) {
	copyRowsMaskedAVX512(dst, src, ld, kc, 1<<6-1, 1<<6-1, 6)
}

// copyRows16AVX2 copies kc rows of 16 floats, ld apart, into a packed
// sliver. It is equivalent to
//
//	for p := 0; p < kc; p++ {
//		copy(dst[p*16:p*16+16], src[p*ld:p*ld+16])
//	}
//
//go:noescape
func copyRows16AVX2(dst, src *float32, ld, kc int)

// copyRows12AVX2 copies kc rows of 12 floats, ld apart, into a packed
// sliver. It is equivalent to
//
//	for p := 0; p < kc; p++ {
//		copy(dst[p*12:p*12+12], src[p*ld:p*ld+12])
//	}
//
//go:noescape
func copyRows12AVX2(dst, src *float32, ld, kc int)

// packRowsAVX2 is packRows with 8×8 in-register transposes for the slivers
// of 16 rows of the AVX2 kernel (op(B) = Bᵀ); other widths and the partial
// last sliver go to packRows.
func packRowsAVX2(dst, src []float32, ld, r, kc, w int) {
	if w != 16 {
		packRows(dst, src, ld, r, kc, w)
		return
	}
	full := r / 16 * 16
	nb := kc / 8
	for s := 0; s < full; s += 16 {
		d := dst[s*kc : (s+16)*kc]
		if nb > 0 {
			_ = src[(s+15)*ld+nb*8-1]
			transposeRows16AVX2(&d[0], &src[s*ld], ld, nb)
			transposeRows16AVX2(&d[8], &src[(s+8)*ld], ld, nb)
		}
		for i := range 16 {
			row := src[(s+i)*ld : (s+i)*ld+kc]
			for p := nb * 8; p < kc; p++ {
				d[p*16+i] = row[p]
			}
		}
	}
	if full < r {
		packRows(dst[full*kc:], src[full*ld:], ld, r-full, kc, w)
	}
}

// transposeRows16AVX2 transposes nb blocks of 8 rows × 8 columns into the
// 16-wide sliver layout. It is equivalent to
//
//	for b := 0; b < nb; b++ {
//		for p := 0; p < 8; p++ {
//			for i := 0; i < 8; i++ {
//				dst[(b*8+p)*16+i] = src[i*ld+b*8+p]
//			}
//		}
//	}
//
//go:noescape
func transposeRows16AVX2(dst, src *float32, ld, nb int)

// copyRowsMaskedAVX512 copies kc rows of h floats, ld apart, into a packed
// sliver of width w (h < w ≤ 32), zero-filling each row: lmask = 1<<h - 1,
// smask = 1<<w - 1. It is equivalent to
//
//	for p := 0; p < kc; p++ {
//		copy(dst[p*w:p*w+h], src[p*ld:p*ld+h])
//		clear(dst[p*w+h : p*w+w])
//	}
//
//go:noescape
func copyRowsMaskedAVX512(dst, src *float32, ld, kc int, lmask, smask uint32, w int)
