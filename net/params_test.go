package net

import "testing"

// StartGrad/EndGrad leave Grad as ZeroGrad and the same accumulations
// would: a gradient accumulated into once or twice holds its sum, one never
// reached is zero.
func TestStartEndGradMatchesZeroGrad(t *testing.T) {
	var p Params
	a, b := p.Add("a", 2, 3), p.Add("b", 4)
	p.Alloc()
	for i := range p.Grad {
		p.Grad[i] = 99 // stale values from a previous step
	}
	p.StartGrad()
	for pass := 0; pass < 2; pass++ {
		beta := a.GradBeta()
		if want := float32(pass); beta != want {
			t.Fatalf("pass %d: GradBeta %v, want %v", pass, beta, want)
		}
		for i := range a.Grad {
			a.Grad[i] = beta*a.Grad[i] + float32(i+1)
		}
	}
	p.EndGrad()
	for i, v := range a.Grad {
		if want := float32(2 * (i + 1)); v != want {
			t.Errorf("a.Grad[%d] = %v, want %v", i, v, want)
		}
	}
	for i, v := range b.Grad {
		if v != 0 {
			t.Errorf("untouched b.Grad[%d] = %v, want 0", i, v)
		}
	}
	if a.GradBeta() != 1 || b.GradBeta() != 1 {
		t.Error("gradients still stale after EndGrad")
	}
}
