package conv

import (
	"fmt"
	"math"

	"github.com/counter-current/ccl/internal/hugepage"
)

// checkMap panics unless n, h, w, c describe a valid NHWC batch whose
// indices fit in an int32.
func checkMap(n, h, w, c int) {
	if n < 0 || h < 1 || w < 1 || c < 1 {
		panic(fmt.Sprintf("conv: invalid map size n=%d h=%d w=%d c=%d", n, h, w, c))
	}
	if float64(n)*float64(h)*float64(w)*float64(c) > math.MaxInt32 {
		panic("conv: map too large for int32 indices")
	}
}

// MaxPool2Forward computes a 2×2 max-pool with stride 2:
//
//	out(n, oy, ox, c) = max_{dy,dx ∈ {0,1}} in(n, 2oy+dy, 2ox+dx, c)
//	argmax(n, oy, ox, c) = the flat index ((n·h + y)·w + x)·c' + c into in
//	                       of the winning element
//
// in is (n·h·w) × c NHWC; out and argmax are (n·⌊h/2⌋·⌊w/2⌋) × c. An odd last
// row or column is dropped (PyTorch's floor mode). Ties and NaNs follow
// PyTorch's CPU kernel: the window is scanned in row-major order from
// (dy, dx) = (0, 0) and an element wins when it is greater than the current
// maximum or is NaN, so the first of equal maxima wins, any NaN beats
// numbers (the last NaN wins), and a window of −∞ picks its first element.
func MaxPool2Forward(out []float32, argmax []int32, in []float32, n, h, w, c int) {
	MaxPool2ForwardAct(out, argmax, in, n, h, w, c, nil)
}

// Activator is an elementwise function, y = f(x) (net.Activation is one).
type Activator interface {
	Forward(y, x []float32)
}

// MaxPool2ForwardAct is MaxPool2Forward of f(in), f applied elementwise
// (nil: the identity): the same out and argmax (indices into in) as f
// applied to all of in and then MaxPool2Forward, but f(in) is only formed
// two input rows at a time, in scratch that stays in cache, instead of
// being written to memory and read back (64 MB for the first cnn_pool
// layer at batch 128).
func MaxPool2ForwardAct(out []float32, argmax []int32, in []float32, n, h, w, c int, f Activator) {
	pool2Forward(kPoolF, out, argmax, in, n, h, w, c, f)
}

// MaxPool2ForwardThenAct writes out = f(MaxPool2Forward(in)), with
// MaxPool2Forward's argmax (the indices of the windows' maxima of in), f
// applied to each output row while it is in cache. For a non-decreasing f
// the maximum of f over a window is f of its maximum, so out is the pool of
// f(in) (MaxPool2ForwardAct) with f formed on a quarter of the elements.
// The two can differ only where f rounds different inputs of one window to
// the same value (an ELU saturated at −1, a ReLU's zeros): out is the same,
// and the index is that of the greater input here and of the first of the
// tied values there; and where f is monotone only up to its rounding (a
// polynomial exp), out can be one unit in the last place below the other.
// f must be non-decreasing; nil is the identity.
func MaxPool2ForwardThenAct(out []float32, argmax []int32, in []float32, n, h, w, c int, f Activator) {
	pool2Forward(kPoolFA, out, argmax, in, n, h, w, c, f)
}

// pool2Forward checks the sizes and runs a forward pool job of kind
// kPoolF (f before the pool) or kPoolFA (f after it) on the worker pool.
func pool2Forward(k kind, out []float32, argmax []int32, in []float32, n, h, w, c int, f Activator) {
	checkMap(n, h, w, c)
	ol := n * (h / 2) * (w / 2) * c
	need("out", out, ol)
	if len(argmax) < ol {
		panic(fmt.Sprintf("conv: argmax has length %d, need %d", len(argmax), ol))
	}
	need("in", in, n*h*w*c)
	j := getJob()
	j.kind, j.dst, j.idx, j.src, j.act = k, out, argmax, in, f
	j.g = Geometry{N: n, H: h, W: w, Cin: c}
	run(j, n, n*h*w*c)
}

