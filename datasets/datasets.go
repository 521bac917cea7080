// Package datasets reads the image classification data sets used by the
// Counter-Current Learning experiments (MNIST, Fashion-MNIST, CIFAR-10,
// CIFAR-100 and STL-10) from their official files, finds or downloads those
// files, and serves normalised float32 mini-batches: CHW rows for the MLPs,
// or, through a [Recipe], resized and augmented NHWC feature maps for the
// CNNs and the autoencoder, optionally filled ahead of time on another
// goroutine by a [Prefetcher].
//
// A split is held in memory as raw bytes (a [Dataset]); normalisation to
// float32 happens per batch in a [Loader], exactly as torchvision's
// ToTensor followed by Normalize: x = (v/255 − mean[c]) / std[c], computed in
// float32.
//
// Typical use, for a configuration's dataset.dataset and
// method.architecture:
//
//	r, err := datasets.RecipeFor(cfg.Dataset.Name, cfg.Method.Architecture)
//	dir, err := datasets.DataDir(flagValue)        // flag, $CCL_DATA, user cache
//	dir, err = datasets.Ensure(r.Files, dir, log.Printf)
//	train, test, err := datasets.Load(r.Files, dir)
//	tr, val := datasets.Split(train.N, 0.1, seed)
//	trainL := r.NewLoader(train, tr, bs, true, seed, true)              // augmented
//	valL := r.NewLoader(train, val, bs, false, seed, r.ValAugmented)    // the reference's quirk
//	testL := r.NewLoader(test, all(test.N), bs, false, seed, false)
//	p := datasets.NewPrefetcher(trainL, 2)                              // fills ahead on a goroutine
//	defer p.Close()
//	for epoch := range epochs {
//		p.Start(epoch)
//		for x, y, n, ok := p.Next(); ok; x, y, n, ok = p.Next() {
//			// x: n × r.Dim() float32, NHWC (CNNs) or CHW (MLPs); y: n labels
//		}
//		valL.SetEpoch(epoch) // new augmentations when r.ValAugmented
//		for b := range valL.NumBatches() {
//			n := valL.Batch(b, x, y)
//			...
//		}
//	}
//
// The MLP recipes are exactly NewLoader(d, idx, bs, shuffle, seed,
// NormalizationFor(name)): CHW rows, no augmentation.
//
// Every problem with a data file is reported as a [*FileError], one line
// naming the file, the byte offset (in the uncompressed stream) or field, and
// what was expected, for example
//
//	datasets: /x/train-images-idx3-ubyte.gz: offset 16: truncated: expected 47040000 bytes of pixels, got 1000
//
// Nothing in this package panics on the content of a file; functions that
// take indices or buffers from the caller panic on programming errors (an
// index out of range, a buffer too short), as slices do.
package datasets

import (
	"fmt"
	"sort"
	"strings"
)

// Dataset holds a whole split in memory as raw bytes.
type Dataset struct {
	Name       string  // data set name, e.g. "FashionMNIST"
	N, C, H, W int     // number of images, channels, height, width
	Classes    int     // number of classes; every label is < Classes
	Images     []uint8 // N × C × H × W, channel-major per image (CHW)
	Labels     []uint8 // N
}

// Dim returns the number of values per image, C·H·W.
func (d *Dataset) Dim() int { return d.C * d.H * d.W }

// Image returns the C×H×W bytes of image i (a sub-slice of Images, not a copy).
func (d *Dataset) Image(i int) []uint8 {
	n := d.Dim()
	return d.Images[i*n : (i+1)*n : (i+1)*n]
}

// Normalization holds per-channel mean and standard deviation applied to
// pixel values scaled to [0, 1]: x = (v/255 − Mean[c]) / Std[c].
type Normalization struct{ Mean, Std []float32 }

// ImageNetNormalization is the usual ImageNet channel statistics (RGB), used
// by the CNN configurations. Treat it as read-only.
var ImageNetNormalization = Normalization{
	Mean: []float32{0.485, 0.456, 0.406},
	Std:  []float32{0.229, 0.224, 0.225},
}

