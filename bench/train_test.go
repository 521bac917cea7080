package bench

import (
	"math/rand/v2"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/counter-current/ccl/blas"
	"github.com/counter-current/ccl/bp"
	"github.com/counter-current/ccl/ccl"
	"github.com/counter-current/ccl/internal/heapcount"
	"github.com/counter-current/ccl/internal/parallel"
	"github.com/counter-current/ccl/net"
)

// Training-step benchmarks at the reference's batch sizes, with the
// reference configurations' options, on random data (a step's cost does
// not depend on the data). Each reports samples/s, ms/step, the matrix
// products' work per step (GFLOP/step, counted by blas.Flops: every Sgemm
// call, convolutions included, at 2·m·n·k), that work over the step's
// time (GFLOP/s) and as a percentage of the measured all-core FMA peak of
// the kernel's instruction set (%peak), and the live heap after warm-up
// (heap-MB: the model, its buffers and the batch; the "lean" cases use
// ccl's memory-lean mode), and the allocations per timed step, which must
// be 0: mallocs/step exactly (the runtime's count over the timed steps
// over their number), allocs/op rounded down. Compare with
// bench/peers/torch_steps.py (same networks, batch sizes and threads);
// bench/peers/steps_table.py runs both.

type stepper interface {
	Step(x []float32, y []int32, n int, scale float32)
}

type cclStep struct{ m *ccl.Network }

func (s cclStep) Step(x []float32, y []int32, n int, scale float32) { s.m.Step(x, y, n, scale) }

type bpStep struct{ m *bp.Network }

type cclAEStep struct{ m *ccl.Autoencoder }

func (s cclAEStep) Step(x []float32, _ []int32, n int, scale float32) { s.m.Step(x, n, scale) }

type bpAEStep struct{ m *bp.Autoencoder }

func (s bpAEStep) Step(x []float32, _ []int32, n int, scale float32) { s.m.Step(x, n, scale) }

func (s bpStep) Step(x []float32, y []int32, n int, scale float32) { s.m.Step(x, y, n, scale) }

// warmFor is the least warm-up of runSteps, warmExtra the most steps it
// adds until one allocates nothing.
const (
	warmFor   = time.Second
	warmExtra = 10
)

func runSteps(b *testing.B, m stepper, batch, dim, classes int) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, batch*dim)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	y := make([]int32, batch)
	for i := range y {
		y[i] = int32(rng.IntN(classes))
	}
	// Collect first, then warm up: lazily sized scratch, job descriptors of
	// the concurrent streams. A collection empties the runtime's central
	// cache of records for blocked goroutines (sudogs), which the thread
	// pool's waits would then allocate again over the next steps (for
	// about a hundred steps of cnn_pool, whose waits are few), so none is
	// forced between the warm-up and the timed steps, and PrimeWaits
	// fills the caches at once. The steps allocate nothing, so the heap
	// after the warm-up is live data: the model, its buffers and the batch.
	// The warm-up is 3 steps and at least warmFor, then up to warmExtra
	// more until a step allocates nothing: job descriptors and scratch
	// buffers reach their final sizes in the first steps (see
	// parallel.FreeList, hugepage.Pool and blas' gemmJob.settle), which
	// for a step of seconds can be a few (the autoencoder's CCL step: one
	// more weight-sized scratch buffer at step 4).
	runtime.GC()
	parallel.PrimeWaits()
	for t0, i := time.Now(), 0; i < 3 || time.Since(t0) < warmFor; i++ {
		m.Step(x, y, batch, 1)
	}
	for range warmExtra {
		before := heapcount.Objects()
		m.Step(x, y, batch, 1)
		if heapcount.Objects() == before {
			break
		}
	}
	// Fill the wait records' caches again: a collection started by the
	// warm-up's own allocations (the autoencoder's first steps allocate
	// gigabytes of buffers) empties the central one (see PrimeWaits), and
	// the first step after heapcount's quiet wait, whose parked workers it
	// wakes, would then find the caches short.
	parallel.PrimeWaits()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap := float64(ms.HeapAlloc) / (1 << 20)
	f0 := blas.Flops()
	m.Step(x, y, batch, 1)
	work := float64(blas.Flops() - f0)
	peak := AllCorePeak(blas.Kernel())
	b.ReportAllocs()
	// allocs/op is the count rounded down: mallocs/step is exact, so that
	// one allocation in 20 steps shows, and counts the steps alone.
	// (A plain b.N loop: b.Loop's first call would read runtime.MemStats
	// inside the count, without heapcount's wait; see package heapcount.)
	// Both counts stay outside the timer: each waits 5 ms and stops the
	// world, which over 10 steps of 2 ms had added half of a step to each.
	// The wait also parks the thread pool's workers, so one step, counted
	// but not timed, wakes them before the timer starts.
	objects := heapcount.Objects()
	m.Step(x, y, batch, 1)
	b.ResetTimer()
	for range b.N {
		m.Step(x, y, batch, 1)
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(heapcount.Objects()-objects)/float64(b.N+1), "mallocs/step")
	b.ReportMetric(float64(batch)/sec, "samples/s")
	b.ReportMetric(sec*1000, "ms/step")
	b.ReportMetric(work/1e9, "GFLOP/step")
	b.ReportMetric(heap, "heap-MB")
	b.ReportMetric(work/sec/1e9, "GFLOP/s")
	if peak > 0 {
		b.ReportMetric(100*work/sec/1e9/peak, "%peak")
	}
}

