package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"unsafe"

	"github.com/counter-current/ccl/internal/heapcount"
	"github.com/counter-current/ccl/internal/hugepage"
	"github.com/counter-current/ccl/internal/parallel"
)

// refGemm is the float64 triple loop that every kernel is checked against.
// It returns C = alpha·op(A)·op(B) + beta·C (C read only when beta != 0)
// and, per element, the magnitude |alpha|·Σ|a·b| + |beta·c| that bounds the
// rounding error.
func refGemm(tA, tB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, mag []float64) {
	want = make([]float64, m*n)
	mag = make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s, sa float64
			for p := range k {
				ia, ib := i*lda+p, p*ldb+j
				if tA == Trans {
					ia = p*lda + i
				}
				if tB == Trans {
					ib = j*ldb + p
				}
				av, bv := a[ia], b[ib]
				s += float64(av) * float64(bv)
				sa += math.Abs(float64(av) * float64(bv))
			}
			w := float64(alpha) * s
			mg := math.Abs(float64(alpha)) * sa
			if beta != 0 {
				w += float64(beta) * float64(c[i*ldc+j])
				mg += math.Abs(float64(beta) * float64(c[i*ldc+j]))
			}
			want[i*n+j], mag[i*n+j] = w, mg
		}
	}
	return want, mag
}

// randFloats returns n values drawn uniformly from [-1, 1).
func randFloats(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

// forEachKernel runs f once per kernel available on this build and CPU,
// forcing it by clearing the switches of the better ones, and the AVX-512
// kernel in each form (-short: in the form this CPU chose, which keeps
// the race detector's run of the package within CI's time). Aᵀ is read in
// place where the rule allows (directColsLd 512, as on AMD) whatever this
// CPU chose, so that the cases meant for that layout take it;
// TestSgemmKernels also runs it packed.
func forEachKernel(t *testing.T, f func(t *testing.T, kn *kernel)) {
	t.Helper()
	defer SetKernel("auto")
	defer func(v int) { directColsLd = v }(directColsLd)
	directColsLd = 512
	for _, kn := range availableKernels() {
		if err := SetKernel(kn.name); err != nil {
			t.Fatalf("SetKernel(%q): %v", kn.name, err)
		}
		if got := currentKernel(); got != kn {
			t.Fatalf("SetKernel(%q) selected %q", kn.name, got.name)
		}
		if kn.name != "avx512" {
			t.Run(kn.name, func(t *testing.T) { f(t, kn) })
			continue
		}
		// The AVX-512 kernel in each of its forms: the 12×32 tiles with
		// either k step (avx512Embedded), and the 6×64 tiles that replace
		// them on Intel for the products of stored matrices (kernel.wide).
		// Under -short, only the form this CPU chose.
		forms := []struct {
			name string
			emb  bool
			wide *kernel
		}{{"avx512/register", false, nil}, {"avx512/embedded", true, nil}, {"avx512/6x64", false, avx512Wide}}
		for _, fm := range forms {
			if testing.Short() && (fm.emb != avx512Embedded || fm.wide != kn.wide) {
				continue
			}
			func() {
				defer func(e bool, w *kernel) { avx512Embedded, kn.wide = e, w }(avx512Embedded, kn.wide)
				avx512Embedded, kn.wide = fm.emb, fm.wide
				t.Run(fm.name, func(t *testing.T) { f(t, kn.plain()) })
			}()
		}
	}
}

// gemmCase is one product: shape, operations, scalars and padding.
type gemmCase struct {
	tA, tB      Transpose
	m, n, k     int
	alpha, beta float32
	pad         int // added to every leading dimension
	off         int // offset of each matrix in its backing slice
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("%c%c/%dx%dx%d/a%g/b%g/pad%d", tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

const guard = float32(-7777.25) // value that must survive around C

// operandDims returns the stored shapes of A (ar × ac) and B (br × bc) of
// an m×n×k product with the given transposes.
func operandDims(tA, tB Transpose, m, n, k int) (ar, ac, br, bc int) {
	ar, ac, br, bc = m, k, k, n
	if tA == Trans {
		ar, ac = k, m
	}
	if tB == Trans {
		br, bc = n, k
	}
	return ar, ac, br, bc
}

// check runs one case on the current kernel and compares with refGemm.
// C lives in a larger slice whose elements outside the m×n view hold
// guard, and must still hold it afterwards.
func (tc gemmCase) check(t *testing.T, rng *rand.Rand) {
	t.Helper()
	ar, ac, br, bc := operandDims(tc.tA, tc.tB, tc.m, tc.n, tc.k)
	lda, ldb, ldc := max(1, ac)+tc.pad, max(1, bc)+tc.pad, max(1, tc.n)+tc.pad
	fill := func(rows, ld int) []float32 {
		s := make([]float32, tc.off+rows*ld+tc.off)
		for i := range s {
			s[i] = rng.Float32()*2 - 1
		}
		return s
	}
	a, b := fill(ar, lda), fill(br, ldb)
	cAll := make([]float32, tc.off+tc.m*ldc+tc.off)
	for i := range cAll {
		cAll[i] = guard
	}
	inView := func(x int) bool {
		x -= tc.off
		return x >= 0 && x < tc.m*ldc && x%ldc < tc.n
	}
	for i := range cAll {
		if inView(i) {
			if tc.beta == 0 {
				cAll[i] = float32(math.NaN()) // must not be read
			} else {
				cAll[i] = rng.Float32()*2 - 1
			}
		}
	}
	c := cAll[tc.off:]
	want, mag := refGemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a[tc.off:], lda, b[tc.off:], ldb, tc.beta, c, ldc)
	Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a[tc.off:], lda, b[tc.off:], ldb, tc.beta, c, ldc)
	bad := 0
	for i := range cAll {
		if !inView(i) {
			if math.Float32bits(cAll[i]) != math.Float32bits(guard) {
				t.Fatalf("%v: guard at %d overwritten with %g", tc, i, cAll[i])
			}
			continue
		}
		x := i - tc.off
		r, col := x/ldc, x%ldc
		w, mg := want[r*tc.n+col], mag[r*tc.n+col]
		got := float64(cAll[i])
		tol := float64(tc.k+4) * 0x1p-22 * mg
		if math.IsNaN(got) || math.Abs(got-w) > tol {
			t.Errorf("%v: C[%d,%d] = %g, want %g (tol %g)", tc, r, col, got, w, tol)
			if bad++; bad > 5 {
				t.FailNow()
			}
		}
	}
}

// shapes returns the table of shapes every kernel is run on: empty and
// tiny products, primes, and sizes just below and above the tile and block
// sizes of kernel kn (the largest are left out by -short).
func shapes(kn *kernel) [][3]int {
	mr, nr, mc, nc := kn.mr, kn.nr, kn.mc, kn.nc
	s := [][3]int{
		{0, 0, 0}, {0, 5, 3}, {5, 0, 3}, {5, 3, 0}, {1, 1, 1}, {1, 1, 300},
		{2, 3, 5}, {7, 13, 17}, {13, 7, 1}, {37, 41, 43}, {97, 101, 103},
		{mr - 1, nr - 1, 3}, {mr, nr, 4}, {mr + 1, nr + 1, 5},
		{2*mr - 1, 2*nr + 1, kn.kc - 1}, {mr, nr, kn.kc}, {mr + 1, nr - 1, kn.kc + 1},
		{3, 5, 2*kn.kc + 1}, {5, 3, 3*kn.kc - 1},
		{mc - 1, 5, 7}, {mc + 1, 3, 9}, {mc + mr + 1, nr + 1, 11},
		{3, nc - 1, 5}, {2, nc + 1, 3}, {1, 2*nc + nr + 1, 2},
		{1, 257, 1}, {257, 1, 257},
		// Several reduction blocks over columns that Aᵀ read in place
		// spreads over fewer, wider panels (wideATPanels).
		{2*mr + 1, 2*nc + 3, kn.kc + 5},
		// Row strides that are multiples of 4 KiB.
		{3*mr + 1, 2 * nr, 1024}, {2*mr - 1, nr + 1, 2048},
		// Products A·Bᵀ that take the swapped form (swapPays) on AVX-512,
		// with edges of the 16×16 transposes; and few rows against many
		// columns, which do not.
		{64, 200, 700}, {100, 10, 300}, {33, 7, 50}, {10, 1029, 1024},
	}
	if !testing.Short() { // slow under emulation
		s = append(s, [3]int{131, 67, 769}, [3]int{200, 300, 400})
	}
	return s
}

func TestSgemmKernels(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		rng := rand.New(rand.NewPCG(1, 2))
		// Aᵀ read in place where it may be (directColsLd 512, as on AMD)
		// and always packed (0, as on Intel; not under -short, where Aᵀ
		// with long rows is packed still).
		rules := []int{512, 0}
		if testing.Short() {
			rules = rules[:1]
		}
		for _, directColsLd = range rules {
			for _, sh := range shapes(kn) {
				for _, tA := range []Transpose{NoTrans, Trans} {
					for _, tB := range []Transpose{NoTrans, Trans} {
						scal := [][2]float32{{1, 0}, {-0.75, 1}, {1.5, -0.5}}
						for si, ab := range scal {
							tc := gemmCase{tA: tA, tB: tB, m: sh[0], n: sh[1], k: sh[2],
								alpha: ab[0], beta: ab[1], pad: si * 3, off: si * 5}
							tc.check(t, rng)
						}
					}
				}
			}
		}
	})
}

