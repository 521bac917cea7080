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

// NewMLP builds the CCL MLP: the forward stack over d_0 … d_L, the feedback
// stack over d_L … d_0, and the MLP pair loss.
func NewMLP(cfg MLPConfig) (*Network, error) {
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
	m := &Network{OptF: cfg.Forward.Optimizer(), OptB: cfg.Feedback.Optimizer(), Filter: cfg.Filter, K: K}
	m.F = net.NewMLPStack(&m.FwdSet, func(l int) string { return fmt.Sprintf("W%d", l) },
		cfg.Sizes, cfg.ActF, cfg.FwBN, cfg.MaxBatch)
	rev := make([]int, L+1)
	for i := range rev {
		rev[i] = cfg.Sizes[L-i]
	}
	m.B = net.NewMLPStack(&m.FbSet, func(j int) string { return fmt.Sprintf("V%d", L-j+1) },
		rev, cfg.ActB, cfg.BwBN, K)
	wmax := 0
	for _, d := range cfg.Sizes {
		wmax = max(wmax, d)
	}
	for i := range m.loss {
		m.loss[i] = &mlpLoss{s: make([]float32, cfg.MaxBatch*K), sC: cfg.LossScaleC}
	}
	return m, m.finish(cfg.MaxBatch, cfg.Seed, true)
}

// mlpLoss adapts PairLoss to the pairLoss interface.
type mlpLoss struct {
	s  []float32
	sC float32
}

func (l *mlpLoss) Pair(dA, dB, A, B []float32, y []int32, filtered []bool, n, k, d int, scale float32) float64 {
	return PairLoss(dA, dB, l.s, A, B, y, filtered, n, k, d, l.sC, scale)
}
