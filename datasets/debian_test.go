package datasets

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"math"
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

// TestDebianFashionMNISTCNNEval checks the FashionMNIST_CNN evaluation
// pipeline end to end on the first 8 real test images against torchvision:
// the MD5 of the float32 (little-endian) batch of
//
//	T.Compose([T.Resize((32, 32)), T.ToTensor()])(Image.fromarray(img, mode="L"))
//
// computed once with Debian's torchvision 0.14.1 / Pillow 9.4.0 on the same
// files (for one channel, NCHW and NHWC are the same bytes).
func TestDebianFashionMNISTCNNEval(t *testing.T) {
	if testing.Short() {
		t.Skip("loads Fashion-MNIST")
	}
	_, test, err := Load("FashionMNIST", debianFashionMNIST)
	if err != nil {
		t.Fatalf("%v (install the dataset-fashion-mnist package)", err)
	}
	r, err := RecipeFor("FashionMNIST_CNN", "cnn")
	if err != nil {
		t.Fatal(err)
	}
	l := r.NewLoader(test, []int{0, 1, 2, 3, 4, 5, 6, 7}, 8, false, 0, false)
	x := make([]float32, 8*r.Dim())
	y := make([]int32, 8)
	l.Batch(0, x, y)
	h := md5.New()
	var b [4]byte
	for _, v := range x {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		h.Write(b[:])
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != "bdbd31025ed867360821ee7478a37762" {
		t.Errorf("batch md5 %s differs from torchvision's", got)
	}
}