func TestSgemmAlphaZeroAndKZero(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, tc := range []gemmCase{
			{tA: NoTrans, tB: NoTrans, m: 5, n: 7, k: 9, alpha: 0, beta: 0, pad: 2, off: 1},
			{tA: Trans, tB: NoTrans, m: 5, n: 7, k: 9, alpha: 0, beta: 2, pad: 1},
			{tA: NoTrans, tB: Trans, m: 5, n: 7, k: 0, alpha: 1, beta: 0.5, pad: 1},
			{tA: Trans, tB: Trans, m: 5, n: 7, k: 0, alpha: 1, beta: 0, pad: 3},
			{tA: NoTrans, tB: NoTrans, m: 6, n: 33, k: 3, alpha: 1, beta: 1, pad: 0},
		} {
			tc.check(t, rng)
		}
	})
}

// TestSgemmThreadsDeterministic checks that the result is bit-identical
// whatever GOMAXPROCS is.
func TestSgemmThreadsDeterministic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		rng := rand.New(rand.NewPCG(5, 6))
		// The last has few rows: dot products on AVX-512 (dotPays).
		for _, sh := range [][3]int{{301, 157, 613}, {61, 530, 333}, {2*kn.mc + 5, 2*kn.nr + 3, 300}, {10, 3001, 333}} {
			m, n, k := sh[0], sh[1], sh[2]
			a := make([]float32, m*k)
			b := make([]float32, k*n)
			c0 := make([]float32, m*n)
			for _, s := range [][]float32{a, b, c0} {
				for i := range s {
					s[i] = rng.Float32()*2 - 1
				}
			}
			var first []float32
			for _, procs := range []int{1, 2, 3, 5} {
				runtime.GOMAXPROCS(procs)
				c := append([]float32(nil), c0...)
				Sgemm(NoTrans, Trans, m, n, k, 0.5, a, k, b, k, 0.25, c, n)
				if first == nil {
					first = c
					continue
				}
				for i := range c {
					if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
						t.Fatalf("%dx%dx%d: GOMAXPROCS=%d differs at %d: %g vs %g", m, n, k, procs, i, c[i], first[i])
					}
				}
			}
		}
	})
}

