// Package train wires a configuration to data and a model and runs the
// reference's training procedure (spec §7): a seeded 90/10 train/validation
// split, one optimisation step per shuffled batch with the warm-up factor,
// cosine annealing per epoch, validation after every epoch, the weights with
// the lowest validation loss kept and tested at the end. It is the engine of
// the ccl command; it knows the rules only through the Model interface.
package train

import (
	"fmt"

	"github.com/counter-current/ccl/bp"
	"github.com/counter-current/ccl/ccl"
	"github.com/counter-current/ccl/internal/config"
	"github.com/counter-current/ccl/net"
)

// Model is a trainable classifier: a CCL dual network or a BP network.
type Model interface {
	// Step runs one optimisation step on a batch (x: n × d_0, labels y),
	// with the whole loss multiplied by scale (the warm-up factor).
	Step(x []float32, y []int32, n int, scale float32) StepStats
	// Evaluate returns the mean cross-entropy and the correct count of the
	// forward network in eval mode on a batch.
	Evaluate(x []float32, y []int32, n int) (loss float64, correct int)
	// SetLR sets the learning rates of the forward and feedback optimisers.
	SetLR(lrF, lrB float64)
	// State returns every slice that defines the model (weights, running
	// statistics): copying them back restores the model exactly.
	State() [][]float32
	// PairCount is the number of local losses StepStats.Pairs reports.
	PairCount() int
}

// StepStats reports one training step. Pairs and CE are before the warm-up
// factor; Total = scale·(Σ Pairs + CE).
type StepStats struct {
	Total, CE float64
	Pairs     []float64 // CCL's per-pair losses; nil for BP
	Correct   int
}

// mlpSizes returns the widths of the reference's simple_linear network for a
// data set (spec §3).
func mlpSizes(dataset string, dim, classes int) ([]int, error) {
	var hidden []int
	switch dataset {
	case "MNIST", "FashionMNIST":
		hidden = []int{256, 256, 256, 256, 256}
	case "CIFAR10", "CIFAR100":
		hidden = []int{1024, 1024, 1024}
	default:
		return nil, fmt.Errorf("architecture simple_linear: no MLP is defined for dataset %s (expected MNIST, FashionMNIST, CIFAR10 or CIFAR100)", dataset)
	}
	return append(append([]int{dim}, hidden...), classes), nil
}

// NewModel builds the model a configuration asks for, for inputs of width
// dim, with batches of at most cfg.Dataset.BatchSize rows.
func NewModel(cfg *config.Config, dim int) (Model, error) {
	m, t := cfg.Method, cfg.Training
	if m.Architecture != "simple_linear" {
		return nil, fmt.Errorf("method.architecture: %s is not available in this version; only simple_linear (the MLP) is", m.Architecture)
	}
	if m.Task != "classification" {
		return nil, fmt.Errorf("method.task: %s is not available for simple_linear; expected classification", m.Task)
	}
	sizes, err := mlpSizes(cfg.Dataset.Name, dim, cfg.Dataset.NumClasses)
	if err != nil {
		return nil, err
	}
	actF, err := net.ParseActivation(m.ActF)
	if err != nil {
		return nil, fmt.Errorf("method.act_F: %w", err)
	}
	actB, err := net.ParseActivation(m.ActB)
	if err != nil {
		return nil, fmt.Errorf("method.act_B: %w", err)
	}
	optF := ccl.OptimConfig{LR: float32(t.LrF), Momentum: float32(t.MmtF), WeightDecay: float32(t.WdF),
		Centralize: t.GradC != 0, Clip: t.GradClipF}
	optB := ccl.OptimConfig{LR: float32(t.LrB), Momentum: float32(t.MmtB), WeightDecay: float32(t.WdB),
		Centralize: t.GradC != 0, Clip: t.GradClipB}
	switch m.Name {
	case "CCL":
		c, err := ccl.NewMLP(ccl.MLPConfig{
			Sizes: sizes, ActF: actF, ActB: actB, FwBN: m.FwBN, BwBN: m.BwBN,
			LossScaleC: float32(t.LossScaleC), Filter: t.FilterTarget != 0,
			MaxBatch: cfg.Dataset.BatchSize, Seed: int64(t.Seed), Forward: optF, Feedback: optB,
		})
		if err != nil {
			return nil, err
		}
		return &cclMLP{c}, nil
	case "BP":
		b, err := bp.NewMLP(bp.MLPConfig{Sizes: sizes, Act: actF, BN: m.FwBN,
			MaxBatch: cfg.Dataset.BatchSize, Seed: int64(t.Seed), Opt: optF.Optimizer()})
		if err != nil {
			return nil, err
		}
		return &bpMLP{b}, nil
	}
	return nil, fmt.Errorf("method.method: unknown method %q (expected CCL or BP)", m.Name)
}

type cclMLP struct{ m *ccl.MLP }

func (a *cclMLP) Step(x []float32, y []int32, n int, scale float32) StepStats {
	s := a.m.Step(x, y, n, scale)
	return StepStats{Total: s.Total, CE: s.CE, Pairs: s.Pairs, Correct: s.Correct}
}
func (a *cclMLP) Evaluate(x []float32, y []int32, n int) (float64, int) { return a.m.Evaluate(x, y, n) }
func (a *cclMLP) SetLR(lrF, lrB float64) {
	a.m.OptF.LR, a.m.OptB.LR = float32(lrF), float32(lrB)
}
func (a *cclMLP) State() [][]float32 {
	s := [][]float32{a.m.FwdSet.Data, a.m.FbSet.Data}
	return append(append(s, a.m.F.State()...), a.m.B.State()...)
}
func (a *cclMLP) PairCount() int { return len(a.m.Cfg.Sizes) - 1 }

type bpMLP struct{ m *bp.MLP }

func (a *bpMLP) Step(x []float32, y []int32, n int, scale float32) StepStats {
	s := a.m.Step(x, y, n, scale)
	return StepStats{Total: s.Total, CE: s.CE, Correct: s.Correct}
}
func (a *bpMLP) Evaluate(x []float32, y []int32, n int) (float64, int) { return a.m.Evaluate(x, y, n) }
func (a *bpMLP) SetLR(lrF, _ float64)                                  { a.m.Opt.LR = float32(lrF) }
func (a *bpMLP) State() [][]float32 {
	return append([][]float32{a.m.FwdSet.Data}, a.m.F.State()...)
}
func (a *bpMLP) PairCount() int { return 0 }
