package net

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Each activation's Backward matches a central difference of its Forward,
// including at 0 where PyTorch's one-sided convention is kept.
func TestActivationDerivatives(t *testing.T) {
	xs := []float32{-3, -1, -0.25, -1e-3, 1e-3, 0.5, 2}
	for _, f := range []Activation{Identity, ELU, ReLU, Tanh, LeakyReLU, SELU} {
		y := make([]float32, len(xs))
		f.Forward(y, xs)
		dy := make([]float32, len(xs))
		for i := range dy {
			dy[i] = 1
		}
		dx := make([]float32, len(xs))
		f.Backward(dx, dy, xs, y)
		for i, x := range xs {
			const h = 1e-3
			var p, m [1]float32
			f.Forward(p[:], []float32{x + h})
			f.Forward(m[:], []float32{x - h})
			num := float64(p[0]-m[0]) / (2 * h)
			if math.Abs(num-float64(dx[i])) > 2e-3*max(1, math.Abs(num)) {
				t.Errorf("%v: f'(%g) = %g, finite difference %g", f, x, dx[i], num)
			}
		}
	}
}

func TestActivationValues(t *testing.T) {
	cases := []struct {
		f    Activation
		x, y float64
	}{
		{ELU, -1, math.Expm1(-1)}, {ELU, 2, 2},
		{ReLU, -1, 0}, {ReLU, 0.5, 0.5},
		{Tanh, 0.5, math.Tanh(0.5)},
		{LeakyReLU, -2, -0.02}, {LeakyReLU, 3, 3},
		{SELU, -1, seluScale * seluAlpha * math.Expm1(-1)}, {SELU, 1, seluScale},
	}
	for _, c := range cases {
		var y [1]float32
		c.f.Forward(y[:], []float32{float32(c.x)})
		if math.Abs(float64(y[0])-c.y) > 1e-6 {
			t.Errorf("%v(%g) = %g, want %g", c.f, c.x, y[0], c.y)
		}
	}
	// At 0 the derivatives take PyTorch's side: relu'(0) = 0, leaky'(0) = 0.01, elu'(0) = 1.
	for _, c := range []struct {
		f    Activation
		want float32
	}{{ReLU, 0}, {LeakyReLU, 0.01}, {ELU, 1}, {SELU, seluScale * seluAlpha}} {
		var y, dx [1]float32
		c.f.Forward(y[:], []float32{0})
		c.f.Backward(dx[:], []float32{1}, []float32{0}, y[:])
		if math.Abs(float64(dx[0]-c.want)) > 1e-6 {
			t.Errorf("%v'(0) = %g, want %g", c.f, dx[0], c.want)
		}
	}
	for _, name := range []string{"elu", "relu", "tanh", "leaky_relu", "selu"} {
		a, err := ParseActivation(name)
		if err != nil || a.String() != name {
			t.Errorf("ParseActivation(%q) = %v, %v", name, a, err)
		}
	}
	if _, err := ParseActivation("swish"); err == nil {
		t.Error("ParseActivation(swish) succeeded")
	}
}

// TestBackwardFromOutput: for every activation, Backward given the output
// y in place of the input x gives the same bits as given x (the pooled
// units rely on it: Unit.Backward applies f' on the pooled grid, where only
// y is at hand). Inputs include ±0, tiny and large values of both signs.
func TestBackwardFromOutput(t *testing.T) {
	x := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1e-45, -1e-45, 0.5, -0.5, 3, -3, 20, -20, 88, -104, 1e10, -1e10}
	r := rand.New(rand.NewPCG(3, 4))
	for range 4000 {
		x = append(x, float32(r.NormFloat64()*4))
	}
	dy := make([]float32, len(x))
	for i := range dy {
		dy[i] = float32(r.NormFloat64())
	}
	for f := range Activation(len(activationNames)) {
		y := make([]float32, len(x))
		f.Forward(y, x)
		want, got := make([]float32, len(x)), make([]float32, len(x))
		f.Backward(want, dy, x, y)
		f.Backward(got, dy, y, y)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Errorf("%v: x = %g: f' from y gives %g, from x %g", f, x[i], got[i], want[i])
			}
		}
	}
}

// TestActivationsNonDecreasing checks that every activation offered is
// non-decreasing as computed, over runs of consecutive float32 values
// around the places where an approximation could turn (the exponential's
// saturation, zero, small and large magnitudes): a pooled unit applies f
// after the pool (conv.MaxPool2ForwardThenAct), which is the pool of f
// only for a non-decreasing f.
func TestActivationsNonDecreasing(t *testing.T) {
	var x []float32
	for _, s := range []float32{-90, -30, -17.5, -5, -1, -0.5, -0.01, -1e-4, -1e-30, 0, 1e-4, 0.3, 3, 9, 80} {
		v := s
		for range 50000 {
			x = append(x, v)
			v = math.Nextafter32(v, float32(math.Inf(1)))
		}
	}
	for i := range 200000 { // and a grid across the whole range
		x = append(x, -40+80*float32(i)/200000)
	}
	y := make([]float32, len(x))
	for f := ELU; f <= SELU; f++ {
		f.Forward(y, x)
		for i := 1; i < len(x); i++ {
			if x[i] > x[i-1] && y[i] < y[i-1] {
				t.Fatalf("%v: f(%g) = %g < f(%g) = %g", f, x[i], y[i], x[i-1], y[i-1])
			}
		}
	}
}
