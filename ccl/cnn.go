package ccl

import (
	"fmt"

	"github.com/counter-current/ccl/net"
)

// CNNConfig describes a CCL convolutional network (spec §2–§6).
type CNNConfig struct {
	Spec         net.CNNSpec
	ActF, ActB   net.Activation
	FwBN, BwBN   int
	LossScaleC   float32 // s_C
	LossScaleSSL float32 // s_ssl (the reference's default is 0.5)
	Filter       bool
	ZeroBias     bool // bias_init: zero
	MaxBatch     int
	Seed         int64
	Forward      OptimConfig
	Feedback     OptimConfig
}

// NewCNN builds the CCL CNN: the forward stack of net.NewCNNStack, the
// mirrored feedback stack, and the CNN pair loss.
//
// Feedback stack (fed I_K): unit 1 is the linear pair's feedback, K → the
// flattened last map, holding V_L, with activation g and batch norm bw_bn;
// unit j ≥ 2 holds V_{L−j+1}: nearest ×2 upsampling, conv 3×3 stride 1
// padding 1 (with bias vb_l for the "cnn" kind) from C_l to C_{l−1}
// channels, batch norm and g, except on the last unit, which gives c_0 with
// neither.
func NewCNN(cfg CNNConfig) (*Network, error) {
	s := cfg.Spec
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("ccl: %w", err)
	}
	if cfg.MaxBatch <= 0 {
		return nil, fmt.Errorf("ccl: batch size must be positive, got %d", cfg.MaxBatch)
	}
	L, K := s.Layers(), s.Classes
	m := &Network{OptF: cfg.Forward.Optimizer(), OptB: cfg.Feedback.Optimizer(), Filter: cfg.Filter, K: K}
	m.F = net.NewCNNStack(&m.FwdSet, s, cfg.ActF, cfg.FwBN, cfg.MaxBatch)

	m.B = &net.Stack{}
	h, w := s.Size(L - 1)
	top := net.UnitConfig{InC: K, InH: 1, InW: 1, OutC: s.Channels[L-1] * h * w, BN: cfg.BwBN, Act: cfg.ActB}
	m.B.Units = append(m.B.Units, net.NewUnit(&m.FbSet, fmt.Sprintf("V%d", L), "", top, K))
	for l := L - 1; l >= 1; l-- {
		h, w := s.Size(l)
		u := net.UnitConfig{InC: s.Channels[l], InH: h, InW: w, OutC: s.Channels[l-1],
			Conv: true, Kernel: 3, Stride: 1, Pad: 1, Upsample: true,
			Bias: s.Kind == net.StrideConv, BN: cfg.BwBN, Act: cfg.ActB}
		if l == 1 {
			u.BN, u.Act = 0, net.Identity
		}
		m.B.Units = append(m.B.Units, net.NewUnit(&m.FbSet, fmt.Sprintf("V%d", l), fmt.Sprintf("vb%d", l), u, K))
	}
	maxD := s.Channels[0] * s.H * s.W
	for l := 1; l <= L; l++ {
		maxD = max(maxD, m.F.Unit(l).Cfg.OutDim())
	}
	for i := range m.loss {
		m.loss[i] = NewCNNLoss(cfg.MaxBatch, K, maxD, cfg.LossScaleC, cfg.LossScaleSSL)
	}
	return m, m.finish(cfg.MaxBatch, cfg.Seed, cfg.ZeroBias)
}
