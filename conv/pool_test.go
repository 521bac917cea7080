package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

type mapSize struct{ n, h, w, c int }

var poolSizes = []mapSize{{1, 2, 2, 1}, {3, 4, 6, 5}, {2, 5, 7, 3}, {1, 8, 8, 7}, {2, 1, 3, 2}, {4, 6, 3, 1}}

// naivePool is max-pooling straight from the definition, with PyTorch's
// scan: row-major window order, update when greater or NaN.
func naivePool(in []float32, s mapSize) ([]float32, []int32) {
	ho, wo := s.h/2, s.w/2
	out := make([]float32, s.n*ho*wo*s.c)
	idx := make([]int32, len(out))
	for n := 0; n < s.n; n++ {
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				for c := 0; c < s.c; c++ {
					m, best := float32(math.Inf(-1)), -1
					for dy := 0; dy < 2; dy++ {
						for dx := 0; dx < 2; dx++ {
							i := ((n*s.h+2*oy+dy)*s.w+2*ox+dx)*s.c + c
							if best < 0 {
								best = i // PyTorch starts at the window's first index with −∞
							}
							if v := in[i]; v > m || math.IsNaN(float64(v)) {
								m, best = v, i
							}
						}
					}
					o := ((n*ho+oy)*wo+ox)*s.c + c
					out[o], idx[o] = m, int32(best)
				}
			}
		}
	}
	return out, idx
}

func sameFloat(a, b float32) bool {
	return a == b || (a != a && b != b)
}

func TestMaxPool2(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, s := range poolSizes {
		for _, ties := range []bool{false, true} {
			name := fmt.Sprintf("%+v ties=%v", s, ties)
			in := randSlice(r, s.n*s.h*s.w*s.c)
			if ties { // small integers, NaNs and −∞: many equal maxima
				for i := range in {
					switch k := r.IntN(12); {
					case k == 0:
						in[i] = float32(math.NaN())
					case k == 1:
						in[i] = float32(math.Inf(-1))
					case k == 2:
						in[i] = float32(math.Copysign(0, -1))
					default:
						in[i] = float32(k%3 - 1)
					}
				}
			}
			wantOut, wantIdx := naivePool(in, s)
			ol := len(wantOut)
			out := withGuard(ol, 7)
			idx := make([]int32, ol+nguard)
			for i := range idx {
				idx[i] = -5
			}
			idx = idx[:ol]
			MaxPool2Forward(out, idx, in, s.n, s.h, s.w, s.c)
			checkGuard(t, name+" out", out)
			for i := range wantOut {
				if !sameFloat(out[i], wantOut[i]) || idx[i] != wantIdx[i] || math.Signbit(float64(out[i])) != math.Signbit(float64(wantOut[i])) {
					t.Fatalf("%s: out[%d] = %v @%d, want %v @%d", name, i, out[i], idx[i], wantOut[i], wantIdx[i])
				}
			}
			for _, v := range idx[ol : ol+nguard] {
				if v != -5 {
					t.Fatalf("%s: argmax guard overwritten", name)
				}
			}

			dOut := randSlice(r, ol)
			dIn := withGuard(len(in), float32(math.NaN())) // must be cleared
			MaxPool2Backward(dIn, dOut, idx, s.n, s.h, s.w, s.c)
			checkGuard(t, name+" dIn", dIn)
			want := make([]float32, len(in))
			for i, j := range wantIdx {
				want[j] += dOut[i]
			}
			for i := range want {
				if dIn[i] != want[i] {
					t.Fatalf("%s: dIn[%d] = %v, want %v", name, i, dIn[i], want[i])
				}
			}
		}
	}
}

// TestMaxPool2PyTorchSemantics pins the tie and NaN rules on one window
// (values checked against torch 1.13's max_pool2d with return_indices).
func TestMaxPool2PyTorchSemantics(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	negZero := float32(math.Copysign(0, -1))
	for _, c := range []struct {
		in   [4]float32
		want float32
		idx  int32
	}{
		{[4]float32{1, nan, nan, 0}, nan, 2}, // torch: nan @2 (the last NaN)
		{[4]float32{2, 2, 2, 2}, 2, 0},       // the first maximum
		{[4]float32{-inf, -inf, -inf, -inf}, -inf, 0},
		{[4]float32{1, 3, 3, 2}, 3, 1},
		{[4]float32{nan, 5, 6, 7}, nan, 0},
		{[4]float32{-inf, nan, -inf, 3}, nan, 1},
		{[4]float32{inf, inf, nan, 3}, nan, 2},
		{[4]float32{-1, -inf, -2, -1}, -1, 0},
		{[4]float32{negZero, 0, 0, 0}, negZero, 0}, // torch: -0. @0
		{[4]float32{0, negZero, 1e-45, 0}, 1e-45, 2},
		{[4]float32{-1e-45, negZero, -0.5, 0}, negZero, 1},
	} {
		out, idx := make([]float32, 1), make([]int32, 1)
		MaxPool2Forward(out, idx, c.in[:], 1, 2, 2, 1)
		if !sameFloat(out[0], c.want) || idx[0] != c.idx || math.Signbit(float64(out[0])) != math.Signbit(float64(c.want)) {
			t.Errorf("%v: got %v @%d, want %v @%d", c.in, out[0], idx[0], c.want, c.idx)
		}
	}
}

