package train

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"time"

	"github.com/counter-current/ccl/bp"
	"github.com/counter-current/ccl/ccl"
	"github.com/counter-current/ccl/datasets"
	"github.com/counter-current/ccl/internal/atomicfile"
	"github.com/counter-current/ccl/internal/checkpoint"
	"github.com/counter-current/ccl/internal/config"
	"github.com/counter-current/ccl/net"
)

// AEBatchesPerEpoch is the number of training batches of an autoencoder
// epoch: the reference trains on the first 101 batches of each (shuffled)
// epoch only (spec §9, a quirk kept for comparable results).
const AEBatchesPerEpoch = 101

// aeChannels is the channel list of the reference's autoencoder after the
// input channels (spec §9).
var aeChannels = []int{128, 256, 1024, 2048}

// AEModel is a trainable autoencoder: CCL's dual network or BP's.
type AEModel interface {
	// Step runs one optimisation step on n images x (n × C·H·W, NHWC; the
	// labels y are not used), with the whole loss multiplied by scale.
	// StepStats.Total is that loss, Pairs CCL's 2L+1 pair losses (nil for
	// BP), MSE BP's reconstruction error before the scale.
	Step(x []float32, y []int32, n int, scale float32) StepStats
	// Reconstruct returns the reconstruction in eval mode (n × dim).
	Reconstruct(x []float32, n int) []float32
	SetLR(lrF, lrB float64)
	State() [][]float32
	// PairCount is the number of local losses StepStats.Pairs reports.
	PairCount() int
	// Checkpoint returns the checkpoint state (checkpoint.AELayout keys).
	Checkpoint() *checkpoint.State
}

// NewAEModel builds the autoencoder of cfg for inputs of c×h×w (h and w
// multiples of 16: four stride-2 stages). Both of the reference's
// architecture names (cnn_stride_autoencoder, cnn_pool_autoencoder, the
// latter used by its BP configuration) build the network of spec §9, which
// always has batch norm (fw_bn and bw_bn are not consulted, as in the
// reference's legacy model).
func NewAEModel(cfg *config.Config, c, h, w int) (AEModel, error) {
	m, t := cfg.Method, cfg.Training
	actF, actB, optF, optB, err := learningRule(cfg)
	if err != nil {
		return nil, err
	}
	spec := net.AESpec{Channels: append([]int{c}, aeChannels...), H: h, W: w}
	if err := spec.Check(); err != nil {
		return nil, fmt.Errorf("method.architecture %s: %w", m.Architecture, err)
	}
	switch m.Name {
	case "CCL":
		a, err := ccl.NewAutoencoder(ccl.AEConfig{Spec: spec, ActF: actF, ActB: actB,
			LossScaleC: float32(t.LossScaleC), LossScaleD: float32(t.LossScaleD),
			MaxBatch: cfg.Dataset.BatchSize, Seed: int64(t.Seed), Forward: optF, Feedback: optB})
		if err != nil {
			return nil, err
		}
		return &cclAE{a, newBase(m.Architecture, 0, a.F, a.B, &a.FwdSet, &a.FbSet, &a.OptF, &a.OptB, 2, 2, true)}, nil
	case "BP":
		a, err := bp.NewAutoencoder(bp.AEConfig{Spec: spec, Act: actF, MaxBatch: cfg.Dataset.BatchSize,
			Seed: int64(t.Seed), Opt: optF.Optimizer()})
		if err != nil {
			return nil, err
		}
		return &bpAE{a, newBase(m.Architecture, 0, a.F, nil, &a.FwdSet, nil, &a.Opt, nil, 2, 0, true)}, nil
	}
	return nil, fmt.Errorf("method.method: unknown method %q (expected CCL or BP)", m.Name)
}

type cclAE struct {
	m *ccl.Autoencoder
	base
}

func (a *cclAE) Step(x []float32, _ []int32, n int, scale float32) StepStats {
	s := a.m.Step(x, n, scale)
	return StepStats{Total: s.Total, Pairs: s.Pairs, NormF: a.m.OptF.LastNorm, NormB: a.m.OptB.LastNorm}
}
func (a *cclAE) Reconstruct(x []float32, n int) []float32 { return a.m.Reconstruct(x, n) }
func (a *cclAE) State() [][]float32                       { return a.m.State() }
func (a *cclAE) PairCount() int                           { return 2*a.m.Spec.Levels() + 1 }

type bpAE struct {
	m *bp.Autoencoder
	base
}

func (a *bpAE) Step(x []float32, _ []int32, n int, scale float32) StepStats {
	mse := a.m.Step(x, n, scale)
	return StepStats{Total: float64(scale) * mse, MSE: mse, NormF: a.m.Opt.LastNorm}
}
func (a *bpAE) Reconstruct(x []float32, n int) []float32 { return a.m.Reconstruct(x, n) }
func (a *bpAE) State() [][]float32                       { return a.m.State() }
func (a *bpAE) PairCount() int                           { return 0 }

