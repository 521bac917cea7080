package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// idxImages builds an IDX image file of n images of h×w whose pixel p of
// image i is byte(i+p).
func idxImages(n, h, w int) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, []uint32{idxImagesMagic, uint32(n), uint32(h), uint32(w)})
	for i := 0; i < n; i++ {
		for p := 0; p < h*w; p++ {
			b.WriteByte(byte(i + p))
		}
	}
	return b.Bytes()
}

// idxLabels builds an IDX label file with label i%classes for image i.
func idxLabels(n, classes int) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, []uint32{idxLabelsMagic, uint32(n)})
	for i := 0; i < n; i++ {
		b.WriteByte(byte(i % classes))
	}
	return b.Bytes()
}

func gz(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func putFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// testIDXSpec is the MNIST spec with small expected counts (0 = any).
func testIDXSpec(trainN, testN int) *spec {
	s := *specs["MNIST"]
	s.trainN, s.testN = trainN, testN
	s.systemDirs = nil
	return &s
}

// writeIDXSet writes a small valid MNIST-like set into dir (gzip or raw).
func writeIDXSet(t testing.TB, dir string, trainN, testN int, compress bool) {
	files := map[string][]byte{
		"train-images-idx3-ubyte": idxImages(trainN, 28, 28),
		"train-labels-idx1-ubyte": idxLabels(trainN, 10),
		"t10k-images-idx3-ubyte":  idxImages(testN, 28, 28),
		"t10k-labels-idx1-ubyte":  idxLabels(testN, 10),
	}
	for name, data := range files {
		if compress {
			putFile(t, filepath.Join(dir, name+".gz"), gz(t, data))
		} else {
			putFile(t, filepath.Join(dir, name), data)
		}
	}
}

func TestLoadIDX(t *testing.T) {
	for _, compress := range []bool{true, false} {
		dir := t.TempDir()
		writeIDXSet(t, dir, 12, 5, compress)
		train, test, err := testIDXSpec(12, 5).load(dir)
		if err != nil {
			t.Fatalf("compress=%v: %v", compress, err)
		}
		if train.N != 12 || test.N != 5 || train.C != 1 || train.H != 28 || train.W != 28 || train.Classes != 10 {
			t.Fatalf("compress=%v: got train %d test %d shape %dx%dx%d classes %d", compress,
				train.N, test.N, train.C, train.H, train.W, train.Classes)
		}
		if len(train.Images) != 12*784 || len(train.Labels) != 12 {
			t.Fatalf("sizes %d %d", len(train.Images), len(train.Labels))
		}
		for i := 0; i < train.N; i++ {
			if train.Labels[i] != uint8(i%10) {
				t.Fatalf("label %d = %d", i, train.Labels[i])
			}
			img := train.Image(i)
			if img[0] != byte(i) || img[783] != byte(i+783) {
				t.Fatalf("image %d pixels %d %d", i, img[0], img[783])
			}
		}
	}
}

// wantFileError checks that err is a *FileError about path whose one-line
// message contains every fragment.
func wantFileError(t *testing.T, err error, path string, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one about %s %q", path, fragments)
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FileError", err, err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	if fe.Path != path || !strings.HasPrefix(msg, "datasets: "+path+": ") {
		t.Errorf("error %q: want it about %s", msg, path)
	}
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			t.Errorf("error %q lacks %q", msg, f)
		}
	}
}

