package conv

import (
	"fmt"

	"github.com/counter-current/ccl/blas"
	"github.com/counter-current/ccl/internal/hugepage"
)

// Geometry describes a 2-d convolution: a batch of N input maps of H×W
// pixels with Cin channels (NHWC), Cout output channels, a square K×K
// kernel, stride Stride and zero padding Pad on every side.
type Geometry struct {
	N, H, W, Cin, Cout, K, Stride, Pad int
}

// Out returns the output map size:
//
//	ho = (H + 2·Pad − K)/Stride + 1,  wo = (W + 2·Pad − K)/Stride + 1
//
// (integer division, as PyTorch floors it).
func (g Geometry) Out() (ho, wo int) {
	return (g.H+2*g.Pad-g.K)/g.Stride + 1, (g.W+2*g.Pad-g.K)/g.Stride + 1
}

// Rows returns M = N·Ho·Wo, the number of output pixels: the rows of the
// im2col matrix and of the output.
func (g Geometry) Rows() int {
	ho, wo := g.Out()
	return g.N * ho * wo
}

// Depth returns K·K·Cin: the columns of the im2col matrix and of a weight row.
func (g Geometry) Depth() int { return g.Cin * g.K * g.K }

// ColLen returns N·Ho·Wo·Cin·K·K, the length of the im2col matrix.
func (g Geometry) ColLen() int { return g.Rows() * g.Depth() }

// InLen returns N·H·W·Cin, the length of the input.
func (g Geometry) InLen() int { return g.N * g.H * g.W * g.Cin }

// OutLen returns N·Ho·Wo·Cout, the length of the output.
func (g Geometry) OutLen() int { return g.Rows() * g.Cout }

// WeightLen returns Cout·Cin·K·K, the length of the weight matrix.
func (g Geometry) WeightLen() int { return g.Cout * g.Depth() }

// Narrow reports whether the convolution runs on the output side (see the
// package documentation): K > 1 (or a stride or padding) and K·K·Cout ≤ Cin,
// so that the K·K·Cout tap outputs of an input pixel take no more memory
// than the pixel itself, where im2col would copy it K·K times.
func (g Geometry) Narrow() bool { return !g.pointwise() && g.K*g.K*g.Cout <= g.Cin }

// ScratchLen returns the length of the scratch col that Forward and
// BackwardWeight take: the tap matrix of a narrow convolution, N·H·W ×
// K·K·Cout; the im2col matrix (ColLen) of a convolution with fewer than
// gatherMinCin input channels; 0 otherwise (the im2col matrix is gathered
// as the products need it, never stored, see gathers).
func (g Geometry) ScratchLen() int {
	switch {
	case g.Narrow():
		return g.tapLen()
	case g.pointwise() || g.small() || g.gathers():
		return 0
	}
	return g.ColLen()
}

// gatherMinCin is the fewest input channels for which the products gather
// the im2col matrix from the input (blas.SgemmGatherA, SgemmGatherB)
// instead of storing it: the gather copies runs of K·Cin values (a kernel
// row), which for the 3 channels of an image are too short to beat one
// im2col pass (the first cnn_pool layer's forward measured 66 GFLOP/s
// stored and 54 gathered, batch 32).
const gatherMinCin = 16

// gathers reports whether Forward and BackwardWeight gather the im2col
// matrix rather than store it. For the middle cnn_pool layers at batch 128
// the stored matrix is 19 to 151 MB, written by im2col and read back from
// memory twice (forward product, weight-gradient packing); gathered, the
// packing reads the input (1/K² of that) instead. The cnn_pool CCL step
// measured the same speed (medians of 10 runs in ABBA order: 354 ms
// stored, 362 gathered; BP 411 and 409) with 234 MB less heap, the
// autoencoder's 3.6 GB less.
func (g Geometry) gathers() bool { return !g.pointwise() && !g.Narrow() && g.Cin >= gatherMinCin }

// BackwardInputScratchLen returns the length of the scratch dcol that
// BackwardInput takes: the im2col-shaped dOut·W (ColLen) that col2im sums,
// the tap matrix of a narrow convolution, or 0 for a pointwise one.
func (g Geometry) BackwardInputScratchLen() int {
	switch {
	case g.Narrow():
		return g.tapLen()
	case g.pointwise() || g.small():
		return 0
	}
	return g.ColLen()
}

func (g Geometry) tapLen() int { return g.N * g.H * g.W * g.K * g.K * g.Cout }