func TestUpsample2(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, s := range poolSizes {
		in := randSlice(r, s.n*s.h*s.w*s.c)
		ol := 4 * len(in)
		out := withGuard(ol, float32(math.NaN()))
		Upsample2Forward(out, in, s.n, s.h, s.w, s.c)
		checkGuard(t, "out", out)
		h2, w2 := 2*s.h, 2*s.w
		for n := 0; n < s.n; n++ {
			for y := 0; y < h2; y++ {
				for x := 0; x < w2; x++ {
					for c := 0; c < s.c; c++ {
						got := out[((n*h2+y)*w2+x)*s.c+c]
						want := in[((n*s.h+y/2)*s.w+x/2)*s.c+c]
						if got != want {
							t.Fatalf("%+v: out(%d,%d,%d,%d) = %v, want %v", s, n, y, x, c, got, want)
						}
					}
				}
			}
		}

		dOut := randSlice(r, ol)
		dIn := withGuard(len(in), float32(math.NaN()))
		Upsample2Backward(dIn, dOut, s.n, s.h, s.w, s.c)
		checkGuard(t, "dIn", dIn)
		for n := 0; n < s.n; n++ {
			for y := 0; y < s.h; y++ {
				for x := 0; x < s.w; x++ {
					for c := 0; c < s.c; c++ {
						at := func(yy, xx int) float32 { return dOut[((n*h2+yy)*w2+xx)*s.c+c] }
						want := at(2*y, 2*x) + at(2*y, 2*x+1) + at(2*y+1, 2*x) + at(2*y+1, 2*x+1)
						if got := dIn[((n*s.h+y)*s.w+x)*s.c+c]; got != want {
							t.Fatalf("%+v: dIn(%d,%d,%d,%d) = %v, want %v", s, n, y, x, c, got, want)
						}
					}
				}
			}
		}

		// Adjoint: ⟨Up(x), y⟩ = ⟨x, Up*(y)⟩.
		var lhs, rhs, scale float64
		for i := range out {
			lhs += float64(out[i]) * float64(dOut[i])
			scale += math.Abs(float64(out[i]) * float64(dOut[i]))
		}
		for i := range in {
			rhs += float64(in[i]) * float64(dIn[i])
		}
		if math.Abs(lhs-rhs) > 1e-5*max(scale, 1) {
			t.Errorf("%+v: ⟨Up x, y⟩ = %v, ⟨x, Up* y⟩ = %v", s, lhs, rhs)
		}
	}
}

// The AVX-512 window kernel (where the CPU has it) gives the same values,
// bits and arg-max indices as the Go loop, on random maps full of ties,
// signed zeros, infinities and NaNs, for channel counts around the vector
// width.
func TestMaxPool2KernelMatchesGo(t *testing.T) {
	if !poolAsm {
		t.Log("no AVX-512 window kernel on this CPU/build: the Go loop is the only path")
	}
	r := rand.New(rand.NewPCG(41, 42))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for _, c := range []int{1, 5, 15, 16, 17, 33, 128} {
		n, h, w := 2, 6, 4
		in := make([]float32, n*h*w*c)
		for i := range in {
			if r.IntN(3) == 0 {
				in[i] = special[r.IntN(len(special))]
			} else {
				in[i] = float32(r.IntN(5)) // many ties
			}
		}
		ol := n * (h / 2) * (w / 2) * c
		out, idx := make([]float32, ol), make([]int32, ol)
		MaxPool2Forward(out, idx, in, n, h, w, c)
		saved := poolAsm
		poolAsm = false
		wantOut, wantIdx := make([]float32, ol), make([]int32, ol)
		MaxPool2Forward(wantOut, wantIdx, in, n, h, w, c)
		poolAsm = saved
		for i := range out {
			if math.Float32bits(out[i]) != math.Float32bits(wantOut[i]) && !(out[i] != out[i] && wantOut[i] != wantOut[i]) || idx[i] != wantIdx[i] {
				t.Fatalf("c=%d: [%d] = %v @%d, Go loop %v @%d", c, i, out[i], idx[i], wantOut[i], wantIdx[i])
			}
		}
	}
}

