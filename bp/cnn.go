package bp

import (
	"fmt"

	"github.com/counter-current/ccl/net"
)

// CNNConfig describes a CNN trained by back-propagation.
type CNNConfig struct {
	Spec     net.CNNSpec
	Act      net.Activation
	BN       int  // fw_bn: 0, 1 or 2
	ZeroBias bool // bias_init: zero
	MaxBatch int
	Seed     int64
	Opt      net.Optimizer
}

// NewCNN builds the forward network of net.NewCNNStack for
// back-propagation.
func NewCNN(cfg CNNConfig) (*Network, error) {
	if err := cfg.Spec.Check(); err != nil {
		return nil, fmt.Errorf("bp: %w", err)
	}
	if cfg.MaxBatch <= 0 {
		return nil, fmt.Errorf("bp: batch size must be positive, got %d", cfg.MaxBatch)
	}
	m := &Network{Opt: cfg.Opt, K: cfg.Spec.Classes}
	m.F = net.NewCNNStack(&m.FwdSet, cfg.Spec, cfg.Act, cfg.BN, cfg.MaxBatch)
	m.finish(cfg.MaxBatch, cfg.Seed, cfg.ZeroBias)
	return m, nil
}
