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

// With d a multiple of 1024, S and dS have padded rows (rowStride). The
// loss and gradients must match those of the same activations with one
// more feature that is zero (d + 1: not padded), which changes nothing but
// the rounding of the products' sums.
func TestCNNLossPaddedRows(t *testing.T) {
	const n, k, d = 6, 3, 1024
	if rowStride(d) == d || rowStride(d+1) != d+1 {
		t.Fatalf("rowStride(%d) = %d, rowStride(%d) = %d: want padded, then not", d, rowStride(d), d+1, rowStride(d+1))
	}
	r := rand.New(rand.NewPCG(5, 6))
	A, B := make([]float32, n*d), make([]float32, k*d)
	for i := range A {
		A[i] = float32(r.NormFloat64())
	}
	for i := range B {
		B[i] = float32(r.NormFloat64())
	}
	widen := func(x []float32, rows int) []float32 { // append a zero feature to every row
		w := make([]float32, rows*(d+1))
		for i := range rows {
			copy(w[i*(d+1):], x[i*d:(i+1)*d])
		}
		return w
	}
	y := []int32{0, 1, 2, 0, 1, 2}
	filtered := []bool{false, true, false, false, false, false}
	l := NewCNNLoss(n, k, d+1, 1, 0.5)
	dA, dB := make([]float32, n*d), make([]float32, k*d)
	loss := l.Pair(dA, dB, A, B, y, filtered, n, k, d, 0.7)
	dA1, dB1 := make([]float32, n*(d+1)), make([]float32, k*(d+1))
	loss1 := l.Pair(dA1, dB1, widen(A, n), widen(B, k), y, filtered, n, k, d+1, 0.7)
	if math.Abs(loss-loss1) > 1e-6*math.Abs(loss1) {
		t.Errorf("loss %v with padded rows, %v without", loss, loss1)
	}
	check := func(name string, g, g1 []float32, rows int) {
		var scale float64
		for _, v := range g1 {
			scale = max(scale, math.Abs(float64(v)))
		}
		for i := range rows {
			if v := g1[i*(d+1)+d]; v != 0 {
				t.Errorf("%s[%d] of the zero feature = %v", name, i, v)
			}
			for j := range d {
				if diff := math.Abs(float64(g[i*d+j] - g1[i*(d+1)+j])); diff > 1e-5*scale {
					t.Fatalf("%s[%d, %d] = %v with padded rows, %v without", name, i, j, g[i*d+j], g1[i*(d+1)+j])
				}
			}
		}
	}
	check("dA", dA, dA1, n)
	check("dB", dB, dB1, k)
}
