package ccl

import (
	"fmt"

	"github.com/counter-current/ccl/internal/hugepage"
	"github.com/counter-current/ccl/internal/parallel"
	"github.com/counter-current/ccl/net"
)

// AEConfig describes the CCL convolutional autoencoder (spec §9).
type AEConfig struct {
	Spec       net.AESpec
	ActF, ActB net.Activation // relu in the reference
	LossScaleC float32        // s_C
	LossScaleD float32        // s_D
	MaxBatch   int
	Seed       int64
	// PlainInit skips the reference's scalings of the orthogonal weights
	// (×0.001 and ×0, spec §9); false reproduces the reference.
	PlainInit bool
	Forward   OptimConfig
	Feedback  OptimConfig
}

// Autoencoder is the CCL dual network of spec §9. The forward network F
// (net.NewAEForwardStack) gives [x, a_1 … a_L, b_L … b_1]; the feedback
// network B takes the image itself and gives [x, c_2 … c_{L+1}, d_{L−1} … d_0]:
// units DF1 … DFL (conv 3×3 stride 2 with bias, batch norm, activation;
// DF_l maps C_{l−1} → C_l), then EFL … EF1 (nearest ×2 upsampling, conv 3×3
// stride 1 with bias, batch norm, activation; EF1, giving d_0, has neither).
// Pair p (0 … 2L) compares F.Output(p) with B.Output(2L − p):
// (x, d_0), (a_1, d_1), …, (a_L, c_{L+1}), (b_L, c_L), …, (b_1, x).
type Autoencoder struct {
	FwdSet, FbSet net.Params
	F, B          *net.Stack
	OptF, OptB    net.Optimizer
	Spec          net.AESpec

	pairs []float64

	// One loss and one pair of gradient buffers per stream (see streams).
	loss    [2]*AELoss
	dA, dB  [2][]float32
	streams streams
	cur     aeStep
	opt     optimizers
}

// NewAutoencoder builds and initialises the network: every conv weight
// orthogonal (net.InitOrthogonalConv), then, unless PlainInit, decoder
// forward weights ×0.001, encoder feedback weights ×0.001, the last
// decoder's forward weight (D1) and the first encoder's feedback weight
// (EF1) ×0; forward biases zero; feedback biases PyTorch's default
// U(±1/sqrt(fan_in)), as the reference leaves them.
func NewAutoencoder(cfg AEConfig) (*Autoencoder, error) {
	s := cfg.Spec
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("ccl: %w", err)
	}
	if cfg.MaxBatch <= 0 {
		return nil, fmt.Errorf("ccl: batch size must be positive, got %d", cfg.MaxBatch)
	}
	L, n := s.Levels(), cfg.MaxBatch
	m := &Autoencoder{Spec: s, OptF: cfg.Forward.Optimizer(), OptB: cfg.Feedback.Optimizer()}
	m.F = net.NewAEForwardStack(&m.FwdSet, s, cfg.ActF, n)
	m.B = &net.Stack{}
	for l := 1; l <= L; l++ {
		m.B.Units = append(m.B.Units, net.NewUnit(&m.FbSet, fmt.Sprintf("DF%d", l), fmt.Sprintf("DFb%d", l), net.UnitConfig{
			InC: s.Channels[l-1], InH: s.H >> (l - 1), InW: s.W >> (l - 1), OutC: s.Channels[l],
			Conv: true, Kernel: 3, Stride: 2, Pad: 1, Bias: true, BN: 2, Act: cfg.ActB}, n))
	}
	for l := L; l >= 1; l-- {
		u := net.UnitConfig{InC: s.Channels[l], InH: s.H >> l, InW: s.W >> l, OutC: s.Channels[l-1],
			Conv: true, Kernel: 3, Stride: 1, Pad: 1, Upsample: true, Bias: true, BN: 2, Act: cfg.ActB}
		if l == 1 {
			u.BN, u.Act = 0, net.Identity
		}
		m.B.Units = append(m.B.Units, net.NewUnit(&m.FbSet, fmt.Sprintf("EF%d", l), fmt.Sprintf("EFb%d", l), u, n))
	}
	m.FwdSet.Alloc()
	m.FbSet.Alloc()
	net.InitAutoencoder(&m.FwdSet, net.NewRand(cfg.Seed, 1), true, cfg.PlainInit)
	net.InitAutoencoder(&m.FbSet, net.NewRand(cfg.Seed, 2), false, cfg.PlainInit)

	maxLen, maxGroups := 0, 0
	for _, u := range m.F.Units {
		h, w, c := u.Cfg.OutShape()
		maxLen = max(maxLen, n*h*w*c, n*u.Cfg.InDim())
		maxGroups = max(maxGroups, n*c, n*u.Cfg.InC)
	}
	for i := range m.loss {
		m.loss[i] = NewAELoss(maxLen, maxGroups, cfg.LossScaleC, cfg.LossScaleD)
		m.dA[i] = hugepage.Floats(maxLen)
		m.dB[i] = hugepage.Floats(maxLen)
	}
	m.pairs = make([]float64, 2*L+1)
	return m, nil
}