// MaxPool2Backward is the gradient of MaxPool2Forward:
//
//	dIn[argmax[i]] += dOut[i] for every output element i, dIn = 0 elsewhere
//
// dIn is (n·h·w) × c (written, including zeros at every non-winning
// position); dOut and argmax are (n·⌊h/2⌋·⌊w/2⌋) × c, argmax as filled by
// MaxPool2Forward with the same sizes.
func MaxPool2Backward(dIn, dOut []float32, argmax []int32, n, h, w, c int) {
	MaxPool2BackwardSamples(dIn, dOut, argmax, n, h, w, c, 0, n)
}

// MaxPool2BackwardSamples is MaxPool2Backward for samples [lo, hi) of the
// batch of n only: dIn holds those samples alone ((hi−lo)·h·w × c; its
// first row is sample lo's first), all written, zeros included, and only
// their rows of dOut and argmax are read, which index the whole batch as
// MaxPool2Forward filled them. Called for consecutive ranges with the same
// dIn, it lets a caller use each part while it is still in cache, and the
// parts take the same few cache lines instead of a whole batch's.
func MaxPool2BackwardSamples(dIn, dOut []float32, argmax []int32, n, h, w, c, lo, hi int) {
	checkMap(n, h, w, c)
	if lo < 0 || hi > n || lo > hi {
		panic(fmt.Sprintf("conv: samples [%d, %d) outside a batch of %d", lo, hi, n))
	}
	ol := n * (h / 2) * (w / 2) * c
	need("dIn", dIn, (hi-lo)*h*w*c)
	need("dOut", dOut, ol)
	if len(argmax) < ol {
		panic(fmt.Sprintf("conv: argmax has length %d, need %d", len(argmax), ol))
	}
	j := getJob()
	j.kind, j.dst, j.src, j.idx = kPoolB, dIn, dOut, argmax
	j.g = Geometry{N: n, H: h, W: w, Cin: c}
	j.off = lo
	run(j, hi-lo, (hi-lo)*h*w*c)
}

// Upsample2Forward is nearest-neighbour upsampling by 2:
//
//	out(n, y, x, c) = in(n, ⌊y/2⌋, ⌊x/2⌋, c)
//
// in is (n·h·w) × c, out is (n·2h·2w) × c, both NHWC.
func Upsample2Forward(out, in []float32, n, h, w, c int) {
	checkMap(n, 2*h, 2*w, c)
	need("out", out, n*4*h*w*c)
	need("in", in, n*h*w*c)
	j := getJob()
	j.kind, j.dst, j.src = kUpF, out, in
	j.g = Geometry{N: n, H: h, W: w, Cin: c}
	run(j, n, n*5*h*w*c)
}

// Upsample2Backward is the adjoint of Upsample2Forward: the sum over each
// 2×2 block,
//
//	dIn(n, y, x, c) = dOut(n, 2y, 2x, c) + dOut(n, 2y, 2x+1, c)
//	                + dOut(n, 2y+1, 2x, c) + dOut(n, 2y+1, 2x+1, c)
//
// added left to right in that (PyTorch's) order. dIn is (n·h·w) × c
// (written), dOut is (n·2h·2w) × c.
func Upsample2Backward(dIn, dOut []float32, n, h, w, c int) {
	checkMap(n, 2*h, 2*w, c)
	need("dIn", dIn, n*h*w*c)
	need("dOut", dOut, n*4*h*w*c)
	j := getJob()
	j.kind, j.dst, j.src = kUpB, dIn, dOut
	j.g = Geometry{N: n, H: h, W: w, Cin: c}
	run(j, n, n*5*h*w*c)
}

