package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/counter-current/ccl/blas"
	"github.com/counter-current/ccl/internal/heapcount"
)

// guard is the value written past the end of every output slice; the tests
// check it is never touched.
const guard = float32(-12345.25)
const nguard = 11

// withGuard returns a slice of length n whose backing array continues with
// nguard guard values.
func withGuard(n int, fill float32) []float32 {
	s := make([]float32, n+nguard)
	for i := range s {
		s[i] = fill
		if i >= n {
			s[i] = guard
		}
	}
	return s[:n]
}

func checkGuard(t *testing.T, name string, s []float32) {
	t.Helper()
	for i, v := range s[len(s) : len(s)+nguard] {
		if v != guard {
			t.Errorf("%s: guard %d past the end overwritten: %v", name, i, v)
			return
		}
	}
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// close reports max|got − want| / max(max|want|, 1e-12) ≤ tol.
func closeTo(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d, want %d", name, len(got), len(want))
	}
	var diff, scale float64
	for i, w := range want {
		diff = max(diff, math.Abs(float64(got[i])-w))
		scale = max(scale, math.Abs(w))
	}
	if math.IsNaN(diff) || diff/max(scale, 1e-12) > tol {
		t.Errorf("%s: relative error %.3g > %g", name, diff/max(scale, 1e-12), tol)
	}
}

// The oracle: a direct convolution in float64, straight from the definition
// out(n, oy, ox, o) = b[o] + Σ_{c,ky,kx} in(n, oy·S−P+ky, ox·S−P+kx, c)·w[o][c][ky][kx],
// with its gradients dIn, dW, dB obtained by differentiating the same sum.
type naive struct {
	out, dIn, dW, dB []float64
}

func naiveConv(in, w, b, dOut []float32, g Geometry) naive {
	ho, wo := g.Out()
	res := naive{
		out: make([]float64, g.N*ho*wo*g.Cout),
		dIn: make([]float64, g.InLen()),
		dW:  make([]float64, g.WeightLen()),
		dB:  make([]float64, g.Cout),
	}
	for n := 0; n < g.N; n++ {
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				for o := 0; o < g.Cout; o++ {
					oi := ((n*ho+oy)*wo+ox)*g.Cout + o
					s := 0.0
					if b != nil {
						s = float64(b[o])
					}
					res.dB[o] += float64(dOut[oi])
					for c := 0; c < g.Cin; c++ {
						for ky := 0; ky < g.K; ky++ {
							for kx := 0; kx < g.K; kx++ {
								iy, ix := oy*g.Stride-g.Pad+ky, ox*g.Stride-g.Pad+kx
								if iy < 0 || iy >= g.H || ix < 0 || ix >= g.W {
									continue
								}
								ii := ((n*g.H+iy)*g.W+ix)*g.Cin + c
								wi := ((o*g.Cin+c)*g.K+ky)*g.K + kx
								s += float64(in[ii]) * float64(w[wi])
								res.dIn[ii] += float64(dOut[oi]) * float64(w[wi])
								res.dW[wi] += float64(dOut[oi]) * float64(in[ii])
							}
						}
					}
					res.out[oi] = s
				}
			}
		}
	}
	return res
}

