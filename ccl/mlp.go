package ccl

import (
	"fmt"

	"github.com/counter-current/ccl/net"
)

// MLPConfig describes a CCL multi-layer perceptron (spec §2–§6).
type MLPConfig struct {
	Sizes      []int          // d_0 … d_L; d_L = K, the number of classes
	ActF, ActB net.Activation // f (forward) and g (feedback)
	FwBN, BwBN int            // batch-norm placement of each network: 0, 1 or 2
	LossScaleC float32        // s_C of the pair loss
	Filter     bool           // filter_target ≠ 0: zero confident rows of A
	MaxBatch   int            // largest batch the buffers hold
	Seed       int64          // initialisation seed
	Forward    OptimConfig    // forward weights' optimiser
	Feedback   OptimConfig    // feedback weights' optimiser
}

// OptimConfig is one parameter set's optimiser settings (spec §6).
type OptimConfig struct {
	LR, Momentum, WeightDecay float32
	Centralize                bool    // GradC
	Clip                      float64 // clip by total norm; 0 = off
}

// Optimizer builds the net.Optimizer these settings describe.
func (c OptimConfig) Optimizer() net.Optimizer {
	return net.Optimizer{
		SGD:        net.SGD{LR: c.LR, Momentum: c.Momentum, WeightDecay: c.WeightDecay},
		Centralize: c.Centralize,
		ClipNorm:   c.Clip,
	}
}

// filterThreshold is the fixed true-class probability above which the
// filter zeroes a row (spec §4: threshold 0.1 on 1 − p).
const filterThreshold = 0.9

// MLP is the CCL dual network for multi-layer perceptrons.
//
// The forward network F maps x to logits over widths d_0 … d_L; the
// feedback network B runs over the reversed widths d_L … d_0 and is fed the
// K×K identity, so B's layer j holds V_{L−j+1} (d_{l−1} × d_l for l = L−j+1)
// and its activation after layer j is c_{L−j} (K × d_{L−j}).
type MLP struct {
	Cfg      MLPConfig
	FwdSet   net.Params // W_1 … W_L
	FbSet    net.Params // V_1 … V_L
	F, B     *net.MLP
	OptF     net.Optimizer
	OptB     net.Optimizer
	Filtered []bool // rows the filter zeroed in the last step (nil when the filter is off)

	eye   []float32 // K × K identity: the feedback network's input
	prob  []float32 // N × K softmax of the logits
	dz    []float32 // N × K gradient of the logits
	s     []float32 // N × K scratch for S and dS
	dA    []float32 // N × max d scratch
	dB    []float32 // K × max d scratch
	pairs []float64 // per-pair losses of the last step
}

// NewMLP builds the network, initialised as PyTorch does by default from a
// generator seeded with cfg.Seed (forward and feedback weights from
// independent streams).
func NewMLP(cfg MLPConfig) (*MLP, error) {
	L := len(cfg.Sizes) - 1
	if L < 1 {
		return nil, fmt.Errorf("ccl: an MLP needs at least two widths, got %v", cfg.Sizes)
	}
	for _, d := range cfg.Sizes {
		if d <= 0 {
			return nil, fmt.Errorf("ccl: widths must be positive, got %v", cfg.Sizes)
		}
	}
	if cfg.MaxBatch <= 0 {
		return nil, fmt.Errorf("ccl: batch size must be positive, got %d", cfg.MaxBatch)
	}
	K := cfg.Sizes[L]
	m := &MLP{Cfg: cfg, OptF: cfg.Forward.Optimizer(), OptB: cfg.Feedback.Optimizer()}
	m.Cfg.Sizes = append([]int(nil), cfg.Sizes...)
	m.F = net.NewMLP(&m.FwdSet, func(l int) string { return fmt.Sprintf("W%d", l) },
		cfg.Sizes, cfg.ActF, cfg.FwBN, cfg.MaxBatch)
	rev := make([]int, L+1)
	for i := range rev {
		rev[i] = cfg.Sizes[L-i]
	}
	m.B = net.NewMLP(&m.FbSet, func(j int) string { return fmt.Sprintf("V%d", L-j+1) },
		rev, cfg.ActB, cfg.BwBN, K)
	m.FwdSet.Alloc()
	m.FbSet.Alloc()
	rf, rb := net.NewRand(cfg.Seed, 1), net.NewRand(cfg.Seed, 2)
	for _, t := range m.FwdSet.Tensors {
		net.InitPyTorchDefault(t, rf)
	}
	for _, t := range m.FbSet.Tensors {
		net.InitPyTorchDefault(t, rb)
	}
	wmax := 0
	for _, d := range cfg.Sizes {
		wmax = max(wmax, d)
	}
	m.eye = make([]float32, K*K)
	for i := 0; i < K; i++ {
		m.eye[i*K+i] = 1
	}
	n := cfg.MaxBatch
	m.prob = make([]float32, n*K)
	m.dz = make([]float32, n*K)
	m.s = make([]float32, n*K)
	m.dA = make([]float32, n*wmax)
	m.dB = make([]float32, K*wmax)
	m.pairs = make([]float64, L)
	if cfg.Filter {
		m.Filtered = make([]bool, n)
	}
	return m, nil
}

