package bp

import (
	"fmt"
	"testing"

	"github.com/counter-current/ccl/internal/golden"
	"github.com/counter-current/ccl/internal/golden/optstep"
	"github.com/counter-current/ccl/net"
)

// TestAutoencoderGolden runs two back-propagation steps of the tiny
// autoencoder on testdata/golden/ae_bp.json (the reference's initialisation,
// where the first step only reaches the last decoder) and ae_bp_random.json
// (plain orthogonal weights: gradients through every batch norm) and
// compares every map, the MSE, raw and clipped gradients, updated
// parameters and running statistics.
func TestAutoencoderGolden(t *testing.T) {
	for _, name := range []string{"ae_bp.json", "ae_bp_random.json"} {
		t.Run(name, func(t *testing.T) { runAEGolden(t, name) })
	}
}

func runAEGolden(t *testing.T, name string) {
	g, err := golden.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	act, err := net.ParseActivation(g.Str("act_F"))
	if err != nil {
		t.Fatal(err)
	}
	img := g.Ints("image")
	n := int(g.Num("batch"))
	m, err := NewAutoencoder(AEConfig{Spec: net.AESpec{Channels: g.Ints("channels"), H: img[0], W: img[1]},
		Act: act, MaxBatch: n, Opt: net.Optimizer{
			SGD:        net.SGD{LR: float32(g.Num("lr_F")), Momentum: float32(g.Num("mmt_F")), WeightDecay: float32(g.Num("wd_F"))},
			Centralize: g.Num("GradC") != 0, ClipNorm: g.Num("grad_clip_F"),
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range m.FwdSet.Tensors {
		copy(tn.Data, g.T(tn.Name).F32())
	}
	outs := []string{"x", "a1", "a2", "b2", "b1"}
	for s := 1; s <= 2; s++ {
		p := fmt.Sprintf("step%d.", s)
		scale := net.WarmupScale(s-1, s-1, int(g.Num("warmup")))
		mse := m.Gradients(g.T(p+"x").NHWC(), n, scale)
		for i := 1; i < len(outs); i++ {
			g.CheckNHWC(t, p+outs[i], m.F.Output(i))
		}
		g.CheckScalar(t, p+"loss.mse", mse)
		optstep.Check(t, g, p, "F", &m.FwdSet, &m.Opt)
		for _, u := range m.F.Units {
			if u.Norm != nil {
				g.Check(t, p+"bn."+u.W.Name+".running_mean", u.Norm.RunningMean)
				g.Check(t, p+"bn."+u.W.Name+".running_var", u.Norm.RunningVar)
			}
		}
	}
	b1 := append([]float32(nil), m.Reconstruct(g.T("step1.x").NHWC(), n)...)
	g.CheckNHWC(t, "eval.b1", b1)
	g.LogMaxErr(t)
}
