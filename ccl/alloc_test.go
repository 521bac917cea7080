package ccl

import (
	"math/rand/v2"
	"testing"

	"github.com/counter-current/ccl/internal/heapcount"
	"github.com/counter-current/ccl/net"
)

func randomBatch(n, d, k int) ([]float32, []int32) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	y := make([]int32, n)
	for i := range y {
		y[i] = int32(rng.IntN(k))
	}
	return x, y
}

// A training step allocates nothing once warmed up, for the MLP and for
// both CNN kinds, with every optimiser option switched on. The warm-up is
// ten steps: the first allocates lazily sized scratch, and each of a free
// list's job values (parallel.FreeList) grows its buffers when it first
// meets a call that needs them; values go round in turn, so which value
// meets which call depends on the order of the calls, which overlapping
// calls change.
func TestStepDoesNotAllocate(t *testing.T) {
	opt := OptimConfig{LR: 0.1, Momentum: 0.9, WeightDecay: 1e-4, Centralize: true, Clip: 1}
	mlp, err := NewMLP(MLPConfig{Sizes: []int{64, 32, 32, 10}, ActF: net.ELU, ActB: net.ELU, FwBN: 2, BwBN: 1,
		LossScaleC: 0.5, Filter: true, MaxBatch: 16, Forward: opt, Feedback: opt})
	if err != nil {
		t.Fatal(err)
	}
	nets := map[string]*Network{"mlp": mlp}
	for _, kind := range []net.ConvKind{net.StrideConv, net.PoolConv} {
		c, err := NewCNN(CNNConfig{Spec: net.CNNSpec{Kind: kind, Channels: []int{3, 8, 8, 16}, H: 8, W: 8, Classes: 10},
			ActF: net.ELU, ActB: net.ELU, FwBN: 2, BwBN: 2, LossScaleC: 1, LossScaleSSL: 0.5, Filter: true,
			MaxBatch: 16, Forward: opt, Feedback: opt})
		if err != nil {
			t.Fatal(err)
		}
		nets[map[net.ConvKind]string{net.StrideConv: "cnn", net.PoolConv: "cnn_pool"}[kind]] = c
	}
	for name, m := range nets {
		d := m.F.Unit(1).Cfg.InDim()
		x, y := randomBatch(16, d, 10)
		m.Step(x, y, 16, 0.5)
		m.Step(x, y, 13, 1) // a short last batch
		for range 8 {
			m.Step(x, y, 16, 1)
		}
		if n, sites := heapcount.Runs(5, func() { m.Step(x, y, 16, 1) }); n != 0 {
			t.Errorf("%s: %d allocations in 5 steps: %v", name, n, sites)
		}
		if n, sites := heapcount.Runs(5, func() { m.Evaluate(x, y, 16) }); n != 0 {
			t.Errorf("%s: %d allocations in 5 evaluations: %v", name, n, sites)
		}
	}
}

// The reference's CIFAR-10 cnn_pool network at its batch size (128, every
// option of its config on) steps without allocating once warmed up: at this
// size the parallel paths of blas and conv are the ones exercised. The
// warm-up is three steps: a step makes few dot-product calls (the
// feedback stream's first layer, 10 wide), so a free list's second spare
// dot job can first be used, and its buffer grown, in the second step.
func TestCIFARCNNPoolStepDoesNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size network; run without -short")
	}
	opt := OptimConfig{LR: 1, Momentum: 0.8, WeightDecay: 1e-6, Centralize: true, Clip: 0.3}
	m, err := NewCNN(CNNConfig{
		Spec: net.CNNSpec{Kind: net.PoolConv, Channels: []int{3, 128, 128, 256, 256, 512}, H: 32, W: 32, Classes: 10},
		ActF: net.ELU, ActB: net.ELU, LossScaleC: 1, LossScaleSSL: 0.5, Filter: true,
		MaxBatch: 128, Forward: opt, Feedback: opt,
	})
	if err != nil {
		t.Fatal(err)
	}
	x, y := randomBatch(128, 32*32*3, 10)
	for range 3 {
		m.Step(x, y, 128, 0.01)
	}
	if n, sites := heapcount.Runs(2, func() { m.Step(x, y, 128, 0.02) }); n != 0 {
		t.Errorf("%d allocations in 2 CIFAR-10 cnn_pool steps: %v", n, sites)
	}
}

// The Fashion-MNIST MLP's CCL step at the reference's size allocates
// nothing over hundreds of steps once warmed up, counted exactly and by
// call site (testing.AllocsPerRun rounds the mean down, and counts the
// runtime's own allocations, such as a new OS thread's records, with the
// step's; see package heapcount). Descriptors and buffers first needed
// when two products first overlap used to come late: a second dot-product
// job 53 steps in, a second product job's 1.4 MB packing buffer 4 to 59
// steps after this warm-up (see parallel.FreeList and blas'
// gemmJob.settle); so did a job's wait channel, made at its first call
// large enough to cut up (see parallel.Group.Prepare).
func TestMLPStepsAllocateNothingLate(t *testing.T) {
	if testing.Short() {
		t.Skip("hundreds of full-size steps; run without -short")
	}
	opt := OptimConfig{LR: 0.01, Clip: 1}
	m, err := NewMLP(MLPConfig{Sizes: []int{784, 256, 256, 256, 256, 256, 10}, ActF: net.ELU, ActB: net.ELU,
		LossScaleC: 0.5, MaxBatch: 256, Forward: opt, Feedback: opt})
	if err != nil {
		t.Fatal(err)
	}
	x, y := randomBatch(256, 784, 10)
	for range 10 {
		m.Step(x, y, 256, 1)
	}
	const steps = 300
	if n, sites := heapcount.Runs(steps, func() { m.Step(x, y, 256, 1) }); n != 0 {
		t.Errorf("%d allocations in %d steps after the warm-up: %v", n, steps, sites)
	}
}