func geometries() []Geometry {
	var gs []Geometry
	sizes := [][2]int{{7, 5}, {5, 7}, {6, 6}, {9, 4}, {3, 3}, {1, 1}, {8, 8}}
	for _, k := range []int{1, 3, 5} {
		for _, s := range []int{1, 2} {
			for _, p := range []int{0, 1, 2} {
				for _, n := range []int{1, 3} {
					for i, hw := range sizes {
						if hw[0]+2*p < k || hw[1]+2*p < k {
							continue
						}
						cin := []int{1, 3, 5}[(i+k)%3]
						cout := []int{3, 1, 7, 2}[(i+s+p)%4]
						gs = append(gs, Geometry{N: n, H: hw[0], W: hw[1], Cin: cin, Cout: cout, K: k, Stride: s, Pad: p})
					}
				}
			}
		}
	}
	// Narrow convolutions (K·K·Cout ≤ Cin), which run on the output side:
	// odd sizes, strides 1–3, paddings 0–2, the bound K·K·Cout = Cin.
	gs = append(gs,
		Geometry{N: 2, H: 5, W: 6, Cin: 20, Cout: 2, K: 3, Stride: 1, Pad: 1},
		Geometry{N: 1, H: 7, W: 7, Cin: 27, Cout: 3, K: 3, Stride: 2, Pad: 1},
		Geometry{N: 2, H: 6, W: 5, Cin: 9, Cout: 1, K: 3, Stride: 1, Pad: 0},
		Geometry{N: 3, H: 4, W: 5, Cin: 4, Cout: 1, K: 2, Stride: 2, Pad: 0},
		Geometry{N: 1, H: 8, W: 7, Cin: 26, Cout: 1, K: 5, Stride: 1, Pad: 2},
		Geometry{N: 2, H: 7, W: 8, Cin: 31, Cout: 3, K: 3, Stride: 3, Pad: 2},
	)
	// Convolutions whose im2col matrix is gathered (gathers): Cin ≥ 16.
	gs = append(gs,
		Geometry{N: 2, H: 5, W: 6, Cin: 17, Cout: 4, K: 3, Stride: 1, Pad: 1},
		Geometry{N: 1, H: 7, W: 6, Cin: 32, Cout: 5, K: 3, Stride: 2, Pad: 1},
		Geometry{N: 2, H: 4, W: 5, Cin: 16, Cout: 7, K: 2, Stride: 1, Pad: 0},
		Geometry{N: 2, H: 6, W: 7, Cin: 17, Cout: 4, K: 3, Stride: 1, Pad: 1},
		Geometry{N: 1, H: 9, W: 8, Cin: 32, Cout: 5, K: 3, Stride: 2, Pad: 1},
	)
	// Small output maps that go by output pixel (small): the last
	// cnn_pool layer's 2×2 (stride 1, padding 1), the last stride-2
	// layers of cnn (4×4 → 2×2, 2×2 → 1×1), a 1×3 map, stored and
	// gathered inputs.
	gs = append(gs,
		Geometry{N: 3, H: 2, W: 2, Cin: 20, Cout: 6, K: 3, Stride: 1, Pad: 1},
		Geometry{N: 2, H: 2, W: 2, Cin: 5, Cout: 9, K: 3, Stride: 1, Pad: 1},
		Geometry{N: 2, H: 4, W: 4, Cin: 17, Cout: 5, K: 3, Stride: 2, Pad: 1},
		Geometry{N: 3, H: 2, W: 2, Cin: 18, Cout: 7, K: 3, Stride: 2, Pad: 1},
		Geometry{N: 2, H: 1, W: 3, Cin: 4, Cout: 3, K: 3, Stride: 1, Pad: 1},
	)
	return gs
}

func TestOut(t *testing.T) {
	for _, c := range []struct {
		g      Geometry
		ho, wo int
	}{
		{Geometry{N: 1, H: 7, W: 5, Cin: 1, Cout: 1, K: 3, Stride: 2, Pad: 1}, 4, 3},
		{Geometry{N: 1, H: 32, W: 32, Cin: 1, Cout: 1, K: 3, Stride: 2, Pad: 1}, 16, 16},
		{Geometry{N: 1, H: 32, W: 32, Cin: 1, Cout: 1, K: 3, Stride: 1, Pad: 1}, 32, 32},
		{Geometry{N: 1, H: 6, W: 5, Cin: 1, Cout: 1, K: 5, Stride: 1, Pad: 2}, 6, 5},
		{Geometry{N: 1, H: 4, W: 6, Cin: 1, Cout: 1, K: 1, Stride: 1, Pad: 0}, 4, 6},
		{Geometry{N: 1, H: 8, W: 7, Cin: 1, Cout: 1, K: 5, Stride: 2, Pad: 0}, 2, 2},
	} {
		ho, wo := c.g.Out()
		if ho != c.ho || wo != c.wo {
			t.Errorf("%+v: Out = %d, %d, want %d, %d", c.g, ho, wo, c.ho, c.wo)
		}
	}
	g := Geometry{N: 3, H: 7, W: 5, Cin: 2, Cout: 4, K: 3, Stride: 2, Pad: 1}
	if g.Rows() != 3*4*3 || g.Depth() != 18 || g.ColLen() != 36*18 || g.InLen() != 210 || g.OutLen() != 144 || g.WeightLen() != 72 {
		t.Errorf("sizes of %+v wrong", g)
	}
}