// poolKey maps v, found at window position pos (0…3), to an int64 whose
// order is PyTorch's "v beats the current maximum" relation under a strict
// >: numbers keep their float order with −0 = +0 (so the first of equal
// values wins), and a NaN maps above every number, later positions higher
// (so any NaN wins and the last NaN wins). It is branch-free.
func poolKey(v float32, pos int64) int64 {
	b := int32(math.Float32bits(v))
	s := b >> 31                           // −1 for a negative sign bit
	mag := b & 0x7fffffff                  // |v| as bits
	k := int64((mag ^ s) - s)              // ±|v| bits: monotone in v, −0 → 0
	nan := int64((0x7f800000 - mag) >> 31) // −1 for a NaN
	return (k &^ nan) + (nan & (1<<40 + pos))
}

// poolForward pools samples [lo, hi), of f(in) when f is not nil and
// after is false (two input rows at a time, into scratch), and applies f
// to each output row when after is true. The window maximum is tracked
// with integer keys and masks instead of branches: on real data the
// winner's position is unpredictable and branches cost twice as much.
func poolForward(out []float32, argmax []int32, in []float32, h, w, c, lo, hi int, f Activator, after bool) {
	ho, wo := h/2, w/2
	var sb *hugepage.Buf
	if f != nil && !after {
		sb = scratch.Get(2 * w * c)
		defer scratch.Put(sb)
	}
	for n := lo; n < hi; n++ {
		for oy := 0; oy < ho; oy++ {
			o := (n*ho + oy) * wo * c
			base := (n*h + 2*oy) * w * c
			src := in[base : base+2*w*c]
			if sb != nil {
				f.Forward(sb.S[:len(src)], src)
				src = sb.S[:len(src)]
			}
			poolRow(out[o:o+wo*c], argmax[o:o+wo*c], src, base, w, c)
			if after && f != nil {
				f.Forward(out[o:o+wo*c], out[o:o+wo*c])
			}
		}
	}
}

// poolRow pools the two input rows in src (2·w·c floats; src[0] is
// element base of the input) into one output row of ⌊w/2⌋·c values and
// their arg-max indices into the input.
func poolRow(out []float32, argmax []int32, src []float32, base, w, c int) {
	for ox := 0; ox < w/2; ox++ {
		o := ox * c
		l00 := 2 * ox * c
		l01, l10 := l00+c, l00+w*c
		l11 := l10 + c
		dst := out[o : o+c]
		am := argmax[o : o+c]
		a, b, d, e := src[l00:l00+c], src[l01:l01+c], src[l10:l10+c], src[l11:l11+c]
		if pool4(dst, am, a, b, d, e, base+l00, base+l01, base+l10, base+l11) {
			continue
		}
		for k := range dst {
			km, idx := poolKey(a[k], 0), l00+k
			kv := poolKey(b[k], 1)
			mask := (km - kv) >> 63 // −1 when kv > km
			km += (kv - km) & mask
			idx ^= (idx ^ (l01 + k)) & int(mask)
			kv = poolKey(d[k], 2)
			mask = (km - kv) >> 63
			km += (kv - km) & mask
			idx ^= (idx ^ (l10 + k)) & int(mask)
			kv = poolKey(e[k], 3)
			mask = (km - kv) >> 63
			idx ^= (idx ^ (l11 + k)) & int(mask)
			dst[k], am[k] = src[idx], int32(base+idx)
		}
	}
}

