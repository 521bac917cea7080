package datasets

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		n          int
		frac       float64
		nTrain, nV int
	}{
		{60000, 0.1, 54000, 6000},
		{50000, 0.1, 45000, 5000},
		{11, 0.1, 10, 1},
		{19, 0.1, 18, 1}, // floor(17.1)=17, floor(1.9)=1, one left over goes to training
		{10, 0, 10, 0},
		{10, 1, 0, 10},
		{0, 0.1, 0, 0},
	} {
		tr, val := Split(tc.n, tc.frac, 42)
		if len(tr) != tc.nTrain || len(val) != tc.nV {
			t.Errorf("Split(%d, %v): %d/%d, want %d/%d", tc.n, tc.frac, len(tr), len(val), tc.nTrain, tc.nV)
		}
		all := slices.Sorted(slices.Values(append(append([]int(nil), tr...), val...)))
		for i, v := range all {
			if v != i {
				t.Fatalf("Split(%d, %v) is not a partition of 0..n-1", tc.n, tc.frac)
			}
		}
	}
	a, av := Split(1000, 0.1, 7)
	b, bv := Split(1000, 0.1, 7)
	c, _ := Split(1000, 0.1, 8)
	if !slices.Equal(a, b) || !slices.Equal(av, bv) {
		t.Error("Split is not deterministic")
	}
	if slices.Equal(a, c) {
		t.Error("Split ignores the seed")
	}
	if slices.IsSorted(a) {
		t.Error("Split does not shuffle")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Split(10, 1.5) did not panic")
			}
		}()
		Split(10, 1.5, 0)
	}()
}

// tinySet returns a 3-channel 2×2 data set whose image i has every pixel of
// channel c equal to 10*i+c and label i%10.
func tinySet(n int) *Dataset {
	d := &Dataset{Name: "tiny", N: n, C: 3, H: 2, W: 2, Classes: 10}
	d.Images = make([]uint8, n*d.Dim())
	d.Labels = make([]uint8, n)
	for i := 0; i < n; i++ {
		for c := 0; c < 3; c++ {
			for p := 0; p < 4; p++ {
				d.Images[i*12+c*4+p] = uint8(10*i + c)
			}
		}
		d.Labels[i] = uint8(i % 10)
	}
	return d
}

var tinyNorm = Normalization{Mean: []float32{0.5, 0.25, 0.125}, Std: []float32{0.5, 0.2, 0.1}}

func TestLoaderBatches(t *testing.T) {
	d := tinySet(20)
	idx := []int{3, 5, 7, 11, 13, 17, 19}
	l := NewLoader(d, idx, 3, false, 1, tinyNorm)
	if l.NumBatches() != 3 || l.Len() != 7 || l.Dim() != 12 || l.BatchSize() != 3 {
		t.Fatalf("NumBatches %d Len %d Dim %d", l.NumBatches(), l.Len(), l.Dim())
	}
	x := make([]float32, 3*12)
	y := make([]int32, 3)
	var seen []int
	for b := 0; b < l.NumBatches(); b++ {
		rows := l.Batch(b, x, y)
		if want := min(3, 7-3*b); rows != want {
			t.Fatalf("batch %d: %d rows, want %d", b, rows, want)
		}
		for r := 0; r < rows; r++ {
			id := idx[3*b+r]
			seen = append(seen, id)
			if y[r] != int32(id%10) {
				t.Errorf("batch %d row %d: label %d, want %d", b, r, y[r], id%10)
			}
			for c := 0; c < 3; c++ {
				// torchvision: ToTensor then Normalize, in float32.
				want := (float32(10*id+c)/255 - tinyNorm.Mean[c]) / tinyNorm.Std[c]
				for p := 0; p < 4; p++ {
					if got := x[r*12+c*4+p]; got != want {
						t.Fatalf("batch %d row %d channel %d: %v, want %v", b, r, c, got, want)
					}
				}
			}
		}
	}
	if !slices.Equal(seen, idx) {
		t.Errorf("unshuffled order %v, want %v", seen, idx)
	}
}

func epochOrder(l *Loader, e int) []int {
	l.SetEpoch(e)
	var out []int
	for b := 0; b < l.NumBatches(); b++ {
		out = append(out, l.Indices(b)...)
	}
	return out
}

