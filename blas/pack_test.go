package blas

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPackersMatchGo checks each kernel's own packing routines (assembly
// transposes and row copies on amd64) against the Go loops packRows and
// packCols, for the kernel's tile widths, partial slivers (r not a
// multiple of w), depths that are not multiples of the transpose block, and
// row strides with padding and 4 KiB multiples. The destination is larger
// than the packed slivers and its tail must keep a guard value. The
// AVX-512 6×64 kernel (avx512Wide) is checked on every AVX-512 CPU, whether
// or not this one uses it.
func TestPackersMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	kernels := availableKernels()
	if avx512Wide != nil {
		kernels = append(kernels, avx512Wide)
	}
	for _, kn := range kernels {
		for _, w := range []int{kn.mr, kn.nr} {
			for _, r := range []int{0, 1, w - 1, w, w + 1, 2*w + 3, 3*w + 1} {
				for _, kc := range []int{1, 7, 15, 16, 17, 33, 255, 256} {
					for _, ld := range []int{kc, kc + 3, 1024} {
						if ld < kc {
							continue
						}
						packerCase(t, kn, w, r, kc, ld, rng)
					}
				}
			}
		}
	}
}

func packerCase(t *testing.T, kn *kernel, w, r, kc, ld int, rng *rand.Rand) {
	t.Helper()
	slivers := (r + w - 1) / w
	n := slivers * w * kc
	for _, rows := range []bool{true, false} {
		// rows: r rows of length kc (packRows); else kc rows of r columns (packCols).
		srcLen := max(r, 1) * ld
		if !rows {
			srcLen = max(kc, 1) * max(ld, r)
		}
		ldc := ld
		if !rows {
			ldc = max(ld, r)
		}
		src := make([]float32, srcLen)
		for i := range src {
			src[i] = rng.Float32()*2 - 1
		}
		want := make([]float32, n+8)
		got := make([]float32, n+8)
		for i := range got {
			want[i], got[i] = guard, guard
		}
		var f func(dst, src []float32, ld, r, kc, w int)
		name := "pack"
		if rows {
			f = kn.pack
			packRows(want, src, ldc, r, kc, w)
		} else {
			f, name = kn.packCols, "packCols"
			packCols(want, src, ldc, r, kc, w)
		}
		if f == nil {
			continue
		}
		f(got, src, ldc, r, kc, w)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s %s w=%d r=%d kc=%d ld=%d: element %d = %g, want %g", kn.name, name, w, r, kc, ldc, i, got[i], want[i])
			}
		}
	}
}

// TestPackRowsLayout checks the Go packer that the others are compared
// with against the layout's definition: sliver s holds rows s·w … s·w+w−1
// of the r × kc source, step p's w values contiguous, and the rows past r
// zero (the destination starts as NaN, so a pad left unwritten shows).
func TestPackRowsLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, w := range []int{6, 12, 16, 32, 64} {
		for _, r := range []int{1, w - 1, w, w + 1, 2*w + 3, 4*w + 10} {
			for _, kc := range []int{1, 5, 17, 382} {
				ld := kc + 3
				src := make([]float32, r*ld)
				for i := range src {
					src[i] = rng.Float32() + 1
				}
				slivers := (r + w - 1) / w
				dst := make([]float32, slivers*w*kc)
				for i := range dst {
					dst[i] = float32(math.NaN())
				}
				packRows(dst, src, ld, r, kc, w)
				for s := range slivers {
					for p := range kc {
						for i := range w {
							want := float32(0)
							if row := s*w + i; row < r {
								want = src[row*ld+p]
							}
							if got := dst[(s*kc+p)*w+i]; math.Float32bits(got) != math.Float32bits(want) {
								t.Fatalf("w=%d r=%d kc=%d: sliver %d step %d row %d = %g, want %g", w, r, kc, s, p, i, got, want)
							}
						}
					}
				}
			}
		}
	}
}