// pointwise reports whether the convolution is 1×1, stride 1, no padding:
// then the im2col matrix equals the input.
func (g Geometry) pointwise() bool { return g.K == 1 && g.Stride == 1 && g.Pad == 0 }

// check panics unless g is a valid geometry with a non-empty output map.
func (g Geometry) check() {
	if g.N < 0 || g.H < 1 || g.W < 1 || g.Cin < 1 || g.Cout < 1 || g.K < 1 || g.Stride < 1 || g.Pad < 0 {
		panic(fmt.Sprintf("conv: invalid geometry %+v", g))
	}
	if g.H+2*g.Pad < g.K || g.W+2*g.Pad < g.K {
		panic(fmt.Sprintf("conv: kernel %d larger than the padded input %d×%d", g.K, g.H+2*g.Pad, g.W+2*g.Pad))
	}
}

func need(name string, s []float32, n int) {
	if len(s) < n {
		panic(fmt.Sprintf("conv: %s has length %d, need %d", name, len(s), n))
	}
}

// Im2col writes the im2col matrix of in:
//
//	col[(n·Ho + oy)·Wo + ox][(ky·K + kx)·Cin + c] = in(n, oy·S − P + ky, ox·S − P + kx, c)
//
// and 0 where the input position lies in the zero padding: tap-major, so
// that each tap's Cin values are one contiguous copy of an NHWC pixel.
// col is (N·Ho·Wo) × (K·K·Cin) (ColLen elements), in is (N·H·W) × Cin NHWC.
func Im2col(col, in []float32, g Geometry) {
	g.check()
	need("col", col, g.ColLen())
	need("in", in, g.InLen())
	j := getJob()
	j.kind, j.dst, j.src, j.g = kIm2col, col, in, g
	run(j, g.N, g.ColLen())
}

// Col2im is the adjoint of Im2col: it writes
//
//	dIn(n, y, x, c) = Σ dcol[(n·Ho + oy)·Wo + ox][(ky·K + kx)·Cin + c]
//
// over all (oy, ox, ky, kx) with oy·S − P + ky = y and ox·S − P + kx = x,
// clearing dIn first (it is written, not accumulated). Entries of dcol that
// correspond to padding are ignored. dIn is (N·H·W) × Cin, dcol
// (N·Ho·Wo) × (Cin·K·K). Each sample's sums are taken in a fixed order.
func Col2im(dIn, dcol []float32, g Geometry) {
	g.check()
	need("dIn", dIn, g.InLen())
	need("dcol", dcol, g.ColLen())
	j := getJob()
	j.kind, j.dst, j.src, j.g = kCol2im, dIn, dcol, g
	run(j, g.N, g.ColLen()+g.InLen())
}

// Forward computes the convolution
//
//	out(n, oy, ox, o) = bias[o] + Σ_{c,ky,kx} in(n, oy·S−P+ky, ox·S−P+kx, c)·w[o][c][ky][kx]
//
// as out = col · Wᵀ + bias, the product of the im2col matrix col =
// Im2col(in) with a tap-major copy of w (see ToTapMajor). col is gathered
// from in block by block as the product packs it (blas.SgemmGatherA; see
// gathers), or, with fewer than gatherMinCin input channels, stored in the
// scratch col, where BackwardWeight reads it. A narrow convolution
// computes the tap matrix T = in · Wtᵀ (Wt[(ky·K + kx)·Cout + o][c] =
// w[o][c][ky][kx]) into col and gathers it into out. out is (N·Ho·Wo) ×
// Cout (NHWC), col is scratch of ScratchLen elements (nil when that is
// 0), in is (N·H·W) × Cin, w is Cout × (Cin·K·K) (PyTorch's (Cout, Cin,
// K, K)) and bias has Cout elements or is nil (no bias).
func Forward(out, col, in, w, bias []float32, g Geometry) {
	g.check()
	m, d := g.Rows(), g.Depth()
	need("out", out, g.OutLen())
	need("col", col, g.ScratchLen())
	need("in", in, g.InLen())
	need("w", w, g.WeightLen())
	if bias != nil {
		need("bias", bias, g.Cout)
	}
	if g.Narrow() {
		forwardNarrow(out, col, in, w, bias, g)
		return
	}
	var beta float32
	if bias != nil {
		j := getJob()
		j.kind, j.dst, j.bias, j.g = kBias, out, bias, g
		run(j, g.N, g.OutLen())
		beta = 1 // out already holds the bias
	}
	wt := tapMajor(w, g)
	switch {
	case g.pointwise():
		blas.Sgemm(blas.NoTrans, blas.Trans, m, g.Cout, d, 1, in, d, wt.S, d, beta, out, g.Cout)
	case g.small():
		forwardSmall(out, in, wt.S, beta, g)
	case g.gathers():
		v := getView(in, g)
		blas.SgemmRunsA(m, g.Cout, d, 1, v, blas.Trans, wt.S, d, beta, out, g.Cout)
		views.Put(v)
	default:
		Im2col(col, in, g)
		blas.Sgemm(blas.NoTrans, blas.Trans, m, g.Cout, d, 1, col, d, wt.S, d, beta, out, g.Cout)
	}
	scratch.Put(wt)
}

