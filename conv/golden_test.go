package conv

import (
	"math"
	"strings"
	"testing"

	"github.com/counter-current/ccl/internal/golden"
)

// Golden parity with PyTorch 1.13 (autograd).
//
// testdata/golden/conv_ops.json is written by testdata/golden/conv_golden.py
// (regenerate from the repository root with
// `/usr/bin/python3 testdata/golden/conv_golden.py`; its header documents the
// cases and tensor names). It holds eight cases, all in PyTorch's NCHW layout:
//
//   - s2_bias: conv 3×3 stride 2 pad 1 with bias on an odd 7×7 input (the
//     "cnn" forward conv);
//   - k1: conv 1×1 stride 1 with bias;
//   - k5: conv 5×5 stride 1 pad 2 with bias;
//   - pool: conv 3×3 stride 1 pad 1 without bias, then max-pool 2×2 (the
//     "cnn_pool" forward layer), with PyTorch's pooling indices;
//   - up: nearest upsample ×2, then conv 3×3 stride 1 pad 1 with bias (the
//     feedback conv of both CNNs);
//   - narrow, narrow_s2: conv 3×3 (stride 1 and 2, pad 1, bias) from 32 to 3
//     and from 20 to 2 channels, which run on the output side (Narrow);
//   - ties: max-pool alone on an input full of ties and −∞ windows, with an
//     odd last row that floor mode drops.
//
// The test permutes NCHW → NHWC, runs the kernels, permutes the results back
// and compares each tensor within golden.Tolerance (1e-4 relative); pooling
// indices must match exactly.

// nchwToNHWC permutes a PyTorch feature map to this package's layout.
func nchwToNHWC(x []float32, n, c, h, w int) []float32 {
	out := make([]float32, len(x))
	for i := 0; i < n; i++ {
		for k := 0; k < c; k++ {
			for y := 0; y < h; y++ {
				for z := 0; z < w; z++ {
					out[((i*h+y)*w+z)*c+k] = x[((i*c+k)*h+y)*w+z]
				}
			}
		}
	}
	return out
}

// nhwcToNCHW is the inverse permutation.
func nhwcToNCHW(x []float32, n, c, h, w int) []float32 {
	out := make([]float32, len(x))
	for i := 0; i < n; i++ {
		for k := 0; k < c; k++ {
			for y := 0; y < h; y++ {
				for z := 0; z < w; z++ {
					out[((i*c+k)*h+y)*w+z] = x[((i*h+y)*w+z)*c+k]
				}
			}
		}
	}
	return out
}

// nchw returns the named feature map in NHWC and its NCHW sizes.
func nchw(f *golden.File, name string) (x []float32, n, c, h, w int) {
	t := f.T(name)
	s := t.Shape
	return nchwToNHWC(t.F32(), s[0], s[1], s[2], s[3]), s[0], s[1], s[2], s[3]
}

// convGolden runs one convolution case: forward from prefix.in (or the given
// NHWC input), backward from prefix.gy, and checks y, gw, gb; it returns the
// NHWC input gradient and geometry for further checks.
func convGolden(t *testing.T, f *golden.File, c string, in []float32, n, cin, h, w int, bias bool) ([]float32, Geometry) {
	t.Helper()
	wt := f.T(c + ".w")
	g := Geometry{N: n, H: h, W: w, Cin: cin, Cout: wt.Shape[0], K: wt.Shape[2],
		Stride: int(f.Num(c + ".stride")), Pad: int(f.Num(c + ".pad"))}
	if wt.Shape[1] != cin || wt.Shape[3] != g.K {
		t.Fatalf("%s: weight shape %v", c, wt.Shape)
	}
	var b, dB []float32
	if bias {
		b = f.T(c + ".b").F32()
		dB = make([]float32, g.Cout)
	}
	ho, wo := g.Out()
	out := make([]float32, g.OutLen())
	col := make([]float32, g.ScratchLen())
	Forward(out, col, in, wt.F32(), b, g)
	t.Logf("%s y err %g", c, f.Check(t, c+".y", nhwcToNCHW(out, n, g.Cout, ho, wo)))

	gy, gn, gc, gh, gw := nchw(f, c+".gy")
	if gn != n || gc != g.Cout || gh != ho || gw != wo {
		t.Fatalf("%s: gy shape %v, want %d %d %d %d", c, f.T(c+".gy").Shape, n, g.Cout, ho, wo)
	}
	dW := make([]float32, g.WeightLen())
	BackwardWeight(dW, dB, gy, in, col, g, 1)
	t.Logf("%s gw err %g", c, f.Check(t, c+".gw", dW))
	if bias {
		f.Check(t, c+".gb", dB)
	}
	dIn := make([]float32, g.InLen())
	BackwardInput(dIn, make([]float32, g.BackwardInputScratchLen()), gy, wt.F32(), g)
	return dIn, g
}

func TestGoldenConv(t *testing.T) {
	f, err := golden.Load("conv_ops.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"s2_bias", "k1", "k5", "narrow", "narrow_s2"} {
		x, n, cin, h, w := nchw(f, c+".x")
		dIn, g := convGolden(t, f, c, x, n, cin, h, w, true)
		if g.Narrow() != strings.HasPrefix(c, "narrow") {
			t.Errorf("%s: %+v narrow = %v", c, g, g.Narrow())
		}
		f.Check(t, c+".gx", nhwcToNCHW(dIn, n, cin, h, w))
	}
}