// FileError reports a problem with one data file: missing, truncated, or
// with a field that does not hold what the format requires.
type FileError struct {
	Path   string // the file
	Offset int64  // byte offset in the uncompressed file, or -1 when not about one place
	Msg    string // what is wrong, and what was expected
	Err    error  // underlying error, if any (e.g. fs.ErrNotExist)
}

// Error formats the error as one line:
// "datasets: PATH: offset N: MSG" (or "datasets: PATH: MSG" without an offset).
func (e *FileError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("datasets: %s: offset %d: %s", e.Path, e.Offset, e.Msg)
	}
	return fmt.Sprintf("datasets: %s: %s", e.Path, e.Msg)
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// format is the on-disk layout of a data set.
type format int

const (
	formatIDX      format = iota // MNIST-style IDX image and label files, gzip or raw
	formatCIFAR10                // CIFAR-10 binary batches: 1 label byte + 3072 pixel bytes
	formatCIFAR100               // CIFAR-100 binary: coarse label, fine label, 3072 pixel bytes
	formatSTL10                  // STL-10 binary: X file of column-major 3×96×96 images, y file of labels 1..10
)

// spec describes one data set: shape, statistics, files and where to get them.
type spec struct {
	name             string
	format           format
	c, h, w, classes int
	mean, std        []float32

	// subdir is the data set's directory under the data directory; altDirs
	// are other places under the data directory tried first (e.g. the
	// torchvision layout), systemDirs absolute places tried after them.
	subdir     string
	altDirs    []string
	systemDirs []string

	// IDX: {images, labels} base names without ".gz".
	// CIFAR: the batch files, whose records are concatenated in order.
	// STL-10: {images, labels}.
	trainFiles, testFiles []string
	// Expected number of images in each split; 0 accepts any count (tests).
	trainN, testN int

	// IDX downloads: each file F is fetched as mirror+F+".gz".
	mirrors []string
	md5     map[string]string // F+".gz" → md5 hex
	// CIFAR and STL-10 downloads: one .tar.gz holding archivePrefix+file for every file.
	archiveURL, archiveMD5, archivePrefix string
}

// Official sources and checksums, as listed by torchvision
// (torchvision/datasets/mnist.py: MNIST.mirrors/resources and
// FashionMNIST.mirrors/resources; the ossci mirror is tried before
// yann.lecun.com, which often refuses downloads). For the CIFAR binary archives (torchvision
// uses the Python pickles instead), the URLs and MD5s are those of the
// "binary version" rows of https://www.cs.toronto.edu/~kriz/cifar.html (the
// same MD5s appear in public loaders of the binary archives). For STL-10,
// the URL and MD5 of torchvision's datasets/stl10.py (STL10.url, tgz_md5).
var (
	mnistMirrors = []string{
		"https://ossci-datasets.s3.amazonaws.com/mnist/",
		"http://yann.lecun.com/exdb/mnist/",
	}
	mnistMD5 = map[string]string{
		"train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
		"train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
		"t10k-images-idx3-ubyte.gz":  "9fb629c4189551a2d022fa330f9573f3",
		"t10k-labels-idx1-ubyte.gz":  "ec29112dd5afa0611ce80d1b7f02629c",
	}
	fashionMirrors = []string{"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"}
	fashionMD5     = map[string]string{
		"train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
		"train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
		"t10k-images-idx3-ubyte.gz":  "bef4ecab320f06d8554ea6380940ec79",
		"t10k-labels-idx1-ubyte.gz":  "bb300cfdad3c16e7a12a480ee83cd310",
	}
)

// debianFashionMNIST is where Debian's dataset-fashion-mnist package installs
// the four gzip IDX files (re-compressed: their MD5s differ from the official
// archives, so found files are not checksummed).
const debianFashionMNIST = "/usr/share/datasets/fashion-mnist"

var (
	idxTrain = []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"}
	idxTest  = []string{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}
)

