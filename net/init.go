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

// InitDefault initialises a parameter set as PyTorch's layers do by
// default, tensor by tensor in registration order: every weight (rank ≥ 2)
// U(±1/sqrt(fan_in)), fan_in = Cols(); every bias (rank 1) likewise with
// the fan_in of the weight registered before it, or zero when zeroBias
// (the configs' bias_init: zero).
func InitDefault(p *Params, rng *rand.Rand, zeroBias bool) {
	var fanIn int
	for _, t := range p.Tensors {
		switch {
		case len(t.Shape) >= 2:
			fanIn = t.Cols()
			InitUniform(t, 1/math.Sqrt(float64(fanIn)), rng)
		case zeroBias:
			clear(t.Data)
		default:
			InitUniform(t, 1/math.Sqrt(float64(fanIn)), rng)
		}
	}
}

// InitAutoencoder initialises one parameter set of the spec §9 autoencoder
// (forward: E_l, D_l and their biases; feedback: DF_l, EF_l and theirs),
// tensor by tensor in registration order: every conv weight orthogonal
// (InitOrthogonalConv), scaled, unless plain, by 0 for D1 and EF1 and by
// 0.001 for the other decoder forward weights (D_l) and encoder feedback
// weights (EF_l); forward biases zero, feedback biases U(±1/sqrt(fan_in))
// as PyTorch leaves them in the reference.
func InitAutoencoder(p *Params, rng *rand.Rand, forward, plain bool) {
	var fanIn int
	for _, t := range p.Tensors {
		if len(t.Shape) == 4 {
			fanIn = t.Cols()
			gain := 1.0
			if !plain {
				switch {
				case t.Name == "D1" || t.Name == "EF1":
					gain = 0
				case forward && t.Name[0] == 'D', !forward && t.Name[:2] == "EF":
					gain = 0.001
				}
			}
			InitOrthogonalConv(t, gain, rng)
			continue
		}
		if forward {
			clear(t.Data)
		} else {
			InitUniform(t, 1/math.Sqrt(float64(fanIn)), rng)
		}
	}
}
