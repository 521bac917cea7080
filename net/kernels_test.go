package net

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/counter-current/ccl/internal/heapcount"
)

var levelNames = [...]string{"go", "avx2", "avx512"}

// forLevels runs f once per kernel level this CPU has (the portable Go loops
// included), with kernelLevel set to it.
func forLevels(t *testing.T, f func(t *testing.T, level int)) {
	t.Helper()
	saved := kernelLevel
	defer func() { kernelLevel = saved }()
	for l := levelGo; l <= maxKernelLevel; l++ {
		kernelLevel = l
		t.Run(levelNames[l], func(t *testing.T) { f(t, l) })
	}
}

// withLevel runs f with kernelLevel = l.
func withLevel(l int, f func()) {
	saved := kernelLevel
	kernelLevel = l
	defer func() { kernelLevel = saved }()
	f()
}

// special values every kernel meets in the tests.
var specials = []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1e-8, -1e-8, 0.2499, -0.2499, 0.3466, -0.3466,
	0.35, -0.35, 1, -1, -10, -87, -87.5, -88, -103, -104, -104.5, -200, 9, -9, 20, -20,
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e38, -1e38, 1.4e-45, -1.4e-45}

func randVec(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		switch rng.IntN(8) {
		case 0:
			v[i] = specials[rng.IntN(len(specials))]
		case 1:
			v[i] = float32(rng.Float64()*200 - 150)
		default:
			v[i] = float32(rng.NormFloat64() * 2)
		}
	}
	return v
}

// sameBits reports whether a and b are the same float32 (any NaN equals any NaN).
func sameBits(a, b float32) bool {
	if a != a {
		return b != b
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// close reports whether got is within 1e-6 relative (or 1e-37 absolute) of
// want, NaN matching NaN and infinities matching exactly.
func close32(got, want float32) bool {
	if want != want {
		return got != got
	}
	if math.IsInf(float64(want), 0) || got == want {
		return got == want
	}
	return math.Abs(float64(got)-float64(want)) <= 1e-6*math.Abs(float64(want))+1e-37
}

type opCase struct {
	name      string
	o         op
	in        int  // inputs read: b, c (x), d (y)
	usesC     bool // reads c
	usesD     bool // reads d
	transcend bool // expm1/tanh: compared within 1e-6 instead of bit for bit
	s1        float32
	mode      int
}

var opCases = []opCase{
	{name: "eluF", o: opELUF, transcend: true},
	{name: "eluB", o: opELUB, usesC: true, usesD: true},
	{name: "reluF", o: opReLUF},
	{name: "reluB", o: opReLUB, usesC: true},
	{name: "tanhF", o: opTanhF, transcend: true},
	{name: "tanhB", o: opTanhB, usesD: true},
	{name: "leakyF", o: opLeakyF},
	{name: "leakyB", o: opLeakyB, usesC: true},
	{name: "seluF", o: opSELUF, transcend: true},
	{name: "seluB", o: opSELUB, usesC: true, usesD: true},
	{name: "scale", o: opScale, s1: 0.37},
	{name: "subC", o: opSubC, s1: -0.125},
}

// Every kernel on every level against the portable Go loop: lengths 0..33
// and a few long ones, sub-slices at every alignment mod 16, guard values
// past the end of the output untouched, in place (a = b) too.
func TestKernelsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lengths := []int{}
	for n := 0; n <= 33; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 63, 64, 65, 255, 1000, 4099)
	const guard = 16
	forLevels(t, func(t *testing.T, level int) {
		for _, c := range opCases {
			for _, n := range lengths {
				for _, off := range []int{0, 1, 3, 7, 15} {
					for _, inPlace := range []bool{false, true} {
						in := randVec(rng, off+n+guard)
						x := randVec(rng, off+n+guard)
						y := randVec(rng, off+n+guard)
						out := randVec(rng, off+n+guard)
						if inPlace || c.o == opScale || c.o == opSubC {
							copy(out, in)
						}
						want := append([]float32(nil), out...)
						a, wa := out[off:off+n], want[off:off+n]
						b := in[off : off+n]
						if inPlace {
							b = a
						}
						wb := append([]float32(nil), b...)
						var cc, dd []float32
						if c.usesC {
							cc = x[off : off+n]
						}
						if c.usesD {
							dd = y[off : off+n]
						}
						if c.o == opScale || c.o == opSubC {
							b, wb = nil, nil
						}
						genericKernel(c.o, wa, wb, cc, dd, c.s1, 0, 0, 0)
						runKernel(c.o, a, b, cc, dd, c.s1, 0, 0, 0)
						for i := range out {
							g, w := out[i], want[i]
							if i < off || i >= off+n {
								if !sameBits(g, w) {
									t.Fatalf("%s n=%d off=%d: element %d outside the slice changed", c.name, n, off, i)
								}
								continue
							}
							ok := sameBits(g, w)
							if c.transcend {
								ok = close32(g, w)
							}
							if !ok {
								t.Fatalf("%s n=%d off=%d inplace=%v: [%d] input %g (x %g, y %g): got %g, Go %g",
									c.name, n, off, inPlace, i-off, in[i], x[i], y[i], g, w)
							}
						}
					}
				}
			}
		}
	})
}