func TestSgemmConcurrent(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		shapes := [][3]int{{150, 170, 190}, {33, 400, 257}, {400, 20, 513}, {7, 9, 11}}
		type prob struct {
			m, n, k int
			a, b    []float32
			want    []float32
		}
		rng := rand.New(rand.NewPCG(7, 8))
		var probs []prob
		for _, sh := range shapes {
			p := prob{m: sh[0], n: sh[1], k: sh[2]}
			p.a = make([]float32, p.m*p.k)
			p.b = make([]float32, p.k*p.n)
			for i := range p.a {
				p.a[i] = rng.Float32()
			}
			for i := range p.b {
				p.b[i] = rng.Float32()
			}
			p.want = make([]float32, p.m*p.n)
			Sgemm(NoTrans, NoTrans, p.m, p.n, p.k, 1, p.a, p.k, p.b, p.n, 0, p.want, p.n)
			probs = append(probs, p)
		}
		var wg sync.WaitGroup
		errs := make(chan string, 64)
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for it := range 6 {
					p := probs[(g+it)%len(probs)]
					c := make([]float32, p.m*p.n)
					Sgemm(NoTrans, NoTrans, p.m, p.n, p.k, 1, p.a, p.k, p.b, p.n, 0, c, p.n)
					for i := range c {
						if c[i] != p.want[i] {
							errs <- fmt.Sprintf("goroutine %d: %dx%dx%d differs at %d", g, p.m, p.n, p.k, i)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	})
}

func TestSgemmZeroAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation count is stable only without -short's neighbours")
	}
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		for _, sh := range [][3]int{{3, 5, 7}, {256, 256, 300}, {40, 700, 129}, {2100, 70, 600}} {
			m, n, k := sh[0], sh[1], sh[2]
			a := make([]float32, m*k)
			b := make([]float32, k*n)
			c := make([]float32, m*n)
			for _, tA := range []Transpose{NoTrans, Trans} {
				for _, tB := range []Transpose{NoTrans, Trans} {
					lda, ldb := k, n
					if tA == Trans {
						lda = m
					}
					if tB == Trans {
						ldb = k
					}
					call := func() { Sgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0.5, c, n) }
					// Past each job value's first use: a free list hands its
					// values out in turn, and the concurrent test before
					// this one can have left up to 8 + parallel.Spares.
					for range 8 + 2*parallel.Spares {
						call()
					}
					if allocs, sites := heapcount.Runs(10, call); allocs != 0 {
						t.Errorf("%dx%dx%d %c%c: %d allocations in 10 calls: %v", m, n, k, tA, tB, allocs, sites)
					}
				}
			}
		}
	})
}

func TestSgemmPanics(t *testing.T) {
	a := make([]float32, 12)
	g := &storedGather{x: make([]float32, 64), ld: 8}
	for _, tc := range []struct {
		want string
		f    func()
	}{
		{errTransA, func() { Sgemm('X', NoTrans, 1, 1, 1, 1, a, 1, a, 1, 0, a, 1) }},
		{errTransB, func() { Sgemm(NoTrans, 'x', 1, 1, 1, 1, a, 1, a, 1, 0, a, 1) }},
		{errM, func() { Sgemm(NoTrans, NoTrans, -1, 1, 1, 1, a, 1, a, 1, 0, a, 1) }},
		{errN, func() { Sgemm(NoTrans, NoTrans, 1, -1, 1, 1, a, 1, a, 1, 0, a, 1) }},
		{errK, func() { Sgemm(NoTrans, NoTrans, 1, 1, -1, 1, a, 1, a, 1, 0, a, 1) }},
		{errLda, func() { Sgemm(NoTrans, NoTrans, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) }},
		{errLdb, func() { Sgemm(NoTrans, NoTrans, 2, 3, 2, 1, a, 2, a, 2, 0, a, 3) }},
		{errLdc, func() { Sgemm(NoTrans, NoTrans, 2, 3, 2, 1, a, 2, a, 3, 0, a, 2) }},
		{errShortA, func() { Sgemm(Trans, NoTrans, 2, 2, 7, 1, a, 2, a, 2, 0, a, 2) }},
		{errShortB, func() { Sgemm(NoTrans, Trans, 2, 7, 2, 1, a, 2, a, 2, 0, a, 7) }},
		{errShortC, func() { Sgemm(NoTrans, NoTrans, 4, 4, 1, 1, a, 1, a, 4, 0, a, 4) }},
		// The gathered forms check all but the gathered operand.
		{errM, func() { SgemmGatherA(-1, 1, 1, 1, g, NoTrans, a, 1, 0, a, 1) }},
		{errTransB, func() { SgemmGatherA(1, 1, 1, 1, g, 'x', a, 1, 0, a, 1) }},
		{errLdb, func() { SgemmGatherA(2, 3, 2, 1, g, NoTrans, a, 2, 0, a, 3) }},
		{errShortB, func() { SgemmGatherA(2, 7, 2, 1, g, Trans, a, 2, 0, a, 7) }},
		{errShortC, func() { SgemmGatherA(4, 4, 1, 1, g, NoTrans, a, 4, 0, a, 4) }},
		{errTransA, func() { SgemmGatherB('X', 1, 1, 1, 1, a, 1, g, 0, a, 1) }},
		{errK, func() { SgemmGatherB(NoTrans, 1, 1, -1, 1, a, 1, g, 0, a, 1) }},
		{errLda, func() { SgemmGatherB(NoTrans, 2, 2, 3, 1, a, 2, g, 0, a, 2) }},
		{errShortA, func() { SgemmGatherB(Trans, 2, 2, 7, 1, a, 2, g, 0, a, 2) }},
		{errLdc, func() { SgemmGatherB(NoTrans, 2, 3, 2, 1, a, 2, g, 0, a, 2) }},
	} {
		func() {
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("panic %v, want %q", r, tc.want)
				}
			}()
			tc.f()
		}()
	}
}

