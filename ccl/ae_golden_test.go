package ccl

import (
	"fmt"
	"math"
	"testing"

	"github.com/counter-current/ccl/internal/golden"
	"github.com/counter-current/ccl/internal/golden/optstep"
	"github.com/counter-current/ccl/net"
)

// aeNames maps the forward and feedback stacks' outputs to the golden
// files' names (L = 2): F gives [x, a1, a2, b2, b1], B gives [x, c2, c3, d1, d0].
var (
	aeForwardOut  = []string{"x", "a1", "a2", "b2", "b1"}
	aeFeedbackOut = []string{"x", "c2", "c3", "d1", "d0"}
)

// TestAutoencoderGolden runs two CCL steps of the tiny autoencoder (two
// encoder and two decoder pairs, 16×16 input, batch 2) on the golden files
// of testdata/golden/ae_golden.py (PyTorch autograd) and compares every
// map, pair loss, raw and clipped gradient, updated parameter and running
// statistic — with the reference's initial scalings (where several
// gradients are tiny) and with plain orthogonal weights.
func TestAutoencoderGolden(t *testing.T) {
	for _, name := range []string{"ae_ccl.json", "ae_ccl_random.json"} {
		t.Run(name, func(t *testing.T) {
			g, err := golden.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			img := g.Ints("image")
			n := int(g.Num("batch"))
			opt := func(s string) OptimConfig {
				return OptimConfig{LR: float32(g.Num("lr_" + s)), Momentum: float32(g.Num("mmt_" + s)),
					WeightDecay: float32(g.Num("wd_" + s)), Centralize: g.Num("GradC") != 0, Clip: g.Num("grad_clip_" + s)}
			}
			m, err := NewAutoencoder(AEConfig{
				Spec: net.AESpec{Channels: g.Ints("channels"), H: img[0], W: img[1]},
				ActF: mustAct(t, g.Str("act_F")), ActB: mustAct(t, g.Str("act_B")),
				LossScaleC: float32(g.Num("loss_scale_C")), LossScaleD: float32(g.Num("loss_scale_D")),
				MaxBatch: n, Forward: opt("F"), Feedback: opt("B"),
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, set := range []*net.Params{&m.FwdSet, &m.FbSet} {
				for _, tn := range set.Tensors {
					copy(tn.Data, g.T(tn.Name).F32())
				}
			}
			for s := 1; s <= 2; s++ {
				p := fmt.Sprintf("step%d.", s)
				x := g.T(p + "x").NHWC()
				scale := net.WarmupScale(s-1, s-1, int(g.Num("warmup")))
				st := m.Gradients(x, n, scale)
				for i := 1; i < len(aeForwardOut); i++ {
					g.CheckNHWC(t, p+aeForwardOut[i], m.F.Output(i))
					g.CheckNHWC(t, p+aeFeedbackOut[i], m.B.Output(i))
				}
				for i, l := range st.Pairs {
					g.CheckScalar(t, fmt.Sprintf("%sloss.pair%d", p, i), l)
				}
				g.CheckScalar(t, p+"loss.total", st.Total)
				optstep.Check(t, g, p, "F", &m.FwdSet, &m.OptF)
				optstep.Check(t, g, p, "B", &m.FbSet, &m.OptB)
				for _, st := range []*net.Stack{m.F, m.B} {
					for _, u := range st.Units {
						if u.Norm != nil {
							g.Check(t, p+"bn."+u.W.Name+".running_mean", u.Norm.RunningMean)
							g.Check(t, p+"bn."+u.W.Name+".running_var", u.Norm.RunningVar)
						}
					}
				}
			}
			b1 := append([]float32(nil), m.Reconstruct(g.T("step1.x").NHWC(), n)...)
			g.CheckNHWC(t, "eval.b1", b1)
			g.LogMaxErr(t)
		})
	}
}

// The reference's STL-10 autoencoder at its real size (3→128→256→1024→2048,
// 96×96, spec §9) builds, initialises and trains a step on a batch of 2.
func TestAutoencoderSTL10Size(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size autoencoder; run without -short")
	}
	opt := OptimConfig{LR: 0.01, Momentum: 0.9, WeightDecay: 1e-4, Centralize: true, Clip: 0.2}
	m, err := NewAutoencoder(AEConfig{Spec: net.AESpec{Channels: []int{3, 128, 256, 1024, 2048}, H: 96, W: 96},
		ActF: net.ReLU, ActB: net.ReLU, LossScaleC: 1, LossScaleD: 1, MaxBatch: 2, Forward: opt, Feedback: opt})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := randomBatch(2, 96*96*3, 1)
	for i := range x {
		x[i] = float32(math.Abs(float64(x[i]))) / 4
	}
	st := m.Step(x, 2, 1)
	if len(st.Pairs) != 9 || math.IsNaN(st.Total) || math.IsInf(st.Total, 0) {
		t.Fatalf("step: %d pair losses, total %v", len(st.Pairs), st.Total)
	}
	if rec := m.Reconstruct(x, 2); len(rec) != 2*96*96*3 {
		t.Fatalf("reconstruction has %d values, want %d", len(rec), 2*96*96*3)
	}
}
