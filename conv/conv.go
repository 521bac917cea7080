package conv

import (
	"fmt"

	"github.com/counter-current/ccl/blas"
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

// Depth returns Cin·K·K: the columns of the im2col matrix and of a weight row.
func (g Geometry) Depth() int { return g.Cin * g.K * g.K }

// ColLen returns N·Ho·Wo·Cin·K·K, the length of the im2col matrix.
func (g Geometry) ColLen() int { return g.Rows() * g.Depth() }

// InLen returns N·H·W·Cin, the length of the input.
func (g Geometry) InLen() int { return g.N * g.H * g.W * g.Cin }

// OutLen returns N·Ho·Wo·Cout, the length of the output.
func (g Geometry) OutLen() int { return g.Rows() * g.Cout }

// WeightLen returns Cout·Cin·K·K, the length of the weight matrix.
func (g Geometry) WeightLen() int { return g.Cout * g.Depth() }

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
//	col[(n·Ho + oy)·Wo + ox][(c·K + ky)·K + kx] = in(n, oy·S − P + ky, ox·S − P + kx, c)
//
// and 0 where the input position lies in the zero padding.
// col is (N·Ho·Wo) × (Cin·K·K) (ColLen elements), in is (N·H·W) × Cin NHWC.
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
//	dIn(n, y, x, c) = Σ dcol[(n·Ho + oy)·Wo + ox][(c·K + ky)·K + kx]
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
//	out = col · Wᵀ + bias,   col = Im2col(in)
//
// i.e. out(n, oy, ox, o) = bias[o] + Σ_{c,ky,kx} in(n, oy·S−P+ky, ox·S−P+kx, c)·w[o][c][ky][kx].
// out is (N·Ho·Wo) × Cout (NHWC), col is scratch of ColLen elements that is
// filled with Im2col(in) and must be kept for BackwardWeight, in is
// (N·H·W) × Cin, w is Cout × (Cin·K·K) (PyTorch's (Cout, Cin, K, K)) and
// bias has Cout elements or is nil (no bias).
func Forward(out, col, in, w, bias []float32, g Geometry) {
	g.check()
	m, d := g.Rows(), g.Depth()
	need("out", out, g.OutLen())
	need("col", col, g.ColLen())
	need("in", in, g.InLen())
	need("w", w, g.WeightLen())
	if bias != nil {
		need("bias", bias, g.Cout)
	}
	j := getJob()
	j.kind, j.dst, j.src, j.g = kIm2col, col, in, g
	if bias != nil {
		j.aux, j.bias = out, bias
	}
	run(j, g.N, g.ColLen()+g.OutLen())
	var beta float32
	if bias != nil {
		beta = 1 // out already holds the bias
	}
	blas.Sgemm(blas.NoTrans, blas.Trans, m, g.Cout, d, 1, col, d, w, d, beta, out, g.Cout)
}

// BackwardWeight accumulates the parameter gradients of a convolution:
//
//	dW = beta·dW + dOutᵀ · col,   dBias[o] = beta·dBias[o] + Σ_rows dOut[row][o]
//
// beta is 1 to accumulate, 0 to overwrite (what dW and dBias held is then
// not read).
// dW is Cout × (Cin·K·K), dBias has Cout elements or is nil (skipped),
// dOut is (N·Ho·Wo) × Cout and col is the im2col matrix Forward filled.
// The bias sums are accumulated in float64 in row order.
func BackwardWeight(dW, dBias, dOut, col []float32, g Geometry, beta float32) {
	g.check()
	m, d := g.Rows(), g.Depth()
	need("dW", dW, g.WeightLen())
	need("dOut", dOut, g.OutLen())
	need("col", col, g.ColLen())
	if dBias != nil {
		need("dBias", dBias, g.Cout)
	}
	blas.Sgemm(blas.Trans, blas.NoTrans, g.Cout, d, m, 1, dOut, g.Cout, col, d, beta, dW, d)
	if dBias != nil {
		if beta == 0 {
			clear(dBias[:g.Cout])
		} else if beta != 1 {
			for i := range dBias[:g.Cout] {
				dBias[i] *= beta
			}
		}
		columnSums(dBias, dOut, m, g.Cout)
	}
}

// columnSums adds the column sums of the m × n matrix a to s, in float64,
// sixteen columns at a time (one cache line of each row).
func columnSums(s, a []float32, m, n int) {
	const w = 16
	for c0 := 0; c0 < n; c0 += w {
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
// dIn is (N·H·W) × Cin (written), dcol is scratch of ColLen elements, dOut
// is (N·Ho·Wo) × Cout and w is Cout × (Cin·K·K). For a 1×1, stride-1,
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
	need("dcol", dcol, g.ColLen())
	blas.Sgemm(blas.NoTrans, blas.NoTrans, m, d, g.Cout, 1, dOut, g.Cout, w, d, 0, dcol, d)
	j := getJob()
	j.kind, j.dst, j.src, j.g = kCol2im, dIn, dcol, g
	run(j, g.N, g.ColLen()+g.InLen())
}

// im2col fills the im2col rows of samples [lo, hi).
func im2col(col, in []float32, g Geometry, lo, hi int) {
	ho, wo := g.Out()
	H, W, C, K, S, P := g.H, g.W, g.Cin, g.K, g.Stride, g.Pad
	kk := K * K
	d := C * kk
	if g.pointwise() {
		copy(col[lo*H*W*C:hi*H*W*C], in[lo*H*W*C:hi*H*W*C])
		return
	}
	for n := lo; n < hi; n++ {
		inN := in[n*H*W*C : (n+1)*H*W*C]
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				row := col[((n*ho+oy)*wo+ox)*d:][:d]
				for ky := 0; ky < K; ky++ {
					iy := oy*S - P + ky
					for kx := 0; kx < K; kx++ {
						ix := ox*S - P + kx
						r := row[ky*K+kx:]
						if iy < 0 || iy >= H || ix < 0 || ix >= W {
							for c := 0; c < C; c++ {
								r[c*kk] = 0
							}
							continue
						}
						src := inN[(iy*W+ix)*C:][:C]
						for c, v := range src {
							r[c*kk] = v
						}
					}
				}
			}
		}
	}
}

// col2im writes dIn for samples [lo, hi).
func col2im(dIn, dcol []float32, g Geometry, lo, hi int) {
	ho, wo := g.Out()
	H, W, C, K, S, P := g.H, g.W, g.Cin, g.K, g.Stride, g.Pad
	kk := K * K
	d := C * kk
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
					for kx := 0; kx < K; kx++ {
						ix := ox*S - P + kx
						if ix < 0 || ix >= W {
							continue
						}
						r := row[ky*K+kx:]
						dst := dInN[(iy*W+ix)*C:][:C]
						for c := range dst {
							dst[c] += r[c*kk]
						}
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
