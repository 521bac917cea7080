package bp

import (
	"fmt"

	"github.com/counter-current/ccl/internal/hugepage"
	"github.com/counter-current/ccl/net"
)

// AEConfig describes the autoencoder of spec §9 trained by
// back-propagation on the reconstruction error.
type AEConfig struct {
	Spec      net.AESpec
	Act       net.Activation
	MaxBatch  int
	Seed      int64
	PlainInit bool // skip the reference's ×0.001 / ×0 scalings of the decoder weights
	Opt       net.Optimizer
}

// Autoencoder is the forward network of net.NewAEForwardStack trained end
// to end on
//
//	L = mse(b_1, x),   db_1 = scale·2(b_1 − x)/numel
//
// back-propagated through every unit (net.Unit.Backward with dx ≠ nil).
type Autoencoder struct {
	FwdSet net.Params
	F      *net.Stack
	Opt    net.Optimizer

	delta [2][]float32
}

// NewAutoencoder builds the network with the reference's initialisation:
// orthogonal conv weights, decoder weights ×0.001 (D1 ×0) unless
// PlainInit, zero biases.
func NewAutoencoder(cfg AEConfig) (*Autoencoder, error) {
	if err := cfg.Spec.Check(); err != nil {
		return nil, fmt.Errorf("bp: %w", err)
	}
	if cfg.MaxBatch <= 0 {
		return nil, fmt.Errorf("bp: batch size must be positive, got %d", cfg.MaxBatch)
	}
	m := &Autoencoder{Opt: cfg.Opt}
	m.F = net.NewAEForwardStack(&m.FwdSet, cfg.Spec, cfg.Act, cfg.MaxBatch)
	m.FwdSet.Alloc()
	net.InitAutoencoder(&m.FwdSet, net.NewRand(cfg.Seed, 1), true, cfg.PlainInit)
	w := max(m.F.MaxWidth(), m.F.Unit(1).Cfg.InDim())
	m.delta = [2][]float32{hugepage.Floats(cfg.MaxBatch * w), hugepage.Floats(cfg.MaxBatch * w)}
	return m, nil
}

// Gradients runs the network on n images x (NHWC) and back-propagates
// scale·mse(b_1, x) into FwdSet.Grad (cleared first). It returns the MSE
// before the scale.
func (m *Autoencoder) Gradients(x []float32, n int, scale float32) float64 {
	m.FwdSet.StartGrad() // every unit's Backward overwrites its gradients
	b1 := m.F.Forward(x, n, true)
	size := len(b1)
	delta := m.delta[0][:size]
	g := float32(float64(scale) * 2 / float64(size))
	var sum float64
	for i, v := range b1 {
		d := v - x[i]
		sum += float64(d) * float64(d)
		delta[i] = g * d
	}
	for l := m.F.Layers(); l >= 1; l-- {
		var dIn []float32
		if l > 1 {
			dIn = m.delta[(m.F.Layers()-l+1)%2]
		}
		m.F.Backward(l, delta, dIn, n)
		delta = dIn
	}
	m.FwdSet.EndGrad()
	return sum / float64(size)
}

// Step runs Gradients, then one optimiser step.
func (m *Autoencoder) Step(x []float32, n int, scale float32) float64 {
	mse := m.Gradients(x, n, scale)
	m.Opt.Step(&m.FwdSet)
	return mse
}

// Reconstruct runs the network in eval mode and returns b_1.
func (m *Autoencoder) Reconstruct(x []float32, n int) []float32 {
	return m.F.Forward(x, n, false)
}

// State returns the weights and the running statistics.
func (m *Autoencoder) State() [][]float32 {
	return append([][]float32{m.FwdSet.Data}, m.F.State()...)
}
