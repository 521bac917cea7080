package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// splitmix64 is a bijective 64-bit mixer used to derive independent PCG seeds
// from (seed, epoch, position).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// shuffle permutes p in place with a Fisher–Yates shuffle driven by r.
func shuffle(p []int, r *rand.Rand) {
	for i := len(p) - 1; i > 0; i-- {
		j := int(r.Uint64N(uint64(i + 1)))
		p[i], p[j] = p[j], p[i]
	}
}

// Split returns a seeded random permutation of 0..n-1 cut into training and
// validation indices. The sizes follow torch.utils.data.random_split with
// fractions [1−valFrac, valFrac]: each part gets ⌊n·fraction⌋ and the one or
// two left over go to training first, then validation; so n=60000,
// valFrac=0.1 gives 54000/6000 and n=11 gives 10/1. Training takes the first
// part of the permutation, validation the rest. The permutation comes from
// math/rand/v2's PCG seeded from seed, so equal arguments give equal splits.
// Split panics if n < 0 or valFrac is not in [0, 1].
func Split(n int, valFrac float64, seed uint64) (train, val []int) {
	if n < 0 || !(valFrac >= 0 && valFrac <= 1) {
		panic(fmt.Sprintf("datasets.Split: invalid n=%d valFrac=%v", n, valFrac))
	}
	nTrain := int(math.Floor(float64(n) * (1 - valFrac)))
	nVal := int(math.Floor(float64(n) * valFrac))
	for rem, i := n-nTrain-nVal, 0; rem > 0; rem, i = rem-1, i+1 {
		if i%2 == 0 {
			nTrain++
		} else {
			nVal++
		}
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	shuffle(perm, rand.New(rand.NewPCG(splitmix64(seed), splitmix64(seed^0x5b1175eed))))
	return perm[:nTrain:nTrain], perm[nTrain:]
}

// Transform alters one image in place before normalisation; it is a hook
// for extra data augmentation (the recipes' crops and flips are built in,
// see [Pipeline]; a Transform runs before them, on the stored image). img is
// a private copy of the sample's C×H×W bytes (the Dataset is never modified). rng is seeded from
// (loader seed, epoch, position of the sample in the epoch), so a batch's
// content depends only on those, not on the order in which batches are
// produced. A Transform must not retain img or rng.
type Transform func(img []uint8, c, h, w int, rng *rand.Rand)

// Loader yields normalised float32 batches over a subset of a Dataset. A
// batch is rows × Dim values, row-major, one image per row. A Loader made by
// [NewLoader] serves the images as stored, in CHW order (C·H·W values per
// row); one made by [Recipe.NewLoader] first resizes, crops and flips them
// and writes them in the recipe's geometry and layout (CHW, or NHWC: value
// (y, x, c) of a row at (y·W + x)·C + c).
//
// A Loader is not safe for concurrent use; several Loaders may share one
// Dataset. Batch and SetEpoch do not allocate.
type Loader struct {
	// Transform, if not nil, is applied to every sample before
	// normalisation (set it before the first Batch call).
	Transform Transform

	d       *Dataset
	idx     []int // the subset, as given
	order   []int // the current epoch's order of idx
	batch   int
	shuffle bool
	seed    uint64
	epoch   int
	lut     []float32 // C × 256: normalised value of each byte per channel
	scratch []uint8   // one image, for Transform
	pcg     rand.PCG
	rng     *rand.Rand // over pcg

	// The image pipeline of a Recipe loader (see pipeline.go); a plain
	// Loader has oc, oh, ow = d's shape, pipe zero and nhwc false.
	pipe       Pipeline
	oc, oh, ow int         // output geometry
	nhwc       bool        // output layout
	resizer    *pilResizer // nil unless pipe.Resize
	resized    []uint8     // one resized image
}

// NewLoader returns a Loader over the samples d[idx[i]] in batches of the
// given size. If shuffle is set the order is a permutation of idx that
// depends only on (seed, epoch), see SetEpoch; otherwise it is idx as given.
// The epoch starts at 0. norm must have one mean and std per channel of d.
// NewLoader panics on a batch size < 1, an index out of range or a
// normalisation of the wrong length (programming errors).
func NewLoader(d *Dataset, idx []int, batch int, shuffle bool, seed uint64, norm Normalization) *Loader {
	if batch < 1 {
		panic(fmt.Sprintf("datasets.NewLoader: batch size %d < 1", batch))
	}
	if len(norm.Mean) != d.C || len(norm.Std) != d.C {
		panic(fmt.Sprintf("datasets.NewLoader: normalisation has %d means and %d stds for %d channels",
			len(norm.Mean), len(norm.Std), d.C))
	}
	for _, i := range idx {
		if i < 0 || i >= d.N {
			panic(fmt.Sprintf("datasets.NewLoader: index %d out of range [0, %d)", i, d.N))
		}
	}
	l := &Loader{
		d:       d,
		idx:     append([]int(nil), idx...),
		order:   append([]int(nil), idx...),
		batch:   batch,
		shuffle: shuffle,
		seed:    seed,
		lut:     make([]float32, d.C*256),
		scratch: make([]uint8, d.Dim()),
		oc:      d.C, oh: d.H, ow: d.W,
	}
	l.rng = rand.New(&l.pcg)
	// As torchvision: ToTensor divides by 255 in float32, Normalize
	// subtracts the mean and divides by the std in float32.
	for c := 0; c < d.C; c++ {
		m, s := norm.Mean[c], norm.Std[c]
		for v := 0; v < 256; v++ {
			l.lut[c*256+v] = (float32(v)/255 - m) / s
		}
	}
	l.SetEpoch(0)
	return l
}

// Len returns the number of samples per epoch.
func (l *Loader) Len() int { return len(l.idx) }

// BatchSize returns the (maximum) number of rows per batch.
func (l *Loader) BatchSize() int { return l.batch }

// Dim returns the number of values per row, C·H·W of the output images
// (for a plain Loader, the Dataset's Dim).
func (l *Loader) Dim() int { return l.oc * l.oh * l.ow }

// Shape returns the geometry of an output image and whether rows are NHWC
// (else CHW).
func (l *Loader) Shape() (c, h, w int, nhwc bool) { return l.oc, l.oh, l.ow, l.nhwc }

// NumBatches returns the number of batches per epoch, ⌈Len/BatchSize⌉: the
// last, partial batch is kept (PyTorch's drop_last=False).
func (l *Loader) NumBatches() int { return (len(l.idx) + l.batch - 1) / l.batch }

// SetEpoch selects epoch e. With shuffling, the sample order becomes a
// permutation that depends only on (seed, e), whatever epochs came before;
// the per-sample Transform randomness also depends on e. It does not allocate.
func (l *Loader) SetEpoch(e int) {
	l.epoch = e
	if !l.shuffle {
		return
	}
	copy(l.order, l.idx)
	l.pcg.Seed(splitmix64(l.seed), splitmix64(uint64(e)^0x0e90c4))
	shuffle(l.order, l.rng)
}

// Indices returns the dataset indices of batch i in the current epoch (a
// view into the Loader's order; do not modify).
func (l *Loader) Indices(i int) []int {
	lo := i * l.batch
	hi := min(lo+l.batch, len(l.order))
	return l.order[lo:hi:hi]
}

// Batch fills x (at least BatchSize·Dim values) with the normalised images of
// batch i of the current epoch and y (at least BatchSize values) with their
// labels, and returns the number of rows filled (BatchSize, or fewer for the
// last batch). The content depends only on (seed, epoch, i), never on which
// batches were produced before. It does not allocate. It panics if i is not
// in [0, NumBatches) or a buffer is too short.
func (l *Loader) Batch(i int, x []float32, y []int32) int {
	if i < 0 || i >= l.NumBatches() {
		panic(fmt.Sprintf("datasets.Loader.Batch: batch %d out of range [0, %d)", i, l.NumBatches()))
	}
	if l.pipe != (Pipeline{}) || l.nhwc || l.oh != l.d.H || l.ow != l.d.W {
		return l.pipelineBatch(i, x, y)
	}
	d := l.d
	dim := d.Dim()
	hw := d.H * d.W
	ids := l.Indices(i)
	rows := len(ids)
	x = x[:rows*dim]
	y = y[:rows]
	for r, id := range ids {
		img := d.Images[id*dim : (id+1)*dim]
		if l.Transform != nil {
			copy(l.scratch, img)
			pos := uint64(i*l.batch + r)
			l.pcg.Seed(splitmix64(l.seed^0x7a11f0), splitmix64(uint64(l.epoch)<<32^pos))
			l.Transform(l.scratch, d.C, d.H, d.W, l.rng)
			img = l.scratch
		}
		xr := x[r*dim : (r+1)*dim]
		for c := 0; c < d.C; c++ {
			lut := l.lut[c*256 : c*256+256]
			src := img[c*hw : (c+1)*hw]
			dst := xr[c*hw : (c+1)*hw]
			for p, v := range src {
				dst[p] = lut[v]
			}
		}
		y[r] = int32(d.Labels[id])
	}
	return rows
}
