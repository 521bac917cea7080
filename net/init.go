package net

import (
	"math"
	"math/rand/v2"
)

// NewRand returns the seeded generator used for initialisation: PCG seeded
// from seed and a per-purpose stream number, so that, e.g., the forward and
// feedback networks draw from independent streams.
func NewRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}

// InitUniform fills t with values uniform in [−bound, bound).
func InitUniform(t *Tensor, bound float64, rng *rand.Rand) {
	for i := range t.Data {
		t.Data[i] = float32((2*rng.Float64() - 1) * bound)
	}
}

// InitPyTorchDefault initialises a linear or convolution weight as PyTorch
// does by default (kaiming_uniform with a = √5), which reduces to
//
//	W ~ U(−1/sqrt(fan_in), 1/sqrt(fan_in)),  fan_in = Cols() (input width, or in·kh·kw)
func InitPyTorchDefault(t *Tensor, rng *rand.Rand) {
	InitUniform(t, 1/math.Sqrt(float64(t.Cols())), rng)
}