// ToTapMajor writes w (Cout × Cin·K·K, PyTorch's (Cout, Cin, K, K)) in the
// column order of the im2col matrix, (Cout, K, K, Cin):
//
//	dst[o][(ky·K + kx)·Cin + c] = src[o][(c·K + ky)·K + kx]
//
// split over output channels on the worker pool for large weights.
func ToTapMajor(dst, src []float32, g Geometry) {
	need("dst", dst, g.WeightLen())
	need("src", src, g.WeightLen())
	j := getJob()
	j.kind, j.dst, j.src, j.g = kToTap, dst, src, g
	run(j, g.Cout, 2*g.WeightLen())
}

// FromTapMajor is the inverse of ToTapMajor, accumulating:
//
//	dst[o][(c·K + ky)·K + kx] = beta·dst[o][(c·K + ky)·K + kx] + src[o][(ky·K + kx)·Cin + c]
//
// with beta 0 (overwrite; dst not read) or 1 (add).
func FromTapMajor(dst, src []float32, g Geometry, beta float32) {
	need("dst", dst, g.WeightLen())
	need("src", src, g.WeightLen())
	j := getJob()
	j.kind, j.dst, j.src, j.g, j.beta = kFromTap, dst, src, g, beta
	run(j, g.Cout, 3*g.WeightLen())
}

// toTap is ToTapMajor for output channels [lo, hi).
func toTap(dst, src []float32, g Geometry, lo, hi int) {
	if g.K == 3 {
		toTap3(dst, src, g.Cin, lo, hi)
		return
	}
	kk, ci := g.K*g.K, g.Cin
	d := kk * ci
	for o := lo; o < hi; o++ {
		s, t := src[o*d:][:d], dst[o*d:][:d]
		for c := 0; c < ci; c++ {
			for k, v := range s[c*kk : c*kk+kk] {
				t[k*ci+c] = v
			}
		}
	}
}

// toTap3 is toTap for 3×3 kernels (every convolution of the paper's
// networks): each input channel's nine weights go to the nine tap rows in
// one step. Alternated with the loop above on 512×256×3×3 weights, 1.1-1.3
// ns per weight against 2.0-2.2.
func toTap3(dst, src []float32, ci, lo, hi int) {
	d := 9 * ci
	for o := lo; o < hi; o++ {
		s, t := src[o*d:][:d], dst[o*d:][:d]
		t0, t1, t2 := t[0*ci:1*ci], t[1*ci:2*ci], t[2*ci:3*ci]
		t3, t4, t5 := t[3*ci:4*ci], t[4*ci:5*ci], t[5*ci:6*ci]
		t6, t7, t8 := t[6*ci:7*ci], t[7*ci:8*ci], t[8*ci:9*ci]
		for c := range t0 {
			v := (*[9]float32)(s[c*9:])
			t0[c], t1[c], t2[c] = v[0], v[1], v[2]
			t3[c], t4[c], t5[c] = v[3], v[4], v[5]
			t6[c], t7[c], t8[c] = v[6], v[7], v[8]
		}
	}
}

// fromTap is FromTapMajor for output channels [lo, hi).
func fromTap(dst, src []float32, g Geometry, beta float32, lo, hi int) {
	if g.K == 3 {
		fromTap3(dst, src, g.Cin, beta, lo, hi)
		return
	}
	kk, ci := g.K*g.K, g.Cin
	d := kk * ci
	for o := lo; o < hi; o++ {
		s, t := src[o*d:][:d], dst[o*d:][:d]
		for c := 0; c < ci; c++ {
			r := t[c*kk : c*kk+kk]
			for k := range r {
				v := s[k*ci+c]
				if beta != 0 {
					v += beta * r[k]
				}
				r[k] = v
			}
		}
	}
}