// specs lists the known data sets by the names used in the configurations.
// A new name (e.g. "MNIST_CNN") is one more entry here.
var specs = map[string]*spec{
	"MNIST": {
		name: "MNIST", format: formatIDX, c: 1, h: 28, w: 28, classes: 10,
		mean: []float32{0.1307}, std: []float32{0.3081},
		subdir: "MNIST", altDirs: []string{"MNIST/raw"},
		trainFiles: idxTrain, testFiles: idxTest, trainN: 60000, testN: 10000,
		mirrors: mnistMirrors, md5: mnistMD5,
	},
	"FashionMNIST": {
		name: "FashionMNIST", format: formatIDX, c: 1, h: 28, w: 28, classes: 10,
		mean: []float32{0.2860}, std: []float32{0.3530},
		subdir: "FashionMNIST", altDirs: []string{"FashionMNIST/raw"},
		systemDirs: []string{debianFashionMNIST},
		trainFiles: idxTrain, testFiles: idxTest, trainN: 60000, testN: 10000,
		mirrors: fashionMirrors, md5: fashionMD5,
	},
	"CIFAR10": {
		name: "CIFAR10", format: formatCIFAR10, c: 3, h: 32, w: 32, classes: 10,
		mean:   []float32{0.49139968, 0.48215841, 0.44653091},
		std:    []float32{0.24703223, 0.24348513, 0.26158784},
		subdir: "cifar-10-batches-bin",
		trainFiles: []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
			"data_batch_4.bin", "data_batch_5.bin"},
		testFiles: []string{"test_batch.bin"}, trainN: 50000, testN: 10000,
		archiveURL:    "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
		archiveMD5:    "c32a1d4ab5d03f1284b67883e8d87530",
		archivePrefix: "cifar-10-batches-bin/",
	},
	"CIFAR100": {
		name: "CIFAR100", format: formatCIFAR100, c: 3, h: 32, w: 32, classes: 100,
		mean:       []float32{0.50707516, 0.48654887, 0.44091784},
		std:        []float32{0.26733429, 0.25643846, 0.27615047},
		subdir:     "cifar-100-binary",
		trainFiles: []string{"train.bin"}, testFiles: []string{"test.bin"},
		trainN: 50000, testN: 10000,
		archiveURL:    "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
		archiveMD5:    "03b5dce01913d631647c71ecec9e9cb8",
		archivePrefix: "cifar-100-binary/",
	},
	// STL-10 (the labelled part: 5000 training and 8000 test images,
	// 3×96×96). The archive is 2.6 GB, mostly unlabeled_X.bin, which is
	// streamed past and not extracted.
	"STL10": {
		name: "STL10", format: formatSTL10, c: 3, h: stlSide, w: stlSide, classes: 10,
		// The reference never normalises STL-10: values v/255.
		mean: []float32{0, 0, 0}, std: []float32{1, 1, 1},
		subdir:     "stl10_binary",
		trainFiles: []string{"train_X.bin", "train_y.bin"},
		testFiles:  []string{"test_X.bin", "test_y.bin"},
		trainN:     5000, testN: 8000,
		archiveURL:    "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz",
		archiveMD5:    "91f7769df0f17e558f3565bffb0c7dfb",
		archivePrefix: "stl10_binary/",
	},
}

// Names returns the known data set names, sorted.
func Names() []string {
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func lookup(name string) (*spec, error) {
	s, ok := specs[name]
	if !ok {
		return nil, fmt.Errorf("datasets: unknown data set %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return s, nil
}

// NormalizationFor returns the per-channel normalisation of the named data
// set (a fresh copy the caller may modify).
func NormalizationFor(name string) (Normalization, error) {
	s, err := lookup(name)
	if err != nil {
		return Normalization{}, err
	}
	return Normalization{Mean: append([]float32(nil), s.mean...), Std: append([]float32(nil), s.std...)}, nil
}

// Classes returns the number of classes of the named data set (10 or 100).
func Classes(name string) (int, error) {
	s, err := lookup(name)
	if err != nil {
		return 0, err
	}
	return s.classes, nil
}

// Shape returns the image shape (channels, height, width) of the named data set.
func Shape(name string) (c, h, w int, err error) {
	s, err := lookup(name)
	if err != nil {
		return 0, 0, 0, err
	}
	return s.c, s.h, s.w, nil
}
