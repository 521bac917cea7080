// Package train wires a configuration to data and a model and runs the
// reference's training procedure (spec §7): a seeded 90/10 train/validation
// split, one optimisation step per shuffled batch with the warm-up factor,
// cosine annealing per epoch, validation after every epoch, the weights with
// the lowest validation loss kept and tested at the end. It is the engine of
// the ccl command; it knows the rules only through the Model and AEModel
// interfaces.
//
// One loop (runJob, loop.go) serves classification and autoencoder runs
// alike: checkpoints (best.safetensors, last.safetensors, with optimiser
// momenta and the run's progress), Options.Stop and an exact resume (mid-
// epoch too), progress callbacks, divergence detection (diverge.go), and,
// for CCL, the angle between every forward weight and its feedback weight's
// adjoint after each epoch (align.go). Evaluate (eval.go) rebuilds a run's
// model from its config.yaml and evaluates one of its checkpoints exactly as
// the run did.
package train

import (
	"fmt"

	"github.com/counter-current/ccl/bp"
	"github.com/counter-current/ccl/ccl"
	"github.com/counter-current/ccl/internal/checkpoint"
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
	// Checkpoint returns the model's checkpoint state: its weights, running
	// statistics and optimiser momenta, under the reference's tensor names
	// where the architecture allows (see internal/checkpoint).
	Checkpoint() *checkpoint.State
}

// base is what every model wrapper shares: its stacks (B nil for BP), its
// optimisers (optB nil for BP) and its checkpoint state.
type base struct {
	F, B       *net.Stack
	optF, optB *net.Optimizer
	st         *checkpoint.State
}

// newBase returns the base of a network, with the checkpoint state in the
// reference's layout for its architecture, or the native one where that
// has none.
func newBase(arch string, kind net.ConvKind, F, B *net.Stack, fwd, fb *net.Params, optF, optB *net.Optimizer, fwBN, bwBN int, bnAffine bool) base {
	var lay *checkpoint.Layout
	var err error
	switch arch {
	case "simple_linear":
		lay, err = checkpoint.MLPLayout(F, B, fwBN, bwBN)
	case "cnn", "cnn_pool":
		lay, err = checkpoint.CNNLayout(kind, F, B, fwBN, bwBN, bnAffine)
	default:
		lay, err = checkpoint.AELayout(F, B)
	}
	if err != nil {
		lay = checkpoint.NativeLayout(F, B)
	}
	st := &checkpoint.State{Layout: lay, Forward: fwd, Feedback: fb, OptForward: &optF.SGD}
	if optB != nil {
		st.OptFeedback = &optB.SGD
	}
	return base{F: F, B: B, optF: optF, optB: optB, st: st}
}

// SetLR sets the learning rates of the forward and feedback optimisers.
func (b *base) SetLR(lrF, lrB float64) {
	b.optF.LR = float32(lrF)
	if b.optB != nil {
		b.optB.LR = float32(lrB)
	}
}

// Checkpoint returns the checkpoint state.
func (b *base) Checkpoint() *checkpoint.State { return b.st }

// stacks returns the forward and feedback stacks (B nil for BP).
func (b *base) stacks() (F, B *net.Stack) { return b.F, b.B }

