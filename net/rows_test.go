package net

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The row helpers give the same bits on every level, agree with plain
// float64 loops (the maps exactly, the sums to rounding), and write
// nothing past len(x).
func TestRowHelpersLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1000, 4097} {
		x, y, g := randVec(rng, n), randVec(rng, n), randVec(rng, n)
		// Finite, normal-sized operands for the sums (randVec has NaN and
		// infinities, whose sums say nothing about the order).
		u, v := make([]float32, n), make([]float32, n)
		var exactDot, exactSq float64
		for i := range u {
			u[i], v[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			exactDot += float64(u[i]) * float64(v[i])
			exactSq += float64(u[i]) * float64(u[i])
		}
		s, f := 1/(1.7+rng.Float64()), rng.NormFloat64()
		wantScale, wantSub := make([]float32, n), make([]float32, n)
		for i := range n {
			wantScale[i] = float32(float64(x[i]) * s)
			p := float64(y[i]) * f
			wantSub[i] = float32((float64(g[i]) - p) * s)
		}
		var refDot, refSq float64
		withLevel(levelGo, func() { refDot, refSq = Dot64(u, v), SumSq64(u) })
		if math.Abs(refDot-exactDot) > 1e-12*max(1, math.Abs(exactSq)) || math.Abs(refSq-exactSq) > 1e-12*max(1, exactSq) {
			t.Errorf("n=%d: Dot64 %g, SumSq64 %g; sequential %g, %g", n, refDot, refSq, exactDot, exactSq)
		}
		forLevels(t, func(t *testing.T, level int) {
			if d, sq := Dot64(u, v), SumSq64(u); d != refDot || sq != refSq {
				t.Errorf("n=%d: Dot64 %v, SumSq64 %v; Go %v, %v", n, d, sq, refDot, refSq)
			}
			const guard = 12345
			out := make([]float32, n+20)
			for i := range out {
				out[i] = guard
			}
			Scale64(out, x, s)
			for i, w := range wantScale {
				if !sameBits(out[i], w) {
					t.Fatalf("n=%d: Scale64[%d] = %g, want %g (x %g)", n, i, out[i], w, x[i])
				}
			}
			SubScale64(out, g, y, f, s)
			for i, w := range wantSub {
				if !sameBits(out[i], w) {
					t.Fatalf("n=%d: SubScale64[%d] = %g, want %g (g %g, x %g)", n, i, out[i], w, g[i], y[i])
				}
			}
			for i := n; i < len(out); i++ {
				if out[i] != guard {
					t.Fatalf("n=%d: element %d past the end written: %g", n, i, out[i])
				}
			}
		})
	}
}
