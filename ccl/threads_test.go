package ccl

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/counter-current/ccl/net"
)

// stepper is a network that trains on a batch: the classifier or the
// autoencoder.
type stepper interface {
	State() [][]float32
}

// Training gives bit-identical weights, momenta and running statistics
// whatever the thread count: the two streams of a step and the kernels'
// ranges may run anywhere, but every value is computed by the same
// operations in the same order. Large enough shapes that blas and conv
// split their work.
func TestStepsIdenticalForAnyThreadCount(t *testing.T) {
	opt := OptimConfig{LR: 0.05, Momentum: 0.9, WeightDecay: 1e-4, Centralize: true, Clip: 1}
	build := map[string]func() (stepper, func(rep int)){
		"mlp": func() (stepper, func(int)) {
			m, err := NewMLP(MLPConfig{Sizes: []int{784, 256, 256, 256, 10}, ActF: net.ELU, ActB: net.ELU, FwBN: 2, BwBN: 1,
				LossScaleC: 0.5, Filter: true, MaxBatch: 256, Seed: 5, Forward: opt, Feedback: opt})
			if err != nil {
				t.Fatal(err)
			}
			x, y := randomBatch(256, 784, 10)
			return m, func(rep int) { m.Step(x, y, 256-rep, 1) }
		},
		"mlp_fused_feedback": func() (stepper, func(int)) {
			plain := OptimConfig{LR: 0.05, WeightDecay: 1e-4, Clip: 1} // no momentum: the feedback update is fused
			m, err := NewMLP(MLPConfig{Sizes: []int{784, 256, 256, 256, 10}, ActF: net.ELU, ActB: net.ELU,
				LossScaleC: 0.5, MaxBatch: 256, Seed: 5, Forward: plain, Feedback: plain})
			if err != nil {
				t.Fatal(err)
			}
			x, y := randomBatch(256, 784, 10)
			return m, func(rep int) { m.Step(x, y, 256-rep, 1) }
		},
		"cnn_pool": func() (stepper, func(int)) {
			m, err := NewCNN(CNNConfig{Spec: net.CNNSpec{Kind: net.PoolConv, Channels: []int{3, 16, 32, 32}, H: 16, W: 16, Classes: 10},
				ActF: net.ELU, ActB: net.ELU, FwBN: 2, BwBN: 2, LossScaleC: 1, LossScaleSSL: 0.5,
				MaxBatch: 64, Seed: 6, Forward: opt, Feedback: opt})
			if err != nil {
				t.Fatal(err)
			}
			x, y := randomBatch(64, 16*16*3, 10)
			return m, func(rep int) { m.Step(x, y, 64-rep, 1) }
		},
		"autoencoder": func() (stepper, func(int)) {
			m, err := NewAutoencoder(AEConfig{Spec: net.AESpec{Channels: []int{3, 16, 16}, H: 32, W: 32}, ActF: net.ReLU, ActB: net.ReLU,
				LossScaleC: 1, LossScaleD: 1, MaxBatch: 16, Seed: 7, Forward: opt, Feedback: opt})
			if err != nil {
				t.Fatal(err)
			}
			x, _ := randomBatch(16, 32*32*3, 10)
			return m, func(rep int) { m.Step(x, 16-rep, 1) }
		},
	}
	for name, b := range build {
		var want [][]float32
		for _, procs := range []int{1, 2, 3} {
			old := runtime.GOMAXPROCS(procs)
			m, step := b()
			for rep := range 3 {
				step(rep)
			}
			runtime.GOMAXPROCS(old)
			got := m.State()
			if want == nil {
				want = got
				continue
			}
			if err := sameBits(want, got); err != nil {
				t.Errorf("%s: GOMAXPROCS %d differs from 1: %v", name, procs, err)
			}
		}
	}
}

func sameBits(a, b [][]float32) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d slices, want %d", len(b), len(a))
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return fmt.Errorf("slice %d: length %d, want %d", i, len(b[i]), len(a[i]))
		}
		for j := range a[i] {
			if math.Float32bits(a[i][j]) != math.Float32bits(b[i][j]) {
				return fmt.Errorf("slice %d, value %d: %v, want %v", i, j, b[i][j], a[i][j])
			}
		}
	}
	return nil
}
