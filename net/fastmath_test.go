package net

import (
	"math"
	"math/rand/v2"
	"testing"
)

func relErr(got float32, want float64) float64 {
	if want == 0 {
		return math.Abs(float64(got))
	}
	return math.Abs(float64(got)-want) / math.Abs(want)
}

func TestExpm1f(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	worst := 0.0
	xs := []float32{0, -0, 1e-30, -1e-30, 1e-8, -1e-8, 0.2499, -0.2499, 0.25, -0.25, 0.5, -0.5, 1, -1, -10, -30, -87, -103, -104, -200, 10, 50, 88}
	for i := 0; i < 200000; i++ {
		xs = append(xs, float32(rng.Float64()*40-30), float32(rng.NormFloat64()*0.3))
	}
	for _, x := range xs {
		want := math.Expm1(float64(float32(x)))
		e := relErr(expm1f(x), want)
		if e > 4e-7 {
			t.Errorf("expm1f(%g) = %g, want %g (rel %.2g)", x, expm1f(x), want, e)
		}
		worst = max(worst, e)
	}
	t.Logf("worst relative error %.3g", worst)
	if !math.IsInf(float64(expm1f(100)), 1) {
		t.Errorf("expm1f(100) = %g, want +Inf", expm1f(100))
	}
}

func TestTanhf(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 200000; i++ {
		x := float32(rng.NormFloat64() * 3)
		want := math.Tanh(float64(x))
		if e := math.Abs(float64(tanhf(x)) - want); e > 2e-7*max(1e-30, math.Abs(want))+1e-9 && relErr(tanhf(x), want) > 4e-7 {
			t.Errorf("tanhf(%g) = %g, want %g", x, tanhf(x), want)
		}
	}
	for _, x := range []float32{0, 20, -20} {
		if got := tanhf(x); float64(got) != math.Tanh(float64(x)) {
			t.Errorf("tanhf(%g) = %g", x, got)
		}
	}
}

func BenchmarkExpm1f(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = -float32(i) / 512
	}
	y := make([]float32, len(x))
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			for i, v := range x {
				y[i] = expm1f(v)
			}
		}
	})
	b.Run("math", func(b *testing.B) {
		for b.Loop() {
			for i, v := range x {
				y[i] = float32(math.Expm1(float64(v)))
			}
		}
	})
}
