package bench

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/counter-current/ccl/blas"
	"github.com/counter-current/ccl/internal/hugepage"
)

var (
	flagKernels = flag.String("kernels", "", "comma-separated blas kernels to benchmark (default: all but generic)")
	flagShapes  = flag.String("shapes", "", "substring filter on shape names")
)

// Shape is one benchmarked product C(M×N) = A(M×K)·B(K×N), all NoTrans.
type Shape struct {
	Name    string
	M, N, K int
}

// Shapes are the benchmarked products: square sizes, the dense training
// shapes, and the im2col products of the CIFAR CNN at batch 128 (3×3
// convolutions, pad 1, channels 3→128→128→256→256→512 on 32, 16, 8, 4 and
// 2 px: M = 128·H·W, N = output channels, K = 9·input channels).
var Shapes = []Shape{
	{"square512", 512, 512, 512},
	{"square1024", 1024, 1024, 1024},
	{"square2048", 2048, 2048, 2048},
	{"dense256x1024x3072", 256, 1024, 3072},
	{"dense256x1024x1024", 256, 1024, 1024},
	{"dense256x256x784", 256, 256, 784},
	{"cnn1_131072x128x27", 131072, 128, 27},
	{"cnn2_32768x128x1152", 32768, 128, 1152},
	{"cnn3_8192x256x1152", 8192, 256, 1152},
	{"cnn4_2048x256x2304", 2048, 256, 2304},
	{"cnn5_512x512x2304", 512, 512, 2304},
}

func benchKernels() []string {
	if *flagKernels != "" {
		return strings.Split(*flagKernels, ",")
	}
	var ks []string
	for _, k := range blas.Kernels() {
		if k != "generic" {
			ks = append(ks, k)
		}
	}
	if len(ks) == 0 {
		ks = []string{"generic"}
	}
	return ks
}

// BenchmarkSgemm reports GFLOP/s per kernel and shape (mean over the run,
// and best single call, which a busy machine lowers less), and the same as
// a percentage of the measured all-core FMA peak of the kernel's
// instruction set.
func BenchmarkSgemm(b *testing.B) {
	defer blas.SetKernel("auto")
	for _, kn := range benchKernels() {
		if err := blas.SetKernel(kn); err != nil {
			b.Fatalf("kernel %q: %v", kn, err)
		}
		peak := AllCorePeak(kn)
		for _, s := range Shapes {
			if *flagShapes != "" && !strings.Contains(s.Name, *flagShapes) {
				continue
			}
			b.Run(fmt.Sprintf("%s/%s", kn, s.Name), func(b *testing.B) {
				a, bm, c := operands(s)
				flops := 2 * float64(s.M) * float64(s.N) * float64(s.K)
				blas.Sgemm(blas.NoTrans, blas.NoTrans, s.M, s.N, s.K, 1, a, s.K, bm, s.N, 0, c, s.N)
				b.ResetTimer()
				best := time.Duration(math.MaxInt64)
				for b.Loop() {
					t0 := time.Now()
					blas.Sgemm(blas.NoTrans, blas.NoTrans, s.M, s.N, s.K, 1, a, s.K, bm, s.N, 0, c, s.N)
					best = min(best, time.Since(t0))
				}
				g := flops * float64(b.N) / b.Elapsed().Seconds() / 1e9
				gBest := flops / best.Seconds() / 1e9
				b.ReportMetric(g, "GFLOP/s")
				b.ReportMetric(gBest, "best-GFLOP/s")
				if peak > 0 {
					b.ReportMetric(100*g/peak, "%peak")
					b.ReportMetric(100*gBest/peak, "best-%peak")
				}
			})
		}
	}
}

