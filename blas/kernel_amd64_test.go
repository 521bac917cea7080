//go:build amd64 && gc && !purego && !noasm

package blas

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestAVX512FormsSameBits runs every AVX-512 kernel layout (A packed, as
// rows or as Aᵀ columns in place; B packed or in place; several tiles per
// call; beta zero, one and other; non-temporal stores) in both forms of
// its k step (avx512Embedded) and requires the same bits, k odd and even.
func TestAVX512FormsSameBits(t *testing.T) {
	if avx512Kernel == nil {
		t.Skip("no AVX-512 on this CPU")
	}
	defer func(v bool) { avx512Embedded = v }(avx512Embedded)
	rng := rand.New(rand.NewPCG(21, 22))
	const tiles, ldc = 3, 3*32 + 16 // C rows 448 bytes apart, 64-byte aligned
	for _, kc := range []int{1, 7, 64, 385} {
		a := randFloats(rng, 12*kc*40)
		b := randFloats(rng, 32*kc*tiles*2)
		c0 := randFloats(rng, 12*ldc+16)
		for uintptr(unsafe.Pointer(&c0[0]))%64 != 0 { // aligned for the streaming stores
			c0 = c0[1:]
		}
		run := func(e bool, f func(c []float32)) []float32 {
			avx512Embedded = e
			c := append([]float32(nil), c0[:12*ldc]...)
			f(c)
			return c
		}
		for _, beta := range []float32{0, 1, -0.5} {
			layouts := []struct {
				name string
				f    func(c []float32)
			}{
				{"packed", func(c []float32) { generalAVX512(kc, a, 0, 0, b, 0, c, ldc, 0.75, beta) }},
				{"rows", func(c []float32) { generalAVX512(kc, a, kc+3, 0, b, 0, c, ldc, 0.75, beta) }},
				{"cols", func(c []float32) { generalAVX512(kc, a, 0, 17, b, 0, c, ldc, 0.75, beta) }},
				{"packed/rowsB", func(c []float32) { generalAVX512(kc, a, 0, 0, b, 40, c, ldc, 0.75, beta) }},
				{"rows/rowsB", func(c []float32) { generalAVX512(kc, a, kc+3, 0, b, 40, c, ldc, 0.75, beta) }},
				{"cols/rowsB", func(c []float32) { generalAVX512(kc, a, 0, 17, b, 40, c, ldc, 0.75, beta) }},
				{"tiles/packed", func(c []float32) { tilesAVX512(kc, a, 0, b, c, ldc, 0.75, beta, beta == 0, tiles) }},
				{"tiles/rows", func(c []float32) { tilesAVX512(kc, a, kc+3, b, c, ldc, 0.75, beta, beta == 0, tiles) }},
			}
			for _, l := range layouts {
				reg, emb := run(false, l.f), run(true, l.f)
				for i := range reg {
					if math.Float32bits(reg[i]) != math.Float32bits(emb[i]) {
						t.Fatalf("kc %d beta %g %s: C[%d] = %g (register), %g (embedded)", kc, beta, l.name, i, reg[i], emb[i])
					}
				}
			}
		}
	}
}