var (
	aeOpt   = ccl.OptimConfig{LR: 0.01, Momentum: 0.9, WeightDecay: 1e-4, Centralize: true, Clip: 0.2} // configs/cnn_ae/stl10_ccl_legacy.yaml
	aeBPOpt = ccl.OptimConfig{LR: 0.03, Momentum: 0.5, WeightDecay: 1e-5, Centralize: true, Clip: 0.2} // configs/cnn_ae/stl10_bp_legacy.yaml
	mlpOpt  = ccl.OptimConfig{LR: 0.01, Clip: 1}                                                       // configs/mlp/*
	cnnOpt  = ccl.OptimConfig{LR: 0.01, Momentum: 0.8, WeightDecay: 1e-6, Centralize: true, Clip: 0.3} // configs/cnn/cifar10_ccl.yaml
)

func mlpSizes(in, hidden, layers int) []int {
	s := []int{in}
	for range layers {
		s = append(s, hidden)
	}
	return append(s, 10)
}

func BenchmarkTrainStep(b *testing.B) {
	mlps := []struct {
		name  string
		sizes []int
	}{{"fmnist_mlp", mlpSizes(784, 256, 5)}, {"cifar10_mlp", mlpSizes(3072, 1024, 3)}}
	for _, c := range mlps {
		b.Run(c.name+"/ccl", func(b *testing.B) {
			m, err := ccl.NewMLP(ccl.MLPConfig{Sizes: c.sizes, ActF: net.ELU, ActB: net.ELU, LossScaleC: 0.5,
				MaxBatch: 256, Forward: mlpOpt, Feedback: mlpOpt})
			if err != nil {
				b.Fatal(err)
			}
			runSteps(b, cclStep{m}, 256, c.sizes[0], 10)
		})
		b.Run(c.name+"/ccl-lean", func(b *testing.B) {
			m, err := ccl.NewMLP(ccl.MLPConfig{Sizes: c.sizes, ActF: net.ELU, ActB: net.ELU, LossScaleC: 0.5,
				MaxBatch: 256, Forward: mlpOpt, Feedback: mlpOpt})
			if err != nil {
				b.Fatal(err)
			}
			m.EnableLean()
			runSteps(b, cclStep{m}, 256, c.sizes[0], 10)
		})
		b.Run(c.name+"/bp", func(b *testing.B) {
			m, err := bp.NewMLP(bp.MLPConfig{Sizes: c.sizes, Act: net.ELU, MaxBatch: 256, Opt: mlpOpt.Optimizer()})
			if err != nil {
				b.Fatal(err)
			}
			runSteps(b, bpStep{m}, 256, c.sizes[0], 10)
		})
	}
	spec := net.CNNSpec{Kind: net.PoolConv, Channels: []int{3, 128, 128, 256, 256, 512}, H: 32, W: 32, Classes: 10}
	b.Run("cifar10_cnn_pool/ccl", func(b *testing.B) {
		m, err := ccl.NewCNN(ccl.CNNConfig{Spec: spec, ActF: net.ELU, ActB: net.ELU, LossScaleC: 1, LossScaleSSL: 0.5,
			Filter: true, ZeroBias: true, MaxBatch: 128, Forward: cnnOpt, Feedback: cnnOpt})
		if err != nil {
			b.Fatal(err)
		}
		runSteps(b, cclStep{m}, 128, 3*32*32, 10)
	})
	b.Run("cifar10_cnn_pool/ccl-lean", func(b *testing.B) {
		m, err := ccl.NewCNN(ccl.CNNConfig{Spec: spec, ActF: net.ELU, ActB: net.ELU, LossScaleC: 1, LossScaleSSL: 0.5,
			Filter: true, ZeroBias: true, MaxBatch: 128, Forward: cnnOpt, Feedback: cnnOpt})
		if err != nil {
			b.Fatal(err)
		}
		m.EnableLean()
		runSteps(b, cclStep{m}, 128, 3*32*32, 10)
	})
	b.Run("cifar10_cnn_pool/bp", func(b *testing.B) {
		m, err := bp.NewCNN(bp.CNNConfig{Spec: spec, Act: net.ELU, ZeroBias: true, MaxBatch: 128, Opt: cnnOpt.Optimizer()})
		if err != nil {
			b.Fatal(err)
		}
		runSteps(b, bpStep{m}, 128, 3*32*32, 10)
	})
	// The Fashion-MNIST CNN (configs/cnn/fmnist_ccl.yaml: "cnn", 3×3
	// stride-2 convolutions with bias, 1→128→128→256→256→512 on the
	// 32×32 padded images, no filter) at batch 256, with the MLPs'
	// optimiser settings, as bench/peers/torch_steps.py times it.
	fspec := net.CNNSpec{Kind: net.StrideConv, Channels: []int{1, 128, 128, 256, 256, 512}, H: 32, W: 32, Classes: 10}
	b.Run("fmnist_cnn/ccl", func(b *testing.B) {
		m, err := ccl.NewCNN(ccl.CNNConfig{Spec: fspec, ActF: net.ELU, ActB: net.ELU, LossScaleC: 1, LossScaleSSL: 0.5,
			ZeroBias: true, MaxBatch: 256, Forward: mlpOpt, Feedback: mlpOpt})
		if err != nil {
			b.Fatal(err)
		}
		runSteps(b, cclStep{m}, 256, 32*32, 10)
	})
	b.Run("fmnist_cnn/bp", func(b *testing.B) {
		m, err := bp.NewCNN(bp.CNNConfig{Spec: fspec, Act: net.ELU, ZeroBias: true, MaxBatch: 256, Opt: mlpOpt.Optimizer()})
		if err != nil {
			b.Fatal(err)
		}
		runSteps(b, bpStep{m}, 256, 32*32, 10)
	})
	// The STL-10 autoencoder (spec §9) at the reference's batch size, 32.
	ae := net.AESpec{Channels: []int{3, 128, 256, 1024, 2048}, H: 96, W: 96}
	b.Run("stl10_ae/ccl", func(b *testing.B) {
		m, err := ccl.NewAutoencoder(ccl.AEConfig{Spec: ae, ActF: net.ReLU, ActB: net.ReLU, LossScaleC: 1, LossScaleD: 1,
			MaxBatch: 32, Forward: aeOpt, Feedback: aeOpt})
		if err != nil {
			b.Fatal(err)
		}
		runSteps(b, cclAEStep{m}, 32, 96*96*3, 10)
	})
	b.Run("stl10_ae/bp", func(b *testing.B) {
		m, err := bp.NewAutoencoder(bp.AEConfig{Spec: ae, Act: net.ReLU, MaxBatch: 32, Opt: aeBPOpt.Optimizer()})
		if err != nil {
			b.Fatal(err)
		}
		runSteps(b, bpAEStep{m}, 32, 96*96*3, 10)
	})
}