// BenchmarkSgemmTrans reports GFLOP/s of the dense training shapes with
// op(A) = Aᵀ (weight gradients: Xᵀ·dY) and op(B) = Bᵀ (input gradients:
// dY·Wᵀ), for the best kernel.
func BenchmarkSgemmTrans(b *testing.B) {
	kn := benchKernels()[0]
	defer blas.SetKernel("auto")
	if err := blas.SetKernel(kn); err != nil {
		b.Fatalf("kernel %q: %v", kn, err)
	}
	peak := AllCorePeak(kn)
	for _, s := range Shapes {
		if !strings.HasPrefix(s.Name, "dense") && !strings.HasPrefix(s.Name, "square2048") {
			continue
		}
		for _, tr := range []struct {
			name   string
			tA, tB blas.Transpose
		}{{"TN", blas.Trans, blas.NoTrans}, {"NT", blas.NoTrans, blas.Trans}} {
			b.Run(fmt.Sprintf("%s/%s/%s", kn, s.Name, tr.name), func(b *testing.B) {
				a, bm, c := operands(s)
				lda, ldb := s.K, s.N
				if tr.tA == blas.Trans {
					lda = s.M
				}
				if tr.tB == blas.Trans {
					ldb = s.K
				}
				flops := 2 * float64(s.M) * float64(s.N) * float64(s.K)
				blas.Sgemm(tr.tA, tr.tB, s.M, s.N, s.K, 1, a, lda, bm, ldb, 0, c, s.N)
				b.ResetTimer()
				best := time.Duration(math.MaxInt64)
				for b.Loop() {
					t0 := time.Now()
					blas.Sgemm(tr.tA, tr.tB, s.M, s.N, s.K, 1, a, lda, bm, ldb, 0, c, s.N)
					best = min(best, time.Since(t0))
				}
				g := flops * float64(b.N) / b.Elapsed().Seconds() / 1e9
				gBest := flops / best.Seconds() / 1e9
				b.ReportMetric(g, "GFLOP/s")
				b.ReportMetric(gBest, "best-GFLOP/s")
				if peak > 0 {
					b.ReportMetric(100*gBest/peak, "best-%peak")
				}
			})
		}
	}
}

// BenchmarkSgemmConv reports GFLOP/s of the three products of each CNN
// layer as package conv issues them, for the best kernel: forward
// out = col·Wᵀ (NoTrans, Trans: M×N×K), weight gradient dW += dOutᵀ·col
// (Trans, NoTrans: N×K×M, beta 1) and input gradient dCol = dOut·W
// (NoTrans, NoTrans: M×K×N).
func BenchmarkSgemmConv(b *testing.B) {
	kn := benchKernels()[0]
	defer blas.SetKernel("auto")
	if err := blas.SetKernel(kn); err != nil {
		b.Fatalf("kernel %q: %v", kn, err)
	}
	for _, s := range Shapes {
		if !strings.HasPrefix(s.Name, "cnn") {
			continue
		}
		m, cout, d := s.M, s.N, s.K
		col, w, out := operands(s) // col m×d, w as d×cout storage (cout×d used), out m×cout
		dW := hugepage.Floats(cout * d)
		dCol := hugepage.Floats(m * d)
		for _, op := range []struct {
			name string
			run  func()
		}{
			{"fwd", func() { blas.Sgemm(blas.NoTrans, blas.Trans, m, cout, d, 1, col, d, w, d, 0, out, cout) }},
			{"dW", func() { blas.Sgemm(blas.Trans, blas.NoTrans, cout, d, m, 1, out, cout, col, d, 1, dW, d) }},
			{"dIn", func() { blas.Sgemm(blas.NoTrans, blas.NoTrans, m, d, cout, 1, out, cout, w, d, 0, dCol, d) }},
		} {
			b.Run(fmt.Sprintf("%s/%s/%s", kn, s.Name, op.name), func(b *testing.B) {
				flops := 2 * float64(m) * float64(cout) * float64(d)
				op.run()
				b.ResetTimer()
				best := time.Duration(math.MaxInt64)
				for b.Loop() {
					t0 := time.Now()
					op.run()
					best = min(best, time.Since(t0))
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(flops/best.Seconds()/1e9, "best-GFLOP/s")
			})
		}
	}
}

func operands(s Shape) (a, b, c []float32) {
	rng := rand.New(rand.NewPCG(1, 1))
	// On huge pages where the OS offers them, as the training buffers and
	// NumPy's arrays are (see internal/hugepage).
	a = hugepage.Floats(s.M * s.K)
	b = hugepage.Floats(s.K * s.N)
	c = hugepage.Floats(s.M * s.N)
	for i := range a {
		a[i] = rng.Float32() - 0.5
	}
	for i := range b {
		b[i] = rng.Float32() - 0.5
	}
	return a, b, c
}
