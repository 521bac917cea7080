package ccl

import (
	"math"
	"testing"

	"github.com/counter-current/ccl/net"
)

// The fused feedback update of Step (see lowRank) gives the weights of the
// staged one, Gradients then each optimiser's Step, to float32 rounding:
// with and without clipping, with weight decay, over several steps. The
// forward set, updated the usual way by both, stays bit-identical after
// the first step, and the feedback norm matches the direct sum of squares.
func TestFusedFeedbackUpdateMatchesStaged(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  OptimConfig
	}{
		{"clipping", OptimConfig{LR: 0.5, Clip: 1e-3}},                     // the norm is far above the clip: coef < 1
		{"no clipping", OptimConfig{LR: 0.5}},                              // coef 1
		{"weight decay", OptimConfig{LR: 0.5, WeightDecay: 0.01, Clip: 1}}, // beta = 1 − lr·wd
	} {
		t.Run(tc.name, func(t *testing.T) {
			build := func() *Network {
				m, err := NewMLP(MLPConfig{Sizes: []int{100, 64, 48, 10}, ActF: net.ELU, ActB: net.Tanh,
					LossScaleC: 0.5, MaxBatch: 32, Seed: 11, Forward: tc.opt, Feedback: tc.opt})
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
			fused, staged := build(), build()
			if !fused.lowRankOK() {
				t.Fatal("the fused path does not apply to a plain MLP without momentum")
			}
			x, y := randomBatch(32, 100, 10)
			for step := range 3 {
				st := fused.Step(x, y, 32, 1)
				staged.Gradients(x, y, 32, 1)
				staged.OptF.Step(&staged.FwdSet)
				staged.OptB.Step(&staged.FbSet)
				if step == 0 {
					if err := sameBits([][]float32{staged.FwdSet.Data}, [][]float32{fused.FwdSet.Data}); err != nil {
						t.Fatalf("forward set after the first step: %v", err)
					}
				}
				if d := math.Abs(st.NormB-staged.OptB.LastNorm) / staged.OptB.LastNorm; d > 1e-5 {
					t.Errorf("step %d: feedback norm %g, staged %g (relative difference %g)", step, st.NormB, staged.OptB.LastNorm, d)
				}
				var worst float64
				for i, w := range staged.FbSet.Data {
					d := math.Abs(float64(fused.FbSet.Data[i] - w))
					worst = max(worst, d/(math.Abs(float64(w))+1e-3))
				}
				if worst > 1e-5 {
					t.Errorf("step %d: feedback weights differ by up to %g (relative)", step, worst)
				}
			}
		})
	}
}

// A non-finite feedback norm makes the fused Step form the gradients and
// take the usual step, so that FbSet.Grad shows the divergence.
func TestFusedFeedbackUpdateNonFinite(t *testing.T) {
	opt := OptimConfig{LR: 0.1, Clip: 1}
	m, err := NewMLP(MLPConfig{Sizes: []int{20, 16, 10}, ActF: net.ELU, ActB: net.ELU,
		LossScaleC: 0.5, MaxBatch: 8, Seed: 3, Forward: opt, Feedback: opt})
	if err != nil {
		t.Fatal(err)
	}
	x, y := randomBatch(8, 20, 10)
	m.FbSet.Data[0] = float32(math.Inf(1))
	st := m.Step(x, y, 8, 1)
	if !math.IsNaN(st.NormB) && !math.IsInf(st.NormB, 0) {
		t.Fatalf("feedback norm %g, want NaN or Inf", st.NormB)
	}
	bad := false
	for _, g := range m.FbSet.Grad {
		if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
			bad = true
			break
		}
	}
	if !bad {
		t.Fatal("no non-finite feedback gradient was formed")
	}
}