func TestLoadIDXErrors(t *testing.T) {
	const n = 6
	good := map[string][]byte{
		"train-images-idx3-ubyte": idxImages(n, 28, 28),
		"train-labels-idx1-ubyte": idxLabels(n, 10),
	}
	// Each case replaces one file with bad content (nil: deletes it).
	cases := []struct {
		name     string
		file     string
		data     []byte
		trainN   int // expected count; 0 = any
		fragment []string
	}{
		{"truncated pixels", "train-images-idx3-ubyte", idxImages(n, 28, 28)[:16+1000], n,
			[]string{"offset 16: truncated: expected 4704 bytes of pixels, got 1000"}},
		{"truncated header", "train-images-idx3-ubyte", idxImages(n, 28, 28)[:10], n,
			[]string{"offset 0: truncated: expected 16 bytes of header, got 10"}},
		{"empty file", "train-images-idx3-ubyte", []byte{}, n,
			[]string{"offset 0: truncated: expected 16 bytes of header, got 0"}},
		{"labels as images", "train-images-idx3-ubyte", idxLabels(n, 10), n,
			[]string{"offset 0: magic: expected 0x00000803, got 0x00000801"}},
		{"images as labels", "train-labels-idx1-ubyte", idxImages(n, 28, 28), n,
			[]string{"offset 0: magic: expected 0x00000801, got 0x00000803"}},
		{"wrong image count", "train-images-idx3-ubyte", idxImages(n-1, 28, 28), n,
			[]string{"offset 4: image count: expected 6, got 5"}},
		{"huge image count", "train-images-idx3-ubyte", func() []byte {
			b := idxImages(1, 28, 28)
			binary.BigEndian.PutUint32(b[4:], 0xffffffff)
			return b
		}(), 0, []string{"offset 4: image count: expected at most 16777216, got 4294967295"}},
		{"wrong rows", "train-images-idx3-ubyte", idxImages(n, 32, 28), n,
			[]string{"offset 8: rows: expected 28, got 32"}},
		{"wrong columns", "train-images-idx3-ubyte", idxImages(n, 28, 27), n,
			[]string{"offset 12: columns: expected 28, got 27"}},
		{"trailing pixels", "train-images-idx3-ubyte", append(idxImages(n, 28, 28), 7), n,
			[]string{"offset 4720: trailing data: expected end of file after the 6 images"}},
		{"wrong label count", "train-labels-idx1-ubyte", idxLabels(n+1, 10), n,
			[]string{"offset 4: label count: expected 6, got 7"}},
		{"labels disagree with images", "train-labels-idx1-ubyte", idxLabels(n-2, 10), 0,
			[]string{"offset 4: label count: expected 6 (the image count of train-images-idx3-ubyte", "got 4"}},
		{"truncated labels", "train-labels-idx1-ubyte", idxLabels(n, 10)[:8+3], n,
			[]string{"offset 8: truncated: expected 6 bytes of labels, got 3"}},
		{"label out of range", "train-labels-idx1-ubyte", func() []byte {
			b := idxLabels(n, 10)
			b[8+4] = 10
			return b
		}(), n, []string{"offset 12: label of image 4: expected 0..9, got 10"}},
		{"missing images", "train-images-idx3-ubyte", nil, n,
			[]string{"missing: expected this file or the uncompressed"}},
		{"missing labels", "train-labels-idx1-ubyte", nil, n,
			[]string{"missing: expected this file or the uncompressed"}},
	}
	for _, tc := range cases {
		for _, compress := range []bool{false, true} {
			t.Run(tc.name, func(t *testing.T) {
				dir := t.TempDir()
				for name, data := range good {
					if name == tc.file {
						data = tc.data
					}
					if data == nil {
						continue
					}
					if compress {
						putFile(t, filepath.Join(dir, name+".gz"), gz(t, data))
					} else {
						putFile(t, filepath.Join(dir, name), data)
					}
				}
				s := testIDXSpec(tc.trainN, 0)
				_, _, err := s.load(dir)
				path := filepath.Join(dir, tc.file)
				if compress || tc.data == nil {
					path += ".gz"
				}
				wantFileError(t, err, path, tc.fragment...)
				if tc.data == nil && !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("error %v does not wrap fs.ErrNotExist", err)
				}
			})
		}
	}
}

func TestLoadIDXCorruptGzip(t *testing.T) {
	dir := t.TempDir()
	writeIDXSet(t, dir, 3, 2, true)
	p := filepath.Join(dir, "train-images-idx3-ubyte.gz")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// Truncated compressed stream.
	putFile(t, p, b[:len(b)/2])
	_, _, err = testIDXSpec(3, 2).load(dir)
	wantFileError(t, err, p, "truncated: expected")
	// Flipped CRC in the gzip trailer.
	b[len(b)-8] ^= 0xff
	putFile(t, p, b)
	_, _, err = testIDXSpec(3, 2).load(dir)
	wantFileError(t, err, p, "offset 2368:", "gzip: invalid checksum")
}

