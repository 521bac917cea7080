package datasets

import (
	"archive/tar"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// stlPixel is the value of pixel (row y, column x) of channel c of image i
// in the generated STL-10 files: different under a row/column swap.
func stlPixel(i, c, y, x int) uint8 { return uint8(i*31 + c*67 + y*3 + x*7 + (x*y)%5) }

// stlX builds an STL-10 image file of n images in the official layout:
// channel-major, each channel column-major (byte x·96 + y is row y,
// column x).
func stlX(n int) []byte {
	b := make([]byte, n*stlDim)
	for i := 0; i < n; i++ {
		for c := 0; c < 3; c++ {
			for x := 0; x < 96; x++ {
				for y := 0; y < 96; y++ {
					b[i*stlDim+c*96*96+x*96+y] = stlPixel(i, c, y, x)
				}
			}
		}
	}
	return b
}

// stlY builds a label file: image i has class 1 + (i*3)%10.
func stlY(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(1 + (i*3)%10)
	}
	return b
}

func checkSTL(t *testing.T, d *Dataset, n int) {
	t.Helper()
	if d.N != n || d.C != 3 || d.H != 96 || d.W != 96 || d.Classes != 10 || d.Name != "STL10" || len(d.Images) != n*stlDim {
		t.Fatalf("STL-10 set: N %d shape %dx%dx%d classes %d", d.N, d.C, d.H, d.W, d.Classes)
	}
	for i := 0; i < n; i++ {
		if want := uint8((i * 3) % 10); d.Labels[i] != want {
			t.Fatalf("label %d: %d, want %d (file label − 1)", i, d.Labels[i], want)
		}
		img := d.Image(i)
		for c := 0; c < 3; c++ {
			for y := 0; y < 96; y++ {
				for x := 0; x < 96; x++ {
					if got := img[(c*96+y)*96+x]; got != stlPixel(i, c, y, x) {
						t.Fatalf("image %d c %d row %d col %d: %d, want %d", i, c, y, x, got, stlPixel(i, c, y, x))
					}
				}
			}
		}
	}
}

func TestReadSTL10(t *testing.T) {
	dir := t.TempDir()
	x, y := filepath.Join(dir, "train_X.bin"), filepath.Join(dir, "train_y.bin")
	putFile(t, x, stlX(70)) // more than one read chunk of 64 images
	putFile(t, y, stlY(70))
	d, err := ReadSTL10(x, y)
	if err != nil {
		t.Fatal(err)
	}
	checkSTL(t, d, 70)
	// The layout matches torchvision's: np.transpose(reshape(-1,3,96,96), (0,1,3,2)).
	raw := stlX(1)
	if d.Image(0)[5*96+2] != raw[2*96+5] {
		t.Error("row 5, column 2 is not file byte 2·96+5")
	}
}

func TestReadSTL10Errors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		x, y     []byte
		bad      string // "x" or "y": which file the error is about
		fragment string
	}{
		{"partial image", stlX(3)[:2*stlDim+1000], stlY(3), "x",
			"offset 55296: truncated image: expected a multiple of 27648 bytes, got 56296 bytes"},
		{"empty", nil, nil, "x", "offset 0: no images: expected at least one"},
		{"fewer labels", stlX(3), stlY(2), "y", "offset 2: label count: expected 3 (the image count of X.bin), got 2"},
		{"more labels", stlX(3), stlY(4), "y", "offset 3: label count: expected 3 (the image count of X.bin), got 4"},
		{"label 0", stlX(3), []byte{1, 0, 2}, "y", "offset 1: label of image 1: expected 1..10, got 0"},
		{"label 11", stlX(3), []byte{1, 10, 11}, "y", "offset 2: label of image 2: expected 1..10, got 11"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			x, y := filepath.Join(dir, "X.bin"), filepath.Join(dir, "y.bin")
			putFile(t, x, tc.x)
			putFile(t, y, tc.y)
			_, err := ReadSTL10(x, y)
			p := x
			if tc.bad == "y" {
				p = y
			}
			wantFileError(t, err, p, tc.fragment)
		})
	}
	dir := t.TempDir()
	_, err := ReadSTL10(filepath.Join(dir, "X.bin"), filepath.Join(dir, "y.bin"))
	wantFileError(t, err, filepath.Join(dir, "X.bin"), "missing: expected the STL-10 image file here")
}

func TestLoadSTL10(t *testing.T) {
	s := *specs["STL10"]
	s.trainN, s.testN = 4, 3
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "train_X.bin"), stlX(4))
	putFile(t, filepath.Join(dir, "train_y.bin"), stlY(4))
	putFile(t, filepath.Join(dir, "test_X.bin"), stlX(3))
	putFile(t, filepath.Join(dir, "test_y.bin"), stlY(3))
	train, test, err := s.load(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkSTL(t, train, 4)
	checkSTL(t, test, 3)
	// The official counts are enforced.
	s.trainN = 5
	_, _, err = s.load(dir)
	wantFileError(t, err, filepath.Join(dir, "train_X.bin"),
		"offset 110592: truncated: expected 5 images of 27648 bytes (138240 bytes), got 110592 bytes")
	s.trainN = 3
	_, _, err = s.load(dir)
	wantFileError(t, err, filepath.Join(dir, "train_X.bin"), "offset 82944: trailing data: expected 3 images")
	if sz := specs["STL10"].fileSize("train_X.bin"); sz != 5000*27648 {
		t.Errorf("expected train_X.bin size %d", sz)
	}
	if sz := specs["STL10"].fileSize("test_y.bin"); sz != 8000 {
		t.Errorf("expected test_y.bin size %d", sz)
	}
}

