package net

import "math"

// BatchNorm is 1-d batch normalisation over the rows of an n×f batch, as
// PyTorch's BatchNorm1d does it, without the affine step.
//
// Quirk of the reference (spec §6): the affine parameters γ and β are in
// neither optimiser, so they stay at γ = 1, β = 0 for the whole run and the
// layer's output is exactly x̂. They are therefore not stored.
//
// Training mode normalises with the batch statistics (biased variance) and
// updates the running statistics with momentum 0.1 using the unbiased
// variance; eval mode normalises with the running statistics:
//
//	μ_j = (1/n) Σ_i x_ij          σ²_j = (1/n) Σ_i (x_ij − μ_j)²
//	x̂_ij = (x_ij − μ_j) / sqrt(σ²_j + ε)
//	running_mean_j ← (1−m)·running_mean_j + m·μ_j
//	running_var_j  ← (1−m)·running_var_j  + m·σ²_j·n/(n−1)
type BatchNorm struct {
	Features    int
	Eps         float32   // 1e-5
	Momentum    float32   // 0.1
	RunningMean []float32 // starts at 0
	RunningVar  []float32 // starts at 1

	invStd []float32 // 1/sqrt(σ² + ε) of the last training batch, per feature
	acc    []float64 // per-feature accumulator
	acc2   []float64 // second per-feature accumulator
}

// NewBatchNorm returns a batch norm over f features with PyTorch's defaults.
func NewBatchNorm(f int) *BatchNorm {
	bn := &BatchNorm{
		Features:    f,
		Eps:         1e-5,
		Momentum:    0.1,
		RunningMean: make([]float32, f),
		RunningVar:  make([]float32, f),
		invStd:      make([]float32, f),
		acc:         make([]float64, f),
		acc2:        make([]float64, f),
	}
	for j := range bn.RunningVar {
		bn.RunningVar[j] = 1
	}
	return bn
}

// ForwardTrain writes y = x̂ using the statistics of this batch and updates
// the running statistics. y and x are n×f; they may be the same slice.
// With n == 1 the unbiased variance is undefined; the running variance is
// then left unchanged (PyTorch refuses such a batch).
func (bn *BatchNorm) ForwardTrain(y, x []float32, n int) {
	f := bn.Features
	mean, sq := bn.acc, bn.acc2
	clear(mean)
	clear(sq)
	for i := 0; i < n; i++ {
		row := x[i*f : i*f+f]
		for j, v := range row {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		row := x[i*f : i*f+f]
		for j, v := range row {
			d := float64(v) - mean[j]
			sq[j] += d * d
		}
	}
	m := float64(bn.Momentum)
	for j := 0; j < f; j++ {
		v := sq[j] / float64(n)
		bn.invStd[j] = float32(1 / math.Sqrt(v+float64(bn.Eps)))
		bn.RunningMean[j] = float32((1-m)*float64(bn.RunningMean[j]) + m*mean[j])
		if n > 1 {
			bn.RunningVar[j] = float32((1-m)*float64(bn.RunningVar[j]) + m*sq[j]/float64(n-1))
		}
	}
	for i := 0; i < n; i++ {
		xr, yr := x[i*f:i*f+f], y[i*f:i*f+f]
		for j, v := range xr {
			yr[j] = float32(float64(v)-mean[j]) * bn.invStd[j]
		}
	}
}

// ForwardEval writes y = (x − running_mean)/sqrt(running_var + ε). y and x
// are n×f and may be the same slice.
func (bn *BatchNorm) ForwardEval(y, x []float32, n int) {
	f := bn.Features
	for j := 0; j < f; j++ {
		bn.acc[j] = 1 / math.Sqrt(float64(bn.RunningVar[j])+float64(bn.Eps))
	}
	for i := 0; i < n; i++ {
		xr, yr := x[i*f:i*f+f], y[i*f:i*f+f]
		for j, v := range xr {
			yr[j] = float32((float64(v) - float64(bn.RunningMean[j])) * bn.acc[j])
		}
	}
}

// Backward writes the input gradient of the last ForwardTrain, given the
// upstream gradient dy and that call's output y = x̂ (all n×f):
//
//	dx_ij = invstd_j · (dy_ij − (1/n) Σ_k dy_kj − x̂_ij · (1/n) Σ_k dy_kj x̂_kj)
//
// dx may alias dy.
func (bn *BatchNorm) Backward(dx, dy, y []float32, n int) {
	f := bn.Features
	sdy, sdyx := bn.acc, bn.acc2
	clear(sdy)
	clear(sdyx)
	for i := 0; i < n; i++ {
		dr, yr := dy[i*f:i*f+f], y[i*f:i*f+f]
		for j, g := range dr {
			sdy[j] += float64(g)
			sdyx[j] += float64(g) * float64(yr[j])
		}
	}
	for j := 0; j < f; j++ {
		sdy[j] /= float64(n)
		sdyx[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		dr, yr, xr := dy[i*f:i*f+f], y[i*f:i*f+f], dx[i*f:i*f+f]
		for j, g := range dr {
			xr[j] = float32((float64(g) - sdy[j] - float64(yr[j])*sdyx[j]) * float64(bn.invStd[j]))
		}
	}
}
