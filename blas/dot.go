package blas

import (
	"github.com/counter-current/ccl/internal/hugepage"
	"github.com/counter-current/ccl/internal/parallel"
)

// Products C = alpha·op(A)·Bᵀ + beta·C (B stored with the reduction
// dimension contiguous) with at most dotRows rows are computed as dot
// products instead of the blocked algorithm.
// These are the CCL steps' products with one row per class: the
// classifier's feedback network on the K×K identity (10×3072 × 1024 for
// the CIFAR-10 MLP), the MLP pair losses' similarities Sᵀ = B·Aᵀ
// (ccl.PairLoss keeps S transposed for this) and the K×K Gram matrices of
// the low-rank feedback update. The blocked
// algorithm would pack B transposed, a pass over all of it for less than
// one micro-kernel tile row; here B is read once, in place, two rows at a
// time, against op(A), packed by 16-float chunks (12×k floats, in L1 or
// L2):
//
//	out[r][i] = Σ_p A[i][p]·B[r][p]    lane-wise over p mod 16, then a fixed tree over the 16 lanes
//	C[i][r] = alpha·out[r][i] (+ beta·C[i][r])
//
// Each element of C is one dot product computed by one thread in a fixed
// order: the result does not depend on the thread count. Products with few
// columns instead (256×10: the logits) keep the blocked algorithm, swapped
// (see swapPays): the logits keep their bits.

// dotRows is the largest number of rows computed as dot products: the 12
// rows of A the kernel holds.
const dotRows = 12

// dotKernel computes out[r*12+i] = Σ_p x_i[p]·y_r[p] (p < k) for the 12
// rows x_i of the chunk-interleaved X (x[(c*12+i)*16+l] = x_i[16c+l], zero
// beyond k) and the rows y0, y1 (k floats each), and may prefetch the rows
// n0, n1 (k floats each) of its next call.
type dotKernel func(k int, x, y0, y1, n0, n1 []float32, out *[2 * dotRows]float32)

// dotPays reports whether the product is computed as dot products.
func dotPays(kn *kernel, tB Transpose, m int) bool {
	return kn.dot != nil && tB == Trans && m <= dotRows
}

// dotJob is one dot-product Sgemm, shared by the caller and the workers
// helping it.
type dotJob struct {
	kern        dotKernel
	k           int
	x           []float32 // A, packed by chunks
	p           int       // its rows
	y           []float32 // B, q rows ldy apart
	q, ldy      int
	c           []float32
	ldc         int
	alpha, beta float32
	g           parallel.Group
	out         [][2 * dotRows]float32 // per participant: the kernel's sums
}

var dotJobs = parallel.NewFreeList(func(j *dotJob) { j.g.Prepare() })

// dotRowsA holds gathered operands A of SgemmGatherA's dot products.
var dotRowsA = hugepage.NewPool()

// sgemmDot computes C = alpha·A·Bᵀ + beta·C (m×n, depth k) as dot products
// (see dotPays); m, n, k > 0, m ≤ dotRows.
func sgemmDot(kern dotKernel, tA Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	j := dotJobs.Get()
	j.kern, j.k, j.alpha, j.beta, j.c, j.ldc = kern, k, alpha, beta, c, ldc
	j.p, j.y, j.q, j.ldy = m, b, n, ldb
	chunks := (k + 15) / 16
	j.x = hwDotX.Grow(j.x, chunks*dotRows*16, chunks*dotRows*16)
	clear(j.x)
	for i := range m {
		if tA == NoTrans {
			row := a[i*lda : i*lda+k]
			for c := range chunks {
				copy(j.x[(c*dotRows+i)*16:(c*dotRows+i)*16+16], row[c*16:min(k, c*16+16)])
			}
			continue
		}
		for p := range k { // op(A) = Aᵀ: column i of the stored k×m matrix
			j.x[(p/16*dotRows+i)*16+p%16] = a[p*lda+i]
		}
	}
	pairs := (j.q + 1) / 2
	parts := 1
	if flops := 2 * float64(m) * float64(n) * float64(k); flops >= parallelFlops {
		parts = parallel.Parts(pairs, int(flops), parallelFlops/2)
	}
	if t := parallel.Threads(1 << 30); len(j.out) < t {
		// For all threads at once: a job first met with parts > 1 late
		// would otherwise allocate then.
		j.out = make([][2 * dotRows]float32, t)
	}
	parallel.Run(j, &j.g, pairs, parts, 1)
	// Settled before going back: jobs are handed out in turn, so each is
	// at the mark after its first use in the first steps.
	j.x, j.y, j.c = hwDotX.Settle(j.x[:0]), nil, nil
	dotJobs.Put(j)
}

// row returns row r of B.
func (j *dotJob) row(r int) []float32 { return j.y[r*j.ldy : r*j.ldy+j.k] }

// Do computes columns 2t, 2t+1 of C (rows of B) for t in [lo, hi)
// (parallel.Task).
func (j *dotJob) Do(w, lo, hi int) {
	out := &j.out[w]
	for t := lo; t < hi; t++ {
		r0 := 2 * t
		r1 := min(r0+1, j.q-1) // an odd last row is computed twice
		n0, n1 := min(r0+2, j.q-1), min(r0+3, j.q-1)
		j.kern(j.k, j.x, j.row(r0), j.row(r1), j.row(n0), j.row(n1), out)
		for r := r0; r <= r1; r++ {
			o := out[(r-r0)*dotRows:]
			for i := range j.p {
				ci := &j.c[i*j.ldc+r]
				if j.beta == 0 {
					*ci = j.alpha * o[i]
				} else {
					*ci = j.alpha*o[i] + j.beta**ci
				}
			}
		}
	}
}