// FuzzSgemm checks random shapes, operations, scalars and padding on every
// available kernel.
func FuzzSgemm(f *testing.F) {
	f.Add(uint16(3), uint16(5), uint16(7), uint8(0), uint8(0), uint64(1))
	f.Add(uint16(13), uint16(33), uint16(257), uint8(3), uint8(2), uint64(2))
	f.Add(uint16(0), uint16(1), uint16(0), uint8(1), uint8(1), uint64(3))
	f.Fuzz(func(t *testing.T, m, n, k uint16, ops, pad uint8, seed uint64) {
		tc := gemmCase{
			m: int(m % 300), n: int(n % 300), k: int(k % 600),
			tA: NoTrans, tB: NoTrans, pad: int(pad % 8), off: int(pad / 8 % 4),
		}
		if ops&1 != 0 {
			tc.tA = Trans
		}
		if ops&2 != 0 {
			tc.tB = Trans
		}
		tc.alpha = []float32{1, -1, 0.5, 0}[ops>>2&3]
		tc.beta = []float32{0, 1, -0.5, 2}[ops>>4&3]
		rng := rand.New(rand.NewPCG(seed, 9))
		defer SetKernel("auto")
		for _, kn := range availableKernels() {
			SetKernel(kn.name)
			tc.check(t, rng)
		}
	})
}

func TestSetKernel(t *testing.T) {
	defer SetKernel("auto")
	names := Kernels()
	if len(names) == 0 || names[len(names)-1] != "generic" {
		t.Fatalf("Kernels() = %v, want generic last", names)
	}
	for _, name := range names {
		if err := SetKernel(name); err != nil {
			t.Fatalf("SetKernel(%q): %v", name, err)
		}
		if got := Kernel(); got != name {
			t.Errorf("after SetKernel(%q), Kernel() = %q", name, got)
		}
	}
	if err := SetKernel("auto"); err != nil || Kernel() != names[0] {
		t.Errorf("SetKernel(auto) = %v, Kernel() = %q, want %q", err, Kernel(), names[0])
	}
	for _, bad := range []string{"bogus", "AVX512"} {
		if err := SetKernel(bad); err != ErrKernel {
			t.Errorf("SetKernel(%q) = %v, want ErrKernel", bad, err)
		}
	}
	if Kernel() != names[0] {
		t.Errorf("a rejected SetKernel changed the kernel to %q", Kernel())
	}
}

func TestKernelFromEnv(t *testing.T) {
	defer SetKernel("auto")
	t.Setenv("CCL_BLAS", "generic")
	kernelFromEnv()
	if Kernel() != "generic" {
		t.Errorf("CCL_BLAS=generic: Kernel() = %q", Kernel())
	}
	t.Setenv("CCL_BLAS", "no-such-kernel")
	SetKernel("auto")
	kernelFromEnv()
	if Kernel() != Kernels()[0] {
		t.Errorf("CCL_BLAS=no-such-kernel: Kernel() = %q, want %q", Kernel(), Kernels()[0])
	}
}

// The swapped form of A·Bᵀ (sgemmSwapped) gives the same bits as the
// direct one: the same products summed in the same order. Kernels without
// the swapped form (no transpose16) have nothing to compare. The narrow
// products (10 columns) must be ones swapPays swaps on every kernel.
func TestSgemmSwappedSameBits(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		if kn.transpose16 == nil {
			return
		}
		rng := rand.New(rand.NewPCG(7, 8))
		for _, sh := range [][3]int{{64, 200, 700}, {100, 10, 300}, {33, 7, 50}, {256, 10, 256}, {256, 1024, 3072}} {
			m, n, k := sh[0], sh[1], sh[2]
			for _, tA := range []Transpose{NoTrans, Trans} {
				a, b := randFloats(rng, m*k), randFloats(rng, n*k)
				lda := k
				if tA == Trans {
					lda = m
				}
				if n == 10 && !swapPays(kn, tA, m, n, k, lda, k) {
					t.Fatalf("%c T %v: not a swapped shape", tA, sh)
				}
				got := make([]float32, m*n)
				sgemmSwapped(kn, tA, m, n, k, 0.75, a, lda, b, k, got, n)
				want := make([]float32, m*n)
				sgemmDirect(kn, tA, Trans, m, n, k, 0.75, a, lda, b, k, 0, want, n)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%c T %v: element %d = %g swapped, %g direct", tA, sh, i, got[i], want[i])
					}
				}
			}
		}
	})
}