// TestConvAgainstNaive compares Forward, BackwardWeight and BackwardInput
// with the float64 direct convolution on many small shapes (narrow ones
// included), with and without bias, and checks nothing past the outputs is written and that parameter
// gradients accumulate.
func TestConvAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var narrow, small, gathered, stored int
	defer func() {
		if narrow < 6 || small < 5 || gathered < 3 || stored == 0 {
			t.Errorf("%d narrow, %d small, %d gathered and %d stored-im2col geometries: every path must be covered", narrow, small, gathered, stored)
		}
	}()
	for _, g := range geometries() {
		switch {
		case g.Narrow():
			narrow++
		case g.small():
			small++
		case g.gathers():
			gathered++
		default:
			stored++
		}
		for _, withBias := range []bool{true, false} {
			name := fmt.Sprintf("%+v bias=%v", g, withBias)
			in := randSlice(r, g.InLen())
			w := randSlice(r, g.WeightLen())
			var b []float32
			if withBias {
				b = randSlice(r, g.Cout)
			}
			dOut := randSlice(r, g.OutLen())
			want := naiveConv(in, w, b, dOut, g)

			out := withGuard(g.OutLen(), float32(math.NaN()))
			col := withGuard(g.ScratchLen(), float32(math.NaN()))
			Forward(out, col, in, w, b, g)
			closeTo(t, name+" out", out, want.out, 1e-5)
			checkGuard(t, name+" out", out)
			checkGuard(t, name+" col", col)

			dW0 := randSlice(r, g.WeightLen())
			dW := withGuard(g.WeightLen(), 0)
			copy(dW, dW0)
			var dB, dB0 []float32
			if withBias {
				dB0 = randSlice(r, g.Cout)
				dB = withGuard(g.Cout, 0)
				copy(dB, dB0)
			}
			BackwardWeight(dW, dB, dOut, in, col, g, 1)
			wantDW := make([]float64, len(dW0))
			for i := range wantDW {
				wantDW[i] = float64(dW0[i]) + want.dW[i]
			}
			closeTo(t, name+" dW", dW, wantDW, 1e-5)
			checkGuard(t, name+" dW", dW)
			if withBias {
				wantDB := make([]float64, len(dB0))
				for i := range wantDB {
					wantDB[i] = float64(dB0[i]) + want.dB[i]
				}
				closeTo(t, name+" dB", dB, wantDB, 1e-5)
				checkGuard(t, name+" dB", dB)
			}

			dIn := withGuard(g.InLen(), float32(math.NaN()))
			dcol := withGuard(g.BackwardInputScratchLen(), float32(math.NaN()))
			BackwardInput(dIn, dcol, dOut, w, g)
			closeTo(t, name+" dIn", dIn, want.dIn, 1e-5)
			checkGuard(t, name+" dIn", dIn)
			checkGuard(t, name+" dcol", dcol)
		}
	}
}