func TestLoaderShuffle(t *testing.T) {
	d := tinySet(200)
	idx, _ := Split(200, 0.1, 3)
	l := NewLoader(d, idx, 16, true, 99, tinyNorm)
	e0, e1 := epochOrder(l, 0), epochOrder(l, 1)
	if slices.Equal(e0, e1) {
		t.Error("epochs 0 and 1 have the same order")
	}
	if !slices.Equal(slices.Sorted(slices.Values(e0)), slices.Sorted(slices.Values(idx))) {
		t.Error("epoch order is not a permutation of the subset")
	}
	// Depends only on (seed, epoch), not on history or on the Loader.
	if again := epochOrder(l, 0); !slices.Equal(e0, again) {
		t.Error("epoch 0 differs when revisited")
	}
	l2 := NewLoader(d, idx, 16, true, 99, tinyNorm)
	if !slices.Equal(epochOrder(l2, 1), e1) {
		t.Error("a second Loader with the same seed differs")
	}
	l3 := NewLoader(d, idx, 16, true, 100, tinyNorm)
	if slices.Equal(epochOrder(l3, 1), e1) {
		t.Error("the seed is ignored")
	}
	// The labels follow the images.
	x := make([]float32, 16*12)
	y := make([]int32, 16)
	l.SetEpoch(5)
	for b := 0; b < l.NumBatches(); b++ {
		rows := l.Batch(b, x, y)
		for r, id := range l.Indices(b)[:rows] {
			if y[r] != int32(d.Labels[id]) || x[r*12] != (float32(10*id%256)/255-0.5)/0.5 {
				t.Fatalf("epoch 5 batch %d row %d: label %d / x %v for sample %d", b, r, y[r], x[r*12], id)
			}
		}
	}
}

func TestLoaderNoAllocs(t *testing.T) {
	d := tinySet(100)
	idx, _ := Split(100, 0.1, 1)
	l := NewLoader(d, idx, 8, true, 5, tinyNorm)
	x := make([]float32, 8*12)
	y := make([]int32, 8)
	e := 0
	if a := testing.AllocsPerRun(50, func() { e++; l.SetEpoch(e) }); a != 0 {
		t.Errorf("SetEpoch: %v allocations", a)
	}
	b := 0
	if a := testing.AllocsPerRun(50, func() { l.Batch(b%l.NumBatches(), x, y); b++ }); a != 0 {
		t.Errorf("Batch: %v allocations", a)
	}
	l.Transform = func(img []uint8, c, h, w int, rng *rand.Rand) { img[0] = uint8(rng.IntN(256)) }
	if a := testing.AllocsPerRun(50, func() { l.Batch(b%l.NumBatches(), x, y); b++ }); a != 0 {
		t.Errorf("Batch with a Transform: %v allocations", a)
	}
}

func TestLoaderTransform(t *testing.T) {
	d := tinySet(50)
	orig := slices.Clone(d.Images)
	idx, _ := Split(50, 0, 1)
	l := NewLoader(d, idx, 7, true, 5, tinyNorm)
	// Flip-like transform: overwrite the first pixel with a random byte.
	l.Transform = func(img []uint8, c, h, w int, rng *rand.Rand) {
		if c != 3 || h != 2 || w != 2 || len(img) != 12 {
			t.Fatalf("Transform got %d bytes %dx%dx%d", len(img), c, h, w)
		}
		img[0] = uint8(rng.IntN(256))
	}
	x := make([]float32, 7*12)
	y := make([]int32, 7)
	first := func(e int, batches []int) []float32 {
		l.SetEpoch(e)
		var out []float32
		for _, b := range batches {
			rows := l.Batch(b, x, y)
			for r := 0; r < rows; r++ {
				out = append(out, x[r*12])
			}
		}
		return out
	}
	fwd := first(2, []int{0, 1, 2, 3, 4, 5, 6, 7})
	// Same epoch, batches produced in another order: same content.
	rev := first(2, []int{7, 6, 5, 4, 3, 2, 1, 0})
	var fwdByBatch [][]float32
	for b := 0; b < 8; b++ {
		fwdByBatch = append(fwdByBatch, fwd[b*7:min(len(fwd), b*7+7)])
	}
	var revWant []float32
	for b := 7; b >= 0; b-- {
		revWant = append(revWant, fwdByBatch[b]...)
	}
	if !slices.Equal(rev, revWant) {
		t.Error("transform randomness depends on the order batches are produced in")
	}
	if slices.Equal(fwd, first(3, []int{0, 1, 2, 3, 4, 5, 6, 7})) {
		t.Error("transform randomness does not change with the epoch")
	}
	if !slices.Equal(orig, d.Images) {
		t.Error("Transform modified the Dataset")
	}
}

func BenchmarkBatchFashionMNISTShape(b *testing.B) {
	d := &Dataset{Name: "bench", N: 1000, C: 1, H: 28, W: 28, Classes: 10,
		Images: make([]uint8, 1000*784), Labels: make([]uint8, 1000)}
	idx, _ := Split(1000, 0, 1)
	norm, _ := NormalizationFor("FashionMNIST")
	l := NewLoader(d, idx, 128, true, 1, norm)
	x := make([]float32, 128*784)
	y := make([]int32, 128)
	b.SetBytes(128 * 784)
	i := 0
	for b.Loop() {
		l.Batch(i%l.NumBatches(), x, y)
		i++
	}
}
