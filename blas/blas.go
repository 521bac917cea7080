// Package blas holds the dense float32 kernels that training is built on:
// a general matrix product (Sgemm) and the few level-1 helpers the
// optimisers and losses need.
//
// Every matrix is row-major. A matrix with r rows and c columns stored with
// leading dimension ld (ld ≥ c) keeps element (i, j) at index i*ld + j, so a
// sub-matrix view is simply a slice starting at its first element with the
// parent's leading dimension.
//
// Sgemm runs on the best micro-kernel the CPU supports, chosen once at
// start-up: AVX-512 (12×32 tiles; on Intel, 6×64 tiles for the products
// of stored matrices) or AVX2+FMA (6×16) on amd64, NEON (8×12) on arm64, and a pure-Go kernel (4×4) everywhere else. The environment
// variable CCL_BLAS=generic|avx2|avx512|neon, or SetKernel, forces a lower
// path; Kernel and Kernels report them. The build tags purego and noasm
// build no assembly at all. Products are split over GOMAXPROCS threads by
// a persistent worker pool, give bit-identical results whatever the
// thread count, and allocate nothing once warm.
//
// The package knows nothing of layers, models or files.
package blas

import (
	"sync/atomic"

	"github.com/counter-current/ccl/internal/gemmtrace"
)

// Transpose selects op(X) in Sgemm: X itself or its transpose.
type Transpose byte

const (
	NoTrans Transpose = 'N' // op(X) = X
	Trans   Transpose = 'T' // op(X) = Xᵀ
)

