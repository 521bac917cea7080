package bp

import (
	"fmt"
	"testing"

	"github.com/counter-current/ccl/internal/golden"
	"github.com/counter-current/ccl/internal/golden/optstep"
	"github.com/counter-current/ccl/net"
)

// TestMLPGolden runs two back-propagation steps on the golden files written
// by testdata/golden/mlp_golden.py (PyTorch autograd) and compares the
// activations, losses, raw and clipped gradients, updated weights, running
// statistics and eval-mode logits.
func TestMLPGolden(t *testing.T) {
	for _, name := range []string{"mlp_bp.json", "mlp_bp_bn2.json"} {
		t.Run(name, func(t *testing.T) {
			g, err := golden.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			if g.Str("method") != "BP" {
				t.Fatalf("method %s", g.Str("method"))
			}
			act, err := net.ParseActivation(g.Str("act_F"))
			if err != nil {
				t.Fatal(err)
			}
			sizes := g.Ints("sizes")
			L, n := len(sizes)-1, int(g.Num("batch"))
			K := sizes[L]
			opt := net.Optimizer{
				SGD:        net.SGD{LR: float32(g.Num("lr_F")), Momentum: float32(g.Num("mmt_F")), WeightDecay: float32(g.Num("wd_F"))},
				Centralize: g.Num("GradC") != 0, ClipNorm: g.Num("grad_clip_F"),
			}
			m, err := NewMLP(MLPConfig{Sizes: sizes, Act: act, BN: int(g.Num("fw_bn")), MaxBatch: n, Opt: opt})
			if err != nil {
				t.Fatal(err)
			}
			for l := 1; l <= L; l++ {
				copy(m.F.Unit(l).W.Data, g.T(fmt.Sprintf("W%d", l)).F32())
			}
			for s := 1; s <= 2; s++ {
				p := fmt.Sprintf("step%d.", s)
				scale := net.WarmupScale(s-1, s-1, int(g.Num("warmup")))
				g.CheckScalar(t, p+"warmup_factor", float64(scale))
				st := m.Gradients(g.T(p+"x").F32(), g.T(p+"y").Labels(), n, scale)
				for l := 1; l < L; l++ {
					g.Check(t, fmt.Sprintf("%sa%d", p, l), m.F.Output(l)[:n*sizes[l]])
				}
				g.Check(t, p+"logits", m.F.Output(L)[:n*K])
				g.CheckScalar(t, p+"loss.ce", st.CE)
				g.CheckScalar(t, p+"loss.total", st.Total)
				optstep.Check(t, g, p, "F", &m.FwdSet, &m.Opt)
				for l := 1; l < L; l++ {
					if bn := m.F.Unit(l).Norm; bn != nil {
						g.Check(t, fmt.Sprintf("%sbnF%d.running_mean", p, l), bn.RunningMean)
						g.Check(t, fmt.Sprintf("%sbnF%d.running_var", p, l), bn.RunningVar)
					}
				}
			}
			z := make([]float32, n*K)
			copy(z, m.F.Forward(g.T("step1.x").F32(), n, false))
			g.Check(t, "eval.logits", z)
			g.LogMaxErr(t)
		})
	}
}
