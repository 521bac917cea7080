package datasets

import (
	"fmt"
	"slices"
	"strings"
)

// Pipeline is the per-sample image transform of a [Recipe] for one mode
// (training or evaluation). Its steps, in this order, act on the stored
// bytes (values 0..255, as torchvision's transforms act on a PIL image
// before ToTensor):
//
//  1. Resize: if set and the stored image is not the recipe's H×W, resize
//     it to H×W with PIL's bilinear filter (see resize.go: half-pixel
//     centres, antialiased when shrinking, rounded to bytes).
//  2. Center: if set, an image smaller than H×W is placed in the middle of
//     an H×W canvas of zeros (torchvision Pad((H−h)/2)), e.g. a 28×28
//     Fashion-MNIST image for a network that needs a multiple of 16.
//  3. Pad > 0: pad Pad pixels on every side (zeros, or a copy of the border
//     pixels if Edge), then crop H×W at a uniformly random offset: the
//     torchvision RandomCrop(H, padding=Pad). Without Pad or Center the
//     image must already be H×W.
//  4. Flip: mirror left-right with probability 1/2.
//
// Then every byte v becomes (v/255 − Mean[c]) / Std[c] in float32.
//
// The reference flips before cropping for CIFAR and crops before flipping
// for MNIST; with uniform crop offsets the two give the same distribution
// of images (flipping the padded image maps offset o to its mirror
// (padded width − W − o)), so one order, crop then flip, serves both.
type Pipeline struct {
	Resize bool // resize the stored image to H×W (PIL bilinear)
	Center bool // centre a smaller image on an H×W canvas of zeros
	Pad    int  // random H×W crop of the image padded by Pad on each side
	Edge   bool // pad by replicating the border (torchvision padding_mode="edge"), else zeros
	Flip   bool // horizontal flip with probability 1/2
}

// Random reports whether the pipeline draws random numbers.
func (p Pipeline) Random() bool { return p.Pad > 0 || p.Flip }

// Recipe is the whole data pipeline of one (configuration data set,
// architecture) pair, as the reference builds it: which files, the geometry
// and layout of the model's input, the normalisation and the transforms of
// training and evaluation. Get one with [RecipeFor] and build loaders with
// [Recipe.NewLoader].
type Recipe struct {
	// Files is the data set whose files to [Ensure] and [Load]: "MNIST",
	// "FashionMNIST", "CIFAR10", "CIFAR100" or "STL10".
	Files string
	// C, H, W is the geometry of a sample as served (e.g. 1×32×32 for
	// MNIST_CNN, whose files hold 28×28 images).
	C, H, W int
	// NHWC: rows are NHWC (value (y, x, c) at (y·W + x)·C + c), as the
	// convolutional models take them; else CHW, as the MLPs take them.
	NHWC bool
	// Norm is applied to v/255 after the transforms; Mean 0 and Std 1 for
	// the recipes that only scale to [0, 1].
	Norm Normalization
	// Train is the transform of the training loader, Eval that of the test
	// loader.
	Train, Eval Pipeline
	// ValAugmented reports the reference's quirk of cutting the validation
	// split out of the training data set *with its training transform*:
	// validation batches are augmented too (use Train for them). When false
	// the validation loader uses Eval.
	ValAugmented bool
}

// Dim returns the number of values per sample, C·H·W.
func (r Recipe) Dim() int { return r.C * r.H * r.W }

// ValPipeline returns the transform of the validation loader: Train if
// ValAugmented, else Eval.
func (r Recipe) ValPipeline() Pipeline {
	if r.ValAugmented {
		return r.Train
	}
	return r.Eval
}

// Architecture names of the reference's configurations.
const (
	ArchMLP         = "simple_linear"
	ArchCNN         = "cnn"
	ArchCNNPool     = "cnn_pool"
	ArchAEStride    = "cnn_stride_autoencoder"
	ArchAEPool      = "cnn_pool_autoencoder"
	archKindMLP     = "an MLP (" + ArchMLP + ")"
	archKindCNN     = "a CNN (" + ArchCNN + ", " + ArchCNNPool + ")"
	archKindAutoenc = "an autoencoder (" + ArchAEStride + ", " + ArchAEPool + ")"
)

