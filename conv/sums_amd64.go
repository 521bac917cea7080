//go:build amd64 && gc && !purego && !noasm

package conv

import "golang.org/x/sys/cpu"

// sumsAsm selects the AVX-512 column sums (tests switch it off to compare
// with the Go loop).
var sumsAsm = cpuHasSums

// cpuHasSums reports whether the CPU runs the AVX-512 column sums.
var cpuHasSums = cpu.X86.HasAVX512F

// colSumsAVX512 adds, row after row, the float64 values of the first
// 16·blocks columns (blocks = 1, 2 or 4) of the m rows at a (lda floats
// apart) to acc[:16·blocks]: columnSums' additions, in its order.
//
//go:noescape
func colSumsAVX512(acc *float64, a *float32, m, lda, blocks int)

// columnSumsVec adds the sums of the first columns of the m × n matrix a
// to s, as columnSums does, in blocks of 64, 32 or 16 columns, and returns
// how many columns it did (a multiple of 16; 0 without AVX-512). Within a
// block every row is one cache line or more, and the block's column sums
// are independent chains of additions, where the Go loop's sixteen scalar
// chains per block took 5.6 % of the Fashion-MNIST CNN's CCL step.
func columnSumsVec(s, a []float32, m, n int) int {
	if !sumsAsm || m == 0 || n < 16 {
		return 0
	}
	var acc [64]float64
	c0 := 0
	for n-c0 >= 16 {
		w := 16
		switch {
		case n-c0 >= 64:
			w = 64
		case n-c0 >= 32:
			w = 32
		}
		_ = a[(m-1)*n+c0+w-1]
		_ = s[c0+w-1]
		clear(acc[:w])
		colSumsAVX512(&acc[0], &a[c0], m, n, w/16)
		for k := range w {
			s[c0+k] += float32(acc[k])
		}
		c0 += w
	}
	return c0
}