// The SGD kernel in all its modes, bit for bit against sgdGo.
func TestSGDKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	forLevels(t, func(t *testing.T, level int) {
		clip := sgdClip | int64(math.Float32bits(0.37))<<32
		for _, mode := range []int64{0, sgdWD, sgdCopy, sgdCopy | sgdWD, sgdBlend, sgdBlend | sgdWD,
			clip, clip | sgdWD, clip | sgdCopy, clip | sgdBlend | sgdWD} {
			for _, n := range []int{0, 1, 5, 8, 15, 16, 17, 31, 32, 33, 100, 1029} {
				for _, off := range []int{0, 1, 5} {
					const guard = 16
					w, g, buf := randVec(rng, off+n+guard), randVec(rng, off+n+guard), randVec(rng, off+n+guard)
					w0, g0, b0 := append([]float32(nil), w...), append([]float32(nil), g...), append([]float32(nil), buf...)
					bs, b0s := buf[off:off+n], b0[off:off+n]
					if mode&(sgdCopy|sgdBlend) == 0 {
						bs, b0s = nil, nil
					}
					sgdGo(w0[off:off+n], g0[off:off+n], b0s, 0.1, 0.01, 0.9, mode)
					runKernel(opSGD, w[off:off+n], g[off:off+n], bs, nil, 0.1, 0.01, 0.9, mode)
					for i := range w {
						if !sameBits(w[i], w0[i]) || !sameBits(g[i], g0[i]) || !sameBits(buf[i], b0[i]) {
							t.Fatalf("mode %d n=%d off=%d: [%d] w %g/%g g %g/%g buf %g/%g", mode, n, off, i,
								w[i], w0[i], g[i], g0[i], buf[i], b0[i])
						}
					}
				}
			}
		}
	})
}

// expm1 of the vector kernels (through ELU's x ≤ 0 branch and SELU's)
// against math.Expm1: relative error < 1e-6 on 2·10⁶ random inputs over
// [−104, 0] and near 0, and −1 at x ≤ −104.
func TestVectorExpm1(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const n = 1 << 20
	x := make([]float32, 2*n)
	for i := 0; i < n; i++ {
		x[i] = -float32(rng.Float64() * 104)
		x[n+i] = -float32(math.Abs(rng.NormFloat64()) * math.Pow(10, -rng.Float64()*8))
	}
	y := make([]float32, len(x))
	forLevels(t, func(t *testing.T, level int) {
		ELU.Forward(y, x)
		worst, at := 0.0, float32(0)
		for i, v := range x {
			want := math.Expm1(float64(v))
			e := math.Abs(float64(y[i])-want) / math.Abs(want)
			if want == 0 {
				e = math.Abs(float64(y[i]))
			}
			if e > worst {
				worst, at = e, v
			}
		}
		t.Logf("worst relative error %.3g at %g", worst, at)
		if worst >= 1e-6 {
			t.Errorf("expm1: relative error %.3g at x = %g", worst, at)
		}
		for _, v := range []float32{-104, -104.5, -200, -1e30, float32(math.Inf(-1))} {
			var out [1]float32
			ELU.Forward(out[:], []float32{v})
			if out[0] != -1 {
				t.Errorf("elu(%g) = %g, want −1", v, out[0])
			}
		}
		var out [3]float32
		ELU.Forward(out[:], []float32{float32(math.NaN()), 0, float32(math.Inf(1))})
		if out[0] == out[0] || out[1] != 0 || !math.IsInf(float64(out[2]), 1) {
			t.Errorf("elu(NaN, 0, +Inf) = %v", out)
		}
	})
}

