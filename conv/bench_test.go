package conv

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Layers of the paper's CNNs at batch 32: the first and a middle conv of
// cnn_pool (3×3 s1 p1) and of cnn (3×3 s2 p1), and the feedback conv after
// upsampling.
var benchGeoms = []Geometry{
	{N: 32, H: 32, W: 32, Cin: 3, Cout: 128, K: 3, Stride: 1, Pad: 1},
	{N: 32, H: 16, W: 16, Cin: 128, Cout: 128, K: 3, Stride: 1, Pad: 1},
	{N: 32, H: 16, W: 16, Cin: 128, Cout: 256, K: 3, Stride: 2, Pad: 1},
	{N: 32, H: 4, W: 4, Cin: 256, Cout: 512, K: 3, Stride: 1, Pad: 1},
}

func benchName(g Geometry) string {
	return fmt.Sprintf("%dx%dx%d-%d-k%ds%d", g.H, g.W, g.Cin, g.Cout, g.K, g.Stride)
}

func BenchmarkConv(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, g := range benchGeoms {
		in, w, bias, dOut := randSlice(r, g.InLen()), randSlice(r, g.WeightLen()), randSlice(r, g.Cout), randSlice(r, g.OutLen())
		scr := max(g.ColLen(), g.ScratchLen(), g.BackwardInputScratchLen()) // Im2col's, Forward's, BackwardInput's
		out, col := make([]float32, g.OutLen()), make([]float32, scr)
		dW, dB, dIn, dcol := make([]float32, g.WeightLen()), make([]float32, g.Cout), make([]float32, g.InLen()), make([]float32, scr)
		flops := 2 * float64(g.Rows()) * float64(g.Cout) * float64(g.Depth())
		report := func(b *testing.B) {
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		b.Run("Im2col/"+benchName(g), func(b *testing.B) {
			b.SetBytes(int64(4 * g.ColLen()))
			for b.Loop() {
				Im2col(col, in, g)
			}
		})
		b.Run("Col2im/"+benchName(g), func(b *testing.B) {
			b.SetBytes(int64(4 * g.ColLen()))
			for b.Loop() {
				Col2im(dIn, dcol, g)
			}
		})
		b.Run("Forward/"+benchName(g), func(b *testing.B) {
			for b.Loop() {
				Forward(out, col, in, w, bias, g)
			}
			report(b)
		})
		b.Run("BackwardWeight/"+benchName(g), func(b *testing.B) {
			for b.Loop() {
				BackwardWeight(dW, dB, dOut, in, col, g, 1)
			}
			report(b)
		})
		b.Run("BackwardInput/"+benchName(g), func(b *testing.B) {
			for b.Loop() {
				BackwardInput(dIn, dcol, dOut, w, g)
			}
			report(b)
		})
	}
}

func BenchmarkPoolUpsample(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	n, h, w, c := 32, 32, 32, 128
	in := randSlice(r, n*h*w*c)
	out, idx := make([]float32, len(in)/4), make([]int32, len(in)/4)
	dIn := make([]float32, len(in))
	up := make([]float32, 4*len(in))
	// The routing of a real forward pass, whichever sub-benchmarks run.
	MaxPool2Forward(out, idx, in, n, h, w, c)
	b.Run("MaxPool2Forward", func(b *testing.B) {
		b.SetBytes(int64(4 * len(in)))
		for b.Loop() {
			MaxPool2Forward(out, idx, in, n, h, w, c)
		}
	})
	b.Run("MaxPool2Backward", func(b *testing.B) {
		b.SetBytes(int64(4 * len(in)))
		for b.Loop() {
			MaxPool2Backward(dIn, out, idx, n, h, w, c)
		}
	})
	b.Run("Upsample2Forward", func(b *testing.B) {
		b.SetBytes(int64(4 * len(up)))
		for b.Loop() {
			Upsample2Forward(up, in, n, h, w, c)
		}
	})
	b.Run("Upsample2Backward", func(b *testing.B) {
		b.SetBytes(int64(4 * len(up)))
		for b.Loop() {
			Upsample2Backward(dIn, up, n, h, w, c)
		}
	})
}
