package conv

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The AVX-512 column sums give the Go loop's bits: widths around the 16-,
// 32- and 64-column blocks, 0 and 1 rows, values over a wide range (so
// that the order of the additions shows), into a bias that is not zero.
func TestColumnSumsAsmMatchesGo(t *testing.T) {
	if !sumsAsm {
		t.Log("no AVX-512 column sums on this CPU or build: Go loop only")
	}
	defer func(v bool) { sumsAsm = v }(sumsAsm)
	rng := rand.New(rand.NewPCG(7, 8))
	for _, m := range []int{0, 1, 2, 7, 301} {
		for _, n := range []int{1, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 80, 96, 100, 128, 130, 200} {
			a := make([]float32, m*n)
			for i := range a {
				a[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(40)-20)))
			}
			want := make([]float32, n)
			for i := range want {
				want[i] = float32(rng.NormFloat64())
			}
			got := append([]float32(nil), want...)
			sumsAsm = false
			columnSums(want, a, m, n)
			sumsAsm = cpuHasSums
			columnSums(got, a, m, n)
			for j := range want {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("m=%d n=%d: column %d sums to %g, the Go loop %g", m, n, j, got[j], want[j])
				}
			}
		}
	}
}
