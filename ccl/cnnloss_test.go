package ccl

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomPair returns an n × d A and a k × d B of normal values from the
// PCG seeded with s1, s2.
func randomPair(s1, s2 uint64, n, k, d int) (A, B []float32) {
	rng := rand.New(rand.NewPCG(s1, s2))
	A, B = make([]float32, n*d), make([]float32, k*d)
	for i := range A {
		A[i] = float32(rng.NormFloat64())
	}
	for i := range B {
		B[i] = float32(rng.NormFloat64())
	}
	return A, B
}

// TestCNNLossFiniteDifferences checks dA and dB of CNNLoss.Pair against
// central differences of the loss, with and without filtered rows, and dB
// computed without dA against dB computed with it.
func TestCNNLossFiniteDifferences(t *testing.T) {
	const n, k, d = 5, 3, 7
	A, B := randomPair(1, 2, n, k, d)
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
	A, B := randomPair(5, 6, n, k, d)
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

// directCNNLoss is the CNN pair loss and its gradients in float64, in the
// direct form of CNNLoss.Pair's first equations: the rows normalised, P, Q
// and R formed, dÂ and dB̂ from them, then the normalisation's backward.
func directCNNLoss(A, B []float32, y []int32, filtered []bool, n, k, d int, sC, sSSL, scale float64) (loss float64, dA, dB []float64) {
	norm := func(x []float32, rows int, filtered []bool) (xh [][]float64, nu []float64) {
		xh, nu = make([][]float64, rows), make([]float64, rows)
		for i := range rows {
			xh[i] = make([]float64, d)
			if filtered != nil && filtered[i] {
				continue
			}
			for _, v := range x[i*d : (i+1)*d] {
				nu[i] += float64(v) * float64(v)
			}
			nu[i] = math.Sqrt(nu[i])
			for j := range d {
				xh[i][j] = float64(x[i*d+j]) / (nu[i] + normEps)
			}
		}
		return xh, nu
	}
	dot := func(a, b []float64) (s float64) {
		for i := range a {
			s += a[i] * b[i]
		}
		return s
	}
	ah, na := norm(A, n, filtered)
	bh, nb := norm(B, k, nil)
	P, Q, R := make([][]float64, n), make([][]float64, n), make([][]float64, k)
	for i := range n {
		P[i], Q[i] = make([]float64, k), make([]float64, n)
		for j := range k {
			P[i][j] = dot(ah[i], bh[j])
			if int(y[i]) == j {
				P[i][j]--
			}
			loss += sC * P[i][j] * P[i][j] / float64(n*k)
		}
		for j := range n {
			Q[i][j] = dot(ah[i], ah[j])
			if i == j {
				Q[i][j]--
			}
			loss += sSSL * Q[i][j] * Q[i][j] / float64(n*n)
		}
	}
	for i := range k {
		R[i] = make([]float64, k)
		for j := range k {
			R[i][j] = dot(bh[i], bh[j])
			if i == j {
				R[i][j]--
			}
			loss += sSSL * R[i][j] * R[i][j] / float64(k*k)
		}
	}
	back := func(xh [][]float64, nu []float64, rows int, filtered []bool, grad func(i, f int) float64) []float64 {
		out := make([]float64, rows*d)
		for i := range rows {
			if filtered != nil && filtered[i] {
				continue
			}
			g := make([]float64, d)
			for f := range d {
				g[f] = grad(i, f)
			}
			c := 0.0
			if nu[i] > 0 {
				c = dot(xh[i], g) * (nu[i] + normEps) / nu[i]
			}
			for f := range d {
				out[i*d+f] = (g[f] - xh[i][f]*c) / (nu[i] + normEps)
			}
		}
		return out
	}
	dP, dQ, dR := scale*2*sC/float64(n*k), scale*2*sSSL/float64(n*n), scale*2*sSSL/float64(k*k)
	// comb returns Σ_j w(j)·x_j[f].
	comb := func(x [][]float64, f int, w func(j int) float64) (s float64) {
		for j := range x {
			s += w(j) * x[j][f]
		}
		return s
	}
	dA = back(ah, na, n, filtered, func(i, f int) float64 {
		return comb(bh, f, func(j int) float64 { return dP * P[i][j] }) + comb(ah, f, func(j int) float64 { return 2 * dQ * Q[i][j] })
	})
	dB = back(bh, nb, k, nil, func(i, f int) float64 {
		return comb(ah, f, func(j int) float64 { return dP * P[j][i] }) + comb(bh, f, func(j int) float64 { return 2 * dR * R[i][j] })
	})
	return loss, dA, dB
}

// TestCNNLossMatchesDirectForm compares Pair, whose products run on the
// unnormalised rows with the normalisation folded into the matrices
// between them, with the direct form in float64: with filtered rows, and
// with an unfiltered row of zeros, whose gradient is dÂ_i/ε (PyTorch's
// norm has a zero gradient there), which finite differences cannot check.
func TestCNNLossMatchesDirectForm(t *testing.T) {
	const n, k, d = 9, 4, 37
	A, B := randomPair(7, 8, n, k, d)
	clear(A[3*d : 4*d]) // row 3: zero, not filtered
	y := []int32{0, 3, 1, 2, 2, 0, 1, 3, 0}
	for _, filtered := range [][]bool{nil, {false, true, false, false, false, false, true, false, false}} {
		c := NewCNNLoss(n, k, d, 1, 0.5)
		dA, dB := make([]float32, n*d), make([]float32, k*d)
		loss := c.Pair(dA, dB, A, B, y, filtered, n, k, d, 0.75)
		wantLoss, wantA, wantB := directCNNLoss(A, B, y, filtered, n, k, d, 1, 0.5, 0.75)
		if math.Abs(loss-wantLoss) > 1e-5*math.Abs(wantLoss) {
			t.Errorf("filtered=%v: loss %v, direct form %v", filtered != nil, loss, wantLoss)
		}
		// Each row against its own largest value: the zero row's gradient
		// is 1e8 times the others'.
		check := func(name string, got []float32, want []float64) {
			for r := range len(want) / d {
				var scale float64
				for _, v := range want[r*d : (r+1)*d] {
					scale = max(scale, math.Abs(v))
				}
				for i := r * d; i < (r+1)*d; i++ {
					if math.Abs(float64(got[i])-want[i]) > 1e-4*scale {
						t.Fatalf("filtered=%v: %s[%d, %d] = %v, direct form %v (row's largest %v)", filtered != nil, name, r, i-r*d, got[i], want[i], scale)
					}
				}
			}
		}
		check("dA", dA, wantA)
		check("dB", dB, wantB)
	}
}

// TestCNNLossContiguousGradients checks that dB and dA taken from one
// buffer, dA right after dB (one product), get the bits of separate
// buffers (two products), filtered rows included.
func TestCNNLossContiguousGradients(t *testing.T) {
	const n, k, d = 13, 4, 70
	A, B := randomPair(9, 10, n, k, d)
	y := make([]int32, n)
	for i := range y {
		y[i] = int32(i % k)
	}
	filtered := make([]bool, n)
	filtered[2], filtered[7] = true, true
	for _, f := range [][]bool{nil, filtered} {
		c := NewCNNLoss(n, k, d, 1, 0.5)
		dA, dB := make([]float32, n*d), make([]float32, k*d)
		want := c.Pair(dA, dB, A, B, y, f, n, k, d, 0.5)
		ds := make([]float32, (k+n)*d)
		for i := range ds {
			ds[i] = float32(math.NaN()) // written, not read
		}
		got := c.Pair(ds[k*d:], ds[:k*d], A, B, y, f, n, k, d, 0.5)
		if got != want {
			t.Errorf("filtered=%v: loss %v, separate buffers %v", f != nil, got, want)
		}
		if !slices.Equal(ds[:k*d], dB) || !slices.Equal(ds[k*d:], dA) {
			t.Errorf("filtered=%v: gradients in one buffer differ from separate buffers'", f != nil)
		}
	}
}
