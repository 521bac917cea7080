package net

import (
	"fmt"
)

// Activation is an element-wise non-linearity f with its derivative.
type Activation uint8

const (
	Identity  Activation = iota // f(x) = x
	ELU                         // f(x) = x for x > 0, exp(x) − 1 otherwise (α = 1)
	ReLU                        // f(x) = max(x, 0)
	Tanh                        // f(x) = tanh(x)
	LeakyReLU                   // f(x) = x for x > 0, 0.01·x otherwise
	SELU                        // f(x) = λ·x for x > 0, λ·α·(exp(x) − 1) otherwise
)

// SELU constants, as PyTorch defines them (Klambauer et al. 2017).
const (
	seluAlpha = 1.6732632423543772848170429916717
	seluScale = 1.0507009873554804934193349852946
	leakSlope = 0.01
)

var activationNames = [...]string{"identity", "elu", "relu", "tanh", "leaky_relu", "selu"}

// String returns the config name of f (as in act_F / act_B).
func (f Activation) String() string {
	if int(f) < len(activationNames) {
		return activationNames[f]
	}
	return fmt.Sprintf("Activation(%d)", f)
}

// ParseActivation maps a config name (elu, relu, tanh, leaky_relu, selu,
// identity) to its Activation.
func ParseActivation(name string) (Activation, error) {
	for i, s := range activationNames {
		if s == name {
			return Activation(i), nil
		}
	}
	return 0, fmt.Errorf("unknown activation %q (expected elu, relu, tanh, leaky_relu or selu)", name)
}

// Forward computes y = f(x) element-wise. y and x may be the same slice.
func (f Activation) Forward(y, x []float32) {
	y = y[:len(x)]
	switch f {
	case Identity:
		copy(y, x)
	case ELU:
		for i, v := range x {
			if v <= 0 {
				v = expm1f(v)
			}
			y[i] = v
		}
	case ReLU:
		for i, v := range x {
			y[i] = max(v, 0)
		}
	case Tanh:
		for i, v := range x {
			y[i] = tanhf(v)
		}
	case LeakyReLU:
		for i, v := range x {
			if v <= 0 {
				v *= leakSlope
			}
			y[i] = v
		}
	case SELU:
		for i, v := range x {
			if v <= 0 {
				y[i] = float32(seluScale * seluAlpha * float64(expm1f(v)))
			} else {
				y[i] = float32(seluScale * float64(v))
			}
		}
	default:
		panic("net: bad activation")
	}
}

// Backward writes dx = dy ⊙ f'(x), given the forward input x and output
// y = f(x) (each derivative uses whichever is cheaper):
//
//	identity   f'(x) = 1
//	elu        f'(x) = 1 for x > 0, exp(x) = y + 1 otherwise
//	relu       f'(x) = 1 for x > 0, 0 otherwise
//	tanh       f'(x) = 1 − y²
//	leaky_relu f'(x) = 1 for x > 0, 0.01 otherwise
//	selu       f'(x) = λ for x > 0, y + λα otherwise
//
// dx may alias dy.
func (f Activation) Backward(dx, dy, x, y []float32) {
	dx = dx[:len(dy)]
	x = x[:len(dy)]
	y = y[:len(dy)]
	switch f {
	case Identity:
		copy(dx, dy)
	case ELU:
		for i, g := range dy {
			if x[i] <= 0 {
				g *= y[i] + 1
			}
			dx[i] = g
		}
	case ReLU:
		for i, g := range dy {
			if x[i] <= 0 {
				g = 0
			}
			dx[i] = g
		}
	case Tanh:
		for i, g := range dy {
			dx[i] = g * (1 - y[i]*y[i])
		}
	case LeakyReLU:
		for i, g := range dy {
			if x[i] <= 0 {
				g *= leakSlope
			}
			dx[i] = g
		}
	case SELU:
		for i, g := range dy {
			if x[i] <= 0 {
				dx[i] = g * (y[i] + seluScale*seluAlpha)
			} else {
				dx[i] = g * seluScale
			}
		}
	default:
		panic("net: bad activation")
	}
}