// runAutoencoder trains an autoencoder (spec §9) with runJob: each epoch,
// the first AEBatchesPerEpoch shuffled batches, then the validation and test
// reconstruction MSE; the weights with the lowest validation MSE are tested
// again at the end (result.json). Each epoch also writes recon-NNN.png to
// the run directory: validation inputs on the top row, their
// reconstructions below.
func runAutoencoder(cfg *config.Config, opt Options, d *runData, prefetch *datasets.Prefetcher, start time.Time, now func() time.Time, out io.Writer) (*Result, error) {
	r := d.recipe
	model, err := NewAEModel(cfg, r.C, r.H, r.W)
	if err != nil {
		return nil, err
	}
	bs := cfg.Dataset.BatchSize
	x := make([]float32, bs*r.Dim())
	y := make([]int32, bs)
	t := cfg.Training
	batches := min(AEBatchesPerEpoch, prefetch.NumBatches())
	res := &Result{Method: cfg.Method.Name, Dataset: cfg.Dataset.Name, Epochs: t.Epochs}
	res.BaselineMSE = meanImageMSE(r, d, bs)
	j := &job{
		model: model, data: d, prefetch: prefetch, batches: batches, res: res,
		header: fmt.Sprintf("%s autoencoder on %s (%d×%d×%d): %d train / %d validation / %d test images, batch %d, %d epochs of %d batches",
			cfg.Method.Name, cfg.Dataset.Name, r.C, r.H, r.W, len(d.trIdx), len(d.valIdx), d.test.N, bs, t.Epochs, batches),
		validate: func() (float64, float64) { return reconstructionMSE(model, d.valL, x, y), 0 },
		initial: func(loss, _ float64) string {
			return fmt.Sprintf("epoch 0: val MSE %.5f (initial weights); predicting the training mean image: test MSE %.5f",
				loss, res.BaselineMSE)
		},
		epochDone: func(e int, m *EpochMetrics) error {
			m.ValMSE = m.ValLoss
			m.TestMSE = reconstructionMSE(model, d.testL, x, y)
			return writeReconGrid(filepath.Join(opt.RunDir, fmt.Sprintf("recon-%03d.png", e+1)), model, d.valL, r, x, y)
		},
		line: func(m EpochMetrics) string {
			return fmt.Sprintf("train loss %.5f, val MSE %.5f, test MSE %.5f", m.TrainLoss, m.ValLoss, m.TestMSE)
		},
		test: func(res *Result) string {
			res.TestLoss = reconstructionMSE(model, d.testL, x, y)
			res.TestMSE = res.TestLoss
			return fmt.Sprintf("test (weights of epoch %d, val MSE %.5f): MSE %.5f (mean-image baseline %.5f, ratio %.3f)",
				res.BestEpoch, res.BestValLoss, res.TestMSE, res.BaselineMSE, res.TestMSE/res.BaselineMSE)
		},
	}
	return runJob(cfg, opt, j, start, now, out)
}

// reconstructionMSE returns the mean squared error between the images of
// every batch of l and their eval-mode reconstructions, over all values.
func reconstructionMSE(m AEModel, l *datasets.Loader, x []float32, y []int32) float64 {
	var sum float64
	count := 0
	for b := 0; b < l.NumBatches(); b++ {
		n := l.Batch(b, x, y)
		rec := m.Reconstruct(x, n)
		for i, v := range rec {
			d := float64(v) - float64(x[i])
			sum += d * d
		}
		count += len(rec)
	}
	if count == 0 {
		return math.NaN()
	}
	return sum / float64(count)
}

// meanImageMSE is the baseline of the autoencoder's test MSE: predict, for
// every test image, the mean of the (unaugmented) training images.
func meanImageMSE(r datasets.Recipe, d *runData, bs int) float64 {
	dim := r.Dim()
	x := make([]float32, bs*dim)
	y := make([]int32, bs)
	mean := make([]float64, dim)
	tl := r.NewLoader(d.train, d.trIdx, bs, false, 0, false)
	count := 0
	for b := 0; b < tl.NumBatches(); b++ {
		n := tl.Batch(b, x, y)
		for i := 0; i < n; i++ {
			for j, v := range x[i*dim : (i+1)*dim] {
				mean[j] += float64(v)
			}
		}
		count += n
	}
	for j := range mean {
		mean[j] /= float64(count)
	}
	var sum float64
	values := 0
	for b := 0; b < d.testL.NumBatches(); b++ {
		n := d.testL.Batch(b, x, y)
		for i := 0; i < n; i++ {
			for j, v := range x[i*dim : (i+1)*dim] {
				e := float64(v) - mean[j]
				sum += e * e
			}
		}
		values += n * dim
	}
	return sum / float64(values)
}

// gridImages is the number of image pairs in a reconstruction grid.
const gridImages = 8

// writeReconGrid writes a PNG with up to gridImages validation images on
// the top row and their eval-mode reconstructions (clamped to [0, 1]) below,
// separated by a 2-pixel white border.
func writeReconGrid(path string, m AEModel, l *datasets.Loader, r datasets.Recipe, x []float32, y []int32) error {
	n := min(l.Batch(0, x, y), gridImages)
	rec := m.Reconstruct(x, n)
	const gap = 2
	img := image.NewRGBA(image.Rect(0, 0, n*(r.W+gap)+gap, 2*(r.H+gap)+gap))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	put := func(src []float32, row, col int) {
		for yy := 0; yy < r.H; yy++ {
			for xx := 0; xx < r.W; xx++ {
				var c [3]uint8
				for ch := 0; ch < 3; ch++ {
					v := src[(yy*r.W+xx)*r.C+min(ch, r.C-1)]
					c[ch] = uint8(math.Round(float64(min(max(v, 0), 1)) * 255))
				}
				img.SetRGBA(gap+col*(r.W+gap)+xx, gap+row*(r.H+gap)+yy, color.RGBA{c[0], c[1], c[2], 255})
			}
		}
	}
	dim := r.Dim()
	for i := 0; i < n; i++ {
		put(x[i*dim:(i+1)*dim], 0, i)
		put(rec[i*dim:(i+1)*dim], 1, i)
	}
	return atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) })
}
