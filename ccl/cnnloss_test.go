package ccl

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCNNLossFiniteDifferences checks dA and dB of CNNLoss.Pair against
// central differences of the loss, with and without filtered rows, and dB
// computed without dA against dB computed with it.
func TestCNNLossFiniteDifferences(t *testing.T) {
	const n, k, d = 5, 3, 7
	rng := rand.New(rand.NewPCG(1, 2))
	A := make([]float32, n*d)
	B := make([]float32, k*d)
	for i := range A {
		A[i] = float32(rng.NormFloat64())
	}
	for i := range B {
		B[i] = float32(rng.NormFloat64())
	}
	y := []int32{0, 2, 1, 1, 0}
	for _, filtered := range [][]bool{nil, {false, true, false, false, true}} {
		c := NewCNNLoss(n, k, d, 1, 0.5)
		dA := make([]float32, n*d)
		dB := make([]float32, k*d)
		c.Pair(dA, dB, A, B, y, filtered, n, k, d, 0.75)
		loss := func() float64 {
			return 0.75 * c.Pair(make([]float32, n*d), make([]float32, k*d), A, B, y, filtered, n, k, d, 1)
		}
		check := func(name string, x, grad []float32) {
			for i := range x {
				old := x[i]
				const h = 1e-2
				x[i] = old + h
				lp := loss()
				x[i] = old - h
				lm := loss()
				x[i] = old
				num := (lp - lm) / (2 * h)
				if math.Abs(num-float64(grad[i])) > 2e-3+2e-2*math.Abs(num) {
					t.Errorf("filtered=%v: d%s[%d] = %.6g, finite difference %.6g", filtered != nil, name, i, grad[i], num)
				}
			}
		}
		check("A", A, dA)
		check("B", B, dB)
		// Without dA (pair 0) the same dB, from the product's first k rows.
		dB2 := make([]float32, k*d)
		c.Pair(nil, dB2, A, B, y, filtered, n, k, d, 0.75)
		for i := range dB {
			if dB2[i] != dB[i] {
				t.Fatalf("filtered=%v: dB[%d] = %g without dA, %g with", filtered != nil, i, dB2[i], dB[i])
			}
		}
	}
}