// StepLosses reports one training step. Pairs and CE are the losses before
// the warm-up factor; Total = scale·(Σ Pairs + CE) is the loss whose
// gradient was taken. Pairs is reused by the next step.
type StepLosses struct {
	Pairs    []float64
	CE       float64
	Total    float64
	Correct  int // training-mode arg-max hits in the batch
	Filtered int // rows the filter zeroed
}

// Gradients runs both networks on one batch and accumulates every weight's
// gradient of scale·(Σ_l L_l + CE) into FwdSet.Grad and FbSet.Grad, which it
// clears first. It does not update the weights (see Step).
//
//	x: n × d_0 inputs    y: n labels in [0, K)    n ≤ MaxBatch
//
// The rules, in order (spec §4–§5; ccl/doc.go lists them):
//
//	z = F(x)                                   forward pass, inputs detached per layer
//	c = B(I_K)                                 feedback pass
//	dz = scale·(softmax(z) − Y)/n              CE, top layer only:  dW_L += dzᵀ·a_{L−1}
//	for pair l = 0 … L−1 (A = a_l, or x for l = 0; Bm = c_l):
//	    dA, dBm = PairLoss(A, Bm)
//	    l ≥ 1:  dW_l     += (dA ⊙ f'(z_l) through BN)ᵀ · in_l
//	            dV_{l+1} += (dBm ⊙ g'(u) through BN)ᵀ · c_{l+1}   (no g' for l = 0)
func (m *MLP) Gradients(x []float32, y []int32, n int, scale float32) StepLosses {
	L := len(m.Cfg.Sizes) - 1
	K := m.Cfg.Sizes[L]
	m.FwdSet.ZeroGrad()
	m.FbSet.ZeroGrad()

	z := m.F.Forward(x, n, true)
	dz := m.dz[:n*K]
	ce, correct := net.SoftmaxCrossEntropy(dz, m.prob, z, y, n, K, scale)
	var filtered []bool
	nf := 0
	if m.Cfg.Filter {
		filtered = m.Filtered[:n]
		for i := range filtered {
			filtered[i] = m.prob[i*K+int(y[i])] > filterThreshold
			if filtered[i] {
				nf++
			}
		}
	}
	m.B.Forward(m.eye, K, true)

	// The top forward weight learns from the cross-entropy alone.
	m.F.Backward(L, dz, nil, n)

	total := ce
	for l := 0; l < L; l++ {
		d := m.Cfg.Sizes[l]
		A := m.F.A[l][:n*d]
		Bm := m.B.A[L-l][:K*d]
		dA, dB := m.dA[:n*d], m.dB[:K*d]
		m.pairs[l] = PairLoss(dA, dB, m.s, A, Bm, y, filtered, n, K, d, m.Cfg.LossScaleC, scale)
		total += m.pairs[l]
		if l >= 1 {
			m.F.Backward(l, dA, nil, n) // pair l → W_l only (a_{l−1} is detached)
		}
		m.B.Backward(L-l, dB, nil, K) // pair l → V_{l+1} only (c_{l+1} is detached)
	}
	return StepLosses{Pairs: m.pairs, CE: ce, Total: float64(scale) * total, Correct: correct, Filtered: nf}
}

// Step runs Gradients, then updates the forward and the feedback weights,
// each set with its own optimiser (centralization, clipping, SGD).
func (m *MLP) Step(x []float32, y []int32, n int, scale float32) StepLosses {
	st := m.Gradients(x, y, n, scale)
	m.OptF.Step(&m.FwdSet)
	m.OptB.Step(&m.FbSet)
	return st
}

// Evaluate runs the forward network in eval mode and returns the mean
// cross-entropy and the number of correct predictions on the batch.
func (m *MLP) Evaluate(x []float32, y []int32, n int) (loss float64, correct int) {
	return m.F.Evaluate(m.prob, x, y, n)
}