// fromTap3 is fromTap for 3×3 kernels, nine weights of an input channel
// at a time, with the same operations per weight (0.8-0.9 ns per weight
// against 2.4 for the loop above).
func fromTap3(dst, src []float32, ci int, beta float32, lo, hi int) {
	d := 9 * ci
	for o := lo; o < hi; o++ {
		s, t := src[o*d:][:d], dst[o*d:][:d]
		s0, s1, s2 := s[0*ci:1*ci], s[1*ci:2*ci], s[2*ci:3*ci]
		s3, s4, s5 := s[3*ci:4*ci], s[4*ci:5*ci], s[5*ci:6*ci]
		s6, s7, s8 := s[6*ci:7*ci], s[7*ci:8*ci], s[8*ci:9*ci]
		if beta == 0 {
			for c := range s0 {
				r := (*[9]float32)(t[c*9:])
				r[0], r[1], r[2] = s0[c], s1[c], s2[c]
				r[3], r[4], r[5] = s3[c], s4[c], s5[c]
				r[6], r[7], r[8] = s6[c], s7[c], s8[c]
			}
			continue
		}
		for c := range s0 {
			r := (*[9]float32)(t[c*9:])
			r[0], r[1], r[2] = s0[c]+beta*r[0], s1[c]+beta*r[1], s2[c]+beta*r[2]
			r[3], r[4], r[5] = s3[c]+beta*r[3], s4[c]+beta*r[4], s5[c]+beta*r[5]
			r[6], r[7], r[8] = s6[c]+beta*r[6], s7[c]+beta*r[7], s8[c]+beta*r[8]
		}
	}
}

// scratch holds weight-sized copies in tap-major order. No allocation
// once as many exist, as large, as concurrent calls need; a buffer is
// reallocated at most once after the first training steps (see
// hugepage.Pool: the autoencoder's CCL step met a 72 MB weight with a
// smaller buffer in its fourth step).
var scratch = hugepage.NewPool()

// tapMajor returns a scratch copy of w in tap-major order (release it with
// scratch.Put).
func tapMajor(w []float32, g Geometry) *hugepage.Buf {
	b := scratch.Get(g.WeightLen())
	ToTapMajor(b.S, w, g)
	return b
}

// BackwardWeight accumulates the parameter gradients of a convolution:
//
//	dW = beta·dW + dOutᵀ · col,   dBias[o] = beta·dBias[o] + Σ_rows dOut[row][o]
//
// with the im2col matrix col = Im2col(in) gathered from in as the product
// packs it (blas.SgemmGatherB), or read from the scratch col that Forward
// filled (fewer than gatherMinCin input channels), and the tap-major
// product reordered into dW; for a narrow convolution, dWt = Eᵀ · in with
// E the tap matrix of dOut (see BackwardInput), written into col,
// reordered into dW. beta is 1 to accumulate, 0 to overwrite (what dW and
// dBias held is then not read). dW is Cout × (Cin·K·K), dBias has Cout
// elements or is nil (skipped), dOut is (N·Ho·Wo) × Cout, in is the input
// Forward took ((N·H·W) × Cin) and col is scratch of ScratchLen elements.
// The bias sums are accumulated in float64 in row order.
func BackwardWeight(dW, dBias, dOut, in, col []float32, g Geometry, beta float32) {
	g.check()
	need("dW", dW, g.WeightLen())
	need("dOut", dOut, g.OutLen())
	need("in", in, g.InLen())
	need("col", col, g.ScratchLen())
	if dBias != nil {
		need("dBias", dBias, g.Cout)
	}
	if g.Narrow() {
		weightNarrow(dW, dOut, in, col, g, beta)
	} else {
		// The product is tap-major, like col: into scratch, then reordered.
		dwt := scratch.Get(g.WeightLen())
		weightTap(dwt.S, dOut, in, col, g, 0)
		FromTapMajor(dW, dwt.S, g, beta)
		scratch.Put(dwt)
	}
	biasSums(dBias, dOut, g, beta)
}

