package bp

import (
	"fmt"

	"github.com/counter-current/ccl/internal/hugepage"
	"github.com/counter-current/ccl/net"
)

// Network is a forward stack trained by back-propagation.
type Network struct {
	FwdSet net.Params // W_l (and conv biases)
	F      *net.Stack
	Opt    net.Optimizer
	K      int

	prob, dz []float32 // N × K
	delta    [2][]float32
}

// finish allocates the parameters and buffers once F is built, and
// initialises the weights as PyTorch does by default from the same stream
// as package ccl uses for its forward weights (so both rules start from
// identical forward weights for a seed); biases are zeroed when zeroBias.
func (m *Network) finish(maxBatch int, seed int64, zeroBias bool) {
	m.FwdSet.Alloc()
	net.InitDefault(&m.FwdSet, net.NewRand(seed, 1), zeroBias)
	w := max(m.F.MaxWidth(), m.F.Unit(1).Cfg.InDim())
	m.prob = make([]float32, maxBatch*m.K)
	m.dz = make([]float32, maxBatch*m.K)
	m.delta = [2][]float32{hugepage.Floats(maxBatch * w), hugepage.Floats(maxBatch * w)}
}

// StepLosses reports one training step: CE before the warm-up factor,
// Total = scale·CE, and the training-mode arg-max hits.
type StepLosses struct {
	CE, Total float64
	Correct   int
	NormF     float64 // total gradient norm (after centralization, before clipping); set by Step
}

// Gradients runs the forward network on the batch (x: n × d_0, labels y)
// and back-propagates scale·CE through every unit, leaving every parameter
// gradient in FwdSet.Grad (cleared first). The chain is written out in the
// package comment; each unit's step is net.Unit.Backward.
func (m *Network) Gradients(x []float32, y []int32, n int, scale float32) StepLosses {
	L, K := m.F.Layers(), m.K
	m.FwdSet.StartGrad() // every unit's Backward overwrites its gradients
	z := m.F.Forward(x, n, true)
	dz := m.dz[:n*K]
	ce, correct := net.SoftmaxCrossEntropy(dz, m.prob, z, y, n, K, scale)
	delta := dz
	for l := L; l >= 1; l-- {
		var dIn []float32
		if l > 1 {
			dIn = m.delta[l%2]
		}
		m.F.Backward(l, delta, dIn, n)
		delta = dIn
	}
	m.FwdSet.EndGrad()
	return StepLosses{CE: ce, Total: float64(scale) * ce, Correct: correct}
}

// Step runs Gradients, then one optimiser step on the forward weights.
func (m *Network) Step(x []float32, y []int32, n int, scale float32) StepLosses {
	st := m.Gradients(x, y, n, scale)
	m.Opt.Step(&m.FwdSet)
	st.NormF = m.Opt.LastNorm
	return st
}

// Evaluate runs the network in eval mode and returns the mean cross-entropy
// and the number of correct predictions on the batch.
func (m *Network) Evaluate(x []float32, y []int32, n int) (loss float64, correct int) {
	return m.F.Evaluate(m.prob, x, y, n)
}

// State returns the weights and the running statistics.
func (m *Network) State() [][]float32 {
	return append([][]float32{m.FwdSet.Data}, m.F.State()...)
}

// MLPConfig describes a back-propagation MLP: the forward half of a CCL MLP.
type MLPConfig struct {
	Sizes    []int          // d_0 … d_L
	Act      net.Activation // f
	BN       int            // fw_bn: 0, 1 or 2
	MaxBatch int
	Seed     int64
	Opt      net.Optimizer // forward weights' optimiser
}

// NewMLP builds the MLP of spec §3 for back-propagation.
func NewMLP(cfg MLPConfig) (*Network, error) {
	L := len(cfg.Sizes) - 1
	if L < 1 {
		return nil, fmt.Errorf("bp: an MLP needs at least two widths, got %v", cfg.Sizes)
	}
	for _, d := range cfg.Sizes {
		if d <= 0 {
			return nil, fmt.Errorf("bp: widths must be positive, got %v", cfg.Sizes)
		}
	}
	if cfg.MaxBatch <= 0 {
		return nil, fmt.Errorf("bp: batch size must be positive, got %d", cfg.MaxBatch)
	}
	m := &Network{Opt: cfg.Opt, K: cfg.Sizes[L]}
	m.F = net.NewMLPStack(&m.FwdSet, func(l int) string { return fmt.Sprintf("W%d", l) },
		cfg.Sizes, cfg.Act, cfg.BN, cfg.MaxBatch)
	m.finish(cfg.MaxBatch, cfg.Seed, true)
	return m, nil
}
