package datasets

import (
	"slices"
	"testing"
	"time"

	"github.com/counter-current/ccl/internal/heapcount"
)

// syncEpoch fills every batch of epoch e synchronously.
func syncEpoch(l *Loader, e int) (xs [][]float32, ys [][]int32) {
	l.SetEpoch(e)
	x := make([]float32, l.BatchSize()*l.Dim())
	y := make([]int32, l.BatchSize())
	for b := 0; b < l.NumBatches(); b++ {
		n := l.Batch(b, x, y)
		xs = append(xs, slices.Clone(x[:n*l.Dim()]))
		ys = append(ys, slices.Clone(y[:n]))
	}
	return xs, ys
}

func TestPrefetcherMatchesSync(t *testing.T) {
	for _, tc := range []struct{ ds, arch string }{{"CIFAR10", "cnn_pool"}, {"MNIST_CNN", "cnn"}, {"MNIST", "simple_linear"}} {
		r, err := RecipeFor(tc.ds, tc.arch)
		if err != nil {
			t.Fatal(err)
		}
		c, h, w, _ := Shape(r.Files)
		d := patternSet(50, c, h, w)
		idx, _ := Split(d.N, 0.1, 4)
		ref := r.NewLoader(d, idx, 8, true, 9, true)
		for _, depth := range []int{1, 2, 3} {
			p := NewPrefetcher(r.NewLoader(d, idx, 8, true, 9, true), depth)
			if p.NumBatches() != ref.NumBatches() || p.Dim() != r.Dim() {
				t.Fatalf("NumBatches %d Dim %d", p.NumBatches(), p.Dim())
			}
			if _, _, _, ok := p.Next(); ok {
				t.Error("Next before Start returned a batch")
			}
			for _, e := range []int{0, 1, 5, 1} {
				wx, wy := syncEpoch(ref, e)
				p.Start(e)
				b := 0
				for x, y, n, ok := p.Next(); ok; x, y, n, ok = p.Next() {
					if b >= len(wx) || n != len(wy[b]) || !slices.Equal(x, wx[b]) || !slices.Equal(y, wy[b]) {
						t.Fatalf("%s depth %d epoch %d batch %d: differs from Loader.Batch", tc.ds, depth, e, b)
					}
					if b%2 == 0 {
						time.Sleep(time.Millisecond) // let the worker run ahead
					}
					b++
				}
				if b != len(wx) {
					t.Fatalf("epoch %d: %d batches, want %d", e, b, len(wx))
				}
				if _, _, _, ok := p.Next(); ok {
					t.Fatal("Next after the end of the epoch returned a batch")
				}
			}
			// Abandon an epoch after two batches (the autoencoder uses only
			// the first batches of each epoch); the next starts clean.
			p.Start(2)
			p.Next()
			p.Next()
			wx, _ := syncEpoch(ref, 3)
			p.Start(3)
			for b := range wx {
				x, _, _, ok := p.Next()
				if !ok || !slices.Equal(x, wx[b]) {
					t.Fatalf("after an abandoned epoch, batch %d differs", b)
				}
			}
			p.Start(4) // Close in the middle of an epoch
			p.Next()
			p.Close()
			p.Close()
			func() {
				defer func() {
					if recover() == nil {
						t.Error("Start after Close did not panic")
					}
				}()
				p.Start(0)
			}()
		}
	}
}

func TestPrefetcherNoAllocs(t *testing.T) {
	r, _ := RecipeFor("CIFAR10", "cnn_pool")
	d := patternSet(64, 3, 32, 32)
	idx, _ := Split(d.N, 0, 1)
	p := NewPrefetcher(r.NewLoader(d, idx, 8, true, 1, true), 2)
	defer p.Close()
	e := 0
	epoch := func() {
		p.Start(e)
		for _, _, _, ok := p.Next(); ok; _, _, _, ok = p.Next() {
		}
		e++
	}
	epoch() // warm-up
	if a, sites := heapcount.Runs(5, epoch); a != 0 {
		t.Errorf("5 prefetched epochs of %d batches allocate %d times: %v", p.NumBatches(), a, sites)
	}
}

func TestPrefetcherDepthPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("depth 0 did not panic")
		}
	}()
	NewPrefetcher(NewLoader(tinySet(4), []int{0}, 1, false, 0, tinyNorm), 0)
}