// BackwardWeightTap is BackwardWeight's weight gradient alone, in the
// tap-major order of ToTapMajor, not reordered:
//
//	dWt = beta·dWt + dOutᵀ · col
//
// dWt is Cout × (K·K·Cin) (tap-major: dWt[o][(ky·K + kx)·Cin + c], not
// read when beta is 0); the other arguments are BackwardWeight's. A
// caller summing the gradients of several parts of a batch accumulates
// them here (beta = 1 after the first) and reorders the sum once
// (FromTapMajor); BackwardBias gives the bias gradient. It panics for a
// narrow convolution (Geometry.Narrow), whose product is not tap-major.
func BackwardWeightTap(dWt, dOut, in, col []float32, g Geometry, beta float32) {
	g.check()
	if g.Narrow() {
		panic("conv: BackwardWeightTap of a narrow convolution")
	}
	need("dWt", dWt, g.WeightLen())
	need("dOut", dOut, g.OutLen())
	need("in", in, g.InLen())
	need("col", col, g.ScratchLen())
	weightTap(dWt, dOut, in, col, g, beta)
}

// BackwardBias is BackwardWeight's bias gradient alone:
//
//	dBias[o] = beta·dBias[o] + Σ_rows dOut[row][o]
//
// dBias has Cout elements (not read when beta is 0), dOut is (N·Ho·Wo) ×
// Cout; the sums are BackwardWeight's, in float64 in row order.
func BackwardBias(dBias, dOut []float32, g Geometry, beta float32) {
	g.check()
	need("dBias", dBias, g.Cout)
	need("dOut", dOut, g.OutLen())
	biasSums(dBias, dOut, g, beta)
}

// weightTap computes dWt = beta·dWt + dOutᵀ · col in tap-major order (dWt
// is not read when beta is 0), for a convolution that is not narrow.
func weightTap(dWt, dOut, in, col []float32, g Geometry, beta float32) {
	m, d := g.Rows(), g.Depth()
	switch {
	case g.pointwise():
		blas.Sgemm(blas.Trans, blas.NoTrans, g.Cout, d, m, 1, dOut, g.Cout, in, d, beta, dWt, d)
	case g.small():
		weightSmall(dWt, dOut, in, g, beta)
	case g.gathers():
		v := getView(in, g)
		blas.SgemmGatherB(blas.Trans, g.Cout, d, m, 1, dOut, g.Cout, v, beta, dWt, d)
		views.Put(v)
	case d < g.Cout:
		// Few taps (the image layer: d = 27): the product is taken
		// transposed, dWtᵀ = colᵀ · dOut (d × Cout), so that col's d
		// columns make the rows of the tiles and dOut's Cout the columns:
		// the first layer's weight gradient at batch 128 (27 × 128 ×
		// 131072) ran at 82 GFLOP/s on one core this way, 55 the other,
		// whose 32-wide tiles hold 27 useful columns and whose col is
		// packed. The same products in the same order: the same bits.
		t := scratch.Get(g.WeightLen())
		blas.Sgemm(blas.Trans, blas.NoTrans, d, g.Cout, m, 1, col, d, dOut, g.Cout, 0, t.S, g.Cout)
		for o := range g.Cout {
			row := dWt[o*d : o*d+d]
			if beta == 0 {
				for q := range row {
					row[q] = t.S[q*g.Cout+o]
				}
				continue
			}
			for q := range row {
				row[q] = t.S[q*g.Cout+o] + beta*row[q]
			}
		}
		scratch.Put(t)
	default:
		blas.Sgemm(blas.Trans, blas.NoTrans, g.Cout, d, m, 1, dOut, g.Cout, col, d, beta, dWt, d)
	}
}

// biasSums sets dBias = beta·dBias + the column sums of dOut (nothing when
// dBias is nil).
func biasSums(dBias, dOut []float32, g Geometry, beta float32) {
	if dBias == nil {
		return
	}
	if beta != 1 {
		scaleRows(dBias[:g.Cout], beta)
	}
	columnSums(dBias, dOut, g.Rows(), g.Cout)
}

// columnSums adds the column sums of the m × n matrix a to s, each a
// float64 sum of the column's values in row order, rounded to float32 and
// added to s. The AVX-512 path (columnSumsVec) does the first columns,
// the loop below the rest, sixteen columns at a time (one cache line of
// each row).
func columnSums(s, a []float32, m, n int) {
	const w = 16
	for c0 := columnSumsVec(s, a, m, n); c0 < n; c0 += w {
		cw := min(w, n-c0)
		var acc [w]float64
		for r := 0; r < m; r++ {
			row := a[r*n+c0:][:cw]
			for k, v := range row {
				acc[k] += float64(v)
			}
		}
		for k := 0; k < cw; k++ {
			s[c0+k] += float32(acc[k])
		}
	}
}

