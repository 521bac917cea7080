package net

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// unitLoss is a fixed random linear functional of the unit's output, so
// that its gradient is exercised in every direction.
func unitLoss(u *Unit, x, r []float32, n int) float64 {
	y := u.Forward(x, n, true)
	var s float64
	for i, v := range y {
		s += float64(v) * float64(r[i])
	}
	return s
}

// randomUnit returns a unit of cfg for n rows with normal random
// parameters (standard deviation scale), and a random input and output
// gradient (standard normal).
func randomUnit(cfg UnitConfig, n int, rng *rand.Rand, scale float64) (u *Unit, p *Params, x, dy []float32) {
	p = new(Params)
	u = NewUnit(p, "w", "b", cfg, n)
	p.Alloc()
	for i := range p.Data {
		p.Data[i] = float32(rng.NormFloat64() * scale)
	}
	x = make([]float32, n*cfg.InDim())
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	dy = make([]float32, n*cfg.OutDim())
	for i := range dy {
		dy[i] = float32(rng.NormFloat64())
	}
	return u, p, x, dy
}

// TestUnitFiniteDifferences checks every unit kind used by the paper's
// networks (linear; stride-2 conv with bias; conv + pool; upsample + conv;
// narrow convs; each batch-norm placement) against central differences in the weights,
// the bias and the input.
func TestUnitFiniteDifferences(t *testing.T) {
	cfgs := []UnitConfig{
		{InC: 5, InH: 1, InW: 1, OutC: 4, Act: ELU},
		{InC: 5, InH: 1, InW: 1, OutC: 4, Act: Tanh, BN: 1},
		{InC: 5, InH: 1, InW: 1, OutC: 4, Act: SELU, BN: 2},
		{InC: 2, InH: 5, InW: 5, OutC: 3, Conv: true, Kernel: 3, Stride: 2, Pad: 1, Bias: true, Act: ELU},
		{InC: 2, InH: 4, InW: 6, OutC: 3, Conv: true, Kernel: 3, Stride: 1, Pad: 1, Act: Tanh, Pool: true},
		{InC: 3, InH: 2, InW: 2, OutC: 2, Conv: true, Kernel: 3, Stride: 1, Pad: 1, Upsample: true, Bias: true, Act: ELU, BN: 2},
		{InC: 3, InH: 4, InW: 4, OutC: 2, Conv: true, Kernel: 3, Stride: 1, Pad: 1, Act: ELU, BN: 1, Pool: true},
		{InC: 3, InH: 2, InW: 2, OutC: 2, Conv: true, Kernel: 3, Stride: 1, Pad: 1, Upsample: true, Act: Identity},
		// Narrow convolutions (conv.Geometry.Narrow), whose weight gradient
		// reads the unit's core input: after the input batch norm and the
		// upsampling, and the caller's input.
		{InC: 19, InH: 2, InW: 3, OutC: 2, Conv: true, Kernel: 3, Stride: 1, Pad: 1, Upsample: true, Bias: true, Act: ELU, BN: 1},
		{InC: 18, InH: 5, InW: 4, OutC: 2, Conv: true, Kernel: 3, Stride: 2, Pad: 1, Act: Identity},
		// An odd map: the pool drops its last row and column.
		{InC: 3, InH: 5, InW: 3, OutC: 2, Conv: true, Kernel: 3, Stride: 1, Pad: 1, Act: ELU, Pool: true},
	}
	for ci, cfg := range cfgs {
		t.Run(fmt.Sprint(ci), func(t *testing.T) {
			const n = 3
			u, p, x, r := randomUnit(cfg, n, rand.New(rand.NewPCG(uint64(ci), 9)), 0.5)
			unitLoss(u, x, r, n)
			dy := append([]float32(nil), r...)
			dx := make([]float32, len(x))
			p.ZeroGrad()
			u.Backward(dy, dx, n)
			check := func(name string, v, grad []float32) {
				for i := range v {
					old := v[i]
					const h = 1e-2
					v[i] = old + h
					lp := unitLoss(u, x, r, n)
					v[i] = old - h
					lm := unitLoss(u, x, r, n)
					v[i] = old
					num := (lp - lm) / (2 * h)
					if math.Abs(num-float64(grad[i])) > 2e-2*max(1, math.Abs(num)) {
						t.Errorf("%+v: d%s[%d] = %.5g, finite difference %.5g", cfg, name, i, grad[i], num)
					}
				}
			}
			check("W", u.W.Data, u.W.Grad)
			if u.B != nil {
				check("bias", u.B.Data, u.B.Grad)
			}
			check("x", x, dx)
		})
	}
}