// BenchmarkCCLOverBP times the CCL and the BP step of each MLP in
// alternating blocks of ccloverbpSteps steps (one block of each per
// iteration), so that both see the same state of a shared host, and
// reports their medians over the blocks (ccl-ms/step, bp-ms/step) and the
// median of the blocks' ratios (ccl/bp): the fair form of issue #8's "CCL
// step time ≤ BP step time", which BenchmarkTrainStep's cases, run one
// after the other, leave exposed to the host's slow spells. Run it with
// -benchtime 30x or more.
func BenchmarkCCLOverBP(b *testing.B) {
	for _, c := range []struct {
		name  string
		sizes []int
	}{{"fmnist_mlp", mlpSizes(784, 256, 5)}, {"cifar10_mlp", mlpSizes(3072, 1024, 3)}} {
		b.Run(c.name, func(b *testing.B) {
			mc, err := ccl.NewMLP(ccl.MLPConfig{Sizes: c.sizes, ActF: net.ELU, ActB: net.ELU, LossScaleC: 0.5,
				MaxBatch: 256, Forward: mlpOpt, Feedback: mlpOpt})
			if err != nil {
				b.Fatal(err)
			}
			mb, err := bp.NewMLP(bp.MLPConfig{Sizes: c.sizes, Act: net.ELU, MaxBatch: 256, Opt: mlpOpt.Optimizer()})
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			x := make([]float32, 256*c.sizes[0])
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			y := make([]int32, 256)
			for i := range y {
				y[i] = int32(rng.IntN(10))
			}
			models := [2]stepper{cclStep{mc}, bpStep{mb}}
			for _, m := range models {
				for range 3 {
					m.Step(x, y, 256, 1)
				}
			}
			var ms [2][]float64
			var ratio []float64
			b.ResetTimer()
			for b.Loop() {
				var t [2]float64
				for i, m := range models {
					t0 := time.Now()
					for range ccloverbpSteps {
						m.Step(x, y, 256, 1)
					}
					t[i] = time.Since(t0).Seconds() * 1000 / ccloverbpSteps
					ms[i] = append(ms[i], t[i])
				}
				ratio = append(ratio, t[0]/t[1])
			}
			b.ReportMetric(median(ms[0]), "ccl-ms/step")
			b.ReportMetric(median(ms[1]), "bp-ms/step")
			b.ReportMetric(median(ratio), "ccl/bp")
		})
	}
}

// ccloverbpSteps is the number of steps in each block of
// BenchmarkCCLOverBP.
const ccloverbpSteps = 5

// median returns the median of s (the mean of the middle two when len(s)
// is even), sorting s.
func median(s []float64) float64 {
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
