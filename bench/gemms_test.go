package bench

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/counter-current/ccl/blas"
	"github.com/counter-current/ccl/bp"
	"github.com/counter-current/ccl/ccl"
	"github.com/counter-current/ccl/internal/gemmtrace"
	"github.com/counter-current/ccl/internal/hugepage"
	"github.com/counter-current/ccl/net"
)

// product is one matrix product recorded from a training step, with
// operands of its shape (random values) to run it again on its own.
type product struct {
	call    gemmtrace.Call
	a, b, c []float32
}

// flops is the product's work as blas.Flops counts it.
func (p *product) flops() int64 {
	c := p.call
	if c.M == 0 || c.N == 0 {
		return 0
	}
	if c.Sym {
		return int64(c.N) * int64(c.N+1) * int64(c.K)
	}
	return 2 * int64(c.M) * int64(c.N) * int64(c.K)
}

// run makes the product again, on its own operands.
func (p *product) run() {
	c := p.call
	if c.Sym {
		blas.SgemmSym(c.N, c.K, c.Alpha, p.a, c.Lda, p.c, c.Ldc)
		return
	}
	tA, tB := blas.NoTrans, blas.NoTrans
	if c.TransA {
		tA = blas.Trans
	}
	if c.TransB {
		tB = blas.Trans
	}
	blas.Sgemm(tA, tB, c.M, c.N, c.K, c.Alpha, p.a, c.Lda, p.b, c.Ldb, c.Beta, p.c, c.Ldc)
}

// stored returns the length of a slice holding an r×w matrix with leading
// dimension ld.
func stored(r, w, ld int) int {
	if r == 0 || w == 0 {
		return 0
	}
	return (r-1)*ld + w
}

// recordStep runs one step of m with a gemmtrace recorder installed and
// returns its products, each with operands of its shape. It fails b when
// the products it saw do not account for every flop blas counted in the
// step (a product made through an entry point the trace does not cover,
// such as the convolutions' gathered operands).
func recordStep(tb testing.TB, m stepper, x []float32, y []int32, n int) []product {
	var (
		mu    sync.Mutex
		calls []gemmtrace.Call
	)
	f0 := blas.Flops()
	prev := gemmtrace.Set(func(c gemmtrace.Call) {
		mu.Lock()
		calls = append(calls, c)
		mu.Unlock()
	})
	m.Step(x, y, n, 1)
	gemmtrace.Set(prev)
	work := blas.Flops() - f0
	rng := rand.New(rand.NewPCG(3, 4))
	fill := func(n int) []float32 {
		s := hugepage.Floats(n)
		for i := range s {
			s[i] = float32(rng.NormFloat64())
		}
		return s
	}
	ps := make([]product, len(calls))
	var seen int64
	for i, c := range calls {
		ar, ac := c.M, c.K
		if c.TransA {
			ar, ac = c.K, c.M
		}
		br, bc := c.K, c.N
		if c.TransB {
			br, bc = c.N, c.K
		}
		ps[i] = product{call: c, a: fill(stored(ar, ac, c.Lda)), c: fill(stored(c.M, c.N, c.Ldc))}
		if !c.Sym {
			ps[i].b = fill(stored(br, bc, c.Ldb))
		}
		seen += ps[i].flops()
	}
	if seen != work {
		tb.Fatalf("the step's recorded products do %d flops, blas counted %d: some product escaped the trace", seen, work)
	}
	return ps
}

// TestRecordStepComplete checks that the trace sees every product of the
// MLP steps that BenchmarkStepGEMMs replays (recordStep fails otherwise),
// and that replaying them counts the same work again.
func TestRecordStepComplete(t *testing.T) {
	sizes := mlpSizes(40, 24, 3)
	mc, err := ccl.NewMLP(ccl.MLPConfig{Sizes: sizes, ActF: net.ELU, ActB: net.ELU, LossScaleC: 0.5,
		MaxBatch: 16, Forward: mlpOpt, Feedback: mlpOpt})
	if err != nil {
		t.Fatal(err)
	}
	mb, err := bp.NewMLP(bp.MLPConfig{Sizes: sizes, Act: net.ELU, MaxBatch: 16, Opt: mlpOpt.Optimizer()})
	if err != nil {
		t.Fatal(err)
	}
	x, y := randomBatch(16, sizes[0], 10)
	for _, m := range []stepper{cclStep{mc}, bpStep{mb}} {
		ps := recordStep(t, m, x, y, 16)
		if len(ps) == 0 {
			t.Fatalf("%T: no product recorded", m)
		}
		var want int64
		for i := range ps {
			want += ps[i].flops()
		}
		f0 := blas.Flops()
		for i := range ps {
			ps[i].run()
		}
		if got := blas.Flops() - f0; got != want {
			t.Errorf("%T: replay counted %d flops, recorded %d", m, got, want)
		}
	}
	if gemmtrace.Set(nil) != nil {
		t.Error("recordStep left its recorder installed")
	}
}