// cifarFile builds n CIFAR records with label(i) (and coarse label
// coarse(i) when coarse is not nil); pixel p of record i is byte(3*i+p).
func cifarFile(n int, coarse, label func(i int) byte) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		if coarse != nil {
			b.WriteByte(coarse(i))
		}
		b.WriteByte(label(i))
		for p := 0; p < 3072; p++ {
			b.WriteByte(byte(3*i + p))
		}
	}
	return b.Bytes()
}

func testCIFARSpec(name string, trainN, testN int) *spec {
	s := *specs[name]
	s.trainN, s.testN = trainN, testN
	return &s
}

func mod(k int) func(int) byte { return func(i int) byte { return byte(i % k) } }

func TestLoadCIFAR10(t *testing.T) {
	dir := t.TempDir()
	s := testCIFARSpec("CIFAR10", 5*4, 3)
	for b, f := range s.trainFiles {
		putFile(t, filepath.Join(dir, f), cifarFile(4, nil, func(i int) byte { return byte((b*4 + i) % 10) }))
	}
	putFile(t, filepath.Join(dir, "test_batch.bin"), cifarFile(3, nil, mod(10)))
	train, test, err := s.load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 20 || test.N != 3 || train.C != 3 || train.H != 32 || train.W != 32 || train.Classes != 10 {
		t.Fatalf("train %d test %d shape %dx%dx%d", train.N, test.N, train.C, train.H, train.W)
	}
	for k := 0; k < train.N; k++ {
		if train.Labels[k] != byte(k%10) {
			t.Fatalf("label %d = %d", k, train.Labels[k])
		}
		i := k % 4 // record index within its batch file
		img := train.Image(k)
		if img[0] != byte(3*i) || img[1024] != byte(3*i+1024) || img[3071] != byte(3*i+3071) {
			t.Fatalf("image %d: pixels %d %d %d", k, img[0], img[1024], img[3071])
		}
	}
}

func TestLoadCIFAR100(t *testing.T) {
	dir := t.TempDir()
	s := testCIFARSpec("CIFAR100", 7, 2)
	putFile(t, filepath.Join(dir, "train.bin"), cifarFile(7, mod(20), func(i int) byte { return byte(90 + i) }))
	putFile(t, filepath.Join(dir, "test.bin"), cifarFile(2, mod(20), mod(100)))
	train, test, err := s.load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 7 || test.N != 2 || train.Classes != 100 {
		t.Fatalf("train %d test %d classes %d", train.N, test.N, train.Classes)
	}
	for i := 0; i < 7; i++ {
		if train.Labels[i] != byte(90+i) {
			t.Fatalf("label %d = %d, want the fine label %d", i, train.Labels[i], 90+i)
		}
		if img := train.Image(i); img[0] != byte(3*i) || img[3071] != byte(3*i+3071) {
			t.Fatalf("image %d: pixels %d %d", i, img[0], img[3071])
		}
	}
}