// TestSgemmStreamSameBits checks that products whose C is written with
// non-temporal stores (see streams; the size threshold lowered so that
// small products qualify) give the same bits as with ordinary stores, for
// A read in place and packed, and leave the floats around C untouched. A
// kernel with a streaming form must take it for every case here.
func TestSgemmStreamSameBits(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		if kn.stream == nil {
			return
		}
		defer func(v int) { streamMinBytes = v }(streamMinBytes)
		rng := rand.New(rand.NewPCG(9, 10))
		for _, c := range []struct {
			tA, tB  Transpose
			m, n, k int
			lda     int // 0: the row length (k, or m for Aᵀ)
		}{
			{NoTrans, NoTrans, 131, 128, 27, 0},   // A rows in place, K = 27 as in a first convolution
			{NoTrans, Trans, 50, 96, 1, 0},        // depth 1
			{NoTrans, NoTrans, 37, 80, 384, 1024}, // rows 4 KiB apart: packed where alias4KCheap is false
			{Trans, NoTrans, 25, 64, 200, 600},    // Aᵀ with long rows: packed A
			{Trans, Trans, 12, 32, 7, 0},          // Aᵀ read in place (the plain store form), one tile
			{NoTrans, NoTrans, 100, 112, 300, 301},
		} {
			lda := c.lda
			if lda == 0 {
				lda = c.k
				if c.tA == Trans {
					lda = c.m
				}
			}
			ar := c.m
			if c.tA == Trans {
				ar = c.k
			}
			ldb := c.n
			br := c.k
			if c.tB == Trans {
				ldb, br = c.k, c.n
			}
			a, b := randFloats(rng, ar*lda), randFloats(rng, br*ldb)
			// C: m rows of ldc = n floats (a multiple of 16), starting
			// 64-byte aligned after 16 guard floats, 16 more after it.
			ldc := c.n
			run := func(minBytes int) []float32 {
				streamMinBytes = minBytes
				buf := make([]float32, c.m*ldc+64)
				off := 16
				for uintptr(unsafe.Pointer(&buf[off]))%64 != 0 {
					off++
				}
				for i := range buf {
					buf[i] = 1e30
				}
				cv := buf[off : off+c.m*ldc]
				if got, want := streams(kn, c.m, c.n, c.k, 0, cv, ldc), minBytes == 0; got != want {
					t.Fatalf("%+v: streams = %v with threshold %d", c, got, minBytes)
				}
				Sgemm(c.tA, c.tB, c.m, c.n, c.k, 1.5, a, lda, b, ldb, 0, cv, ldc)
				for i, v := range buf {
					if (i < off || i >= off+c.m*ldc) && v != 1e30 {
						t.Fatalf("%+v: guard float %d (C at %d..%d) = %g", c, i, off, off+c.m*ldc, v)
					}
				}
				return cv
			}
			want := run(math.MaxInt)
			got := run(0)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%+v: element %d = %g streamed, %g stored", c, i, got[i], want[i])
				}
			}
		}
	})
}

// TestSgemmKeepPackedA checks products whose packed op(A) is kept for all
// the B panels of a task (keepABytes) against the float64 product, and
// against the same product packing op(A) again for every panel, bit for
// bit. Every case packs op(A) and spans several B panels.
func TestSgemmKeepPackedA(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		defer func(v int) { keepABytes = v }(keepABytes)
		// Rows 4 KiB apart are packed (pad 24 makes lda 1024), except on CPUs
		// where they are always read in place (alias4KCheap).
		defer func(v int) { alias4KRows = v }(alias4KRows)
		alias4KRows = 0
		rng := rand.New(rand.NewPCG(11, 12))
		for _, tc := range []gemmCase{
			{tA: Trans, tB: NoTrans, m: 37, n: 2*kn.nc + kn.nr + 3, k: kn.kc + 20, alpha: 1, pad: 600},
			{tA: Trans, tB: Trans, m: 50, n: kn.nc + 1, k: 2*kn.kc + 1, alpha: 0.5, beta: 2, pad: 600},
			{tA: NoTrans, tB: NoTrans, m: 29, n: kn.nc + 7, k: 1000, alpha: 1, pad: 24, off: 3},
		} {
			lda := tc.k + tc.pad
			if tc.tA == Trans {
				lda = tc.m + tc.pad
			}
			if kn.readsAInPlace(tc.tA, lda) {
				if tc.tA == Trans || !alias4KCheap {
					t.Fatalf("%v: op(A) is read in place", tc)
				}
				continue // rows 4 KiB apart are read in place on this CPU
			}
			keepABytes = 9 << 20
			tc.check(t, rng)
			ar, br := tc.m, tc.k
			if tc.tA == Trans {
				ar = tc.k
			}
			ldb := tc.n
			if tc.tB == Trans {
				br, ldb = tc.n, tc.k
			}
			a, b := randFloats(rng, ar*lda), randFloats(rng, br*ldb)
			run := func(keep int) []float32 {
				keepABytes = keep
				c := make([]float32, tc.m*tc.n)
				for i := range c {
					c[i] = float32(i%7) - 3
				}
				Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, tc.n)
				return c
			}
			kept, repacked := run(9<<20), run(0)
			for i := range kept {
				if math.Float32bits(kept[i]) != math.Float32bits(repacked[i]) {
					t.Fatalf("%v: element %d = %g with op(A) kept, %g repacked", tc, i, kept[i], repacked[i])
				}
			}
		}
	})
}

// storedGather is a Gather over a stored matrix: element (i, p) of the
// gathered matrix is x[i*ld+p], or x[p*ld+i] when trans. It counts the
// elements it is asked for.
type storedGather struct {
	x     []float32
	ld    int
	trans bool
	mu    sync.Mutex
	asked int
}

func (g *storedGather) Block(dst []float32, ld, i0, r, p0, w int) {
	for i := range r {
		d := dst[i*ld : i*ld+w]
		for p := range d {
			if g.trans {
				d[p] = g.x[(p0+p)*g.ld+i0+i]
			} else {
				d[p] = g.x[(i0+i)*g.ld+p0+p]
			}
		}
	}
	g.mu.Lock()
	g.asked += r * w
	g.mu.Unlock()
}