func TestEnsureDownloadSTL10(t *testing.T) {
	srv := newServer(t)
	archive := tarGz(t, []tarEntry{
		{name: "stl10_binary/", typ: tar.TypeDir},
		{name: "stl10_binary/class_names.txt", typ: tar.TypeReg, data: []byte("airplane\n")},
		{name: "stl10_binary/train_X.bin", typ: tar.TypeReg, data: stlX(4)},
		{name: "stl10_binary/train_y.bin", typ: tar.TypeReg, data: stlY(4)},
		{name: "stl10_binary/unlabeled_X.bin", typ: tar.TypeReg, data: stlX(2)},
		{name: "stl10_binary/test_X.bin", typ: tar.TypeReg, data: stlX(3)},
		{name: "stl10_binary/test_y.bin", typ: tar.TypeReg, data: stlY(3)},
	})
	srv.files["/stl10/stl10_binary.tar.gz"] = archive
	s := *specs["STL10"]
	s.trainN, s.testN = 4, 3
	s.archiveURL = srv.URL + "/stl10/stl10_binary.tar.gz"
	s.archiveMD5 = md5hex(archive)
	dir := t.TempDir()
	got, err := s.ensure(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if got != filepath.Join(dir, "stl10_binary") {
		t.Fatalf("Ensure returned %s", got)
	}
	want := "stl10_binary stl10_binary/test_X.bin stl10_binary/test_y.bin stl10_binary/train_X.bin stl10_binary/train_y.bin"
	if l := strings.Join(listDir(t, dir), " "); l != want {
		t.Errorf("files %s, want only the four labelled files", l)
	}
	train, test, err := s.load(got)
	if err != nil {
		t.Fatal(err)
	}
	checkSTL(t, train, 4)
	checkSTL(t, test, 3)
	// A second Ensure finds them.
	if _, err := s.ensure(dir, nil); err != nil || srv.nrequests() != 1 {
		t.Errorf("second Ensure: %v, %d requests", err, srv.nrequests())
	}
}

func TestReadCIFARSmallFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.bin"), filepath.Join(dir, "b.bin")
	putFile(t, a, cifarFile(3, nil, mod(10)))
	putFile(t, b, cifarFile(2, nil, func(i int) byte { return byte(7 + i) }))
	d, err := ReadCIFAR([]string{a, b}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 5 || d.Name != "CIFAR10" || d.Classes != 10 || d.C != 3 || d.H != 32 || d.W != 32 {
		t.Fatalf("N %d name %s classes %d", d.N, d.Name, d.Classes)
	}
	if !slices.Equal(d.Labels, []uint8{0, 1, 2, 7, 8}) || d.Image(4)[0] != 3 || d.Image(2)[3071] != (6+3071)%256 {
		t.Errorf("labels %v / pixels", d.Labels)
	}
	c := filepath.Join(dir, "c.bin")
	putFile(t, c, cifarFile(3, mod(20), func(i int) byte { return byte(97 + i) }))
	if d, err := ReadCIFAR([]string{c}, 100); err != nil || d.N != 3 || d.Labels[2] != 99 || d.Name != "CIFAR100" {
		t.Errorf("CIFAR-100: %v", err)
	}

	putFile(t, b, cifarFile(2, nil, mod(10))[:3073+5])
	_, err = ReadCIFAR([]string{a, b}, 10)
	wantFileError(t, err, b, "offset 3073: truncated record: expected a multiple of 3073 bytes, got 3078 bytes")
	putFile(t, b, nil)
	_, err = ReadCIFAR([]string{b}, 10)
	wantFileError(t, err, b, "no records: expected at least one")
	putFile(t, b, cifarFile(1, nil, func(int) byte { return 10 }))
	_, err = ReadCIFAR([]string{b}, 10)
	wantFileError(t, err, b, "offset 0: label of record 0: expected 0..9, got 10")
	for _, tc := range []struct {
		paths   []string
		classes int
		frag    string
	}{
		{[]string{a}, 20, "classes 20: expected 10 or 100"},
		{nil, 10, "no files"},
	} {
		if _, err := ReadCIFAR(tc.paths, tc.classes); err == nil || !strings.Contains(err.Error(), tc.frag) {
			t.Errorf("ReadCIFAR(%v, %d): %v", tc.paths, tc.classes, err)
		}
	}
}

// A small CIFAR-format file through the CIFAR CNN recipe, as CI trains on it.
func TestReadCIFARThroughRecipe(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "tiny.bin")
	putFile(t, p, cifarFile(10, nil, mod(10)))
	d, err := ReadCIFAR([]string{p}, 10)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := RecipeFor("CIFAR10", "cnn_pool")
	tr, val := Split(d.N, 0.1, 1)
	l := r.NewLoader(d, tr, 4, true, 1, true)
	v := r.NewLoader(d, val, 4, false, 1, r.ValAugmented)
	x := make([]float32, 4*r.Dim())
	y := make([]int32, 4)
	if l.NumBatches() != 3 || v.NumBatches() != 1 || l.Batch(2, x, y) != 1 || v.Batch(0, x, y) != 1 {
		t.Errorf("batches %d %d", l.NumBatches(), v.NumBatches())
	}
}