// TestIm2colDefinition checks every element of Im2col against its
// definition, including the zeros of the padding, and the column order
// (ky, kx, c) with ky slowest.
func TestIm2colDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, g := range geometries() {
		in := randSlice(r, g.InLen())
		col := withGuard(g.ColLen(), float32(math.NaN()))
		Im2col(col, in, g)
		checkGuard(t, "col", col)
		ho, wo := g.Out()
		d := g.Depth()
		for n := 0; n < g.N; n++ {
			for oy := 0; oy < ho; oy++ {
				for ox := 0; ox < wo; ox++ {
					for c := 0; c < g.Cin; c++ {
						for ky := 0; ky < g.K; ky++ {
							for kx := 0; kx < g.K; kx++ {
								iy, ix := oy*g.Stride-g.Pad+ky, ox*g.Stride-g.Pad+kx
								var want float32
								if iy >= 0 && iy < g.H && ix >= 0 && ix < g.W {
									want = in[((n*g.H+iy)*g.W+ix)*g.Cin+c]
								}
								got := col[((n*ho+oy)*wo+ox)*d+(ky*g.K+kx)*g.Cin+c]
								if got != want {
									t.Fatalf("%+v: col(n=%d oy=%d ox=%d c=%d ky=%d kx=%d) = %v, want %v", g, n, oy, ox, c, ky, kx, got, want)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestCol2imAdjoint checks ⟨Im2col(x), y⟩ = ⟨x, Col2im(y)⟩ and that Col2im
// clears its output first.
func TestCol2imAdjoint(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, g := range geometries() {
		x := randSlice(r, g.InLen())
		y := randSlice(r, g.ColLen())
		col := make([]float32, g.ColLen())
		Im2col(col, x, g)
		dx := withGuard(g.InLen(), float32(math.NaN())) // NaN: must be cleared
		Col2im(dx, y, g)
		checkGuard(t, "dx", dx)
		var lhs, rhs, scale float64
		for i := range col {
			lhs += float64(col[i]) * float64(y[i])
			scale += math.Abs(float64(col[i]) * float64(y[i]))
		}
		for i := range x {
			rhs += float64(x[i]) * float64(dx[i])
		}
		if math.Abs(lhs-rhs) > 1e-5*max(scale, 1) || math.IsNaN(rhs) {
			t.Errorf("%+v: ⟨Im2col x, y⟩ = %v, ⟨x, Col2im y⟩ = %v", g, lhs, rhs)
		}
	}
}

// TestPointwiseNilDcol: a 1×1 stride-1 unpadded convolution does not need
// dcol.
func TestPointwiseNilDcol(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	g := Geometry{N: 3, H: 4, W: 5, Cin: 6, Cout: 7, K: 1, Stride: 1, Pad: 0}
	in, w, dOut := randSlice(r, g.InLen()), randSlice(r, g.WeightLen()), randSlice(r, g.OutLen())
	want := naiveConv(in, w, nil, dOut, g)
	dIn := make([]float32, g.InLen())
	BackwardInput(dIn, nil, dOut, w, g)
	closeTo(t, "dIn", dIn, want.dIn, 1e-5)
}

func TestPanics(t *testing.T) {
	g := Geometry{N: 2, H: 5, W: 5, Cin: 2, Cout: 3, K: 3, Stride: 2, Pad: 1}
	ok := func() {
		Forward(make([]float32, g.OutLen()), make([]float32, g.ColLen()), make([]float32, g.InLen()), make([]float32, g.WeightLen()), nil, g)
	}
	ok()
	for name, f := range map[string]func(){
		"short out": func() {
			Forward(make([]float32, g.OutLen()-1), make([]float32, g.ColLen()), make([]float32, g.InLen()), make([]float32, g.WeightLen()), nil, g)
		},
		"short col": func() { Im2col(make([]float32, g.ColLen()-1), make([]float32, g.InLen()), g) },
		"short bias": func() {
			Forward(make([]float32, g.OutLen()), make([]float32, g.ColLen()), make([]float32, g.InLen()), make([]float32, g.WeightLen()), make([]float32, 2), g)
		},
		"short dIn":  func() { Col2im(make([]float32, g.InLen()-1), make([]float32, g.ColLen()), g) },
		"zero K":     func() { Im2col(nil, nil, Geometry{N: 1, H: 1, W: 1, Cin: 1, Cout: 1, Stride: 1}) },
		"big kernel": func() { Im2col(nil, nil, Geometry{N: 1, H: 2, W: 2, Cin: 1, Cout: 1, K: 5, Stride: 1}) },
		"short argmax": func() {
			MaxPool2Forward(make([]float32, 4), make([]int32, 3), make([]float32, 16), 1, 4, 4, 1)
		},
		"short up": func() { Upsample2Forward(make([]float32, 15), make([]float32, 4), 1, 2, 2, 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// bigCase is large enough for every parallel loop to be cut into parts.
func bigCase() (Geometry, []float32, []float32, []float32, []float32) {
	return bigOf(Geometry{N: 8, H: 16, W: 16, Cin: 16, Cout: 24, K: 3, Stride: 1, Pad: 1})
}

// bigNarrowCase is bigCase for a narrow convolution (32 → 3 channels).
func bigNarrowCase() (Geometry, []float32, []float32, []float32, []float32) {
	return bigOf(Geometry{N: 8, H: 16, W: 16, Cin: 32, Cout: 3, K: 3, Stride: 1, Pad: 1})
}

func bigOf(g Geometry) (Geometry, []float32, []float32, []float32, []float32) {
	r := rand.New(rand.NewPCG(9, 10))
	return g, randSlice(r, g.InLen()), randSlice(r, g.WeightLen()), randSlice(r, g.Cout), randSlice(r, g.OutLen())
}

// Out2 returns the output map of g and its channels.
func (g Geometry) Out2() (ho, wo, c int) {
	ho, wo = g.Out()
	return ho, wo, g.Cout
}

type allOutputs struct {
	out, col, dW, dB, dIn, dcol []float32
	pool, dPool, up, dUp        []float32
	argmax                      []int32
}

func runAll(g Geometry, in, w, b, dOut []float32) allOutputs {
	var o allOutputs
	o.out = make([]float32, g.OutLen())
	o.col = make([]float32, max(g.ColLen(), g.ScratchLen())) // Im2col's and Forward's
	o.dW = make([]float32, g.WeightLen())
	o.dB = make([]float32, g.Cout)
	o.dIn = make([]float32, g.InLen())
	o.dcol = make([]float32, max(g.ColLen(), g.BackwardInputScratchLen())) // Col2im's and BackwardInput's
	Forward(o.out, o.col, in, w, b, g)
	BackwardWeight(o.dW, o.dB, dOut, in, o.col, g, 1)
	BackwardInput(o.dIn, o.dcol, dOut, w, g)
	ho, wo, c := g.Out2()
	pl := g.N * (ho / 2) * (wo / 2) * c
	o.pool = make([]float32, pl)
	o.argmax = make([]int32, pl)
	MaxPool2Forward(o.pool, o.argmax, o.out, g.N, ho, wo, c)
	o.dPool = make([]float32, g.OutLen())
	MaxPool2Backward(o.dPool, o.pool, o.argmax, g.N, ho, wo, c)
	o.up = make([]float32, 4*g.OutLen())
	Upsample2Forward(o.up, o.out, g.N, ho, wo, c)
	o.dUp = make([]float32, g.OutLen())
	Upsample2Backward(o.dUp, o.up, g.N, ho, wo, c)
	return o
}

// TestThreadCountInvariance: results are bit-identical for GOMAXPROCS 1, 2,
// 3 and 5 (the loops are cut differently each time).
func TestThreadCountInvariance(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range []func() (Geometry, []float32, []float32, []float32, []float32){bigCase, bigNarrowCase} {
		g, in, w, b, dOut := c()
		t.Run(fmt.Sprintf("%+v", g), func(t *testing.T) { threadCountInvariance(t, g, in, w, b, dOut) })
	}
}

func threadCountInvariance(t *testing.T, g Geometry, in, w, b, dOut []float32) {
	if parts(g.N, max(g.ColLen(), g.ScratchLen())) < 2 && runtime.GOMAXPROCS(0) > 1 {
		t.Fatalf("%+v too small to go parallel", g)
	}
	runtime.GOMAXPROCS(1)
	ref := runAll(g, in, w, b, dOut)
	for _, p := range []int{2, 3, 5} {
		runtime.GOMAXPROCS(p)
		got := runAll(g, in, w, b, dOut)
		for name, pair := range map[string][2][]float32{
			"out": {ref.out, got.out}, "col": {ref.col, got.col}, "dW": {ref.dW, got.dW}, "dB": {ref.dB, got.dB},
			"dIn": {ref.dIn, got.dIn}, "pool": {ref.pool, got.pool}, "dPool": {ref.dPool, got.dPool},
			"up": {ref.up, got.up}, "dUp": {ref.dUp, got.dUp},
		} {
			if !slices.Equal(pair[0], pair[1]) {
				t.Errorf("GOMAXPROCS %d: %s differs from GOMAXPROCS 1", p, name)
			}
		}
		if !slices.Equal(ref.argmax, got.argmax) {
			t.Errorf("GOMAXPROCS %d: argmax differs", p)
		}
	}
}

// TestNoAllocations: no function allocates, on the parallel path as well as
// on the small one.
func TestNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	big, in, w, b, dOut := bigCase()
	bigNarrow, inN, wN, bN, dOutN := bigNarrowCase()
	small := Geometry{N: 2, H: 5, W: 5, Cin: 2, Cout: 3, K: 3, Stride: 2, Pad: 1}
	smallNarrow := Geometry{N: 2, H: 5, W: 5, Cin: 9, Cout: 1, K: 3, Stride: 2, Pad: 1}
	for _, g := range []Geometry{big, small, bigNarrow, smallNarrow} {
		in, w, b, dOut := in, w, b, dOut
		if g.Narrow() {
			in, w, b, dOut = inN, wN, bN, dOutN
		}
		in, w, b, dOut = in[:g.InLen()], w[:g.WeightLen()], b[:g.Cout], dOut[:g.OutLen()]
		o := runAll(g, in, w, b, dOut) // allocates the buffers, warms the pools
		ho, wo, c := g.Out2()
		for name, f := range map[string]func(){
			"Im2col":         func() { Im2col(o.col, in, g) },
			"Col2im":         func() { Col2im(o.dIn, o.dcol, g) },
			"Forward":        func() { Forward(o.out, o.col, in, w, b, g) },
			"BackwardWeight": func() { BackwardWeight(o.dW, o.dB, dOut, in, o.col, g, 1) },
			"BackwardInput":  func() { BackwardInput(o.dIn, o.dcol, dOut, w, g) },
			"MaxPool2Forward": func() {
				MaxPool2Forward(o.pool, o.argmax, o.out, g.N, ho, wo, c)
			},
			"MaxPool2Backward": func() {
				MaxPool2Backward(o.dPool, o.pool, o.argmax, g.N, ho, wo, c)
			},
			"Upsample2Forward":  func() { Upsample2Forward(o.up, o.out, g.N, ho, wo, c) },
			"Upsample2Backward": func() { Upsample2Backward(o.dUp, o.up, g.N, ho, wo, c) },
		} {
			f()
			if a, sites := heapcount.Runs(20, f); a != 0 {
				t.Errorf("%+v: %s allocates %d times in 20 calls: %v", g, name, a, sites)
			}
		}
	}
}

// TestConcurrentCallers runs the parallel loops from several goroutines at
// once (for the race detector) and checks the results.
func TestConcurrentCallers(t *testing.T) {
	g, in, w, b, dOut := bigCase()
	ref := runAll(g, in, w, b, dOut)
	done := make(chan allOutputs)
	for range 4 {
		go func() { done <- runAll(g, in, w, b, dOut) }()
	}
	for range 4 {
		got := <-done
		if !slices.Equal(got.out, ref.out) || !slices.Equal(got.dIn, ref.dIn) || !slices.Equal(got.dPool, ref.dPool) || !slices.Equal(got.dUp, ref.dUp) {
			t.Errorf("concurrent call differs")
		}
	}
}

// ToTapMajor and FromTapMajor reorder every element (checked against the
// definition), FromTapMajor inverts ToTapMajor and accumulates with beta 1,
// on weights large enough to be split over the worker pool.
func TestTapMajorRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for _, g := range []Geometry{{Cin: 3, Cout: 5, K: 3}, {Cin: 128, Cout: 64, K: 3}, {Cin: 7, Cout: 300, K: 5}, {Cin: 9, Cout: 2, K: 1}} {
		w := randSlice(r, g.WeightLen())
		tap := withGuard(g.WeightLen(), float32(math.NaN()))
		ToTapMajor(tap, w, g)
		checkGuard(t, "tap", tap)
		kk := g.K * g.K
		for o := 0; o < g.Cout; o++ {
			for c := 0; c < g.Cin; c++ {
				for k := 0; k < kk; k++ {
					if got, want := tap[o*g.Depth()+k*g.Cin+c], w[(o*g.Cin+c)*kk+k]; got != want {
						t.Fatalf("%+v: tap[%d][%d·Cin+%d] = %v, want %v", g, o, k, c, got, want)
					}
				}
			}
		}
		back := withGuard(g.WeightLen(), float32(math.NaN()))
		FromTapMajor(back, tap, g, 0)
		checkGuard(t, "back", back)
		FromTapMajor(back, tap, g, 1)
		for i := range w {
			if back[i] != 2*w[i] {
				t.Fatalf("%+v: [%d] %v after overwrite and accumulate, want %v", g, i, back[i], 2*w[i])
			}
		}
	}
}

// TestViewBlock: the gathered im2col matrix (view) gives, for random
// blocks (any row range, any column range across taps and kernel rows),
// exactly the elements of Im2col's stored matrix; and Forward and
// BackwardWeight, which multiply by it, give the same bits as the products
// on the stored matrix.
func TestViewBlock(t *testing.T) {
	defer func(v bool) { poolAsm = v }(poolAsm)
	for _, asm := range []bool{poolAsm, false} {
		poolAsm = asm
		t.Run(fmt.Sprintf("asm=%v", asm), testViewBlock)
	}
}

func testViewBlock(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	wide := []Geometry{ // gathered (the last three), and whole 32-column slivers (view.sliver)
		{N: 2, H: 9, W: 11, Cin: 7, Cout: 5, K: 5, Stride: 2, Pad: 3},
		{N: 2, H: 6, W: 5, Cin: 64, Cout: 8, K: 3, Stride: 1, Pad: 1},
		{N: 3, H: 7, W: 7, Cin: 96, Cout: 11, K: 3, Stride: 2, Pad: 1},
		{N: 2, H: 5, W: 4, Cin: 40, Cout: 11, K: 2, Stride: 1, Pad: 0},
	}
	for _, g := range wide[1:] {
		if !g.gathers() {
			t.Fatalf("%+v does not gather", g)
		}
	}
	gathered := 0
	defer func() {
		if gathered < 3 {
			t.Errorf("%d gathered geometries checked", gathered)
		}
	}()
	for _, g := range append(geometries(), wide...) {
		if g.Narrow() || g.pointwise() {
			continue
		}
		in := randSlice(r, g.InLen())
		m, d := g.Rows(), g.Depth()
		col := make([]float32, g.ColLen())
		Im2col(col, in, g)
		v := getView(in, g)
		for it := range 40 {
			i0, p0 := r.IntN(m), r.IntN(d)
			rows, w := 1+r.IntN(m-i0), 1+r.IntN(d-p0)
			ld := w + r.IntN(3)
			if it%2 == 1 && g.Cin >= 32 {
				// A 32-wide sliver within one tap, rows contiguous.
				tap := r.IntN(g.K * g.K)
				p0, w, ld = tap*g.Cin+r.IntN(g.Cin-31), 32, 32
			}
			dst := withGuard(rows*ld, float32(math.NaN()))
			v.Block(dst, ld, i0, rows, p0, w)
			checkGuard(t, "block", dst)
			for i := range rows {
				for p := range w {
					if got, want := dst[i*ld+p], col[(i0+i)*d+p0+p]; math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("%+v: block (%d, %d) element (%d, %d) = %v, want %v", g, i0, p0, i, p, got, want)
					}
				}
			}
		}
		views.Put(v)
		if !g.gathers() || g.small() { // small: by output pixel, not gathered
			continue
		}
		gathered++

		w := randSlice(r, g.WeightLen())
		wt := make([]float32, g.WeightLen())
		ToTapMajor(wt, w, g)
		want := make([]float32, g.OutLen())
		blas.Sgemm(blas.NoTrans, blas.Trans, m, g.Cout, d, 1, col, d, wt, d, 0, want, g.Cout)
		got := make([]float32, g.OutLen())
		Forward(got, nil, in, w, nil, g)
		if !slices.Equal(got, want) {
			t.Errorf("%+v: Forward differs from the product on the stored im2col matrix", g)
		}
		dOut := randSlice(r, g.OutLen())
		dwt := make([]float32, g.WeightLen())
		blas.Sgemm(blas.Trans, blas.NoTrans, g.Cout, d, m, 1, dOut, g.Cout, col, d, 0, dwt, d)
		wantDW := make([]float32, g.WeightLen())
		FromTapMajor(wantDW, dwt, g, 0)
		gotDW := make([]float32, g.WeightLen())
		BackwardWeight(gotDW, nil, dOut, in, nil, g, 0)
		if !slices.Equal(gotDW, wantDW) {
			t.Errorf("%+v: BackwardWeight differs from the product on the stored im2col matrix", g)
		}
	}
}

// TestBackwardWeightFewTaps checks that the weight gradient of a stored
// im2col layer with fewer taps than output channels (taken transposed,
// colᵀ·dOut) has the same bits as the product dOutᵀ·col it replaces.
func TestBackwardWeightFewTaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	for _, g := range []Geometry{
		{N: 3, H: 9, W: 7, Cin: 3, Cout: 32, K: 3, Stride: 1, Pad: 1},
		{N: 2, H: 8, W: 8, Cin: 2, Cout: 40, K: 3, Stride: 2, Pad: 1},
	} {
		if g.Narrow() || g.gathers() || g.pointwise() || g.Depth() >= g.Cout {
			t.Fatalf("%+v: not a stored layer with few taps", g)
		}
		in := make([]float32, g.InLen())
		dOut := make([]float32, g.OutLen())
		for _, s := range [][]float32{in, dOut} {
			for i := range s {
				s[i] = rng.Float32()*2 - 1
			}
		}
		col := make([]float32, g.ScratchLen())
		Im2col(col, in, g)
		got := make([]float32, g.WeightLen())
		BackwardWeight(got, nil, dOut, in, col, g, 0)
		d := g.Depth()
		dwt := make([]float32, g.WeightLen())
		blas.Sgemm(blas.Trans, blas.NoTrans, g.Cout, d, g.Rows(), 1, dOut, g.Cout, col, d, 0, dwt, d)
		want := make([]float32, g.WeightLen())
		FromTapMajor(want, dwt, g, 0)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%+v: dW[%d] = %g, want %g", g, i, got[i], want[i])
			}
		}
	}
}

// TestBackwardWeightTap checks that BackwardWeightTap with beta 0, then 1,
// reordered by FromTapMajor, is BackwardWeight of the whole batch's two
// halves summed in the same order, and BackwardBias its bias sums, for
// each kind of product (few taps, stored, gathered, pointwise); and that
// a narrow convolution is refused.
func TestBackwardWeightTap(t *testing.T) {
	rng := rand.New(rand.NewPCG(63, 64))
	for _, g := range []Geometry{
		{N: 4, H: 9, W: 7, Cin: 3, Cout: 32, K: 3, Stride: 1, Pad: 1},
		{N: 4, H: 6, W: 5, Cin: 5, Cout: 4, K: 3, Stride: 1, Pad: 1},
		{N: 4, H: 6, W: 6, Cin: 20, Cout: 7, K: 3, Stride: 1, Pad: 1},
		{N: 4, H: 3, W: 5, Cin: 6, Cout: 9, K: 1, Stride: 1, Pad: 0},
	} {
		half := g
		half.N = g.N / 2
		in := make([]float32, g.InLen())
		dOut := make([]float32, g.OutLen())
		for _, s := range [][]float32{in, dOut} {
			for i := range s {
				s[i] = rng.Float32()*2 - 1
			}
		}
		inH, outH := half.InLen(), half.OutLen()
		col := make([]float32, max(g.ScratchLen(), 1))
		part := func(i int) (x, dy, c []float32) {
			x, dy = in[i*inH:(i+1)*inH], dOut[i*outH:(i+1)*outH]
			c = col[:half.ScratchLen()]
			if len(c) > 0 {
				Im2col(c, x, half)
			}
			return x, dy, c
		}
		// BackwardWeight on the halves, tap-major products summed.
		want, wantB := make([]float32, g.WeightLen()), make([]float32, g.Cout)
		dwt := withGuard(g.WeightLen(), float32(math.NaN())) // beta 0: not read
		gotB := make([]float32, g.Cout)
		for i := range 2 {
			x, dy, c := part(i)
			BackwardWeight(want, wantB, dy, x, c, half, float32(i))
			x, dy, c = part(i)
			BackwardWeightTap(dwt, dy, x, c, half, float32(i))
			BackwardBias(gotB, dy, half, float32(i))
		}
		checkGuard(t, "dWt", dwt)
		got := make([]float32, g.WeightLen())
		FromTapMajor(got, dwt, g, 0)
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*max(1, math.Abs(float64(want[i]))) {
				t.Fatalf("%+v: dW[%d] = %g, the halves' BackwardWeight %g", g, i, got[i], want[i])
			}
		}
		if !slices.Equal(gotB, wantB) {
			t.Errorf("%+v: BackwardBias %v, BackwardWeight's %v", g, gotB, wantB)
		}
	}
	g := Geometry{N: 1, H: 4, W: 4, Cin: 40, Cout: 2, K: 3, Stride: 1, Pad: 1}
	if !g.Narrow() {
		t.Fatalf("%+v is not narrow", g)
	}
	defer func() {
		if recover() == nil {
			t.Error("BackwardWeightTap of a narrow convolution: no panic")
		}
	}()
	BackwardWeightTap(make([]float32, g.WeightLen()), make([]float32, g.OutLen()), make([]float32, g.InLen()), nil, g, 0)
}