// TestMaxPool2BackwardKernelMatchesGo checks that the AVX-512 window
// kernel of the backward pass gives the Go loop's bits, and both the bits
// of the definition (dIn cleared, then dIn[argmax[i]] += dOut[i]: a −0
// gradient lands as +0), with signed zeros, infinities and NaNs among the
// gradients, odd maps, and channel counts around the vector width.
func TestMaxPool2BackwardKernelMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for _, s := range []mapSize{{2, 6, 4, 1}, {2, 6, 4, 5}, {1, 4, 4, 15}, {2, 5, 7, 16}, {1, 7, 5, 17}, {2, 4, 6, 33}, {1, 4, 4, 128}, {1, 1, 3, 16}} {
		in := randSlice(r, s.n*s.h*s.w*s.c)
		for i := range in {
			if r.IntN(4) == 0 {
				in[i] = float32(r.IntN(3)) // ties
			}
		}
		ol := s.n * (s.h / 2) * (s.w / 2) * s.c
		out, idx := make([]float32, ol), make([]int32, ol)
		MaxPool2Forward(out, idx, in, s.n, s.h, s.w, s.c)
		dOut := randSlice(r, ol)
		for i := range dOut {
			if r.IntN(3) == 0 {
				dOut[i] = special[r.IntN(len(special))]
			}
		}
		def := make([]float32, len(in))
		for i, j := range idx {
			def[j] += dOut[i]
		}
		for _, asm := range []bool{true, false} {
			saved := poolAsm
			poolAsm = poolAsm && asm
			got := make([]float32, len(in))
			for i := range got {
				got[i] = float32(math.NaN()) // every element is written
			}
			MaxPool2Backward(got, dOut, idx, s.n, s.h, s.w, s.c)
			poolAsm = saved
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(def[i]) && !(got[i] != got[i] && def[i] != def[i]) {
					t.Fatalf("%+v asm=%v: dIn[%d] = %v (%#x), want %v (%#x)", s, asm && poolAsm, i, got[i],
						math.Float32bits(got[i]), def[i], math.Float32bits(def[i]))
				}
			}
		}
	}
}

// sinAct is a test Activator, deliberately not monotone.
type sinAct struct{}

func (sinAct) Forward(y, x []float32) {
	for i, v := range x {
		y[i] = float32(math.Sin(3 * float64(v)))
	}
}

// poolInput returns m values in [−2, 2) with ties (a tenth are 0.5) and
// NaNs (a tenth).
func poolInput(rng *rand.Rand, m int) []float32 {
	in := make([]float32, m)
	for i := range in {
		switch rng.IntN(10) {
		case 0:
			in[i] = 0.5 // ties
		case 1:
			in[i] = float32(math.NaN())
		default:
			in[i] = rng.Float32()*4 - 2
		}
	}
	return in
}

// TestMaxPool2ForwardAct checks that pooling f(in) formed two rows at a
// time gives the values and arg-max indices of the naive pool of f(in),
// with odd sizes, equal values and NaNs, with the assembly and without.
func TestMaxPool2ForwardAct(t *testing.T) {
	defer func(v bool) { poolAsm = v }(poolAsm)
	rng := rand.New(rand.NewPCG(81, 82))
	for _, asm := range []bool{true, false} {
		poolAsm = asm && poolAsm
		for _, s := range [][4]int{{2, 6, 8, 16}, {3, 7, 5, 33}, {1, 2, 2, 1}, {2, 9, 9, 40}} {
			n, h, w, c := s[0], s[1], s[2], s[3]
			in := poolInput(rng, n*h*w*c)
			ol := n * (h / 2) * (w / 2) * c
			got, gotI := make([]float32, ol), make([]int32, ol)
			MaxPool2ForwardAct(got, gotI, in, n, h, w, c, sinAct{})
			a := make([]float32, len(in))
			sinAct{}.Forward(a, in)
			want, wantI := naivePool(a, mapSize{n, h, w, c})
			for i := range want {
				if !sameFloat(got[i], want[i]) || gotI[i] != wantI[i] {
					t.Fatalf("asm %v %v: out[%d] = %g at %d, want %g at %d", asm, s, i, got[i], gotI[i], want[i], wantI[i])
				}
			}
		}
	}
}