func TestGoldenConvPool(t *testing.T) {
	f, err := golden.Load("conv_ops.json")
	if err != nil {
		t.Fatal(err)
	}
	const c = "pool"
	x, n, cin, h, w := nchw(f, c+".x")
	wt := f.T(c + ".w")
	g := Geometry{N: n, H: h, W: w, Cin: cin, Cout: wt.Shape[0], K: wt.Shape[2],
		Stride: int(f.Num(c + ".stride")), Pad: int(f.Num(c + ".pad"))}
	ho, wo := g.Out()
	conv := make([]float32, g.OutLen())
	col := make([]float32, g.ScratchLen())
	Forward(conv, col, x, wt.F32(), nil, g)
	f.Check(t, c+".conv", nhwcToNCHW(conv, n, g.Cout, ho, wo))

	// Pool PyTorch's own conv output, so that near-ties cannot flip the
	// argmax through rounding differences of the convolution.
	ref, _, _, _, _ := nchw(f, c+".conv")
	pl := n * (ho / 2) * (wo / 2) * g.Cout
	pooled, argmax := make([]float32, pl), make([]int32, pl)
	MaxPool2Forward(pooled, argmax, ref, n, ho, wo, g.Cout)
	f.Check(t, c+".y", nhwcToNCHW(pooled, n, g.Cout, ho/2, wo/2))
	checkArgmax(t, f, c+".argmax", argmax, n, ho, wo, g.Cout)

	gy, _, _, _, _ := nchw(f, c+".gy")
	gconv := make([]float32, g.OutLen())
	MaxPool2Backward(gconv, gy, argmax, n, ho, wo, g.Cout)
	f.Check(t, c+".gconv", nhwcToNCHW(gconv, n, g.Cout, ho, wo))

	dW := make([]float32, g.WeightLen())
	BackwardWeight(dW, nil, gconv, x, col, g, 1)
	t.Logf("%s gw err %g", c, f.Check(t, c+".gw", dW))
	dIn := make([]float32, g.InLen())
	BackwardInput(dIn, make([]float32, g.BackwardInputScratchLen()), gconv, wt.F32(), g)
	f.Check(t, c+".gx", nhwcToNCHW(dIn, n, cin, h, w))
}

// checkArgmax compares this package's flat NHWC indices with PyTorch's
// per-plane indices y·W + x (W = the input width).
func checkArgmax(t *testing.T, f *golden.File, name string, argmax []int32, n, h, w, c int) {
	t.Helper()
	want := f.T(name)
	ho, wo := h/2, w/2
	got := make([]int, len(argmax))
	for i := range n {
		for k := range c {
			for y := range ho {
				for x := range wo {
					a := int(argmax[((i*ho+y)*wo+x)*c+k])
					if a/(h*w*c) != i || a%c != k {
						t.Fatalf("%s: argmax %d outside sample %d channel %d", name, a, i, k)
					}
					p := a % (h * w * c) / c // y·w + x in the sample
					got[((i*c+k)*ho+y)*wo+x] = p
				}
			}
		}
	}
	if len(want.Data) != len(got) {
		t.Fatalf("%s: %d indices, want %d", name, len(got), len(want.Data))
	}
	for i, v := range want.Data {
		if got[i] != int(v) {
			t.Errorf("%s: index %d: got %d, want %d", name, i, got[i], int(v))
			return
		}
	}
}

func TestGoldenUpsampleConv(t *testing.T) {
	f, err := golden.Load("conv_ops.json")
	if err != nil {
		t.Fatal(err)
	}
	const c = "up"
	x, n, cin, h, w := nchw(f, c+".x")
	up := make([]float32, 4*len(x))
	Upsample2Forward(up, x, n, h, w, cin)
	f.Check(t, c+".up", nhwcToNCHW(up, n, cin, 2*h, 2*w))
	gup, _ := convGolden(t, f, c, up, n, cin, 2*h, 2*w, true)
	f.Check(t, c+".gup", nhwcToNCHW(gup, n, cin, 2*h, 2*w))
	dx := make([]float32, len(x))
	Upsample2Backward(dx, gup, n, h, w, cin)
	f.Check(t, c+".gx", nhwcToNCHW(dx, n, cin, h, w))
}

func TestGoldenPoolTies(t *testing.T) {
	f, err := golden.Load("conv_ops.json")
	if err != nil {
		t.Fatal(err)
	}
	const c = "ties"
	x, n, ch, h, w := nchw(f, c+".x")
	for i, v := range x { // the file stores −∞ as −1e30
		if v == -1e30 {
			x[i] = float32(math.Inf(-1))
		}
	}
	pl := n * (h / 2) * (w / 2) * ch
	y, argmax := make([]float32, pl), make([]int32, pl)
	MaxPool2Forward(y, argmax, x, n, h, w, ch)
	ninf := 0
	for i, v := range y {
		if math.IsInf(float64(v), -1) {
			y[i] = -1e30
			ninf++
		}
	}
	if ninf == 0 {
		t.Errorf("no −∞ window")
	}
	f.Check(t, c+".y", nhwcToNCHW(y, n, ch, h/2, w/2))
	checkArgmax(t, f, c+".argmax", argmax, n, h, w, ch)
	gy, _, _, _, _ := nchw(f, c+".gy")
	gx := make([]float32, len(x))
	MaxPool2Backward(gx, gy, argmax, n, h, w, ch)
	f.Check(t, c+".gx", nhwcToNCHW(gx, n, ch, h, w))
}
