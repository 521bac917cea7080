package net

import (
	"math"
	"runtime"

	"github.com/counter-current/ccl/internal/parallel"
)

// Element-wise loops of the training step (activations and the optimiser),
// with a generic Go version of each, an assembly version where the CPU has
// one (kernels_amd64.go; kernelLevel selects), run on the shared worker
// pool (internal/parallel), which cuts large slices into contiguous ranges. Every element is
// computed on its own, by the same instructions whatever the cut (ranges
// start at multiples of 64 elements, so the vector/tail split of the
// assembly kernels does not move either), so the results do not depend on
// the number of threads.

// Kernel levels: which implementation the element-wise loops use.
const (
	levelGo     = iota // portable Go
	levelAVX2          // AVX2 + FMA
	levelAVX512        // AVX-512F
)

// kernelLevel is the implementation in use: maxKernelLevel (the best the
// CPU supports, see kernels_amd64.go) unless a test lowers it.
var kernelLevel = maxKernelLevel

// op selects the loop a job runs. Operands: a is the output, b, c, d the
// inputs (see genericKernel).
type op uint8

const (
	opELUF   op = iota // a = elu(b)
	opELUB             // a = b·(c > 0 ? 1 : d+1)          (dx, dy, x, y)
	opReLUF            // a = max(b, 0)
	opReLUB            // a = c > 0 ? b : 0                (dx, dy, x)
	opTanhF            // a = tanh(b)
	opTanhB            // a = b·(1 − d²)                   (dx, dy, -, y)
	opLeakyF           // a = b > 0 ? b : 0.01·b
	opLeakyB           // a = c > 0 ? b : 0.01·b           (dx, dy, x)
	opSELUF            // a = selu(b)
	opSELUB            // a = b·(c > 0 ? λ : d + λα)       (dx, dy, x, y)
	opSGD              // SGD step on a = w, b = g, c = buf (sgdGo)
	opScale            // a = a·s1
	opSubC             // a = a − s1
)

// SGD kernel modes (bit set).
const (
	sgdCopy  = 1 // buf ← g, w ← w − lr·buf (first momentum step)
	sgdBlend = 2 // buf ← m·buf + g, w ← w − lr·buf
	sgdWD    = 4 // then g ← g + wd·w
	sgdClip  = 8 // first g ← c·g, c = the float32 whose bits are mode>>32

)

// float32 forms of the constants, as the loops use them.
const (
	seluScale32 = float32(seluScale)
	seluLA32    = float32(seluScale * seluAlpha)
)

// Parallel cut: slices of at least parMin elements are split into ranges of
// at least parGrain elements, at most rangesPerThread per thread, which the
// threads claim one at a time (a thread that joins late, or is slowed by
// another process, takes fewer: the SGD step of the CIFAR-10 MLP's forward
// set, 5.2 M weights, took 2.8 ms instead of 3.2 while the other stream
// finished the feedback update); smaller slices run on the caller.
const (
	parMin          = 1 << 18
	parGrain        = 1 << 17
	rangesPerThread = 4
)

// job is one call of an element-wise loop over [0, n).
type job struct {
	op         op
	a, b, c, d []float32
	s1, s2, s3 float32
	mode       int64
	g          parallel.Group
}

// Free list of jobs: no allocation once as many jobs exist as concurrent
// callers.
var jobFree = parallel.NewFreeList(func(j *job) { j.g.Prepare() })

func getJob() *job { return jobFree.Get() }

func putJob(j *job) {
	j.a, j.b, j.c, j.d = nil, nil, nil, nil
	jobFree.Put(j)
}

// parts returns into how many ranges a loop over n elements is cut.
func parts(n int) int {
	if n < parMin {
		return 1
	}
	return max(1, min(rangesPerThread*runtime.GOMAXPROCS(0), n/parGrain))
}

// elementwise runs op over the n = len(a) elements of the operands (b, c, d
// may be nil when op does not read them; otherwise they are at least n
// long), cut over the worker pool when n is large.
func elementwise(o op, a, b, c, d []float32, s1, s2, s3 float32, mode int64) {
	n := len(a)
	p := parts(n)
	if p == 1 {
		runKernel(o, a, b, c, d, s1, s2, s3, mode)
		return
	}
	j := getJob()
	j.op, j.a, j.b, j.c, j.d, j.s1, j.s2, j.s3, j.mode = o, a, b, c, d, s1, s2, s3, mode
	// Ranges start at multiples of 64 elements (cache lines, vector widths).
	parallel.Run(j, &j.g, n, p, 64)
	putJob(j)
}

func sub(s []float32, lo, hi int) []float32 {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}

// Do runs the job's op on elements [lo, hi) (parallel.Task).
func (j *job) Do(_, lo, hi int) {
	runKernel(j.op, j.a[lo:hi], sub(j.b, lo, hi), sub(j.c, lo, hi), sub(j.d, lo, hi), j.s1, j.s2, j.s3, j.mode)
}

// runKernel runs op on the caller: the assembly version when kernelLevel
// has one, else genericKernel.
func runKernel(o op, a, b, c, d []float32, s1, s2, s3 float32, mode int64) {
	if len(a) == 0 {
		return
	}
	if kernelLevel > levelGo && archKernel(o, a, b, c, d, s1, s2, s3, mode) {
		return
	}
	genericKernel(o, a, b, c, d, s1, s2, s3, mode)
}

