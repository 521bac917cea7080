package blas

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLevel1 checks Saxpy and Sscal bit for bit against the plain loops
// (product rounded before the sum) on every path, at lengths around the
// vector block, and Sdot and SumSq against float64 sums in index order.
func TestLevel1(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		for _, n := range []int{0, 1, 7, 31, 32, 33, 64, 95, 1000} {
			x := make([]float32, n)
			y := make([]float32, n+1) // y[n] is a guard
			for i := range x {
				x[i] = rng.Float32()*4 - 2
				y[i] = rng.Float32()*4 - 2
			}
			y[n] = guard
			alpha := float32(0.3)
			want := make([]float32, n)
			for i := range want {
				want[i] = y[i] + float32(alpha*x[i])
			}
			Saxpy(alpha, x, y[:n])
			for i := range want {
				if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
					t.Fatalf("Saxpy n=%d: y[%d] = %g, want %g", n, i, y[i], want[i])
				}
			}
			if y[n] != guard {
				t.Fatalf("Saxpy n=%d wrote past y", n)
			}
			for i := range want {
				want[i] = y[i] * -1.7
			}
			Sscal(-1.7, y[:n])
			for i := range want {
				if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
					t.Fatalf("Sscal n=%d: x[%d] = %g, want %g", n, i, y[i], want[i])
				}
			}
			if y[n] != guard {
				t.Fatalf("Sscal n=%d wrote past x", n)
			}
			var d, q float64
			for i := range x {
				d += float64(x[i]) * float64(y[i])
				q += float64(x[i]) * float64(x[i])
			}
			if got := Sdot(x, y[:n]); got != d {
				t.Fatalf("Sdot n=%d = %g, want %g", n, got, d)
			}
			if got := SumSq(x); got != q {
				t.Fatalf("SumSq n=%d = %g, want %g", n, got, q)
			}
		}
	})
	for _, f := range []func(){
		func() { Saxpy(1, make([]float32, 2), make([]float32, 3)) },
		func() { Sdot(make([]float32, 2), make([]float32, 3)) },
	} {
		func() {
			defer func() {
				if r := recover(); r != errLen {
					t.Errorf("panic %v, want %q", r, errLen)
				}
			}()
			f()
		}()
	}
}

func TestLevel1ZeroAllocs(t *testing.T) {
	x := make([]float32, 100)
	y := make([]float32, 100)
	if a := testing.AllocsPerRun(10, func() { Saxpy(2, x, y); Sscal(0.5, y); Sdot(x, y); SumSq(x) }); a != 0 {
		t.Errorf("%v allocations per call", a)
	}
}
