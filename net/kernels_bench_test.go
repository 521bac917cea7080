package net

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Benchmarks of the element-wise loops at a first-layer CNN map size
// (cnn_pool on CIFAR-10 at batch 128: 128·32·32·128 ≈ 16.7M elements) and a
// small one (65K), per kernel level; ns/elem is the time per element.
// Run with -cpu 1,2 to see the worker pool's share.

var benchSizes = []int{1 << 16, 1 << 24}

func benchLevels(b *testing.B, f func(b *testing.B)) {
	saved := kernelLevel
	defer func() { kernelLevel = saved }()
	for l := levelGo; l <= maxKernelLevel; l++ {
		kernelLevel = l
		b.Run(levelNames[l], f)
	}
}

func benchData(n int) (x, y, dy, dx []float32) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, y, dy, dx = make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
		dy[i] = float32(rng.NormFloat64())
	}
	return
}

func perElem(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkActivation(b *testing.B) {
	for _, n := range benchSizes {
		x, y, dy, dx := benchData(n)
		for _, f := range []Activation{ELU, Tanh, SELU, ReLU, LeakyReLU} {
			b.Run(fmt.Sprintf("%v/fwd/n=%d", f, n), func(b *testing.B) {
				benchLevels(b, func(b *testing.B) {
					b.SetBytes(int64(8 * n))
					for b.Loop() {
						f.Forward(y, x)
					}
					perElem(b, n)
				})
			})
			f.Forward(y, x)
			b.Run(fmt.Sprintf("%v/bwd/n=%d", f, n), func(b *testing.B) {
				benchLevels(b, func(b *testing.B) {
					b.SetBytes(int64(16 * n))
					for b.Loop() {
						f.Backward(dx, dy, x, y)
					}
					perElem(b, n)
				})
			})
		}
	}
}

func BenchmarkOptimizer(b *testing.B) {
	for _, n := range benchSizes {
		var p Params
		p.Add("w", 256, n/256)
		p.Alloc()
		x, _, dy, _ := benchData(n)
		copy(p.Data, x)
		copy(p.Grad, dy)
		o := SGD{LR: 1e-6, Momentum: 0.9, WeightDecay: 1e-4}
		o.Step(&p)
		b.Run(fmt.Sprintf("sgd/n=%d", n), func(b *testing.B) {
			benchLevels(b, func(b *testing.B) {
				for b.Loop() {
					o.Step(&p)
				}
				perElem(b, n)
			})
		})
		b.Run(fmt.Sprintf("gradnorm/n=%d", n), func(b *testing.B) {
			benchLevels(b, func(b *testing.B) {
				for b.Loop() {
					GradNorm(&p)
				}
				perElem(b, n)
			})
		})
		b.Run(fmt.Sprintf("centralize/n=%d", n), func(b *testing.B) {
			benchLevels(b, func(b *testing.B) {
				for b.Loop() {
					CentralizeGradients(&p)
				}
				perElem(b, n)
			})
		})
		b.Run(fmt.Sprintf("clip/n=%d", n), func(b *testing.B) {
			benchLevels(b, func(b *testing.B) {
				for b.Loop() {
					ClipGradNorm(&p, 1e-3) // always scales
					copy(p.Grad, dy)
				}
				perElem(b, n)
			})
		})
	}
}
