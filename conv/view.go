package conv

import "github.com/counter-current/ccl/internal/parallel"

// view is the im2col matrix of an input (see Im2col) as a blas.Gather:
// Forward and BackwardWeight multiply by it without storing it. Block
// gathers each requested row segment from the NHWC input, one contiguous
// copy per kernel row (its taps kx = 0 … K−1 are adjacent input pixels),
// zeros where the taps fall in the padding.
type view struct {
	in     []float32
	g      Geometry
	ho, wo int
}

// views is the free list of views: no allocation once as many exist as
// concurrent calls need.
var views = parallel.NewFreeList[view](nil)

func getView(in []float32, g Geometry) *view {
	v := views.Get()
	v.in, v.g = in, g
	v.ho, v.wo = g.Out()
	return v
}

// Block writes col[i0:i0+r, p0:p0+w] into dst (row i at dst[i*ld:]).
func (v *view) Block(dst []float32, ld, i0, r, p0, w int) {
	g := v.g
	if w == 32 && ld == 32 && p0%g.Cin+32 <= g.Cin {
		v.sliver(dst, i0, r, p0)
		return
	}
	H, W, C, K, S, P := g.H, g.W, g.Cin, g.K, g.Stride, g.Pad
	kc := K * C // a kernel row: K taps of C channels
	ho, wo := v.ho, v.wo
	// Output pixel (n, oy, ox) of row i0, then advanced row by row.
	n, rem := i0/(ho*wo), i0%(ho*wo)
	oy, ox := rem/wo, rem%wo
	ky0, q00 := p0/kc, p0%kc // kernel row and offset in it of column p0
	for i := range r {
		d := dst[i*ld : i*ld+w]
		base := n * H * W * C
		x0, a, b := v.inside(ox)
		ky, q0 := ky0, q00
		for o := 0; o < w; {
			q1 := min(kc, q0+w-o) // [q0, q1): this kernel row's part
			seg := d[o : o+q1-q0]
			iy := oy*S - P + ky
			lo, hi := min(max(q0, a), q1), max(min(q1, b), min(max(q0, a), q1))
			switch {
			case iy < 0 || iy >= H:
				clear(seg)
			case lo == q0 && hi == q1 && len(seg) == 32:
				// A whole 32-wide sliver row of the AVX-512 kernel's B
				// panel (BackwardWeight): one inline 128-byte move.
				*(*[32]float32)(seg) = *(*[32]float32)(v.in[base+(iy*W+x0)*C+lo:])
			case lo == q0 && hi == q1 && len(seg) == 9:
				// A whole kernel row of a 3×3 convolution of an RGB image
				// (Im2col of the first layer): an inline move instead of
				// a call to copy, which took most of the time of these
				// 36-byte copies.
				*(*[9]float32)(seg) = *(*[9]float32)(v.in[base+(iy*W+x0)*C+lo:])
			default:
				clear(seg[:lo-q0])
				if hi > lo {
					copy(seg[lo-q0:hi-q0], v.in[base+(iy*W+x0)*C+lo:])
				}
				clear(seg[hi-q0:])
			}
			o += q1 - q0
			ky, q0 = ky+1, 0
		}
		if ox++; ox == wo {
			ox = 0
			if oy++; oy == ho {
				oy = 0
				n++
			}
		}
	}
}

// Run returns the run of row i (an output pixel) that holds column p
// (blas.RunGather): the rest of the kernel row's taps that lie inside the
// input, adjacent pixels and so contiguous in NHWC, or the zeros up to the
// next such tap or the end of the kernel row.
func (v *view) Run(i, p int) ([]float32, int) {
	g := v.g
	H, W, C, K, S, P := g.H, g.W, g.Cin, g.K, g.Stride, g.Pad
	ho, wo := v.ho, v.wo
	n, rem := i/(ho*wo), i%(ho*wo)
	oy, ox := rem/wo, rem%wo
	kc := K * C
	ky, q := p/kc, p%kc // kernel row, offset in it
	iy := oy*S - P + ky
	if iy < 0 || iy >= H {
		return nil, kc - q
	}
	x0, a, b := v.inside(ox)
	switch {
	case q < a:
		return nil, a - q
	case q >= b:
		return nil, kc - q
	}
	off := ((n*H+iy)*W+x0)*C + q
	return v.in[off : off+b-q], b - q
}

// inside returns, for output column ox, the input column x0 of tap kx = 0
// and the offsets [a, b) in a kernel row (K·Cin floats) of the taps that
// lie inside the input.
func (v *view) inside(ox int) (x0, a, b int) {
	g := v.g
	x0 = ox*g.Stride - g.Pad
	ka := min(max(-x0, 0), g.K)
	kb := max(min(g.W-x0, g.K), ka)
	return x0, ka * g.Cin, kb * g.Cin
}

// sliver is Block for 32 columns within one tap, written contiguously:
// a sliver of the packed B panel of the weight gradient's product (the
// AVX-512 kernel's NR), whose rows are 32 adjacent channels of one input
// pixel, or zeros in the padding. The source offsets are computed row by
// row, then the rows are copied by gather32 (one pair of 64-byte moves
// each, on AVX-512).
func (v *view) sliver(dst []float32, i0, r, p0 int) {
	g := v.g
	H, W, C, K, S, P := g.H, g.W, g.Cin, g.K, g.Stride, g.Pad
	tap, c0 := p0/C, p0%C
	ky, kx := tap/K, tap%K
	ho, wo := v.ho, v.wo
	n, rem := i0/(ho*wo), i0%(ho*wo)
	oy, ox := rem/wo, rem%wo
	var offs [256]int
	for done := 0; done < r; {
		m := min(r-done, len(offs))
		for p := range m {
			iy, ix := oy*S-P+ky, ox*S-P+kx
			off := -1
			if iy >= 0 && iy < H && ix >= 0 && ix < W {
				off = ((n*H+iy)*W+ix)*C + c0
			}
			offs[p] = off
			if ox++; ox == wo {
				ox = 0
				if oy++; oy == ho {
					oy = 0
					n++
				}
			}
		}
		d := dst[done*32 : (done+m)*32]
		if !gather32(d, v.in, offs[:m]) {
			for p, off := range offs[:m] {
				row := (*[32]float32)(d[p*32:])
				if off < 0 {
					*row = [32]float32{}
				} else {
					*row = *(*[32]float32)(v.in[off:])
				}
			}
		}
		done += m
	}
}
