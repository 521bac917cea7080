package net

import (
	"math"
	"testing"
)

func newSet(vals, grads []float32) *Params {
	var p Params
	p.Add("w", 2, len(vals)/2)
	p.Alloc()
	copy(p.Data, vals)
	copy(p.Grad, grads)
	return &p
}

// SGD follows torch.optim.SGD: the first momentum step copies the gradient
// (with weight decay added), later ones blend.
func TestSGDMomentumWeightDecay(t *testing.T) {
	p := newSet([]float32{1, 2, 3, 4}, []float32{0.5, 0.5, 0.5, 0.5})
	o := SGD{LR: 0.1, Momentum: 0.9, WeightDecay: 0.01}
	o.Step(p)
	// g = 0.5 + 0.01·w; buf = g; w -= 0.1·buf
	want1 := []float32{1 - 0.1*0.51, 2 - 0.1*0.52, 3 - 0.1*0.53, 4 - 0.1*0.54}
	for i, w := range p.Data {
		if math.Abs(float64(w-want1[i])) > 1e-6 {
			t.Fatalf("step 1: w[%d] = %g, want %g", i, w, want1[i])
		}
	}
	buf1 := append([]float32(nil), o.MomentumBuffer()...)
	for i := range p.Grad {
		p.Grad[i] = 1
	}
	o.Step(p)
	for i, w := range p.Data {
		g := 1 + 0.01*want1[i]
		buf := 0.9*buf1[i] + g
		if want := want1[i] - 0.1*buf; math.Abs(float64(w-want)) > 1e-6 {
			t.Errorf("step 2: w[%d] = %g, want %g", i, w, want)
		}
	}
}

func TestClipAndCentralize(t *testing.T) {
	p := newSet([]float32{0, 0, 0, 0, 0, 0}, []float32{1, 2, 3, 4, 6, 8})
	CentralizeGradients(p)
	want := []float32{-1, 0, 1, -2, 0, 2}
	for i, g := range p.Grad {
		if g != want[i] {
			t.Fatalf("centralized grad %v, want %v", p.Grad, want)
		}
	}
	norm := ClipGradNorm(p, 1)
	if math.Abs(norm-math.Sqrt(10)) > 1e-9 {
		t.Errorf("norm %g, want √10", norm)
	}
	if got := GradNorm(p); math.Abs(got-1) > 1e-5 {
		t.Errorf("norm after clipping %g, want ≈ 1", got)
	}
	// Below the limit nothing changes.
	before := append([]float32(nil), p.Grad...)
	ClipGradNorm(p, 10)
	for i := range before {
		if before[i] != p.Grad[i] {
			t.Fatal("clipping below the limit changed the gradient")
		}
	}
}

func TestSchedules(t *testing.T) {
	if got := CosineLR(1, 0.001, 0, 100); got != 1 {
		t.Errorf("epoch 0: %g", got)
	}
	if got := CosineLR(1, 0.001, 50, 100); math.Abs(got-0.5005) > 1e-12 {
		t.Errorf("epoch 50: %g, want 0.5005", got)
	}
	if got := CosineLR(1, 0.001, 100, 100); math.Abs(got-0.001) > 1e-12 {
		t.Errorf("epoch 100: %g, want eta_min", got)
	}
	if got := CosineLR(0.3, 0.001, 7, 0); got != 0.3 {
		t.Errorf("tmax 0: %g", got)
	}
	// The warm-up quirk: batch index within the epoch, until the global step reaches warmup.
	for _, c := range []struct {
		batch, step, warmup int
		want                float32
	}{{0, 0, 100, 0.01}, {9, 9, 100, 0.1}, {3, 53, 100, 0.04}, {3, 100, 100, 1}, {0, 0, 0, 1}} {
		if got := WarmupScale(c.batch, c.step, c.warmup); got != c.want {
			t.Errorf("WarmupScale(%d, %d, %d) = %g, want %g", c.batch, c.step, c.warmup, got, c.want)
		}
	}
}
