package net

import (
	"math"
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