// randomBatch returns a batch of n random inputs of dim values and labels
// below classes, the same for every call.
func randomBatch(n, dim, classes int) ([]float32, []int32) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, n*dim)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	y := make([]int32, n)
	for i := range y {
		y[i] = int32(rng.IntN(classes))
	}
	return x, y
}

// BenchmarkStepGEMMs splits the MLP training steps into their matrix
// products and the rest. It records the products of one step (shapes,
// transposes, leading dimensions, alpha and beta: gemmtrace), then
// alternates blocks of stepGEMMsSteps real steps with blocks of as many
// replays of those products, one after the other on their own operands,
// each on all threads. It reports the medians over the blocks of the step
// time (step-ms), of the products' time (gemm-ms), of the products' work
// over their time (gemm-GFLOP/s, gemm-%peak: issue #8's "GEMM work" of the
// step) and over the step's time (step-%peak, BenchmarkTrainStep's
// %peak), and of the rest (rest-ms: step-ms − gemm-ms in each pair of
// blocks: activations, losses, the optimiser's passes over the weights,
// and the synchronisation of the step's two streams). In the step, the
// two streams' products may run concurrently, each on fewer threads; the
// replay runs them in sequence, so rest-ms is the step's cost beyond its
// products run as well as blas runs them alone. Run it with -benchtime
// 10x or more.
func BenchmarkStepGEMMs(b *testing.B) {
	for _, c := range []struct {
		name  string
		sizes []int
	}{{"fmnist_mlp", mlpSizes(784, 256, 5)}, {"cifar10_mlp", mlpSizes(3072, 1024, 3)}} {
		for _, method := range []string{"ccl", "bp"} {
			b.Run(c.name+"/"+method, func(b *testing.B) {
				var m stepper
				if method == "ccl" {
					mc, err := ccl.NewMLP(ccl.MLPConfig{Sizes: c.sizes, ActF: net.ELU, ActB: net.ELU, LossScaleC: 0.5,
						MaxBatch: 256, Forward: mlpOpt, Feedback: mlpOpt})
					if err != nil {
						b.Fatal(err)
					}
					m = cclStep{mc}
				} else {
					mb, err := bp.NewMLP(bp.MLPConfig{Sizes: c.sizes, Act: net.ELU, MaxBatch: 256, Opt: mlpOpt.Optimizer()})
					if err != nil {
						b.Fatal(err)
					}
					m = bpStep{mb}
				}
				x, y := randomBatch(256, c.sizes[0], 10)
				for range 3 {
					m.Step(x, y, 256, 1)
				}
				ps := recordStep(b, m, x, y, 256)
				var work int64
				for i := range ps {
					ps[i].run() // warm-up
					work += ps[i].flops()
				}
				peak := AllCorePeak(blas.Kernel())
				var step, gemm, rest []float64
				b.ResetTimer()
				for b.Loop() {
					t0 := time.Now()
					for range stepGEMMsSteps {
						m.Step(x, y, 256, 1)
					}
					t1 := time.Now()
					for range stepGEMMsSteps {
						for i := range ps {
							ps[i].run()
						}
					}
					ts := t1.Sub(t0).Seconds() * 1000 / stepGEMMsSteps
					tg := time.Since(t1).Seconds() * 1000 / stepGEMMsSteps
					step, gemm, rest = append(step, ts), append(gemm, tg), append(rest, ts-tg)
				}
				ms, mg := median(step), median(gemm)
				b.ReportMetric(ms, "step-ms")
				b.ReportMetric(mg, "gemm-ms")
				b.ReportMetric(median(rest), "rest-ms")
				b.ReportMetric(float64(work)/mg/1e6, "gemm-GFLOP/s")
				b.ReportMetric(float64(len(ps)), "products")
				if peak > 0 {
					b.ReportMetric(100*float64(work)/mg/1e6/peak, "gemm-%peak")
					b.ReportMetric(100*float64(work)/ms/1e6/peak, "step-%peak")
				}
			})
		}
	}
}

// stepGEMMsSteps is the number of steps (and of replays) in each block of
// BenchmarkStepGEMMs.
const stepGEMMsSteps = 5