// genericKernel is the portable Go version of every op; n = len(a).
func genericKernel(o op, a, b, c, d []float32, s1, s2, s3 float32, mode int64) {
	n := len(a)
	switch o {
	case opELUF:
		for i, v := range b[:n] {
			if v <= 0 {
				v = expm1f(v)
			}
			a[i] = v
		}
	case opELUB:
		c, d = c[:n], d[:n]
		for i, g := range b[:n] {
			if c[i] <= 0 {
				g *= d[i] + 1
			}
			a[i] = g
		}
	case opReLUF:
		for i, v := range b[:n] {
			a[i] = max(v, 0)
		}
	case opReLUB:
		c = c[:n]
		for i, g := range b[:n] {
			if c[i] <= 0 {
				g = 0
			}
			a[i] = g
		}
	case opTanhF:
		for i, v := range b[:n] {
			a[i] = tanhf(v)
		}
	case opTanhB:
		d = d[:n]
		for i, g := range b[:n] {
			a[i] = g * (1 - float32(d[i]*d[i]))
		}
	case opLeakyF:
		for i, v := range b[:n] {
			if v <= 0 {
				v *= leakSlope
			}
			a[i] = v
		}
	case opLeakyB:
		c = c[:n]
		for i, g := range b[:n] {
			if c[i] <= 0 {
				g *= leakSlope
			}
			a[i] = g
		}
	case opSELUF:
		for i, v := range b[:n] {
			if v <= 0 {
				v = seluLA32 * expm1f(v)
			} else {
				v = seluScale32 * v
			}
			a[i] = v
		}
	case opSELUB:
		c, d = c[:n], d[:n]
		for i, g := range b[:n] {
			if c[i] <= 0 {
				g *= d[i] + seluLA32
			} else {
				g *= seluScale32
			}
			a[i] = g
		}
	case opSGD:
		sgdGo(a, b[:n], c, s1, s2, s3, mode)
	case opScale:
		for i := range a {
			a[i] *= s1
		}
	case opSubC:
		for i := range a {
			a[i] -= s1
		}
	default:
		panic("net: bad element-wise op")
	}
}

// sgdGo is one SGD step over w, g, buf (buf unused without sgdCopy or
// sgdBlend), one element at a time (the same operations, in the same order,
// as ClipGradNorm then SGD.Step), on a copy of each gradient element (g
// itself is not written):
//
//	g ← c·g            (sgdClip; c = math.Float32frombits(uint32(mode>>32)))
//	g ← g + wd·w       (sgdWD)
//	buf ← g            (sgdCopy)
//	buf ← m·buf + g    (sgdBlend)
//	w ← w − lr·buf     (w ← w − lr·g without sgdCopy or sgdBlend)
func sgdGo(w, g, buf []float32, lr, wd, m float32, mode int64) {
	g = g[:len(w)]
	if mode&(sgdCopy|sgdBlend) != 0 {
		buf = buf[:len(w)]
	}
	// The float32 conversions keep each product rounded on its own (no
	// fused multiply-add, which the compiler may otherwise use, e.g. with
	// GOAMD64=v3 or on arm64), so every platform and the assembly kernels
	// give the same bits.
	c := math.Float32frombits(uint32(mode >> 32))
	for i, v := range w {
		d := g[i]
		if mode&sgdClip != 0 {
			d = c * d
		}
		if mode&sgdWD != 0 {
			d += float32(wd * v)
		}
		switch {
		case mode&sgdCopy != 0:
			buf[i] = d
		case mode&sgdBlend != 0:
			d = float32(m*buf[i]) + d
			buf[i] = d
		}
		w[i] = v - float32(lr*d)
	}
}

// Fixed-order float64 sums. The sum of n values is accumulated in 32 lanes
// (value i goes to lane i mod 32, each lane in index order), then the lanes
// are added pairwise in a fixed tree (reduceLanes). Every implementation
// (Go, AVX2, AVX-512) follows this order, so the sum is the same bit for
// bit on every path and every run; it differs in rounding from a single
// sequential float64 sum (by a few float64 ulps — far below float32
// resolution).
type lanes [32]float64

// sum64 returns Σ x_i (square false) or Σ x_i² (square true) in the lane
// order above. The squares are exact in float64, so each lane step rounds
// once either way.
func sum64(x []float32, square bool) float64 {
	var acc lanes
	n := len(x) &^ 31
	if kernelLevel == levelGo || n == 0 || !archSumLanes(x[:n], square, &acc) {
		n = 0
	}
	sumLanesGo(x[n:], square, &acc)
	return reduceLanes(&acc)
}

// sumLanesGo adds x into the lanes, x[i] into lane i mod 32 (x starts at a
// multiple of 32 of the whole sum).
func sumLanesGo(x []float32, square bool, acc *lanes) {
	for len(x) >= 32 {
		x32 := x[:32]
		if square {
			for l, v := range x32 {
				acc[l] += float64(v) * float64(v)
			}
		} else {
			for l, v := range x32 {
				acc[l] += float64(v)
			}
		}
		x = x[32:]
	}
	for l, v := range x {
		if square {
			acc[l] += float64(v) * float64(v)
		} else {
			acc[l] += float64(v)
		}
	}
}

// reduceLanes adds the 32 lanes: s_l = (a_l + a_{l+8}) + (a_{l+16} + a_{l+24})
// for l < 8, then halves 8 → 4 → 2 → 1 adding lane l and lane l + half.
func reduceLanes(a *lanes) float64 {
	var s [8]float64
	for l := range s {
		s[l] = (a[l] + a[l+8]) + (a[l+16] + a[l+24])
	}
	for h := 4; h >= 1; h /= 2 {
		for l := 0; l < h; l++ {
			s[l] += s[l+h]
		}
	}
	return s[0]
}