// floorAct is a non-decreasing test Activator that ties inputs:
// f(x) = max(x, −1/2), exact.
type floorAct struct{}

func (floorAct) Forward(y, x []float32) {
	for i, v := range x {
		y[i] = max(v, -0.5) // a NaN stays a NaN
		if v != v {
			y[i] = v
		}
	}
}

// TestMaxPool2ForwardThenAct checks that f applied after the pool gives
// f of the naive pool of in with its arg-max, and the values of the naive
// pool of f(in) for a non-decreasing f; the indices differ from the
// latter's only in windows where f ties different inputs, with odd sizes,
// equal values and NaNs, with the assembly and without.
func TestMaxPool2ForwardThenAct(t *testing.T) {
	defer func(v bool) { poolAsm = v }(poolAsm)
	rng := rand.New(rand.NewPCG(83, 84))
	for _, asm := range []bool{true, false} {
		poolAsm = asm && poolAsm
		for _, s := range [][4]int{{2, 6, 8, 16}, {3, 7, 5, 33}, {1, 2, 2, 1}, {2, 9, 9, 40}} {
			n, h, w, c := s[0], s[1], s[2], s[3]
			in := poolInput(rng, n*h*w*c)
			ol := n * (h / 2) * (w / 2) * c
			got, gotI := make([]float32, ol), make([]int32, ol)
			MaxPool2ForwardThenAct(got, gotI, in, n, h, w, c, floorAct{})
			z, zI := naivePool(in, mapSize{n, h, w, c})
			a := make([]float32, len(in))
			floorAct{}.Forward(a, in)
			want, wantI := naivePool(a, mapSize{n, h, w, c})
			fz := make([]float32, len(z))
			floorAct{}.Forward(fz, z)
			differ := 0
			for i := range want {
				if !sameFloat(got[i], fz[i]) || gotI[i] != zI[i] {
					t.Fatalf("asm %v %v: out[%d] = %g at %d, want f(pool) %g at %d", asm, s, i, got[i], gotI[i], fz[i], zI[i])
				}
				if !sameFloat(got[i], want[i]) {
					t.Fatalf("asm %v %v: out[%d] = %g, the pool of f gives %g", asm, s, i, got[i], want[i])
				}
				if gotI[i] != wantI[i] {
					differ++
					if want[i] != -0.5 {
						t.Fatalf("asm %v %v: index %d of out[%d] = %g differs from the pool of f's %d, not a tie of f", asm, s, gotI[i], i, got[i], wantI[i])
					}
				}
			}
			if differ == 0 && len(want) > 100 {
				t.Errorf("asm %v %v: no window with tied f values: the test does not test ties", asm, s)
			}
		}
	}
}

// MaxPool2BackwardSamples over consecutive sample ranges, each into a
// buffer of its own rows, gives the bits of MaxPool2Backward, and writes
// nothing past them.
func TestMaxPool2BackwardSamples(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	n, h, w, c := 7, 6, 4, 5
	in := randSlice(r, n*h*w*c)
	ol := n * (h / 2) * (w / 2) * c
	out, idx := make([]float32, ol), make([]int32, ol)
	MaxPool2Forward(out, idx, in, n, h, w, c)
	dOut := randSlice(r, ol)
	want := make([]float32, len(in))
	MaxPool2Backward(want, dOut, idx, n, h, w, c)
	got := make([]float32, len(in))
	per := h * w * c
	part := make([]float32, len(in)+1)
	for _, rg := range [][2]int{{0, 2}, {2, 3}, {3, 3}, {3, 7}} {
		m := (rg[1] - rg[0]) * per
		for i := range part {
			part[i] = -7 // every row of the range is overwritten
		}
		MaxPool2BackwardSamples(part[:m], dOut, idx, n, h, w, c, rg[0], rg[1])
		for i := m; i < len(part); i++ {
			if part[i] != -7 {
				t.Fatalf("range %v wrote element %d, past its samples", rg, i)
			}
		}
		copy(got[rg[0]*per:], part[:m])
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("dIn[%d] = %v, MaxPool2Backward gives %v", i, got[i], want[i])
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("samples [5, 8) of a batch of 7: no panic")
		}
	}()
	MaxPool2BackwardSamples(got, dOut, idx, n, h, w, c, 5, 8)
}