// poolBackward writes dIn for samples [lo, hi) in one pass: each 2×2
// window's four elements get its gradient at the arg-max and zero
// elsewhere (the windows do not overlap; a last row or column outside
// every window, when h or w is odd, gets zero). dIn's first row is sample
// first's (argmax holds indices into the whole batch). The gradient is
// written as g + 0, the value of 0 + g that clearing dIn and adding into
// it gave (−0 becomes +0), so the bits did not change with the one pass.
func poolBackward(dIn, dOut []float32, argmax []int32, h, w, c, lo, hi, first int) {
	ho, wo := h/2, w/2
	wc := w * c
	dIn = dIn[(lo-first)*h*wc:] // dIn[0] is now sample lo's
	for n := lo; n < hi; n++ {
		for oy := 0; oy < ho; oy++ {
			base := (n*h + 2*oy) * wc
			rel := ((n-lo)*h + 2*oy) * wc
			r0, r1 := dIn[rel:rel+wc], dIn[rel+wc:rel+2*wc]
			o := (n*ho + oy) * wo * c
			poolBackRow(r0, r1, dOut[o:o+wo*c], argmax[o:o+wo*c], base, w, c)
			if w%2 == 1 {
				clear(r0[(w-1)*c:])
				clear(r1[(w-1)*c:])
			}
		}
		if h%2 == 1 {
			last := ((n-lo)*h + h - 1) * wc
			clear(dIn[last : last+wc])
		}
	}
}

// poolBackRow writes the two input rows r0, r1 (w·c floats each; r0[0] is
// element base of dIn) of one output row's windows from its gradients g
// and arg-max indices am (⌊w/2⌋·c each).
func poolBackRow(r0, r1, g []float32, am []int32, base, w, c int) {
	for ox := 0; ox < w/2; ox++ {
		l00 := 2 * ox * c
		a00, a01 := r0[l00:l00+c], r0[l00+c:l00+2*c]
		a10, a11 := r1[l00:l00+c], r1[l00+c:l00+2*c]
		gs, ams := g[ox*c:ox*c+c], am[ox*c:ox*c+c]
		at := int32(base + l00)
		if poolBack4(a00, a01, a10, a11, gs, ams, int(at), int(at)+c, int(at)+w*c, int(at)+w*c+c) {
			continue
		}
		for k := range gs {
			v := gs[k] + 0
			d := ams[k] - at - int32(k) // 0, c, w·c or w·c + c
			var v00, v01, v10, v11 float32
			switch d {
			case 0:
				v00 = v
			case int32(c):
				v01 = v
			case int32(w * c):
				v10 = v
			default:
				v11 = v
			}
			a00[k], a01[k], a10[k], a11[k] = v00, v01, v10, v11
		}
	}
}

// upForward upsamples samples [lo, hi).
func upForward(out, in []float32, h, w, c, lo, hi int) {
	w2 := 2 * w
	for n := lo; n < hi; n++ {
		for y := 0; y < h; y++ {
			r0 := ((n*2*h + 2*y) * w2) * c // output row 2y
			r1 := r0 + w2*c                // output row 2y+1
			src := in[(n*h+y)*w*c : (n*h+y+1)*w*c]
			for x := 0; x < w; x++ {
				p := src[x*c : (x+1)*c]
				copy(out[r0+2*x*c:r0+(2*x+1)*c], p)
				copy(out[r0+(2*x+1)*c:r0+(2*x+2)*c], p)
			}
			copy(out[r1:r1+w2*c], out[r0:r0+w2*c])
		}
	}
}

// upBackward sums the 2×2 blocks of samples [lo, hi).
func upBackward(dIn, dOut []float32, h, w, c, lo, hi int) {
	w2 := 2 * w
	for n := lo; n < hi; n++ {
		for y := 0; y < h; y++ {
			r0 := ((n*2*h + 2*y) * w2) * c
			r1 := r0 + w2*c
			dst := dIn[(n*h+y)*w*c : (n*h+y+1)*w*c]
			for x := 0; x < w; x++ {
				a := dOut[r0+2*x*c : r0+(2*x+1)*c]
				b := dOut[r0+(2*x+1)*c : r0+(2*x+2)*c]
				d := dOut[r1+2*x*c : r1+(2*x+1)*c]
				e := dOut[r1+(2*x+1)*c : r1+(2*x+2)*c]
				q := dst[x*c : (x+1)*c]
				for k := range q {
					s := a[k]
					s += b[k]
					s += d[k]
					s += e[k]
					q[k] = s
				}
			}
		}
	}
}