func plainNorm(c int) Normalization {
	n := Normalization{Mean: make([]float32, c), Std: make([]float32, c)}
	for i := range n.Std {
		n.Std[i] = 1
	}
	return n
}

// RecipeFor returns the data pipeline of a configuration's dataset.dataset
// and method.architecture values, following the reference (spec §7, §9):
//
//   - MNIST, FashionMNIST, CIFAR10, CIFAR100 with simple_linear (MLP): the
//     stored images, CHW, the data set's own normalisation, no augmentation.
//   - MNIST_CNN, FashionMNIST_CNN with cnn or cnn_pool: 1×32×32 NHWC, values
//     v/255. Training: zero-pad 28×28 by 4, random 32×32 crop, flip.
//     Validation and test: bilinear resize 28→32. (The reference's
//     FashionMNIST_CNN branch is broken; this is its MNIST_CNN recipe on the
//     Fashion-MNIST files.)
//   - CIFAR10, CIFAR100 with cnn or cnn_pool: 3×32×32 NHWC, ImageNet
//     normalisation. Training: flip, random crop 32 with 4 pixels of edge
//     padding. Validation: the same augmented transform (quirk:
//     ValAugmented). Test: none.
//   - STL10_cls with cnn or cnn_pool: 3×32×32 NHWC from the 96×96 STL-10
//     images by PIL's antialiased bilinear resize, values v/255. Training:
//     resize and flip; validation: the same (ValAugmented); test: resize.
//   - STL10 with cnn_stride_autoencoder or cnn_pool_autoencoder: 3×96×96
//     NHWC, values v/255. Training: zero-pad by 4, random 96×96 crop, flip;
//     validation: the same (ValAugmented); test: none.
//
// Any other pair is an error naming the architectures the data set takes
// (e.g. MNIST with cnn: the CNN configurations say MNIST_CNN).
func RecipeFor(dataset, architecture string) (Recipe, error) {
	var kind string
	switch architecture {
	case ArchMLP:
		kind = archKindMLP
	case ArchCNN, ArchCNNPool:
		kind = archKindCNN
	case ArchAEStride, ArchAEPool:
		kind = archKindAutoenc
	default:
		return Recipe{}, fmt.Errorf("datasets: no data pipeline for architecture %q (known: %s)", architecture,
			strings.Join([]string{ArchMLP, ArchCNN, ArchCNNPool, ArchAEStride, ArchAEPool}, ", "))
	}
	wants := map[string]string{ // data set → the architecture kind it takes
		"MNIST": archKindMLP + " or " + archKindAutoenc, "FashionMNIST": archKindMLP + " or " + archKindAutoenc,
		"CIFAR10":  archKindMLP + ", " + archKindCNN + " or " + archKindAutoenc,
		"CIFAR100": archKindMLP + ", " + archKindCNN + " or " + archKindAutoenc, "MNIST_CNN": archKindCNN, "FashionMNIST_CNN": archKindCNN,
		"STL10_cls": archKindCNN, "STL10": archKindAutoenc,
	}
	want, ok := wants[dataset]
	if !ok {
		names := make([]string, 0, len(wants))
		for n := range wants {
			names = append(names, n)
		}
		slices.Sort(names)
		return Recipe{}, fmt.Errorf("datasets: no data pipeline for data set %q (known: %s)", dataset, strings.Join(names, ", "))
	}
	fail := func(hint string) (Recipe, error) {
		return Recipe{}, fmt.Errorf("datasets: data set %q with architecture %q: the reference defines no such pipeline: %s takes %s%s",
			dataset, architecture, dataset, want, hint)
	}
	switch {
	case kind == archKindMLP && (dataset == "MNIST" || dataset == "FashionMNIST" || dataset == "CIFAR10" || dataset == "CIFAR100"):
		s := specs[dataset]
		n, _ := NormalizationFor(dataset)
		return Recipe{Files: dataset, C: s.c, H: s.h, W: s.w, Norm: n}, nil
	case kind == archKindCNN && (dataset == "MNIST_CNN" || dataset == "FashionMNIST_CNN"):
		return Recipe{
			Files: strings.TrimSuffix(dataset, "_CNN"), C: 1, H: 32, W: 32, NHWC: true, Norm: plainNorm(1),
			Train: Pipeline{Pad: 4, Flip: true},
			Eval:  Pipeline{Resize: true},
		}, nil
	case kind == archKindCNN && (dataset == "CIFAR10" || dataset == "CIFAR100"):
		n := Normalization{Mean: slices.Clone(ImageNetNormalization.Mean), Std: slices.Clone(ImageNetNormalization.Std)}
		return Recipe{
			Files: dataset, C: 3, H: 32, W: 32, NHWC: true, Norm: n,
			Train:        Pipeline{Pad: 4, Edge: true, Flip: true},
			ValAugmented: true,
		}, nil
	case kind == archKindCNN && dataset == "STL10_cls":
		return Recipe{
			Files: "STL10", C: 3, H: 32, W: 32, NHWC: true, Norm: plainNorm(3),
			Train:        Pipeline{Resize: true, Flip: true},
			Eval:         Pipeline{Resize: true},
			ValAugmented: true,
		}, nil
	case kind == archKindAutoenc && (dataset == "MNIST" || dataset == "FashionMNIST"):
		// Not in the reference (its autoencoder runs on STL-10 only): the
		// 28×28 images are centred on 32×32 (four stride-2 stages need a
		// multiple of 16), values in [0, 1], augmented like STL-10's.
		return Recipe{
			Files: dataset, C: 1, H: 32, W: 32, NHWC: true, Norm: plainNorm(1),
			Train:        Pipeline{Center: true, Pad: 4, Flip: true},
			Eval:         Pipeline{Center: true},
			ValAugmented: true,
		}, nil
	case kind == archKindAutoenc && (dataset == "CIFAR10" || dataset == "CIFAR100"):
		// Not in the reference either: STL-10's recipe at 32×32.
		return Recipe{
			Files: dataset, C: 3, H: 32, W: 32, NHWC: true, Norm: plainNorm(3),
			Train:        Pipeline{Pad: 4, Flip: true},
			ValAugmented: true,
		}, nil
	case kind == archKindAutoenc && dataset == "STL10":
		return Recipe{
			Files: "STL10", C: 3, H: 96, W: 96, NHWC: true, Norm: plainNorm(3),
			Train:        Pipeline{Pad: 4, Flip: true},
			ValAugmented: true,
		}, nil
	case kind == archKindCNN && (dataset == "MNIST" || dataset == "FashionMNIST"):
		return fail(fmt.Sprintf(" (the CNN configurations use %s_CNN)", dataset))
	case kind == archKindAutoenc && dataset == "STL10_cls":
		return fail(" (the autoencoder configurations use STL10)")
	case kind != archKindAutoenc && dataset == "STL10":
		return fail(" (the STL-10 classifier configurations use STL10_cls)")
	}
	return fail("")
}

