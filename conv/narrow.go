package conv

import "github.com/counter-current/ccl/blas"

// Narrow convolutions (Geometry.Narrow: K·K·Cout ≤ Cin, such as the
// 128 → 3 channel layers that give back an image in the feedback network of
// cnn_pool and in the autoencoder) run on the output side. With the tap
// weights
//
//	Wt[(ky·K + kx)·Cout + o][c] = w[o][c][ky][kx]        (K·K·Cout × Cin)
//
// every input pixel's contribution to every tap is one row of the tap
// matrix T = in · Wtᵀ ((N·H·W) × K·K·Cout), and an output pixel sums the
// rows of the taps that reach it (gather). The gradients use the tap matrix
// E of dOut (spread: row (n, iy, ix), column block (ky, kx) holds dOut at the
// output pixel whose tap (ky, kx) reads input pixel (iy, ix), or zeros):
//
//	dWt = Eᵀ · in,   dIn = E · Wt
//
// The products are the same multiply-adds as with im2col, but the scratch
// matrices have K·K·Cout columns instead of K·K·Cin: for 128 → 3 channels,
// 27 instead of 1152, so no 1152-column matrix is written and read back
// (1.4 GB for the autoencoder's last layer at batch 32), the forward product
// has 27 useful columns of its 32-wide tiles instead of 3, and the input
// gradient needs no col2im.

// tapRows writes Wt (above) from w (PyTorch's (Cout, Cin, K, K)).
func tapRows(dst, src []float32, g Geometry) {
	kk, ci, co := g.K*g.K, g.Cin, g.Cout
	for o := range co {
		for c := range ci {
			s := src[(o*ci+c)*kk:][:kk]
			for t, v := range s {
				dst[(t*co+o)*ci+c] = v
			}
		}
	}
}

// fromTapRows is the inverse of tapRows, accumulating:
// dst[o][c][t] = beta·dst[o][c][t] + src[t·Cout + o][c], with beta 0
// (overwrite; dst not read) or any other value.
func fromTapRows(dst, src []float32, g Geometry, beta float32) {
	kk, ci, co := g.K*g.K, g.Cin, g.Cout
	for o := range co {
		for c := range ci {
			d := dst[(o*ci+c)*kk:][:kk]
			for t := range d {
				v := src[(t*co+o)*ci+c]
				if beta != 0 {
					v += beta * d[t]
				}
				d[t] = v
			}
		}
	}
}

// forwardNarrow is Forward for a narrow convolution: T = in · Wtᵀ into col,
// then out = bias + gather(T).
func forwardNarrow(out, col, in, w, bias []float32, g Geometry) {
	kkc := g.K * g.K * g.Cout
	wt := scratch.Get(g.WeightLen())
	tapRows(wt.S, w, g)
	blas.Sgemm(blas.NoTrans, blas.Trans, g.N*g.H*g.W, kkc, g.Cin, 1, in, g.Cin, wt.S, g.Cin, 0, col, kkc)
	scratch.Put(wt)
	j := getJob()
	j.kind, j.dst, j.src, j.bias, j.g = kGather, out, col, bias, g
	run(j, g.N, g.ScratchLen()+g.OutLen())
}

// weightNarrow computes dW = beta·dW + reorder(Eᵀ · in), with E spread
// into col.
func weightNarrow(dW, dOut, in, col []float32, g Geometry, beta float32) {
	kkc := g.K * g.K * g.Cout
	spreadAll(col, dOut, g)
	dwt := scratch.Get(g.WeightLen())
	blas.Sgemm(blas.Trans, blas.NoTrans, kkc, g.Cin, g.N*g.H*g.W, 1, col, kkc, in, g.Cin, 0, dwt.S, g.Cin)
	fromTapRows(dW, dwt.S, g, beta)
	scratch.Put(dwt)
}

// inputNarrow computes dIn = E · Wt, with E spread into dcol.
func inputNarrow(dIn, dcol, dOut, w []float32, g Geometry) {
	kkc := g.K * g.K * g.Cout
	spreadAll(dcol, dOut, g)
	wt := scratch.Get(g.WeightLen())
	tapRows(wt.S, w, g)
	blas.Sgemm(blas.NoTrans, blas.NoTrans, g.N*g.H*g.W, g.Cin, kkc, 1, dcol, kkc, wt.S, g.Cin, 0, dIn, g.Cin)
	scratch.Put(wt)
}

// spreadAll writes the tap matrix E of dOut into e, over the worker pool.
func spreadAll(e, dOut []float32, g Geometry) {
	j := getJob()
	j.kind, j.dst, j.src, j.g = kSpread, e, dOut, g
	run(j, g.N, g.ScratchLen()+g.OutLen())
}

// gather writes the output rows of samples [lo, hi): out(n, oy, ox) =
// bias + Σ over the taps (ky, kx) that read an input pixel (iy, ix) of
// t[(n·H + iy)·W + ix][(ky·K + kx)·Cout : +Cout], in increasing tap order.
func gather(out, t, bias []float32, g Geometry, lo, hi int) {
	ho, wo := g.Out()
	H, W, K, S, P, co := g.H, g.W, g.K, g.Stride, g.Pad, g.Cout
	kkc := K * K * co
	for n := lo; n < hi; n++ {
		for oy := range ho {
			for ox := range wo {
				o := out[((n*ho+oy)*wo+ox)*co:][:co]
				if bias != nil {
					copy(o, bias[:co])
				} else {
					clear(o)
				}
				for ky := range K {
					iy := oy*S - P + ky
					if iy < 0 || iy >= H {
						continue
					}
					for kx := range K {
						ix := ox*S - P + kx
						if ix < 0 || ix >= W {
							continue
						}
						src := t[((n*H+iy)*W+ix)*kkc+(ky*K+kx)*co:][:co]
						for i, v := range src {
							o[i] += v
						}
					}
				}
			}
		}
	}
}

// spread writes the rows of E (see BackwardInput) for samples [lo, hi).
func spread(e, dOut []float32, g Geometry, lo, hi int) {
	ho, wo := g.Out()
	H, W, K, S, P, co := g.H, g.W, g.K, g.Stride, g.Pad, g.Cout
	kkc := K * K * co
	for n := lo; n < hi; n++ {
		for iy := range H {
			for ix := range W {
				row := e[((n*H+iy)*W+ix)*kkc:][:kkc]
				for ky := range K {
					// Output row oy whose tap ky reads input row iy.
					ty := iy + P - ky
					oy := ty / S
					inY := ty >= 0 && ty%S == 0 && oy < ho
					for kx := range K {
						seg := row[(ky*K+kx)*co:][:co]
						tx := ix + P - kx
						ox := tx / S
						if inY && tx >= 0 && tx%S == 0 && ox < wo {
							copy(seg, dOut[((n*ho+oy)*wo+ox)*co:][:co])
						} else {
							clear(seg)
						}
					}
				}
			}
		}
	}
}
