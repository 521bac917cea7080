package ccl

import (
	"fmt"
	"testing"

	"github.com/counter-current/ccl/internal/golden"
	"github.com/counter-current/ccl/internal/golden/optstep"
	"github.com/counter-current/ccl/net"
)

// cnnSpec reads the tiny architecture of a CNN golden file.
func cnnSpec(t *testing.T, g *golden.File) net.CNNSpec {
	kind, err := net.ParseConvKind(g.Str("arch"))
	if err != nil {
		t.Fatal(err)
	}
	img := g.Ints("image")
	return net.CNNSpec{Kind: kind, Channels: g.Ints("channels"), H: img[0], W: img[1], Classes: int(g.Num("classes"))}
}

// TestCNNGolden runs two CCL steps of the tiny cnn and cnn_pool networks on
// the golden files of testdata/golden/cnn_golden.py (PyTorch autograd,
// NCHW; the maps are permuted to NHWC here) and compares every activation,
// loss, raw and clipped gradient, updated weight and bias, and running
// statistic.
func TestCNNGolden(t *testing.T) {
	for _, name := range []string{"cnn_ccl_filter.json", "cnn_pool_ccl_filter.json", "cnn_ccl_bn2.json"} {
		t.Run(name, func(t *testing.T) {
			g, err := golden.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			spec := cnnSpec(t, g)
			n := int(g.Num("batch"))
			cfg := CNNConfig{
				Spec: spec, ActF: mustAct(t, g.Str("act_F")), ActB: mustAct(t, g.Str("act_B")),
				FwBN: int(g.Num("fw_bn")), BwBN: int(g.Num("bw_bn")),
				LossScaleC: float32(g.Num("loss_scale_C")), LossScaleSSL: float32(g.Num("loss_scale_ssl")),
				Filter: g.Num("filter_target") != 0, MaxBatch: n,
				Forward: OptimConfig{LR: float32(g.Num("lr_F")), Momentum: float32(g.Num("mmt_F")),
					WeightDecay: float32(g.Num("wd_F")), Centralize: g.Num("GradC") != 0, Clip: g.Num("grad_clip_F")},
				Feedback: OptimConfig{LR: float32(g.Num("lr_B")), Momentum: float32(g.Num("mmt_B")),
					WeightDecay: float32(g.Num("wd_B")), Centralize: g.Num("GradC") != 0, Clip: g.Num("grad_clip_B")},
			}
			m, err := NewCNN(cfg)
			if err != nil {
				t.Fatal(err)
			}
			runNetworkGolden(t, g, m, n)
		})
	}
}

// runNetworkGolden drives two steps of a Network against a golden file
// whose tensors are named as testdata/golden/README.md describes (maps in
// NCHW, compared through CheckNHWC, which leaves rank-2 tensors as they are).
func runNetworkGolden(t *testing.T, g *golden.File, m *Network, n int) {
	L, K := m.Layers(), m.K
	for _, set := range []*net.Params{&m.FwdSet, &m.FbSet} {
		for _, tn := range set.Tensors {
			copy(tn.Data, g.T(tn.Name).F32())
		}
	}
	warmup := int(g.Num("warmup"))
	for s := 1; s <= 2; s++ {
		p := fmt.Sprintf("step%d.", s)
		x, y := g.T(p+"x").NHWC(), g.T(p+"y").Labels()
		scale := net.WarmupScale(s-1, s-1, warmup)
		g.CheckScalar(t, p+"warmup_factor", float64(scale))
		st := m.Gradients(x, y, n, scale)
		for l := 1; l < L; l++ {
			g.CheckNHWC(t, fmt.Sprintf("%sa%d", p, l), m.F.Output(l))
		}
		g.Check(t, p+"logits", m.F.Output(L)[:n*K])
		for l := 0; l < L; l++ {
			g.CheckNHWC(t, fmt.Sprintf("%sc%d", p, l), m.B.Output(L-l))
			g.CheckScalar(t, fmt.Sprintf("%sloss.pair%d", p, l), st.Pairs[l])
		}
		g.CheckScalar(t, p+"loss.ce", st.CE)
		g.CheckScalar(t, p+"loss.total", st.Total)
		if m.Filter {
			for i, keep := range g.T(p + "filter_mask").Data {
				if (keep == 0) != m.Filtered[i] {
					t.Errorf("%s: row %d: filtered=%v, want mask %v", p, i, m.Filtered[i], keep)
				}
			}
		}
		optstep.Check(t, g, p, "F", &m.FwdSet, &m.OptF)
		optstep.Check(t, g, p, "B", &m.FbSet, &m.OptB)
		checkRunningStats(t, g, p, m.F, m.B, L)
	}
	z := make([]float32, n*K)
	copy(z, m.F.Forward(g.T("step1.x").NHWC(), n, false))
	g.Check(t, "eval.logits", z)
	g.LogMaxErr(t)
}
