package ccl

import (
	"fmt"
	"testing"

	"github.com/counter-current/ccl/internal/golden"
	"github.com/counter-current/ccl/internal/golden/optstep"
	"github.com/counter-current/ccl/net"
)

// TestMLPGolden runs two CCL steps on the golden files written by
// testdata/golden/mlp_golden.py (an independent PyTorch implementation of
// the spec using autograd) and compares every activation, loss, gradient,
// clipped gradient, updated weight and running statistic.
func TestMLPGolden(t *testing.T) {
	for _, name := range []string{"mlp_ccl.json", "mlp_ccl_filter.json", "mlp_ccl_bn1.json", "mlp_ccl_bn2.json", "mlp_ccl_noclip.json"} {
		t.Run(name, func(t *testing.T) {
			g, err := golden.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			if g.Str("method") != "CCL" {
				t.Fatalf("method %s", g.Str("method"))
			}
			runMLPGolden(t, g)
		})
	}
}

func mustAct(t *testing.T, s string) net.Activation {
	a, err := net.ParseActivation(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func runMLPGolden(t *testing.T, g *golden.File) {
	sizes := g.Ints("sizes")
	L := len(sizes) - 1
	K := sizes[L]
	n := int(g.Num("batch"))
	cfg := MLPConfig{
		Sizes: sizes, ActF: mustAct(t, g.Str("act_F")), ActB: mustAct(t, g.Str("act_B")),
		FwBN: int(g.Num("fw_bn")), BwBN: int(g.Num("bw_bn")),
		LossScaleC: float32(g.Num("loss_scale_C")), Filter: g.Num("filter_target") != 0,
		MaxBatch: n,
		Forward: OptimConfig{LR: float32(g.Num("lr_F")), Momentum: float32(g.Num("mmt_F")),
			WeightDecay: float32(g.Num("wd_F")), Centralize: g.Num("GradC") != 0, Clip: g.Num("grad_clip_F")},
		Feedback: OptimConfig{LR: float32(g.Num("lr_B")), Momentum: float32(g.Num("mmt_B")),
			WeightDecay: float32(g.Num("wd_B")), Centralize: g.Num("GradC") != 0, Clip: g.Num("grad_clip_B")},
	}
	m, err := NewMLP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for l := 1; l <= L; l++ {
		copy(m.FwdSet.Lookup(fmt.Sprintf("W%d", l)).Data, g.T(fmt.Sprintf("W%d", l)).F32())
		copy(m.FbSet.Lookup(fmt.Sprintf("V%d", l)).Data, g.T(fmt.Sprintf("V%d", l)).F32())
	}
	warmup := int(g.Num("warmup"))
	for s := 1; s <= 2; s++ {
		p := fmt.Sprintf("step%d.", s)
		x, y := g.T(p+"x").F32(), g.T(p+"y").Labels()
		scale := net.WarmupScale(s-1, s-1, warmup)
		g.CheckScalar(t, p+"warmup_factor", float64(scale))
		st := m.Gradients(x, y, n, scale)

		for l := 1; l < L; l++ {
			g.Check(t, fmt.Sprintf("%sa%d", p, l), m.F.Output(l)[:n*sizes[l]])
		}
		g.Check(t, p+"logits", m.F.Output(L)[:n*K])
		for l := 0; l < L; l++ {
			g.Check(t, fmt.Sprintf("%sc%d", p, l), m.B.Output(L - l)[:K*sizes[l]])
			g.CheckScalar(t, fmt.Sprintf("%sloss.pair%d", p, l), st.Pairs[l])
		}
		g.CheckScalar(t, p+"loss.ce", st.CE)
		g.CheckScalar(t, p+"loss.total", st.Total)
		if cfg.Filter {
			mask := g.T(p + "filter_mask").Data
			kept := 0
			for i, keep := range mask {
				if (keep == 0) != m.Filtered[i] {
					t.Errorf("%s: row %d: filtered=%v, want mask %v", p, i, m.Filtered[i], keep)
				}
				if keep != 0 {
					kept++
				}
			}
			if st.Filtered != n-kept {
				t.Errorf("%s: %d rows filtered, want %d", p, st.Filtered, n-kept)
			}
		}
		// Raw gradients, then the optimiser one stage at a time, so that a
		// mismatch names its stage.
		optstep.Check(t, g, p, "F", &m.FwdSet, &m.OptF)
		optstep.Check(t, g, p, "B", &m.FbSet, &m.OptB)
		checkRunningStats(t, g, p, m.F, m.B, L)
	}
	z := make([]float32, n*K)
	copy(z, m.F.Forward(g.T("step1.x").F32(), n, false))
	g.Check(t, "eval.logits", z)
	g.LogMaxErr(t)
}

// checkRunningStats compares the batch norms' running statistics: bnF{l}
// belongs to forward layer l, bnB{l} to the feedback layer holding V_l,
// which is layer L−l+1 of the feedback stack.
func checkRunningStats(t *testing.T, g *golden.File, p string, F, B *net.Stack, L int) {
	t.Helper()
	for l := 1; l <= L; l++ {
		if bn := F.Unit(l).Norm; bn != nil {
			g.Check(t, fmt.Sprintf("%sbnF%d.running_mean", p, l), bn.RunningMean)
			g.Check(t, fmt.Sprintf("%sbnF%d.running_var", p, l), bn.RunningVar)
		} else if g.Has(fmt.Sprintf("%sbnF%d.running_mean", p, l)) {
			t.Errorf("golden has bnF%d, Go has none", l)
		}
		if B == nil {
			continue
		}
		if bn := B.Unit(L - l + 1).Norm; bn != nil {
			g.Check(t, fmt.Sprintf("%sbnB%d.running_mean", p, l), bn.RunningMean)
			g.Check(t, fmt.Sprintf("%sbnB%d.running_var", p, l), bn.RunningVar)
		} else if g.Has(fmt.Sprintf("%sbnB%d.running_mean", p, l)) {
			t.Errorf("golden has bnB%d, Go has none", l)
		}
	}
}
