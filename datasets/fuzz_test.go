package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadIDX checks that arbitrary image and label files give a Dataset or
// a *FileError, never a panic.
func FuzzLoadIDX(f *testing.F) {
	f.Add(idxImages(2, 28, 28), idxLabels(2, 10))
	f.Add(idxImages(2, 28, 28)[:100], idxLabels(2, 10))
	f.Add(idxLabels(2, 10), idxImages(2, 28, 28))
	f.Add(gz(f, idxImages(1, 28, 28)), gz(f, idxLabels(1, 10)))
	f.Add([]byte{0x1f, 0x8b}, []byte{})
	f.Fuzz(func(t *testing.T, images, labels []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "train-images-idx3-ubyte"), images, 0o644)
		os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte"), labels, 0o644)
		d := &Dataset{C: 1, H: 28, W: 28, Classes: 10}
		err := testIDXSpec(0, 0).loadIDX(d, dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 0)
		var fe *FileError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("error %v is not a *FileError", err)
		}
		if err == nil && (len(d.Images) != d.N*784 || len(d.Labels) != d.N) {
			t.Fatalf("inconsistent dataset: N=%d, %d pixels, %d labels", d.N, len(d.Images), len(d.Labels))
		}
	})
}

// FuzzLoadCIFAR100 checks that arbitrary batch files give a Dataset or a
// *FileError, never a panic.
func FuzzLoadCIFAR100(f *testing.F) {
	f.Add(cifarFile(2, mod(20), mod(100)))
	f.Add(cifarFile(2, mod(20), mod(100))[:5000])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "train.bin"), data, 0o644)
		s := testCIFARSpec("CIFAR100", 0, 0)
		d := &Dataset{C: 3, H: 32, W: 32, Classes: 100}
		err := s.loadCIFAR(d, dir, []string{"train.bin"}, 0)
		var fe *FileError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("error %v is not a *FileError", err)
		}
		if err == nil && (len(d.Images) != d.N*3072 || len(d.Labels) != d.N || d.N != len(data)/3074) {
			t.Fatalf("inconsistent dataset: N=%d from %d bytes", d.N, len(data))
		}
	})
}

// FuzzReadSTL10 checks that arbitrary image and label files give a Dataset
// or a *FileError, never a panic.
func FuzzReadSTL10(f *testing.F) {
	f.Add(stlX(1), stlY(1))
	f.Add(stlX(2)[:30000], stlY(2))
	f.Add([]byte{}, []byte{1})
	f.Add(stlX(1), []byte{0})
	f.Fuzz(func(t *testing.T, x, y []byte) {
		dir := t.TempDir()
		xp, yp := filepath.Join(dir, "X.bin"), filepath.Join(dir, "y.bin")
		os.WriteFile(xp, x, 0o644)
		os.WriteFile(yp, y, 0o644)
		d, err := ReadSTL10(xp, yp)
		var fe *FileError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("error %v is not a *FileError", err)
		}
		if err == nil && (d.N != len(x)/stlDim || len(d.Images) != len(x) || len(d.Labels) != d.N || d.N != len(y)) {
			t.Fatalf("inconsistent dataset: N=%d from %d/%d bytes", d.N, len(x), len(y))
		}
	})
}