// BackwardInput computes the gradient of a convolution with respect to its
// input:
//
//	dcol = dOut · W,   dIn = Col2im(dcol)
//
// or, for a narrow convolution, dIn = E · Wt with the tap matrix E of dOut
// in dcol:
//
//	E[(n·H + iy)·W + ix][(ky·K + kx)·Cout + o] = dOut(n, oy, ox, o)
//
// where iy = oy·S − P + ky and ix = ox·S − P + kx for an output pixel
// (oy, ox) (at most one), else 0, and Wt[(ky·K + kx)·Cout + o][c] =
// w[o][c][ky][kx]. dIn is (N·H·W) ×
// Cin (written), dcol is scratch of BackwardInputScratchLen elements, dOut is
// (N·Ho·Wo) × Cout and w is Cout × (Cin·K·K). For a 1×1, stride-1,
// unpadded convolution dIn = dOut · W directly and dcol is not used (it may
// then be nil).
func BackwardInput(dIn, dcol, dOut, w []float32, g Geometry) {
	g.check()
	m, d := g.Rows(), g.Depth()
	need("dIn", dIn, g.InLen())
	need("dOut", dOut, g.OutLen())
	need("w", w, g.WeightLen())
	if g.pointwise() {
		blas.Sgemm(blas.NoTrans, blas.NoTrans, m, d, g.Cout, 1, dOut, g.Cout, w, d, 0, dIn, d)
		return
	}
	need("dcol", dcol, g.BackwardInputScratchLen())
	if g.Narrow() {
		inputNarrow(dIn, dcol, dOut, w, g)
		return
	}
	wt := tapMajor(w, g)
	if g.small() {
		inputSmall(dIn, dOut, wt.S, g)
		scratch.Put(wt)
		return
	}
	blas.Sgemm(blas.NoTrans, blas.NoTrans, m, d, g.Cout, 1, dOut, g.Cout, wt.S, d, 0, dcol, d)
	scratch.Put(wt)
	j := getJob()
	j.kind, j.dst, j.src, j.g = kCol2im, dIn, dcol, g
	run(j, g.N, g.ColLen()+g.InLen())
}

// im2col fills the im2col rows of samples [lo, hi): the rows the products
// gather (view.Block), stored.
func im2col(col, in []float32, g Geometry, lo, hi int) {
	ho, wo := g.Out()
	d := g.Depth()
	if g.pointwise() {
		copy(col[lo*ho*wo*d:hi*ho*wo*d], in[lo*ho*wo*d:hi*ho*wo*d])
		return
	}
	v := view{in: in, g: g, ho: ho, wo: wo}
	v.Block(col[lo*ho*wo*d:hi*ho*wo*d], d, lo*ho*wo, (hi-lo)*ho*wo, 0, d)
}

// col2im writes dIn for samples [lo, hi).
func col2im(dIn, dcol []float32, g Geometry, lo, hi int) {
	ho, wo := g.Out()
	H, W, C, K, S, P := g.H, g.W, g.Cin, g.K, g.Stride, g.Pad
	d := C * K * K
	if g.pointwise() {
		copy(dIn[lo*H*W*C:hi*H*W*C], dcol[lo*H*W*C:hi*H*W*C])
		return
	}
	for n := lo; n < hi; n++ {
		dInN := dIn[n*H*W*C : (n+1)*H*W*C]
		clear(dInN)
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				row := dcol[((n*ho+oy)*wo+ox)*d:][:d]
				for ky := 0; ky < K; ky++ {
					iy := oy*S - P + ky
					if iy < 0 || iy >= H {
						continue
					}
					x0 := ox*S - P
					a := min(max(-x0, 0), K) // taps [a, b) lie inside the input
					b := max(min(W-x0, K), a)
					if b == a {
						continue
					}
					src := row[(ky*K+a)*C : (ky*K+b)*C]
					dst := dInN[(iy*W+x0+a)*C : (iy*W+x0+b)*C]
					for i, v := range src {
						dst[i] += v
					}
				}
			}
		}
	}
}

// fillBias sets every output row of samples [lo, hi) to bias.
func fillBias(out, bias []float32, g Geometry, lo, hi int) {
	ho, wo := g.Out()
	co := g.Cout
	b := bias[:co]
	for r := lo * ho * wo; r < hi*ho*wo; r++ {
		copy(out[r*co:(r+1)*co], b)
	}
}
