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
//
// The loops are the kernels of elementwise.go: AVX-512 or AVX2 assembly
// where the CPU has it (ELU, SELU and tanh then use a float32 expm1 with
// relative error < 1e-6 instead of expm1f), cut over a worker pool for large
// slices; the result does not depend on the number of threads.
func (f Activation) Forward(y, x []float32) {
	y = y[:len(x)]
	switch f {
	case Identity:
		copy(y, x)
	case ELU:
		elementwise(opELUF, y, x, nil, nil, 0, 0, 0, 0)
	case ReLU:
		elementwise(opReLUF, y, x, nil, nil, 0, 0, 0, 0)
	case Tanh:
		elementwise(opTanhF, y, x, nil, nil, 0, 0, 0, 0)
	case LeakyReLU:
		elementwise(opLeakyF, y, x, nil, nil, 0, 0, 0, 0)
	case SELU:
		elementwise(opSELUF, y, x, nil, nil, 0, 0, 0, 0)
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
		elementwise(opELUB, dx, dy, x, y, 0, 0, 0, 0)
	case ReLU:
		elementwise(opReLUB, dx, dy, x, nil, 0, 0, 0, 0)
	case Tanh:
		elementwise(opTanhB, dx, dy, nil, y, 0, 0, 0, 0)
	case LeakyReLU:
		elementwise(opLeakyB, dx, dy, x, nil, 0, 0, 0, 0)
	case SELU:
		elementwise(opSELUB, dx, dy, x, y, 0, 0, 0, 0)
	default:
		panic("net: bad activation")
	}
}