// Sgemm computes
//
//	C = alpha · op(A) · op(B) + beta · C
//
// for row-major matrices, where op(A) is m×k, op(B) is k×n and C is m×n.
// A is stored m×k (lda ≥ k) when tA == NoTrans and k×m (lda ≥ m) when
// tA == Trans; likewise B is k×n (ldb ≥ n) or n×k (ldb ≥ k); ldc ≥ n.
// When beta == 0, C is not read (NaNs in C do not propagate), as in BLAS.
// When k == 0 or alpha == 0, C is only scaled by beta.
//
// The result for a given shape does not depend on the number of threads:
// every element of C is reduced over k in the same order, so training is
// reproducible for a given seed.
//
// Sgemm panics if a dimension is negative, a leading dimension is too small,
// or a slice is too short for the shape: these are programmer errors.
func Sgemm(tA, tB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	gemmtrace.Record(gemmtrace.Call{TransA: tA == Trans, TransB: tB == Trans, M: m, N: n, K: k,
		Lda: lda, Ldb: ldb, Ldc: ldc, Alpha: alpha, Beta: beta})
	if begin(m, n, k, alpha, beta, c, ldc) {
		sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

// SgemmSym computes the symmetric product (a Gram matrix)
//
//	C = alpha · A · Aᵀ      A: n×k (leading dimension lda), C: n×n, written whole
//
// with the same bits as Sgemm(NoTrans, Trans, n, n, k, alpha, a, lda, a, lda,
// 0, c, ldc) in about half the work: only the tiles of C holding elements
// on or below the diagonal are computed, and the upper triangle is copied
// from the lower. Element (i, j) is Σ_p a_ip·a_jp; its products are the
// same values and are summed in the same order when it is (j, i), so the
// full product is symmetric bit for bit. The flops counted (Flops) are
// n·(n+1)·k, the work of the lower triangle.
func SgemmSym(n, k int, alpha float32, a []float32, lda int, c []float32, ldc int) {
	checkGemm(NoTrans, Trans, n, n, k, a, lda, a, lda, c, ldc)
	gemmtrace.Record(gemmtrace.Call{Sym: true, TransB: true, M: n, N: n, K: k, Lda: lda, Ldb: lda, Ldc: ldc, Alpha: alpha})
	if n == 0 {
		return
	}
	// The 12×32 tiles, not the 6×64 ones (plain) of the products of
	// stored matrices on Intel: a Gram matrix's tiles on the diagonal
	// compute fewer elements above it. One thread, 138 × 32768 (the
	// cnn_pool CCL step's second pair at batch 128): 114 → 122 GFLOP/s;
	// 138 × 8192 114 → 119; 266 × 32768 148 → 157. The two tiles give the
	// same bits (TestAVX512WideSameBits).
	kern := currentKernel()
	if k == 0 || alpha == 0 || dotPays(kern, Trans, n) || n <= kern.nr {
		// Empty, a single tile column, or dot products: the whole product.
		if begin(n, n, k, alpha, 0, c, ldc) {
			sgemm(NoTrans, Trans, n, n, k, alpha, a, lda, a, lda, 0, c, ldc)
		}
		return
	}
	flops.Add(int64(n) * int64(n+1) * int64(k))
	j := newJob(kern, NoTrans, Trans, n, n, k, alpha, a, lda, a, lda, 0, c, ldc)
	j.lower = true
	j.run()
	for i := range n {
		for jj := i + 1; jj < n; jj++ {
			c[i*ldc+jj] = c[jj*ldc+i]
		}
	}
}

// begin counts a checked product's flops and reports whether it needs the
// blocked algorithm: not when C is empty, nor when k == 0 or alpha == 0,
// where C is only scaled by beta (done here).
func begin(m, n, k int, alpha, beta float32, c []float32, ldc int) bool {
	if m == 0 || n == 0 {
		return false
	}
	flops.Add(2 * int64(m) * int64(n) * int64(k))
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return false
	}
	return true
}

// Gather supplies a matrix operand that is never stored: the product's
// packing asks it for blocks of the matrix instead of reading a slice.
// Package conv gathers its im2col matrix this way, straight from the input
// feature map, so that the matrix (up to hundreds of megabytes) is neither
// written to memory nor read back.
type Gather interface {
	// Block writes the r×w block X[i0:i0+r, p0:p0+w] of the matrix X into
	// dst, row i at dst[i*ld : i*ld+w]. It is called concurrently, on
	// distinct dst.
	Block(dst []float32, ld, i0, r, p0, w int)
}

// RunGather is a Gather whose rows are runs of contiguous values or of
// zeros, such as an im2col matrix (a run per tap: Cin adjacent channels of
// one input pixel, or zeros in the padding). SgemmRunsA packs A straight
// from the runs, without gathering rows into scratch first.
type RunGather interface {
	Gather
	// Run returns the run of row i that holds column p: columns [p, p+n)
	// of the row are src[:n], or zeros when src is nil. n ≥ 1.
	Run(i, p int) (src []float32, n int)
}

// SgemmGatherA is Sgemm with op(A) = A (m×k) given by a:
//
//	C = alpha · A · op(B) + beta · C
//
// A is packed block by block as the product needs it, gathered from a, as
// Sgemm packs a stored A; the result has the same bits as Sgemm's on the
// stored matrix. (Products A·Bᵀ of at most 12 rows, which Sgemm computes
// as dot products on AVX-512 (see dot.go), gather A whole, at most 12×k
// floats, and do the same.)
func SgemmGatherA(m, n, k int, alpha float32, a Gather, tB Transpose, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmGatherA(m, n, k, alpha, a, nil, tB, b, ldb, beta, c, ldc)
}

// SgemmRunsA is SgemmGatherA on a RunGather, with the same bits: where the
// kernel can (the AVX-512 kernel), A is packed straight from a's runs.
// It is a function of its own, not a type assertion inside SgemmGatherA:
// an assertion to an interface type fills the runtime's cache for its
// call site at a random call (about one miss in a thousand), allocating
// then, which a training step that must allocate nothing cannot have. A
// conversion from RunGather to Gather is such an assertion too, so a is
// kept as a RunGather throughout (see blockA): passing it on as a Gather
// as well allocated 48 bytes at a random step, hundreds of steps in (the
// steps benchmarks' occasional 0.05 mallocs/step, and
// TestCIFARCNNPoolStepDoesNotAllocate about one run in six).
func SgemmRunsA(m, n, k int, alpha float32, a RunGather, tB Transpose, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmGatherA(m, n, k, alpha, nil, a, tB, b, ldb, beta, c, ldc)
}

// blockA writes the block of a gathered op(A) that Gather.Block describes,
// from whichever of a and rg is not nil.
func blockA(a Gather, rg RunGather, dst []float32, ld, i0, r, p0, w int) {
	if rg != nil {
		rg.Block(dst, ld, i0, r, p0, w)
		return
	}
	a.Block(dst, ld, i0, r, p0, w)
}

// sgemmGatherA computes SgemmGatherA's product with A gathered from a, or
// packed from the runs of rg: exactly one of them is not nil.
func sgemmGatherA(m, n, k int, alpha float32, a Gather, rg RunGather, tB Transpose, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkOperands(NoTrans, tB, m, n, k, false, nil, 0, true, b, ldb, c, ldc)
	if !begin(m, n, k, alpha, beta, c, ldc) {
		return
	}
	if kn := currentKernel(); dotPays(kn, tB, m) {
		buf := dotRowsA.Get(m * k)
		blockA(a, rg, buf.S, k, 0, m, 0, k)
		sgemmDot(kn.dot, NoTrans, m, n, k, alpha, buf.S, k, b, ldb, beta, c, ldc)
		dotRowsA.Put(buf)
		return
	}
	j := newJob(currentKernel(), NoTrans, tB, m, n, k, alpha, nil, 0, b, ldb, beta, c, ldc)
	j.ga, j.gr = a, rg
	j.run()
}

// SgemmGatherB is Sgemm with op(B) = B (k×n) given by b:
//
//	C = alpha · op(A) · B + beta · C
//
// with the same bits as Sgemm's on B stored as such (see SgemmGatherA).
// Sgemm on Bᵀ stored instead computes products of at most 12 rows as dot
// products on AVX-512 (see dot.go), which agree to rounding.
func SgemmGatherB(tA Transpose, m, n, k int, alpha float32, a []float32, lda int, b Gather, beta float32, c []float32, ldc int) {
	checkOperands(tA, NoTrans, m, n, k, true, a, lda, false, nil, 0, c, ldc)
	if !begin(m, n, k, alpha, beta, c, ldc) {
		return
	}
	j := newJob(currentKernel(), tA, NoTrans, m, n, k, alpha, a, lda, nil, 0, beta, c, ldc)
	j.gb = b
	j.run()
}

var flops atomic.Int64

// Flops returns the floating-point operations of every Sgemm call since the
// program started, counted as 2·m·n·k per call (one multiply and one add
// per term): the work a training step's benchmark divides by its time.
func Flops() int64 { return flops.Load() }

// Constant panic messages, checked in a fixed order (enums, dimensions,
// leading dimensions, lengths) as gonum's BLAS does.
const (
	errTransA = "blas: bad tA"
	errTransB = "blas: bad tB"
	errM      = "blas: m < 0"
	errN      = "blas: n < 0"
	errK      = "blas: k < 0"
	errLda    = "blas: lda too small"
	errLdb    = "blas: ldb too small"
	errLdc    = "blas: ldc too small"
	errShortA = "blas: a too short"
	errShortB = "blas: b too short"
	errShortC = "blas: c too short"
	errLen    = "blas: slice lengths differ"
	errLayout = "blas: operand layout not supported by the kernel"
)

func checkGemm(tA, tB Transpose, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	checkOperands(tA, tB, m, n, k, true, a, lda, true, b, ldb, c, ldc)
}

// checkOperands checks the arguments of a product; a gathered operand
// (storedA or storedB false) has only its dimensions checked.
func checkOperands(tA, tB Transpose, m, n, k int, storedA bool, a []float32, lda int, storedB bool, b []float32, ldb int, c []float32, ldc int) {
	if tA != NoTrans && tA != Trans {
		panic(errTransA)
	}
	if tB != NoTrans && tB != Trans {
		panic(errTransB)
	}
	if m < 0 {
		panic(errM)
	}
	if n < 0 {
		panic(errN)
	}
	if k < 0 {
		panic(errK)
	}
	// Stored shapes of A and B.
	ar, ac := m, k
	if tA == Trans {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB == Trans {
		br, bc = n, k
	}
	if storedA && lda < max(1, ac) {
		panic(errLda)
	}
	if storedB && ldb < max(1, bc) {
		panic(errLdb)
	}
	if ldc < max(1, n) {
		panic(errLdc)
	}
	if storedA && ar > 0 && ac > 0 && len(a) < (ar-1)*lda+ac {
		panic(errShortA)
	}
	if storedB && br > 0 && bc > 0 && len(b) < (br-1)*ldb+bc {
		panic(errShortB)
	}
	if m > 0 && n > 0 && len(c) < (m-1)*ldc+n {
		panic(errShortC)
	}
}