// tanh of the vector kernels against math.Tanh.
func TestVectorTanh(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	x := make([]float32, 1<<20)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * 3)
		if i%4 == 0 {
			x[i] = float32(rng.NormFloat64() * math.Pow(10, -rng.Float64()*10))
		}
	}
	y := make([]float32, len(x))
	forLevels(t, func(t *testing.T, level int) {
		Tanh.Forward(y, x)
		worst, at := 0.0, float32(0)
		for i, v := range x {
			want := math.Tanh(float64(v))
			e := math.Abs(float64(y[i])-want) / math.Max(math.Abs(want), 1e-30)
			if e > worst {
				worst, at = e, v
			}
		}
		t.Logf("worst relative error %.3g at %g", worst, at)
		if worst >= 1e-6 {
			t.Errorf("tanh: relative error %.3g at x = %g", worst, at)
		}
		var out [5]float32
		Tanh.Forward(out[:], []float32{float32(math.Inf(1)), float32(math.Inf(-1)), 20, -20, float32(math.NaN())})
		if out[0] != 1 || out[1] != -1 || out[2] != 1 || out[3] != -1 || out[4] == out[4] {
			t.Errorf("tanh(+Inf, −Inf, 20, −20, NaN) = %v", out)
		}
	})
}

// sum64 is the same bit for bit on every level (fixed lane order) and close
// to the exact sum.
func TestSum64Levels(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{0, 1, 7, 31, 32, 33, 63, 64, 65, 100, 1000, 4097, 100003} {
		x := make([]float32, n)
		var exact, exactSq float64
		for i := range x {
			x[i] = float32(rng.NormFloat64())
			exact += float64(x[i])
			exactSq += float64(x[i]) * float64(x[i])
		}
		var ref, refSq float64
		withLevel(levelGo, func() { ref, refSq = sum64(x, false), sum64(x, true) })
		if math.Abs(ref-exact) > 1e-9*max(1, math.Abs(exact)) || math.Abs(refSq-exactSq) > 1e-12*max(1, exactSq) {
			t.Errorf("n=%d: sum64 %g, %g; sequential %g, %g", n, ref, refSq, exact, exactSq)
		}
		forLevels(t, func(t *testing.T, level int) {
			s, sq := sum64(x, false), sum64(x, true)
			if s != ref || sq != refSq {
				t.Errorf("n=%d: sum64 %v, %v; Go %v, %v", n, s, sq, ref, refSq)
			}
		})
	}
}

// Large slices go over the worker pool; the result is the same bit for bit
// as one range on the caller, whatever GOMAXPROCS.
func TestParallelDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	n := 3*parMin + 77
	in, x, y := randVec(rng, n), randVec(rng, n), randVec(rng, n)
	ref := make([]float32, n)
	out := make([]float32, n)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	forLevels(t, func(t *testing.T, level int) {
		for _, c := range opCases {
			runKernel(c.o, ref, in, x, y, c.s1, 0, 0, 0) // one range
			if c.o == opScale || c.o == opSubC {
				copy(ref, in)
				runKernel(c.o, ref, nil, nil, nil, c.s1, 0, 0, 0)
			}
			for _, procs := range []int{1, 2, 3, 8} {
				runtime.GOMAXPROCS(procs)
				if c.o == opScale || c.o == opSubC {
					copy(out, in)
					elementwise(c.o, out, nil, nil, nil, c.s1, 0, 0, 0)
				} else {
					elementwise(c.o, out, in, x, y, c.s1, 0, 0, 0)
				}
				for i := range out {
					if !sameBits(out[i], ref[i]) {
						t.Fatalf("%s GOMAXPROCS=%d: [%d] %g, one range %g", c.name, procs, i, out[i], ref[i])
					}
				}
			}
		}
	})
}

// No allocation per call, on the caller and over the pool.
func TestKernelsNoAlloc(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, n := range []int{1000, 2*parMin + 5} {
		x, y, dy, dx := randVec(rng, n), make([]float32, n), randVec(rng, n), make([]float32, n)
		var p Params
		p.Add("w", 64, n/64)
		p.Alloc()
		opt := Optimizer{SGD: SGD{LR: 0.1, Momentum: 0.9, WeightDecay: 1e-4}, Centralize: true, ClipNorm: 1}
		// The first step allocates the momentum buffer; the free lists'
		// job values (as many as earlier tests' overlapping calls made,
		// handed out in turn) each grow their scratch on first use.
		for range 4 {
			opt.Step(&p)
		}
		forLevels(t, func(t *testing.T, level int) {
			for _, f := range []Activation{ELU, ReLU, Tanh, LeakyReLU, SELU} {
				pass := func() {
					f.Forward(y, x)
					f.Backward(dx, dy, x, y)
				}
				pass()
				if a, sites := heapcount.Runs(5, pass); a != 0 {
					t.Errorf("%v n=%d: %d allocations in 5 calls: %v", f, n, a, sites)
				}
			}
			if a, sites := heapcount.Runs(5, func() { opt.Step(&p) }); a != 0 {
				t.Errorf("Optimizer.Step n=%d: %d allocations in 5 calls: %v", n, a, sites)
			}
		})
	}
}