// AELosses reports one autoencoder step: the 2L+1 pair losses before the
// warm-up factor (reused by the next step) and Total = scale·Σ Pairs.
type AELosses struct {
	Pairs []float64
	Total float64
}

// Gradients runs both networks on a batch of n images x (n × H·W·C, NHWC)
// and accumulates every parameter's gradient of scale·Σ_p L_p into FwdSet
// and FbSet (cleared first). Pair p's gradient reaches forward unit p
// (p ≥ 1) and feedback unit 2L − p (p < 2L) only; the end pairs (x, d_0)
// and (b_1, x) use the plain term of AELoss.Pair.
//
// Pairs run as soon as their maps exist, on two streams (see streams):
// stream 0 runs F, stream 1 runs B, then both take pairs; pair p waits for
// F's layer p.
func (m *Autoencoder) Gradients(x []float32, n int, scale float32) AELosses {
	L := m.Spec.Levels()
	m.FwdSet.StartGrad() // each unit's gradient is written once: no clearing pass
	m.FbSet.StartGrad()
	c := &m.cur
	c.m, c.x, c.n, c.scale = m, x, n, scale
	m.streams.run(c, 2*L+1)
	c.x = nil
	m.FwdSet.EndGrad()
	m.FbSet.EndGrad()
	var total float64
	for _, p := range m.pairs {
		total += p
	}
	return AELosses{Pairs: m.pairs, Total: float64(scale) * total}
}

// aeStep is one Autoencoder.Gradients call (the dual interface of
// streams).
type aeStep struct {
	m     *Autoencoder
	x     []float32
	n     int
	scale float32
}

func (c *aeStep) forward(fwd *parallel.Progress) {
	a := c.x
	for l := 1; l <= c.m.F.Layers(); l++ {
		a = c.m.F.ForwardLayer(l, a, c.n, true)
		fwd.Set(int64(l))
	}
}

func (c *aeStep) feedback()        { c.m.B.Forward(c.x, c.n, true) }
func (c *aeStep) need(p int) int64 { return int64(p) }

// feedbackAfter is 0: B runs on the batch, a network as heavy as F, from
// the start.
func (c *aeStep) feedbackAfter() int64 { return 0 }

func (c *aeStep) pair(s, p int) {
	m, n := c.m, c.n
	L := m.Spec.Levels()
	h, w, ch := m.mapShape(p)
	size := n * h * w * ch
	A := c.x // a_0 = x (stream 0 may not have recorded it yet)
	if p > 0 {
		A = m.F.Output(p)
	}
	A = A[:size]
	B := m.B.Output(2*L - p)[:size]
	var dA, dB []float32
	if p >= 1 {
		dA = m.dA[s][:size]
	}
	if p < 2*L {
		dB = m.dB[s][:size]
	}
	m.pairs[p] = m.loss[s].Pair(dA, dB, A, B, n, h, w, ch, p == 0 || p == 2*L, c.scale)
	if dA != nil {
		m.F.Backward(p, dA, nil, n)
	}
	if dB != nil {
		m.B.Backward(2*L-p, dB, nil, n)
	}
}

// mapShape returns the (h, w, c) of F.Output(p).
func (m *Autoencoder) mapShape(p int) (h, w, c int) {
	if p == 0 {
		cfg := m.F.Unit(1).Cfg
		return cfg.InH, cfg.InW, cfg.InC
	}
	return m.F.Unit(p).Cfg.OutShape()
}

// Step runs Gradients, then updates both weight sets, each with its own
// optimiser.
func (m *Autoencoder) Step(x []float32, n int, scale float32) AELosses {
	st := m.Gradients(x, n, scale)
	m.opt.step(&m.OptF, &m.FwdSet, &m.OptB, &m.FbSet)
	return st
}

// Reconstruct runs the forward network in eval mode and returns b_1
// (n × H·W·C, NHWC; a view of an internal buffer).
func (m *Autoencoder) Reconstruct(x []float32, n int) []float32 {
	return m.F.Forward(x, n, false)
}

// State returns both weight sets and every running statistic.
func (m *Autoencoder) State() [][]float32 {
	s := [][]float32{m.FwdSet.Data, m.FbSet.Data}
	return append(append(s, m.F.State()...), m.B.State()...)
}