// StepStats reports one training step. Pairs and CE (MSE) are before the
// warm-up factor; Total = scale·(Σ Pairs + CE), or scale·MSE for the BP
// autoencoder.
type StepStats struct {
	Total, CE    float64
	MSE          float64   // BP autoencoder: reconstruction MSE; 0 otherwise
	Pairs        []float64 // CCL's per-pair losses; nil for BP
	Correct      int
	NormF, NormB float64 // gradient norms of the forward and feedback sets (NormB 0 for BP)
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

// learningRule reads the activations and the two optimisers' settings of a
// configuration.
func learningRule(cfg *config.Config) (actF, actB net.Activation, optF, optB ccl.OptimConfig, err error) {
	m, t := cfg.Method, cfg.Training
	if actF, err = net.ParseActivation(m.ActF); err != nil {
		return actF, actB, optF, optB, fmt.Errorf("method.act_F: %w", err)
	}
	if actB, err = net.ParseActivation(m.ActB); err != nil {
		return actF, actB, optF, optB, fmt.Errorf("method.act_B: %w", err)
	}
	optF = ccl.OptimConfig{LR: float32(t.LrF), Momentum: float32(t.MmtF), WeightDecay: float32(t.WdF),
		Centralize: t.GradC != 0, Clip: t.GradClipF}
	optB = ccl.OptimConfig{LR: float32(t.LrB), Momentum: float32(t.MmtB), WeightDecay: float32(t.WdB),
		Centralize: t.GradC != 0, Clip: t.GradClipB}
	return actF, actB, optF, optB, nil
}

// cnnChannels is the channel list of the reference's CNNs after the input
// channels (spec §3): five conv pairs, 32→16→8→4→2→1.
var cnnChannels = []int{128, 128, 256, 256, 512}

// cnnInputSize is the square input size of the reference's CNNs.
const cnnInputSize = 32

// NewModel builds the model a configuration asks for, for inputs of width
// dim (C·H·W), with batches of at most cfg.Dataset.BatchSize rows.
func NewModel(cfg *config.Config, dim int) (Model, error) {
	m, t := cfg.Method, cfg.Training
	actF, actB, optF, optB, err := learningRule(cfg)
	if err != nil {
		return nil, err
	}
	bs, seed := cfg.Dataset.BatchSize, int64(t.Seed)
	if m.Task != "classification" {
		return nil, fmt.Errorf("method.task: %s is not available in this version; expected classification", m.Task)
	}
	switch m.Architecture {
	case "simple_linear":
		sizes, err := mlpSizes(cfg.Dataset.Name, dim, cfg.Dataset.NumClasses)
		if err != nil {
			return nil, err
		}
		switch m.Name {
		case "CCL":
			c, err := ccl.NewMLP(ccl.MLPConfig{
				Sizes: sizes, ActF: actF, ActB: actB, FwBN: m.FwBN, BwBN: m.BwBN,
				LossScaleC: float32(t.LossScaleC), Filter: t.FilterTarget != 0,
				MaxBatch: bs, Seed: seed, Forward: optF, Feedback: optB,
			})
			if err != nil {
				return nil, err
			}
			return &cclNet{c, newBase(m.Architecture, 0, c.F, c.B, &c.FwdSet, &c.FbSet, &c.OptF, &c.OptB, m.FwBN, m.BwBN, m.BNAffine != 0)}, nil
		case "BP":
			b, err := bp.NewMLP(bp.MLPConfig{Sizes: sizes, Act: actF, BN: m.FwBN,
				MaxBatch: bs, Seed: seed, Opt: optF.Optimizer()})
			if err != nil {
				return nil, err
			}
			return &bpNet{b, newBase(m.Architecture, 0, b.F, nil, &b.FwdSet, nil, &b.Opt, nil, m.FwBN, 0, m.BNAffine != 0)}, nil
		}
	case "cnn", "cnn_pool":
		kind, err := net.ParseConvKind(m.Architecture)
		if err != nil {
			return nil, fmt.Errorf("method.architecture: %w", err)
		}
		c := cfg.Dataset.NumChannels
		if dim != c*cnnInputSize*cnnInputSize {
			return nil, fmt.Errorf("architecture %s needs %d×%d×%d inputs, the data gives %d values per sample",
				m.Architecture, c, cnnInputSize, cnnInputSize, dim)
		}
		spec := net.CNNSpec{Kind: kind, Channels: append([]int{c}, cnnChannels...),
			H: cnnInputSize, W: cnnInputSize, Classes: cfg.Dataset.NumClasses}
		zeroBias := m.BiasInit == "zero"
		switch m.Name {
		case "CCL":
			n, err := ccl.NewCNN(ccl.CNNConfig{Spec: spec, ActF: actF, ActB: actB, FwBN: m.FwBN, BwBN: m.BwBN,
				LossScaleC: float32(t.LossScaleC), LossScaleSSL: float32(t.LossScaleSSL),
				Filter: t.FilterTarget != 0, ZeroBias: zeroBias, MaxBatch: bs, Seed: seed,
				Forward: optF, Feedback: optB})
			if err != nil {
				return nil, err
			}
			return &cclNet{n, newBase(m.Architecture, kind, n.F, n.B, &n.FwdSet, &n.FbSet, &n.OptF, &n.OptB, m.FwBN, m.BwBN, m.BNAffine != 0)}, nil
		case "BP":
			n, err := bp.NewCNN(bp.CNNConfig{Spec: spec, Act: actF, BN: m.FwBN, ZeroBias: zeroBias,
				MaxBatch: bs, Seed: seed, Opt: optF.Optimizer()})
			if err != nil {
				return nil, err
			}
			return &bpNet{n, newBase(m.Architecture, kind, n.F, nil, &n.FwdSet, nil, &n.Opt, nil, m.FwBN, 0, m.BNAffine != 0)}, nil
		}
	default:
		return nil, fmt.Errorf("method.architecture: %s is not available in this version (available: simple_linear, cnn, cnn_pool)", m.Architecture)
	}
	return nil, fmt.Errorf("method.method: unknown method %q (expected CCL or BP)", m.Name)
}

type cclNet struct {
	m *ccl.Network
	base
}

// EnableLean switches the network to ccl's memory-lean mode.
func (a *cclNet) EnableLean() { a.m.EnableLean() }

func (a *cclNet) Step(x []float32, y []int32, n int, scale float32) StepStats {
	s := a.m.Step(x, y, n, scale)
	return StepStats{Total: s.Total, CE: s.CE, Pairs: s.Pairs, Correct: s.Correct, NormF: s.NormF, NormB: s.NormB}
}
func (a *cclNet) Evaluate(x []float32, y []int32, n int) (float64, int) { return a.m.Evaluate(x, y, n) }
func (a *cclNet) State() [][]float32                                    { return a.m.State() }
func (a *cclNet) PairCount() int                                        { return a.m.Layers() }

type bpNet struct {
	m *bp.Network
	base
}

func (a *bpNet) Step(x []float32, y []int32, n int, scale float32) StepStats {
	s := a.m.Step(x, y, n, scale)
	return StepStats{Total: s.Total, CE: s.CE, Correct: s.Correct, NormF: s.NormF}
}
func (a *bpNet) Evaluate(x []float32, y []int32, n int) (float64, int) { return a.m.Evaluate(x, y, n) }
func (a *bpNet) State() [][]float32                                    { return a.m.State() }
func (a *bpNet) PairCount() int                                        { return 0 }