// A stack's eval pass on a batch-norm unit uses the running statistics.
func TestBatchNormEvalUsesRunningStats(t *testing.T) {
	bn := NewBatchNorm(2)
	x := []float32{1, 10, 3, 20, 5, 30}
	y := make([]float32, 6)
	bn.ForwardTrain(y, x, 3)
	// mean (3, 20), biased var (8/3, 200/3), unbiased (4, 100)
	wantMean := []float32{0.3, 2}
	wantVar := []float32{0.9 + 0.4, 0.9 + 10}
	for j := 0; j < 2; j++ {
		if math.Abs(float64(bn.RunningMean[j]-wantMean[j])) > 1e-6 || math.Abs(float64(bn.RunningVar[j]-wantVar[j])) > 1e-5 {
			t.Fatalf("running stats %v %v, want %v %v", bn.RunningMean, bn.RunningVar, wantMean, wantVar)
		}
	}
	bn.ForwardEval(y, x, 3)
	if want := (1 - 0.3) / math.Sqrt(1.3+1e-5); math.Abs(float64(y[0])-want) > 1e-6 {
		t.Errorf("eval output %g, want %g", y[0], want)
	}
}

// A pooled convolution whose unpooled gradient exceeds pooledChunkBytes
// takes its weight gradient a few samples at a time when dx == nil
// (weightInChunks); it must agree with the whole-batch product that the
// same unit computes when dx is wanted, for a stored im2col matrix (3 input
// channels) and a gathered one, with and without a bias.
func TestUnitPooledWeightInChunks(t *testing.T) {
	cfgs := []UnitConfig{
		{InC: 3, InH: 32, InW: 32, OutC: 128, Conv: true, Kernel: 3, Stride: 1, Pad: 1, Act: ELU, Pool: true},
		{InC: 16, InH: 32, InW: 32, OutC: 64, Conv: true, Kernel: 3, Stride: 1, Pad: 1, Bias: true, Act: Tanh, Pool: true},
	}
	for ci, cfg := range cfgs {
		oh, ow := cfg.coreOut()
		per := oh * ow * cfg.OutC * 4
		n := pooledChunkBytes/per + 3 // two ranges, the second short
		u, p, x, dy := randomUnit(cfg, n, rand.New(rand.NewPCG(uint64(ci), 31)), 0.2)
		u.Forward(x, n, true)
		p.ZeroGrad()
		dy2 := slices.Clone(dy)                    // Backward overwrites dy
		u.Backward(dy, make([]float32, len(x)), n) // whole batch
		want := append([]float32(nil), p.Grad...)
		p.ZeroGrad()
		u.Backward(dy2, nil, n) // in ranges of samples
		// Sums of about 10⁴ terms of both signs, grouped differently: the
		// difference is rounding, measured against the largest gradient.
		var diff, scale float64
		for i, w := range want {
			diff = max(diff, math.Abs(float64(p.Grad[i]-w)))
			scale = max(scale, math.Abs(float64(w)))
		}
		if diff > 1e-5*scale {
			t.Errorf("%+v, n = %d: weight gradients in ranges differ from the whole batch's by %.3g, largest gradient %.3g", cfg, n, diff, scale)
		}
		t.Logf("%+v, n = %d: largest difference %.3g, largest gradient %.3g", cfg, n, diff, scale)
		if slices.Equal(p.Grad, want) {
			t.Logf("%+v: same bits", cfg)
		}
	}
}
