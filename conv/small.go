package conv

import "github.com/counter-current/ccl/blas"

// Small output maps. On a map of a few pixels most of a kernel's taps fall
// in the padding: the last cnn_pool layer (3×3, padding 1, on 2×2) reads
// its input with 4 of its 9 taps at each output pixel, so 5/9 of the
// im2col matrix is zeros, which the product over it multiplies all the
// same. There each output pixel takes instead one product per kernel row
// over the taps that fall inside the input: those taps are adjacent in the
// tap-major weights (ToTapMajor) and read adjacent input pixels, contiguous
// in NHWC, so that every operand is a strided view and nothing is copied.
// For the 2×2 map, 8 products of batch × Cout × 2·Cin (the last cnn_pool
// layer: 128 × 512 × 512) replace one of (4·batch) × Cout × 9·Cin: 4/9 of
// the multiplications. The sums are grouped by output pixel and kernel row
// rather than taken in one product, so the bits differ from the im2col
// path's within float32 rounding.

// smallMaxPixels is the most output pixels per sample for which the
// products go by output pixel (the number of products grows with them).
// At 16 the fourth cnn_pool layer (4×4, 100 of its 144 taps inside) goes
// by pixel too, in 40 products: the BP step 190.0 -> 184.5 ms, the CCL step
// 141.2 -> 140.4 (medians of 4 alternated runs, against 4).
const smallMaxPixels = 16

// small reports whether the convolution goes by output pixel: at most
// smallMaxPixels output pixels and at most three quarters of the taps
// inside the input (not a narrow or pointwise convolution).
func (g Geometry) small() bool {
	if g.pointwise() || g.Narrow() {
		return false
	}
	ho, wo := g.Out()
	if ho*wo > smallMaxPixels {
		return false
	}
	inside := 0
	g.tapRuns(func(r tapRun) { inside += r.nk })
	return 4*inside <= 3*ho*wo*g.K*g.K
}

// tapRun is one product of a small convolution: output pixel p reads,
// through kernel row ky's taps kx0 … kx0+nk−1, the nk adjacent input
// pixels (iy, ix0) … (iy, ix0+nk−1).
type tapRun struct{ p, iy, ix0, ky, kx0, nk int }

// tapRuns calls f for every run of taps inside the input, by output pixel
// then kernel row.
func (g Geometry) tapRuns(f func(tapRun)) {
	ho, wo := g.Out()
	for oy := range ho {
		for ox := range wo {
			// Taps kx ∈ [kx0, kx1) read ix = ox·S − P + kx ∈ [0, W).
			x0 := ox*g.Stride - g.Pad
			kx0, kx1 := max(0, -x0), min(g.K, g.W-x0)
			if kx0 >= kx1 {
				continue
			}
			for ky := range g.K {
				iy := oy*g.Stride - g.Pad + ky
				if iy < 0 || iy >= g.H {
					continue
				}
				f(tapRun{p: oy*wo + ox, iy: iy, ix0: x0 + kx0, ky: ky, kx0: kx0, nk: kx1 - kx0})
			}
		}
	}
}

// The operands of a run's product are strided views: for tap run r,
//
//	in[:, r.inAt(g) …]    the nk adjacent input pixels of every sample (rows hwc = H·W·Cin apart)
//	out[:, r.outAt(g) …]  output pixel p of every sample (rows ld = Ho·Wo·Cout apart)
//	wt[:, r.wAt(g) …]     the nk adjacent taps of every output channel (rows d = K·K·Cin apart)
//
// each nk·Cin (input side) or Cout (output side) wide.
func (r tapRun) inAt(g Geometry) int  { return (r.iy*g.W + r.ix0) * g.Cin }
func (r tapRun) outAt(g Geometry) int { return r.p * g.Cout }
func (r tapRun) wAt(g Geometry) int   { return (r.ky*g.K + r.kx0) * g.Cin }

// smallStrides returns the row strides of the views: hwc, ld, d above.
func (g Geometry) smallStrides() (hwc, ld, d int) {
	ho, wo := g.Out()
	return g.H * g.W * g.Cin, ho * wo * g.Cout, g.Depth()
}

// forwardSmall is Forward's product for a small convolution, with wt the
// tap-major weights (Cout × K·K·Cin), in N × H·W·Cin and out N × Ho·Wo·Cout:
//
//	out[n, p, :] = beta·out[n, p, :] + Σ_runs in[n, (iy, ix0 …), :] · wt[:, (ky, kx0 …), :]ᵀ
//
// one product per run, N × Cout × nk·Cin.
func forwardSmall(out, in, wt []float32, beta float32, g Geometry) {
	if beta != 1 {
		scaleRows(out[:g.OutLen()], beta)
	}
	hwc, ld, d := g.smallStrides()
	g.tapRuns(func(r tapRun) {
		blas.Sgemm(blas.NoTrans, blas.Trans, g.N, g.Cout, r.nk*g.Cin,
			1, in[r.inAt(g):], hwc, wt[r.wAt(g):], d, 1, out[r.outAt(g):], ld)
	})
}

// weightSmall is the tap-major weight gradient of a small convolution,
// dWt Cout × K·K·Cin, dOut N × Ho·Wo·Cout, in N × H·W·Cin:
//
//	dWt[:, (ky, kx0 …), :] = beta·dWt + Σ_runs dOut[:, p, :]ᵀ · in[:, (iy, ix0 …), :]
//
// one product per run, Cout × nk·Cin × N (taps that no output pixel reads
// get beta·dWt).
func weightSmall(dWt, dOut, in []float32, g Geometry, beta float32) {
	if beta != 1 {
		scaleRows(dWt[:g.WeightLen()], beta)
	}
	hwc, ld, d := g.smallStrides()
	g.tapRuns(func(r tapRun) {
		blas.Sgemm(blas.Trans, blas.NoTrans, g.Cout, r.nk*g.Cin, g.N,
			1, dOut[r.outAt(g):], ld, in[r.inAt(g):], hwc, 1, dWt[r.wAt(g):], d)
	})
}

// inputSmall is BackwardInput for a small convolution, dIn N × H·W·Cin,
// dOut N × Ho·Wo·Cout, wt Cout × K·K·Cin (tap-major):
//
//	dIn[n, (iy, ix0 …), :] = Σ_runs dOut[n, p, :] · wt[:, (ky, kx0 …), :]
//
// one product per run, N × nk·Cin × Cout (input pixels that no tap reads
// get 0).
func inputSmall(dIn, dOut, wt []float32, g Geometry) {
	clear(dIn[:g.InLen()])
	hwc, ld, d := g.smallStrides()
	g.tapRuns(func(r tapRun) {
		blas.Sgemm(blas.NoTrans, blas.NoTrans, g.N, r.nk*g.Cin, g.Cout,
			1, dOut[r.outAt(g):], ld, wt[r.wAt(g):], d, 1, dIn[r.inAt(g):], hwc)
	})
}

// scaleRows sets s = beta·s (0 when beta is 0, whatever s held).
func scaleRows(s []float32, beta float32) {
	if beta == 0 {
		clear(s)
		return
	}
	for i := range s {
		s[i] *= beta
	}
}
