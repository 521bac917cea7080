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

// TestAVX512WideSameBits requires the 6×64 tiles (avx512Wide, Intel's
// choice for products whose op(A) is not gathered) to give the same bits
// as the 12×32 ones in whole products: the two share their reduction
// blocks, so every element of C sees the same operations in the same
// order. The shapes take each path of the blocked product: A read in
// place or packed, B read in place or packed, every transpose, partial
// tiles, several reduction blocks, the k-inner order, non-temporal stores
// and the Gram product (SgemmSym).
func TestAVX512WideSameBits(t *testing.T) {
	if avx512Kernel == nil {
		t.Skip("no AVX-512 on this CPU")
	}
	defer SetKernel("auto")
	if err := SetKernel("avx512"); err != nil {
		t.Fatal(err)
	}
	defer func(w *kernel, e bool) { avx512Kernel.wide, avx512Embedded = w, e }(avx512Kernel.wide, avx512Embedded)
	rng := rand.New(rand.NewPCG(23, 24))
	for _, tc := range []struct {
		tA, tB      Transpose
		m, n, k     int
		lda         int // 0: the row length
		beta        float32
		sym, stream bool
	}{
		{NoTrans, NoTrans, 50, 130, 385, 0, 0, false, false},       // A rows and B rows in place
		{NoTrans, NoTrans, 200, 200, 1024, 0, 1, false, false},     // A packed (rows 4 KiB apart)
		{NoTrans, NoTrans, 301, 777, 900, 903, -0.5, false, false}, // A in place, B packed, edges
		{NoTrans, Trans, 64, 300, 77, 0, 0, false, false},
		{Trans, NoTrans, 130, 70, 300, 0, 1, false, false},
		{Trans, Trans, 99, 141, 513, 0, 0, false, false},
		{NoTrans, NoTrans, 3000, 128, 800, 0, 0, false, false}, // k-inner order
		{NoTrans, NoTrans, 1030, 1024, 50, 0, 0, false, true},  // non-temporal stores
		{NoTrans, Trans, 150, 150, 90, 0, 0, true, false},      // SgemmSym
	} {
		ar, ac, br, bc := operandDims(tc.tA, tc.tB, tc.m, tc.n, tc.k)
		lda := tc.lda
		if lda == 0 {
			lda = ac
		}
		a := randFloats(rng, ar*lda)
		b := randFloats(rng, br*bc)
		c0 := randFloats(rng, tc.m*tc.n)
		c := make([]float32, tc.m*tc.n+16)
		for uintptr(unsafe.Pointer(&c[0]))%64 != 0 { // aligned for the streaming stores
			c = c[1:]
		}
		c = c[:tc.m*tc.n]
		if tc.stream && !streams(avx512Wide, tc.m, tc.n, tc.k, tc.beta, c, tc.n) {
			t.Fatalf("%+v: not written with non-temporal stores", tc)
		}
		run := func(wide *kernel, emb bool) []float32 {
			avx512Kernel.wide, avx512Embedded = wide, emb
			copy(c, c0)
			if tc.sym {
				SgemmSym(tc.m, tc.k, 0.75, a, lda, c, tc.n)
			} else {
				Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, 0.75, a, lda, b, bc, tc.beta, c, tc.n)
			}
			return append([]float32(nil), c...)
		}
		want := run(nil, avx512Embedded)
		got := run(avx512Wide, false)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%+v: C[%d] = %g (6×64), %g (12×32)", tc, i, got[i], want[i])
			}
		}
	}
}
