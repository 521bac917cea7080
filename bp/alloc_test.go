package bp

import (
	"math/rand/v2"
	"testing"

	"github.com/counter-current/ccl/internal/heapcount"
	"github.com/counter-current/ccl/net"
)

// A back-propagation step allocates nothing once warmed up (ten steps, as
// in package ccl's test).
func TestStepDoesNotAllocate(t *testing.T) {
	opt := net.Optimizer{SGD: net.SGD{LR: 0.1, Momentum: 0.9, WeightDecay: 1e-4}, Centralize: true, ClipNorm: 1}
	mlp, err := NewMLP(MLPConfig{Sizes: []int{64, 32, 32, 10}, Act: net.Tanh, BN: 1, MaxBatch: 16, Opt: opt})
	if err != nil {
		t.Fatal(err)
	}
	cnn, err := NewCNN(CNNConfig{Spec: net.CNNSpec{Kind: net.PoolConv, Channels: []int{3, 8, 8, 16}, H: 8, W: 8, Classes: 10},
		Act: net.ELU, BN: 2, MaxBatch: 16, Opt: opt})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for name, m := range map[string]*Network{"mlp": mlp, "cnn_pool": cnn} {
		d := m.F.Unit(1).Cfg.InDim()
		x := make([]float32, 16*d)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		y := make([]int32, 16)
		for i := range y {
			y[i] = int32(rng.IntN(10))
		}
		for range 10 {
			m.Step(x, y, 16, 1)
		}
		if n, sites := heapcount.Runs(5, func() { m.Step(x, y, 16, 1) }); n != 0 {
			t.Errorf("%s: %d allocations in 5 steps: %v", name, n, sites)
		}
	}
}