// TestSgemmGather checks, on every kernel, that SgemmGatherA and
// SgemmGatherB give the same bits as Sgemm on the stored operand (itself
// checked against the float64 product), for every shape of the kernel
// tests (edges of every block size, k over several reduction blocks, n
// over several B panels), both layouts of the other operand and of the
// gathered one, alpha and beta, with guards around C; and that the
// gathered operand is really asked for (at least once per element).
func TestSgemmGather(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		rng := rand.New(rand.NewPCG(21, 22))
		sh := append(shapes(kn), [3]int{2*kn.mc + 5, kn.nc + kn.nr + 1, kn.kc + 7})
		for _, s := range sh {
			m, n, k := s[0], s[1], s[2]
			for ci, tr := range [][2]Transpose{{NoTrans, NoTrans}, {Trans, Trans}, {NoTrans, Trans}, {Trans, NoTrans}} {
				tA, tB := tr[0], tr[1]
				alpha, beta := float32(1), float32(0)
				if ci%2 == 1 {
					alpha, beta = -0.75, 0.5
				}
				ar, ac, br, bc := m, k, k, n
				if tA == Trans {
					ar, ac = k, m
				}
				if tB == Trans {
					br, bc = n, k
				}
				lda, ldb, ldc := max(ac, 1)+ci, max(bc, 1)+2*ci, n+3
				a, b := randFloats(rng, max(ar*lda, 1)), randFloats(rng, max(br*ldb, 1))
				c0 := randFloats(rng, m*ldc+16) // the padding columns and 16 values past C guard it
				want := append([]float32(nil), c0...)
				Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, want, ldc)

				ga := &storedGather{x: a, ld: lda, trans: tA == Trans}
				gotA := append([]float32(nil), c0...)
				SgemmGatherA(m, n, k, alpha, ga, tB, b, ldb, beta, gotA, ldc)
				gb := &storedGather{x: b, ld: ldb, trans: tB == Trans}
				gotB := append([]float32(nil), c0...)
				SgemmGatherB(tA, m, n, k, alpha, a, lda, gb, beta, gotB, ldc)
				// SgemmGatherB matches Sgemm on B stored as op(B) = B; on Bᵀ,
				// products of few rows are dot products (dotPays).
				wantB := want
				if tB == Trans && dotPays(kn, Trans, m) {
					bn := make([]float32, k*n)
					for p := range k {
						for j := range n {
							bn[p*n+j] = b[j*ldb+p]
						}
					}
					wantB = append([]float32(nil), c0...)
					Sgemm(tA, NoTrans, m, n, k, alpha, a, lda, bn, max(n, 1), beta, wantB, ldc)
				}
				for i := range want {
					if math.Float32bits(gotA[i]) != math.Float32bits(want[i]) || math.Float32bits(gotB[i]) != math.Float32bits(wantB[i]) {
						t.Fatalf("%s %dx%dx%d tA=%c tB=%c: C[%d] = %g (A gathered), %g (B gathered), want %g and %g",
							kn.name, m, n, k, tA, tB, i, gotA[i], gotB[i], want[i], wantB[i])
					}
				}
				if m > 0 && n > 0 && k > 0 && (ga.asked < m*k || gb.asked < k*n) {
					t.Fatalf("%s %dx%dx%d: gathered %d of A's %d and %d of B's %d elements", kn.name, m, n, k, ga.asked, m*k, gb.asked, k*n)
				}
			}
		}
		// The Sgemm results themselves against the float64 product.
		tc := gemmCase{tA: NoTrans, tB: Trans, m: 2*kn.mc + 5, n: kn.nc + kn.nr + 1, k: kn.kc + 7, alpha: -0.75, beta: 0.5}
		tc.check(t, rng)
	})
}

// TestSgemmDotTail checks the dot-product form (dotPays) on reductions
// that end inside a 16-float chunk: the floats after each stored row hold
// NaN, which must never be read; with 1 to 12 rows and odd numbers of
// columns. The shapes must take the form on a kernel that has it.
func TestSgemmDotTail(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		rng := rand.New(rand.NewPCG(31, 32))
		for _, sh := range [][3]int{{10, 37, 1}, {12, 9, 15}, {1, 40, 16}, {7, 3, 17}, {11, 65, 33}, {10, 301, 300}} {
			m, n, k := sh[0], sh[1], sh[2]
			if kn.dot != nil && !dotPays(kn, Trans, m) {
				t.Fatalf("%v: not a dot-product shape", sh)
			}
			ld := k + 3
			stored := func(rows int) []float32 {
				s := make([]float32, rows*ld)
				for i := range s {
					s[i] = float32(math.NaN())
					if i%ld < k {
						s[i] = rng.Float32()*2 - 1
					}
				}
				return s
			}
			a, b := stored(m), stored(n)
			c := make([]float32, m*n)
			Sgemm(NoTrans, Trans, m, n, k, 1, a, ld, b, ld, 0, c, n)
			for i := range m {
				for j := range n {
					var want, mag float64
					for p := range k {
						x := float64(a[i*ld+p]) * float64(b[j*ld+p])
						want += x
						mag += math.Abs(x)
					}
					if got := float64(c[i*n+j]); math.IsNaN(got) || math.Abs(got-want) > float64(k+4)*0x1p-22*mag {
						t.Fatalf("%v: C[%d,%d] = %g, want %g", sh, i, j, got, want)
					}
				}
			}
		}
	})
}

// TestSgemmSym checks that the Gram product gives the same bits as Sgemm on
// A and A, on every kernel, for sizes around the tile and block sizes and
// several thread counts, with C inside a larger, guarded matrix; and that
// it counts the lower triangle's flops.
func TestSgemmSym(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		rng := rand.New(rand.NewPCG(41, 42))
		for _, n := range []int{0, 1, 5, 12, 13, kn.nr, kn.nr + 1, 3*kn.mr + 1, 100, 138} {
			for _, k := range []int{0, 1, 7, kn.kc + 1, 1000} {
				for _, procs := range []int{1, 2, 3} {
					runtime.GOMAXPROCS(procs)
					lda, ldc := k+3, n+5
					a := randFloats(rng, max(1, n*lda))
					want := make([]float32, n*ldc+4)
					got := make([]float32, n*ldc+4)
					for i := range got {
						got[i], want[i] = guard, guard
					}
					Sgemm(NoTrans, Trans, n, n, k, 0.75, a, lda, a, lda, 0, want, ldc)
					f0 := Flops()
					SgemmSym(n, k, 0.75, a, lda, got, ldc)
					f := Flops() - f0
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("n %d k %d procs %d: element %d = %g, Sgemm %g", n, k, procs, i, got[i], want[i])
						}
					}
					if n > kn.nr && k > 0 && f != int64(n*(n+1)*k) {
						t.Fatalf("n %d k %d: counted %d flops, want %d", n, k, f, n*(n+1)*k)
					}
				}
			}
		}
	})
}