func TestLoadCIFARErrors(t *testing.T) {
	cases := []struct {
		name     string
		spec     *spec
		file     string
		data     []byte // nil: file missing
		fragment string
	}{
		{"truncated", testCIFARSpec("CIFAR10", 5*4, 3), "data_batch_2.bin", cifarFile(4, nil, mod(10))[:3*3073+100],
			"offset 9319: truncated: expected 4 records of 3073 bytes (12292 bytes), got 9319 bytes"},
		{"whole records missing", testCIFARSpec("CIFAR10", 5*4, 3), "data_batch_2.bin", cifarFile(3, nil, mod(10)),
			"offset 9219: truncated: expected 4 records of 3073 bytes (12292 bytes), got 9219 bytes"},
		{"too long", testCIFARSpec("CIFAR10", 5*4, 3), "data_batch_2.bin", cifarFile(5, nil, mod(10)),
			"offset 12292: trailing data: expected 4 records of 3073 bytes (12292 bytes), got 15365 bytes"},
		{"partial record, any count", testCIFARSpec("CIFAR10", 0, 0), "data_batch_2.bin", cifarFile(4, nil, mod(10))[:3*3073+100],
			"offset 9219: truncated record: expected a multiple of 3073 bytes, got 9319 bytes"},
		{"label out of range", testCIFARSpec("CIFAR10", 5*4, 3), "data_batch_3.bin", cifarFile(4, nil, func(i int) byte { return byte(7 + i) }),
			"offset 9219: label of record 3: expected 0..9, got 10"},
		{"CIFAR-100 file as CIFAR-10", testCIFARSpec("CIFAR10", 0, 0), "data_batch_1.bin", cifarFile(4, mod(20), mod(100)),
			"truncated record: expected a multiple of 3073 bytes, got 12296 bytes"},
		{"fine label out of range", testCIFARSpec("CIFAR100", 4, 3), "train.bin", cifarFile(4, mod(20), func(i int) byte { return byte(98 + i) }),
			"offset 6149: label of record 2: expected 0..99, got 100"},
		{"coarse label out of range", testCIFARSpec("CIFAR100", 4, 3), "train.bin", cifarFile(4, func(i int) byte { return byte(18 + i) }, mod(100)),
			"offset 6148: coarse label of record 2: expected 0..19, got 20"},
		{"missing", testCIFARSpec("CIFAR10", 5*4, 3), "data_batch_5.bin", nil,
			"missing: expected the CIFAR10 batch file here"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := tc.spec
			for _, f := range s.trainFiles {
				putFile(t, filepath.Join(dir, f), cifarFile(4, s.format.coarse(), mod(10)))
			}
			for _, f := range s.testFiles {
				putFile(t, filepath.Join(dir, f), cifarFile(3, s.format.coarse(), mod(10)))
			}
			p := filepath.Join(dir, tc.file)
			if tc.data == nil {
				os.Remove(p)
			} else {
				putFile(t, p, tc.data)
			}
			_, _, err := s.load(dir)
			wantFileError(t, err, p, tc.fragment)
		})
	}
}

// coarse returns the coarse-label generator for records of format f.
func (f format) coarse() func(int) byte {
	if f == formatCIFAR100 {
		return mod(20)
	}
	return nil
}

func TestRegistry(t *testing.T) {
	for _, tc := range []struct {
		name           string
		classes        int
		c, h, w        int
		mean0, std0    float32
		channelsOfNorm int
	}{
		{"MNIST", 10, 1, 28, 28, 0.1307, 0.3081, 1},
		{"FashionMNIST", 10, 1, 28, 28, 0.2860, 0.3530, 1},
		{"CIFAR10", 10, 3, 32, 32, 0.49139968, 0.24703223, 3},
		{"CIFAR100", 100, 3, 32, 32, 0.50707516, 0.26733429, 3},
		{"STL10", 10, 3, 96, 96, 0, 1, 3},
	} {
		k, err := Classes(tc.name)
		if err != nil || k != tc.classes {
			t.Errorf("Classes(%s) = %d, %v", tc.name, k, err)
		}
		c, h, w, err := Shape(tc.name)
		if err != nil || c != tc.c || h != tc.h || w != tc.w {
			t.Errorf("Shape(%s) = %d %d %d, %v", tc.name, c, h, w, err)
		}
		n, err := NormalizationFor(tc.name)
		if err != nil || len(n.Mean) != tc.channelsOfNorm || len(n.Std) != tc.channelsOfNorm || n.Mean[0] != tc.mean0 || n.Std[0] != tc.std0 {
			t.Errorf("NormalizationFor(%s) = %v, %v", tc.name, n, err)
		}
		n.Mean[0] = 99 // a copy
		if m, _ := NormalizationFor(tc.name); m.Mean[0] != tc.mean0 {
			t.Errorf("NormalizationFor(%s) shares its slices", tc.name)
		}
	}
	c10, _ := NormalizationFor("CIFAR10")
	c100, _ := NormalizationFor("CIFAR100")
	if c10.Std[2] != 0.26158784 || c100.Mean[2] != 0.44091784 || ImageNetNormalization.Std[2] != 0.225 {
		t.Errorf("statistics: %v %v %v", c10, c100, ImageNetNormalization)
	}
	for _, f := range []func() error{
		func() error { _, err := Classes("SVHN"); return err },
		func() error { _, err := NormalizationFor("mnist"); return err },
		func() error { _, _, err := Load("nope", t.TempDir()); return err },
		func() error { _, err := Ensure("nope", t.TempDir(), nil); return err },
	} {
		if err := f(); err == nil || !strings.Contains(err.Error(), `known: CIFAR10, CIFAR100, FashionMNIST, MNIST, STL10`) {
			t.Errorf("unknown name: error %v", err)
		}
	}
}