// NewLoader returns a Loader over the samples d[idx[i]] that serves them
// through the recipe: transformed by Train if augment, else by Eval (use
// [Recipe.ValPipeline] to choose for validation: augment = r.ValAugmented),
// normalised, C×H×W per row in the recipe's layout. Batching, shuffling and
// the seeding of the random transforms are those of [NewLoader]: a batch
// depends only on (seed, epoch, batch index), so call SetEpoch every epoch
// on an augmented loader (validation included) to draw new augmentations.
//
// NewLoader panics if d does not have the recipe's channel count, or its
// images cannot become H×W through the pipeline (a programming error: the
// recipe's Files decide the shape), and as [NewLoader] does.
func (r Recipe) NewLoader(d *Dataset, idx []int, batch int, shuffle bool, seed uint64, augment bool) *Loader {
	if d.C != r.C || len(r.Norm.Mean) != r.C {
		panic(fmt.Sprintf("datasets.Recipe.NewLoader: %d-channel data set and normalisation for a %d-channel recipe", d.C, r.C))
	}
	p := r.Eval
	if augment {
		p = r.Train
	}
	l := NewLoader(d, idx, batch, shuffle, seed, r.Norm)
	l.pipe, l.oc, l.oh, l.ow, l.nhwc = p, r.C, r.H, r.W, r.NHWC
	h, w := d.H, d.W
	if p.Resize && (h != r.H || w != r.W) {
		l.resizer = newPILResizer(d.C, d.H, d.W, r.H, r.W)
		l.resized = make([]uint8, r.Dim())
		h, w = r.H, r.W
	}
	if p.Center && h <= r.H && w <= r.W {
		h, w = r.H, r.W
	}
	if p.Pad < 0 || (p.Pad == 0 && (h != r.H || w != r.W)) || h+2*p.Pad < r.H || w+2*p.Pad < r.W {
		panic(fmt.Sprintf("datasets.Recipe.NewLoader: a %d×%d image cannot become %d×%d with %+v", d.H, d.W, r.H, r.W, p))
	}
	return l
}

