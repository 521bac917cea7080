package ccl

import (
	"testing"

	"github.com/counter-current/ccl/net"
)

// The memory-lean mode gives the same weights, momenta and running
// statistics, bit for bit, as the default mode, with and without the
// filter (which makes it run the forward pass twice), for the MLP and both
// CNN kinds with batch norm in either place, and for a plain MLP without
// momentum, whose feedback update is fused (lowRank).
func TestLeanModeIdentical(t *testing.T) {
	opt := OptimConfig{LR: 0.5, Momentum: 0.9, WeightDecay: 1e-4, Centralize: true, Clip: 5}
	for _, filter := range []bool{false, true} {
		build := map[string]func() (*Network, int){
			"mlp": func() (*Network, int) {
				m, err := NewMLP(MLPConfig{Sizes: []int{64, 48, 40, 32, 10}, ActF: net.ELU, ActB: net.Tanh, FwBN: 2, BwBN: 1,
					LossScaleC: 0.5, Filter: filter, MaxBatch: 32, Seed: 3, Forward: opt, Feedback: opt})
				if err != nil {
					t.Fatal(err)
				}
				return m, 64
			},
			"mlp_fused_feedback": func() (*Network, int) {
				plain := OptimConfig{LR: 5, WeightDecay: 1e-4, Clip: 5} // without momentum, a rate high enough for the filter to act within 40 steps
				m, err := NewMLP(MLPConfig{Sizes: []int{64, 48, 40, 32, 10}, ActF: net.ELU, ActB: net.Tanh,
					LossScaleC: 0.5, Filter: filter, MaxBatch: 32, Seed: 6, Forward: plain, Feedback: plain})
				if err != nil {
					t.Fatal(err)
				}
				if !m.lowRankOK() {
					t.Fatal("the fused feedback update does not apply")
				}
				return m, 64
			},
			"mlp_bn1": func() (*Network, int) {
				m, err := NewMLP(MLPConfig{Sizes: []int{64, 48, 40, 10}, ActF: net.ReLU, ActB: net.ELU, FwBN: 1, BwBN: 2,
					LossScaleC: 0.5, Filter: filter, MaxBatch: 32, Seed: 4, Forward: opt, Feedback: opt})
				if err != nil {
					t.Fatal(err)
				}
				return m, 64
			},
		}
		for _, kind := range []net.ConvKind{net.StrideConv, net.PoolConv} {
			build[map[net.ConvKind]string{net.StrideConv: "cnn", net.PoolConv: "cnn_pool"}[kind]] = func() (*Network, int) {
				m, err := NewCNN(CNNConfig{Spec: net.CNNSpec{Kind: kind, Channels: []int{3, 32, 16, 32}, H: 16, W: 16, Classes: 10}, // im2col stored (3 → 32), gathered, narrow (feedback 32 → 3)
					ActF: net.ELU, ActB: net.ELU, FwBN: 2, BwBN: 2, LossScaleC: 1, LossScaleSSL: 0.5, Filter: filter,
					MaxBatch: 32, Seed: 5, Forward: opt, Feedback: opt})
				if err != nil {
					t.Fatal(err)
				}
				return m, 16 * 16 * 3
			}
		}
		for name, b := range build {
			ref, d := b()
			lean, _ := b()
			lean.EnableLean()
			x, y := randomBatch(32, d, 10)
			filtered := 0
			for rep := range 40 {
				n := 32 - rep%8
				want := ref.Step(x, y, n, 0.5+0.1*float32(rep%6))
				got := lean.Step(x, y, n, 0.5+0.1*float32(rep%6))
				if got.Total != want.Total || got.CE != want.CE || got.Correct != want.Correct || got.Filtered != want.Filtered {
					t.Fatalf("%s filter=%v step %d: lean %+v, default %+v", name, filter, rep, got, want)
				}
				filtered += got.Filtered
			}
			if filter && filtered == 0 {
				t.Errorf("%s: the filter never zeroed a row: the test does not exercise it", name)
			}
			if err := sameBits(ref.State(), lean.State()); err != nil {
				t.Errorf("%s filter=%v: %v", name, filter, err)
			}
			if loss, correct := lean.Evaluate(x, y, 32); true {
				wl, wc := ref.Evaluate(x, y, 32)
				if loss != wl || correct != wc {
					t.Errorf("%s filter=%v: lean evaluation %v/%d, default %v/%d", name, filter, loss, correct, wl, wc)
				}
			}
		}
	}
}