// TestSgemmEdgeSameBits checks that partial tiles of at most 8 rows give
// the same bits through the edge kernel as through the full one, with B
// packed and read in place, A packed, read in place and transposed, alpha
// and beta; and that the kernel tests' tolerance would see a wrong edge.
func TestSgemmEdgeSameBits(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		if kn.edge == nil {
			return
		}
		rng := rand.New(rand.NewPCG(51, 52))
		for _, sh := range [][3]int{{1, 40, 9}, {4, 33, 100}, {5, 64, 385}, {8, 200, 17}, {27, 128, 700}, {100, 70, 300}, {200, 40, 50}} {
			m, n, k := sh[0], sh[1], sh[2]
			for _, tA := range []Transpose{NoTrans, Trans} {
				lda := k
				if tA == Trans {
					lda = m
				}
				a, b := randFloats(rng, m*k), randFloats(rng, k*n)
				c0 := randFloats(rng, m*n)
				got := append([]float32(nil), c0...)
				Sgemm(tA, NoTrans, m, n, k, 0.75, a, lda, b, n, 0.5, got, n)
				edge := kn.edge
				kn.edge = nil
				want := append([]float32(nil), c0...)
				Sgemm(tA, NoTrans, m, n, k, 0.75, a, lda, b, n, 0.5, want, n)
				kn.edge = edge
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%c N %v: element %d = %g with the edge kernel, %g without", tA, sh, i, got[i], want[i])
					}
				}
			}
		}
	})
}

// storedRuns is a stored matrix (row-major, ld) given as a RunGather: row
// i is cut into runs of 5 + i%23 columns, every third of which is zero
// (and returned as nil).
type storedRuns struct {
	storedGather
	cols int
	runs int // Run calls
}

func (g *storedRuns) runLen(i int) int { return 5 + i%23 }

// zeroRuns clears the zero runs of the stored matrix (rows × cols).
func (g *storedRuns) zeroRuns(rows int) {
	for i := range rows {
		for p := range g.cols {
			if p/g.runLen(i)%3 == 2 {
				g.x[i*g.ld+p] = 0
			}
		}
	}
}

func (g *storedRuns) Run(i, p int) ([]float32, int) {
	g.mu.Lock()
	g.runs++
	g.mu.Unlock()
	l := g.runLen(i)
	end := min((p/l+1)*l, g.cols)
	if p/l%3 == 2 {
		return nil, end - p
	}
	return g.x[i*g.ld+p : i*g.ld+end : i*g.ld+end], end - p
}

// TestSgemmGatherRuns checks SgemmRunsA against Sgemm on
// the stored matrix, bit for bit, for every kernel and the kernel tests'
// shapes (the AVX-512 kernel packs straight from the runs; the others
// gather rows with Block), and that the runs are really used.
func TestSgemmGatherRuns(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		rng := rand.New(rand.NewPCG(71, 72))
		for _, s := range append(shapes(kn), [3]int{2*kn.mc + 5, kn.nc + kn.nr + 1, kn.kc + 7}) {
			m, n, k := s[0], s[1], s[2]
			for _, tB := range []Transpose{NoTrans, Trans} {
				lda := max(k, 1) + 3
				ldb, brows := max(n, 1), k
				if tB == Trans {
					ldb, brows = max(k, 1), n
				}
				g := &storedRuns{storedGather: storedGather{x: randFloats(rng, max(1, m*lda)), ld: lda}, cols: k}
				g.zeroRuns(m)
				b := randFloats(rng, max(1, brows*ldb))
				c0 := randFloats(rng, m*n+1)
				want := append([]float32(nil), c0...)
				Sgemm(NoTrans, tB, m, n, k, -0.75, g.x, lda, b, ldb, 0.5, want, max(n, 1))
				got := append([]float32(nil), c0...)
				SgemmRunsA(m, n, k, -0.75, g, tB, b, ldb, 0.5, got, max(n, 1))
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s %dx%dx%d tB=%c: C[%d] = %g, want %g", kn.name, m, n, k, tB, i, got[i], want[i])
					}
				}
				if kn.packPtrs != nil && m > dotRows && n > 0 && k > 0 && g.runs == 0 {
					t.Fatalf("%s %dx%dx%d: no runs asked for", kn.name, m, n, k)
				}
			}
		}
	})
}