// pipelineBatch is Batch for a Loader with an image pipeline.
func (l *Loader) pipelineBatch(i int, x []float32, y []int32) int {
	d := l.d
	dim := l.Dim()
	ids := l.Indices(i)
	rows := len(ids)
	x = x[:rows*dim]
	y = y[:rows]
	p := l.pipe
	for r, id := range ids {
		img := d.Image(id)
		if l.Transform != nil || p.Random() {
			pos := uint64(i*l.batch + r)
			l.pcg.Seed(splitmix64(l.seed^0x7a11f0), splitmix64(uint64(l.epoch)<<32^pos))
		}
		if l.Transform != nil {
			copy(l.scratch, img)
			l.Transform(l.scratch, d.C, d.H, d.W, l.rng)
			img = l.scratch
		}
		h, w := d.H, d.W
		if l.resizer != nil {
			l.resizer.resize(img, l.resized)
			img, h, w = l.resized, l.oh, l.ow
		}
		flip := p.Flip && l.rng.IntN(2) == 1
		oy, ox := 0, 0 // top-left of the crop in image coordinates (may be negative)
		switch {
		case p.Center && h <= l.oh && w <= l.ow:
			// The centred canvas is oh×ow; the crop moves around it.
			oy, ox = -(l.oh-h)/2, -(l.ow-w)/2
			if p.Pad > 0 {
				oy += l.rng.IntN(2*p.Pad+1) - p.Pad
				ox += l.rng.IntN(2*p.Pad+1) - p.Pad
			}
		case p.Pad > 0:
			oy = l.rng.IntN(h+2*p.Pad-l.oh+1) - p.Pad
			ox = l.rng.IntN(w+2*p.Pad-l.ow+1) - p.Pad
		}
		l.place(img, h, w, oy, ox, flip, p.Edge, x[r*dim:(r+1)*dim])
		y[r] = int32(d.Labels[id])
	}
	return rows
}

// place writes the oh×ow window at (oy, ox) of img (C×h×w, CHW), mirrored
// left-right if flip, normalised, into dst in the output layout. Pixels
// outside the image are zero bytes, or the nearest border pixel if edge.
func (l *Loader) place(img []uint8, h, w, oy, ox int, flip, edge bool, dst []float32) {
	C, oh, ow := l.oc, l.oh, l.ow
	for c := 0; c < C; c++ {
		lut := l.lut[c*256 : c*256+256]
		plane := img[c*h*w : (c+1)*h*w]
		zero := lut[0]
		for yy := 0; yy < oh; yy++ {
			sy := yy + oy
			inRow := sy >= 0 && sy < h
			if edge {
				sy, inRow = min(max(sy, 0), h-1), true
			}
			var src []uint8
			if inRow {
				src = plane[sy*w : (sy+1)*w]
			}
			for xx := 0; xx < ow; xx++ {
				sx := xx
				if flip {
					sx = ow - 1 - xx
				}
				sx += ox
				v := zero
				switch {
				case !inRow:
				case sx >= 0 && sx < w:
					v = lut[src[sx]]
				case edge:
					v = lut[src[min(max(sx, 0), w-1)]]
				}
				if l.nhwc {
					dst[(yy*ow+xx)*C+c] = v
				} else {
					dst[c*oh*ow+yy*ow+xx] = v
				}
			}
		}
	}
}
