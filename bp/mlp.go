package bp

import (
	"fmt"

	"github.com/counter-current/ccl/net"
)

// MLPConfig describes a back-propagation MLP: the forward half of a CCL MLP.
type MLPConfig struct {
	Sizes    []int          // d_0 … d_L
	Act      net.Activation // f
	BN       int            // fw_bn: 0, 1 or 2
	MaxBatch int
	Seed     int64
	Opt      net.Optimizer // forward weights' optimiser
}

// MLP is a multi-layer perceptron trained by back-propagation.
type MLP struct {
	Cfg    MLPConfig
	FwdSet net.Params // W_1 … W_L
	F      *net.MLP
	Opt    net.Optimizer

	prob, dz []float32 // N × K
	delta    [2][]float32
}

// NewMLP builds the network with PyTorch's default initialisation from
// cfg.Seed. It draws the forward weights from the same stream as ccl.NewMLP,
// so both rules start from identical forward weights for the same seed.
func NewMLP(cfg MLPConfig) (*MLP, error) {
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
	m := &MLP{Cfg: cfg, Opt: cfg.Opt}
	m.Cfg.Sizes = append([]int(nil), cfg.Sizes...)
	m.F = net.NewMLP(&m.FwdSet, func(l int) string { return fmt.Sprintf("W%d", l) },
		cfg.Sizes, cfg.Act, cfg.BN, cfg.MaxBatch)
	m.FwdSet.Alloc()
	rng := net.NewRand(cfg.Seed, 1)
	for _, t := range m.FwdSet.Tensors {
		net.InitPyTorchDefault(t, rng)
	}
	K, n := cfg.Sizes[L], cfg.MaxBatch
	wmax := 0
	for _, d := range cfg.Sizes {
		wmax = max(wmax, d)
	}
	m.prob = make([]float32, n*K)
	m.dz = make([]float32, n*K)
	m.delta = [2][]float32{make([]float32, n*wmax), make([]float32, n*wmax)}
	return m, nil
}

// StepLosses reports one training step: CE before the warm-up factor,
// Total = scale·CE, and the training-mode arg-max hits.
type StepLosses struct {
	CE, Total float64
	Correct   int
}

// Gradients runs the forward network on the batch (x: n × d_0, labels y)
// and back-propagates scale·CE, leaving every dW_l in FwdSet.Grad (cleared
// first). The chain is written out in the package comment.
func (m *MLP) Gradients(x []float32, y []int32, n int, scale float32) StepLosses {
	L := len(m.Cfg.Sizes) - 1
	K := m.Cfg.Sizes[L]
	m.FwdSet.ZeroGrad()
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
	return StepLosses{CE: ce, Total: float64(scale) * ce, Correct: correct}
}

// Step runs Gradients, then one optimiser step on the forward weights.
func (m *MLP) Step(x []float32, y []int32, n int, scale float32) StepLosses {
	st := m.Gradients(x, y, n, scale)
	m.Opt.Step(&m.FwdSet)
	return st
}

// Evaluate runs the network in eval mode and returns the mean cross-entropy
// and the number of correct predictions on the batch.
func (m *MLP) Evaluate(x []float32, y []int32, n int) (loss float64, correct int) {
	return m.F.Evaluate(m.prob, x, y, n)
}