// TestSgemmKInner checks products that take the k-inner order (kInner:
// all of op(B) packed once, the reduction blocks innermost) against the
// float64 product and against the usual order, bit for bit: A packed,
// read in place by rows or by stored columns, or gathered; B packed from
// either layout; partial tiles at the bottom and the right; one thread,
// and two sharing one packing of op(B) (sharedB).
func TestSgemmKInner(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kn *kernel) {
		def, minC := kInnerBBytes, kInnerMinCBytes
		defer func() { kInnerBBytes, kInnerMinCBytes = def, minC }()
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
		// Smaller products than the order is meant for, the same code.
		kInnerMinCBytes = 64 << 10
		rng := rand.New(rand.NewPCG(41, 42))
		// tall returns a row count whose C (n columns) reaches
		// kInnerMinCBytes, in several row blocks, the last partial.
		tall := func(n int) int { return max(kInnerMinCBytes/(4*n), 3*roundUp(kInnerRows, kn.mr)) + 3*kn.mr + 5 }
		for _, tc := range []struct {
			gemmCase
			threads int
			gather  bool
		}{
			{gemmCase{tA: NoTrans, tB: Trans, m: tall(100), n: 100, k: 2*kn.kc + 7, alpha: 1, pad: 5}, 1, false},
			{gemmCase{tA: NoTrans, tB: NoTrans, m: tall(97), n: 97, k: 3*kn.kc - 2, alpha: -0.5, beta: 0.25, off: 3}, 1, false},
			{gemmCase{tA: Trans, tB: NoTrans, m: 505, n: 130, k: kn.kc + 9, alpha: 1, beta: 1, pad: 7}, 1, false}, // Aᵀ read in place (lda = 512)
			{gemmCase{tA: Trans, tB: Trans, m: tall(96), n: 96, k: 2*kn.kc + 1, alpha: 2, pad: 600}, 1, false},    // Aᵀ packed (lda > directColsLd)
			{gemmCase{tA: NoTrans, tB: NoTrans, m: tall(65), n: 65, k: 2*kn.kc + 3, alpha: 1, beta: 0.5}, 1, true},
			{gemmCase{tA: NoTrans, tB: Trans, m: 2 * bandsShared * tall(130), n: 130, k: kn.kc + 100, alpha: 1}, 2, false},
		} {
			if tc.n > kn.nc {
				continue
			}
			runtime.GOMAXPROCS(tc.threads)
			kInnerBBytes = def
			nb, _ := kn.kBlocks(tc.k)
			rows := tc.m // one task, or bandsShared row bands per thread
			if tc.threads > 1 {
				rows /= bandsShared * tc.threads
			}
			if j := (gemmJob{kern: kn, k: tc.k}); !j.kInner(rows, tc.n, nb) {
				t.Fatalf("%v: not in the k-inner order", tc.gemmCase)
			}
			// Against the float64 product (not with -short: slow under the
			// race detector and emulation), then against the usual order.
			if !tc.gather && !testing.Short() {
				tc.check(t, rng)
			}
			ar, ac, br, bc := tc.m, tc.k, tc.k, tc.n
			if tc.tA == Trans {
				ar, ac = tc.k, tc.m
			}
			if tc.tB == Trans {
				br, bc = tc.n, tc.k
			}
			lda, ldb := ac+tc.pad, bc+tc.pad
			a, b := randFloats(rng, ar*lda+tc.off), randFloats(rng, br*ldb+tc.off)
			c0 := randFloats(rng, tc.m*tc.n)
			run := func(bytes int) []float32 {
				kInnerBBytes = bytes
				c := slices.Clone(c0)
				if tc.gather {
					g := &storedGather{x: a[tc.off:], ld: lda}
					SgemmGatherA(tc.m, tc.n, tc.k, tc.alpha, g, tc.tB, b[tc.off:], ldb, tc.beta, c, tc.n)
				} else {
					Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a[tc.off:], lda, b[tc.off:], ldb, tc.beta, c, tc.n)
				}
				return c
			}
			inner, usual := run(1<<30), run(0)
			for i := range inner {
				if math.Float32bits(inner[i]) != math.Float32bits(usual[i]) {
					t.Fatalf("%v (threads %d, gathered %v): element %d = %g k-inner, %g in the usual order", tc.gemmCase, tc.threads, tc.gather, i, inner[i], usual[i])
				}
			}
		}
	})
}

// Jobs leave a call, and wait in the free list, with as many sets of
// buffers as any job has had participants, each holding every kind of
// buffer any job has used at its mark: a participant joining a job, or a
// job taken when products first overlap, allocates nothing.
func TestJobSettles(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	big := 384
	a, b, c := make([]float32, big*big), make([]float32, big*big), make([]float32, big*big)
	Sgemm(NoTrans, NoTrans, big, big, big, 1, a, big, b, big, 0, c, big)
	if mostThreads.Load() < 2 {
		t.Fatalf("a %d³ product on 2 threads left mostThreads %d", big, mostThreads.Load())
	}
	// Replace the jobs by two fresh ones: the next call takes one, and
	// the other waits in the list.
	jobMu.Lock()
	saved := jobFree
	jobFree = []*gemmJob{new(gemmJob), new(gemmJob)}
	idle, used := jobFree[0], jobFree[1]
	jobMu.Unlock()
	defer func() {
		jobMu.Lock()
		jobFree = saved
		jobMu.Unlock()
	}()
	Sgemm(NoTrans, NoTrans, 13, 20, 70, 1, a, 70, b, 20, 0, c, 20) // one participant
	jobMu.Lock()
	list := slices.Clone(jobFree)
	jobMu.Unlock()
	if len(list) != 2 || list[0] != idle || list[1] != used {
		t.Fatalf("free list after one call: %p, want [%p %p]", list, idle, used)
	}
	if used.bufs[0].a == nil && used.bufs[0].b == nil {
		t.Fatal("the call used neither packing buffer of participant 0")
	}
	for name, j := range map[string]*gemmJob{"used": used, "idle": idle} {
		if len(j.bufs) < 2 {
			t.Fatalf("%s job left with %d participants' buffers, want ≥ 2", name, len(j.bufs))
		}
		for i, u := range j.bufs {
			for _, k := range []struct {
				name string
				s    []float32
				hw   *hugepage.HighWater
			}{{"a", u.a, &hwA}, {"b", u.b, &hwB}, {"aAll", u.aAll, &hwAAll}, {"tmp", u.tmp, &hwTmp}, {"rows", u.rows, &hwRows}} {
				if cap(k.s) < k.hw.Mark() {
					t.Errorf("%s job, participant %d: buffer %s capacity %d below its mark %d", name, i, k.name, cap(k.s), k.hw.Mark())
				}
			}
		}
		if cap(j.bAll) < hwBAll.Mark() {
			t.Errorf("%s job: shared B capacity %d below its mark %d", name, cap(j.bAll), hwBAll.Mark())
		}
	}
}
