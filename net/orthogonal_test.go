package net

import (
	"math"
	"testing"
)

// The initialised matrices are orthonormal along their shorter side, for
// tall, wide and square shapes, and the conv variant keeps the spec's
// axis-swap rule (rows of the swapped matrix are orthonormal).
func TestInitOrthogonal(t *testing.T) {
	rng := NewRand(1, 3)
	for _, shape := range [][]int{{5, 3}, {3, 5}, {4, 4}, {8, 3, 3, 3}, {3, 8, 3, 3}} {
		var p Params
		w := p.Add("w", shape...)
		p.Alloc()
		if len(shape) == 4 {
			InitOrthogonalConv(w, 1, rng)
		} else {
			InitOrthogonal(w, 1, rng)
		}
		rows, cols := w.Rows(), w.Cols()
		get := func(i, j int) float64 { return float64(w.Data[i*cols+j]) }
		if len(shape) == 4 && shape[0] < shape[1] {
			// Check the swapped (in × out·k·k) matrix instead.
			out, in, kk := shape[0], shape[1], shape[2]*shape[3]
			rows, cols = in, out*kk
			get = func(i, j int) float64 { o, r := j/kk, j%kk; return float64(w.Data[(o*in+i)*kk+r]) }
		}
		n, m := rows, cols // vectors along the shorter side
		vec := func(a, i int) float64 { return get(a, i) }
		if rows > cols {
			n, m = cols, rows
			vec = func(a, i int) float64 { return get(i, a) }
		}
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				var dot float64
				for i := 0; i < m; i++ {
					dot += vec(a, i) * vec(b, i)
				}
				want := 0.0
				if a == b {
					want = 1
				}
				if math.Abs(dot-want) > 1e-5 {
					t.Fatalf("%v: <v%d, v%d> = %g, want %g", shape, a, b, dot, want)
				}
			}
		}
	}
}

// The autoencoder's largest weights initialise in well under a second each
// and stay orthonormal.
func TestInitOrthogonalLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large matrix; run without -short")
	}
	var p Params
	w := p.Add("w", 1024, 2048, 3, 3) // out < in: the swapped 2048 × 9216 matrix
	p.Alloc()
	InitOrthogonalConv(w, 1, NewRand(2, 3))
	// Spot-check orthonormality of a few rows of the swapped matrix.
	out, in, kk := 1024, 2048, 9
	vec := func(i int) []float64 {
		v := make([]float64, out*kk)
		for o := 0; o < out; o++ {
			for r := 0; r < kk; r++ {
				v[o*kk+r] = float64(w.Data[(o*in+i)*kk+r])
			}
		}
		return v
	}
	for _, pair := range [][2]int{{0, 0}, {0, 1}, {5, 2047}, {2047, 2047}, {1000, 1001}} {
		a, b := vec(pair[0]), vec(pair[1])
		var dot float64
		for i := range a {
			dot += a[i] * b[i]
		}
		want := 0.0
		if pair[0] == pair[1] {
			want = 1
		}
		if math.Abs(dot-want) > 1e-4 {
			t.Errorf("<row %d, row %d> = %g, want %g", pair[0], pair[1], dot, want)
		}
	}
}
