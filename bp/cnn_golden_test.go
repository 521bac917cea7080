package bp

import (
	"fmt"
	"testing"

	"github.com/counter-current/ccl/internal/golden"
	"github.com/counter-current/ccl/internal/golden/optstep"
	"github.com/counter-current/ccl/net"
)

// TestCNNGolden runs two back-propagation steps of the tiny cnn (batch norm
// before the activation) and cnn_pool (batch norm on the input) networks on
// the golden files of testdata/golden/cnn_golden.py and compares every
// activation, loss, gradient, updated parameter and running statistic.
func TestCNNGolden(t *testing.T) {
	for _, name := range []string{"cnn_bp_bn2.json", "cnn_pool_bp_bn1.json"} {
		t.Run(name, func(t *testing.T) {
			g, err := golden.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			kind, err := net.ParseConvKind(g.Str("arch"))
			if err != nil {
				t.Fatal(err)
			}
			act, err := net.ParseActivation(g.Str("act_F"))
			if err != nil {
				t.Fatal(err)
			}
			img := g.Ints("image")
			spec := net.CNNSpec{Kind: kind, Channels: g.Ints("channels"), H: img[0], W: img[1], Classes: int(g.Num("classes"))}
			n, L, K := int(g.Num("batch")), spec.Layers(), spec.Classes
			m, err := NewCNN(CNNConfig{Spec: spec, Act: act, BN: int(g.Num("fw_bn")), MaxBatch: n,
				Opt: net.Optimizer{
					SGD:        net.SGD{LR: float32(g.Num("lr_F")), Momentum: float32(g.Num("mmt_F")), WeightDecay: float32(g.Num("wd_F"))},
					Centralize: g.Num("GradC") != 0, ClipNorm: g.Num("grad_clip_F"),
				}})
			if err != nil {
				t.Fatal(err)
			}
			for _, tn := range m.FwdSet.Tensors {
				copy(tn.Data, g.T(tn.Name).F32())
			}
			for s := 1; s <= 2; s++ {
				p := fmt.Sprintf("step%d.", s)
				scale := net.WarmupScale(s-1, s-1, int(g.Num("warmup")))
				st := m.Gradients(g.T(p+"x").NHWC(), g.T(p+"y").Labels(), n, scale)
				for l := 1; l < L; l++ {
					g.CheckNHWC(t, fmt.Sprintf("%sa%d", p, l), m.F.Output(l))
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
			copy(z, m.F.Forward(g.T("step1.x").NHWC(), n, false))
			g.Check(t, "eval.logits", z)
			g.LogMaxErr(t)
		})
	}
}
