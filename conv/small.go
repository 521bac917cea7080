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

// forwardSmall is Forward's product for a small convolution:
//
//	out[n, p, :] = beta·out[n, p, :] + Σ_runs in[n, (iy, ix0 …), :] · wt[:, (ky, kx0 …), :]ᵀ
//
// with wt the tap-major weights (Cout × K·K·Cin).
func forwardSmall(out, in, wt []float32, beta float32, g Geometry) {
	ho, wo := g.Out()
	if beta != 1 {
		scaleRows(out[:g.OutLen()], beta)
	}
	hwc, ld, d := g.H*g.W*g.Cin, ho*wo*g.Cout, g.Depth()
	g.tapRuns(func(r tapRun) {
		blas.Sgemm(blas.NoTrans, blas.Trans, g.N, g.Cout, r.nk*g.Cin,
			1, in[(r.iy*g.W+r.ix0)*g.Cin:], hwc,
			wt[(r.ky*g.K+r.kx0)*g.Cin:], d,
			1, out[r.p*g.Cout:], ld)
	})
}

// weightSmall is the tap-major weight gradient of a small convolution:
//
//	dWt[:, (ky, kx0 …), :] = beta·dWt + Σ_runs dOut[:, p, :]ᵀ · in[:, (iy, ix0 …), :]
//
// (taps that no output pixel reads get beta·dWt).
func weightSmall(dWt, dOut, in []float32, g Geometry, beta float32) {
	ho, wo := g.Out()
	if beta != 1 {
		scaleRows(dWt[:g.WeightLen()], beta)
	}
	hwc, ld, d := g.H*g.W*g.Cin, ho*wo*g.Cout, g.Depth()
	g.tapRuns(func(r tapRun) {
		blas.Sgemm(blas.Trans, blas.NoTrans, g.Cout, r.nk*g.Cin, g.N,
			1, dOut[r.p*g.Cout:], ld,
			in[(r.iy*g.W+r.ix0)*g.Cin:], hwc,
			1, dWt[(r.ky*g.K+r.kx0)*g.Cin:], d)
	})
}

// inputSmall is BackwardInput for a small convolution:
//
//	dIn[n, (iy, ix0 …), :] = Σ_runs dOut[n, p, :] · wt[:, (ky, kx0 …), :]
//
// (input pixels that no tap reads get 0).
func inputSmall(dIn, dOut, wt []float32, g Geometry) {
	ho, wo := g.Out()
	clear(dIn[:g.InLen()])
	hwc, ld, d := g.H*g.W*g.Cin, ho*wo*g.Cout, g.Depth()
	g.tapRuns(func(r tapRun) {
		blas.Sgemm(blas.NoTrans, blas.NoTrans, g.N, r.nk*g.Cin, g.Cout,
			1, dOut[r.p*g.Cout:], ld,
			wt[(r.ky*g.K+r.kx0)*g.Cin:], d,
			1, dIn[(r.iy*g.W+r.ix0)*g.Cin:], hwc)
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
