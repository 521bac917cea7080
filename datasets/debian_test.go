package datasets

import (
	"testing"
	"time"
)

// TestDebianFashionMNIST loads the real Fashion-MNIST installed by Debian's
// dataset-fashion-mnist package. It fails (does not skip) when the files are
// missing: CI installs the package.
func TestDebianFashionMNIST(t *testing.T) {
	start := time.Now()
	dir, err := Ensure("FashionMNIST", t.TempDir(), t.Logf)
	if err != nil {
		t.Fatalf("%v (install the dataset-fashion-mnist package)", err)
	}
	if dir != debianFashionMNIST {
		t.Fatalf("Ensure found %s, want %s", dir, debianFashionMNIST)
	}
	train, test, err := Load("FashionMNIST", dir)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	// About 0.3 s on an idle machine; see BenchmarkLoadFashionMNIST. Not
	// asserted: the race detector and loaded CI machines are much slower.
	t.Logf("found and loaded in %v", elapsed)
	if train.N != 60000 || test.N != 10000 {
		t.Fatalf("counts %d/%d, want 60000/10000", train.N, test.N)
	}
	for _, d := range []*Dataset{train, test} {
		if d.C != 1 || d.H != 28 || d.W != 28 || d.Classes != 10 || d.Name != "FashionMNIST" ||
			len(d.Images) != d.N*784 || len(d.Labels) != d.N {
			t.Fatalf("%s: shape %dx%dx%d, %d classes, %d pixels, %d labels", d.Name, d.C, d.H, d.W, d.Classes, len(d.Images), len(d.Labels))
		}
	}
	var hist [10]int
	for _, l := range train.Labels {
		hist[l]++
	}
	for c, n := range hist {
		if n != 6000 {
			t.Errorf("train class %d: %d images, want 6000", c, n)
		}
	}
	var testHist [10]int
	for _, l := range test.Labels {
		testHist[l]++
	}
	for c, n := range testHist {
		if n != 1000 {
			t.Errorf("test class %d: %d images, want 1000", c, n)
		}
	}
}

func BenchmarkLoadFashionMNIST(b *testing.B) {
	for b.Loop() {
		if _, _, err := Load("FashionMNIST", debianFashionMNIST); err != nil {
			b.Fatal(err)
		}
	}
}