// GradNorm, clipping and centralization give the same bits on every level.
func TestOptimizerLevels(t *testing.T) {
	mk, grads := optimizerCase(19, func(p *Params) {
		p.Add("conv", 16, 3, 3, 3)
		p.Add("b", 16)
		p.Add("fc", 10, 1000)
	})
	var ref *Params
	var refNorms []float64
	forLevels(t, func(t *testing.T, level int) {
		p := mk()
		o := Optimizer{SGD: SGD{LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4}, Centralize: true, ClipNorm: 5}
		var norms []float64
		for step := 0; step < 3; step++ {
			copy(p.Grad, grads)
			o.Step(p)
			norms = append(norms, o.LastNorm)
		}
		if level == levelGo {
			ref, refNorms = p, norms
			return
		}
		if fmt.Sprint(norms) != fmt.Sprint(refNorms) {
			t.Errorf("norms %v, Go %v", norms, refNorms)
		}
		for i := range p.Data {
			if !sameBits(p.Data[i], ref.Data[i]) || !sameBits(p.Grad[i], ref.Grad[i]) {
				t.Fatalf("[%d] w %g/%g g %g/%g", i, p.Data[i], ref.Data[i], p.Grad[i], ref.Grad[i])
			}
		}
	})
}

// Optimizer.Step, which clips inside the SGD pass, gives the same weights
// and momentum, bit for bit, as the stages run one after the other
// (centralization, ClipGradNorm, SGD.Step), with clipping active and not,
// on every kernel level.
func TestOptimizerFusedClipMatchesStages(t *testing.T) {
	mk, grads := optimizerCase(23, func(p *Params) {
		p.Add("fc", 40, 1000)
		p.Add("b", 40)
	})
	forLevels(t, func(t *testing.T, level int) {
		for _, clip := range []float64{0, 1, 1e9} {
			for _, sgd := range []SGD{{LR: 0.05}, {LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4}} {
				fused, staged := mk(), mk()
				fo := Optimizer{SGD: sgd, Centralize: true, ClipNorm: clip}
				so := fo
				for step := 0; step < 3; step++ {
					copy(fused.Grad, grads)
					fo.Step(fused)
					copy(staged.Grad, grads)
					CentralizeGradients(staged)
					norm := ClipGradNorm(staged, clip)
					so.SGD.Step(staged)
					if norm != fo.LastNorm {
						t.Fatalf("clip %g step %d: norm %v, staged %v", clip, step, fo.LastNorm, norm)
					}
				}
				for i := range fused.Data {
					if !sameBits(fused.Data[i], staged.Data[i]) {
						t.Fatalf("clip %g %+v: w[%d] %g, staged %g", clip, sgd, i, fused.Data[i], staged.Data[i])
					}
				}
				fb, sb := fo.SGD.MomentumBuffer(), so.SGD.MomentumBuffer()
				for i := range fb {
					if !sameBits(fb[i], sb[i]) {
						t.Fatalf("clip %g %+v: buf[%d] %g, staged %g", clip, sgd, i, fb[i], sb[i])
					}
				}
			}
		}
	})
}

// optimizerCase returns a maker of a parameter set (tensors registered by
// add, random weights from a fixed stream) and finite random gradients
// for it.
func optimizerCase(seed uint64, add func(*Params)) (func() *Params, []float32) {
	mk := func() *Params {
		var p Params
		add(&p)
		p.Alloc()
		r := rand.New(rand.NewPCG(seed+2, seed+3))
		for i := range p.Data {
			p.Data[i] = float32(r.NormFloat64())
		}
		return &p
	}
	grads := randVec(rand.New(rand.NewPCG(seed, seed+1)), len(mk().Grad))
	for i, g := range grads {
		if g != g || math.IsInf(float64(g), 0) || math.Abs(float64(g)) > 100 {
			grads[i] = 0.5
		}
	}
	return mk, grads
}
