package train

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/counter-current/ccl/bp"
	"github.com/counter-current/ccl/ccl"
	"github.com/counter-current/ccl/datasets"
	"github.com/counter-current/ccl/internal/atomicfile"
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
	// Step runs one optimisation step on n images and returns the whole
	// loss (with the warm-up scale) and the per-pair losses (nil for BP).
	Step(x []float32, n int, scale float32) (total float64, pairs []float64)
	// Reconstruct returns the reconstruction in eval mode (n × dim).
	Reconstruct(x []float32, n int) []float32
	SetLR(lrF, lrB float64)
	State() [][]float32
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
		return &cclAE{a}, nil
	case "BP":
		a, err := bp.NewAutoencoder(bp.AEConfig{Spec: spec, Act: actF, MaxBatch: cfg.Dataset.BatchSize,
			Seed: int64(t.Seed), Opt: optF.Optimizer()})
		if err != nil {
			return nil, err
		}
		return &bpAE{a}, nil
	}
	return nil, fmt.Errorf("method.method: unknown method %q (expected CCL or BP)", m.Name)
}

type cclAE struct{ m *ccl.Autoencoder }

func (a *cclAE) Step(x []float32, n int, scale float32) (float64, []float64) {
	st := a.m.Step(x, n, scale)
	return st.Total, st.Pairs
}
func (a *cclAE) Reconstruct(x []float32, n int) []float32 { return a.m.Reconstruct(x, n) }
func (a *cclAE) SetLR(lrF, lrB float64)                   { a.m.OptF.LR, a.m.OptB.LR = float32(lrF), float32(lrB) }
func (a *cclAE) State() [][]float32                       { return a.m.State() }

type bpAE struct{ m *bp.Autoencoder }

func (a *bpAE) Step(x []float32, n int, scale float32) (float64, []float64) {
	return float64(scale) * a.m.Step(x, n, scale), nil
}
func (a *bpAE) Reconstruct(x []float32, n int) []float32 { return a.m.Reconstruct(x, n) }
func (a *bpAE) SetLR(lrF, _ float64)                     { a.m.Opt.LR = float32(lrF) }
func (a *bpAE) State() [][]float32                       { return a.m.State() }

// aeData is what Run prepared for an autoencoder run.
type aeData struct {
	recipe        datasets.Recipe
	train, test   *datasets.Dataset
	trIdx, valIdx []int
	valL, testL   *datasets.Loader
	prefetch      *datasets.Prefetcher
}

// runAutoencoder trains an autoencoder (spec §9): each epoch, the first
// AEBatchesPerEpoch shuffled batches, then the validation and test
// reconstruction MSE; the weights with the lowest validation MSE are tested
// again at the end (result.json). Each epoch
// also writes recon-NNN.png to the run directory: validation inputs on the
// top row, their reconstructions below.
func runAutoencoder(cfg *config.Config, opt Options, d *aeData, start time.Time, now func() time.Time, out io.Writer) (*Result, error) {
	r := d.recipe
	if opt.Resume {
		return nil, fmt.Errorf("resuming an autoencoder run is not available in this version (its runs write no checkpoints yet)")
	}
	model, err := NewAEModel(cfg, r.C, r.H, r.W)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opt.RunDir, 0o755); err != nil {
		return nil, fmt.Errorf("run directory: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(opt.RunDir, "config.yaml"), cfg.YAML()); err != nil {
		return nil, err
	}
	bs, dim := cfg.Dataset.BatchSize, r.Dim()
	x := make([]float32, bs*dim)
	y := make([]int32, bs)
	state := model.State()
	best := cloneState(state)
	t := cfg.Training
	res := &Result{Method: cfg.Method.Name, Dataset: cfg.Dataset.Name, Epochs: t.Epochs}
	res.BaselineMSE = meanImageMSE(r, d, bs)
	res.BestValLoss = reconstructionMSE(model, d.valL, x, y)
	fmt.Fprintf(out, "%s autoencoder on %s (%d×%d×%d): %d train / %d validation / %d test images, batch %d, %d epochs of %d batches\n",
		cfg.Method.Name, cfg.Dataset.Name, r.C, r.H, r.W, len(d.trIdx), len(d.valIdx), d.test.N, bs, t.Epochs,
		min(AEBatchesPerEpoch, d.prefetch.NumBatches()))
	fmt.Fprintf(out, "epoch 0: val MSE %.5f (initial weights); predicting the training mean image: test MSE %.5f\n",
		res.BestValLoss, res.BaselineMSE)

	step := 0
	var pairSums []float64
	for e := 0; e < t.Epochs; e++ {
		t0 := now()
		lrF := net.CosineLR(t.LrF, t.EtaMin, e, t.TMax)
		lrB := net.CosineLR(t.LrB, t.EtaMin, e, t.TMax)
		model.SetLR(lrF, lrB)
		d.prefetch.Start(e)
		var lossSum float64
		seen := 0
		clear(pairSums)
		for b := 0; b < AEBatchesPerEpoch; b++ {
			xb, _, n, ok := d.prefetch.Next()
			if !ok {
				break
			}
			total, pairs := model.Step(xb, n, net.WarmupScale(b, step, t.Warmup))
			if math.IsNaN(total) || math.IsInf(total, 0) {
				return res, fmt.Errorf("training diverged at epoch %d, batch %d (global step %d): loss = %v (pair losses %v); the last written files are from epoch %d",
					e+1, b, step, total, pairs, e)
			}
			if pairSums == nil && pairs != nil {
				pairSums = make([]float64, len(pairs))
			}
			for i, p := range pairs {
				pairSums[i] += p * float64(n)
			}
			lossSum += total * float64(n)
			seen += n
			step++
			if opt.Progress != nil {
				opt.Progress(Progress{Epoch: e + 1, Epochs: t.Epochs, Batch: b + 1,
					Batches: min(AEBatchesPerEpoch, d.prefetch.NumBatches()), Samples: seen,
					Seconds: now().Sub(t0).Seconds(), RunningLoss: lossSum / float64(seen)})
			}
		}
		trainTime := now().Sub(t0).Seconds()
		d.valL.SetEpoch(e)
		m := EpochMetrics{Epoch: e + 1, TrainLoss: lossSum / float64(seen), LrF: lrF, LrB: lrB}
		for _, p := range pairSums {
			m.PairLosses = append(m.PairLosses, p/float64(seen))
		}
		m.ValLoss = reconstructionMSE(model, d.valL, x, y)
		m.ValMSE = m.ValLoss
		m.TestMSE = reconstructionMSE(model, d.testL, x, y)
		m.Seconds = now().Sub(t0).Seconds()
		m.SamplesPerSec = float64(seen) / trainTime
		if m.ValLoss < res.BestValLoss {
			m.Best = true
			res.BestEpoch, res.BestValLoss = e+1, m.ValLoss
			copyState(best, state)
		}
		res.History = append(res.History, m)
		if err := writeReconGrid(filepath.Join(opt.RunDir, fmt.Sprintf("recon-%03d.png", e+1)), model, d.valL, r, x, y); err != nil {
			return res, err
		}
		mark := ""
		if m.Best {
			mark = "  *best"
		}
		fmt.Fprintf(out, "epoch %d/%d: train loss %.5f, val MSE %.5f, test MSE %.5f, lr_F %.4g, lr_B %.4g, %.2f s (%.0f samples/s)%s\n",
			e+1, t.Epochs, m.TrainLoss, m.ValLoss, m.TestMSE, lrF, lrB, m.Seconds, m.SamplesPerSec, mark)
		if err := writeMetrics(opt.RunDir, res.History); err != nil {
			return res, err
		}
		if opt.OnEpoch != nil {
			opt.OnEpoch(m)
		}
	}
	copyState(state, best)
	res.TestLoss = reconstructionMSE(model, d.testL, x, y)
	res.TestMSE = res.TestLoss
	res.TotalSeconds = now().Sub(start).Seconds()
	fmt.Fprintf(out, "test (weights of epoch %d, val MSE %.5f): MSE %.5f (mean-image baseline %.5f, ratio %.3f)\n",
		res.BestEpoch, res.BestValLoss, res.TestMSE, res.BaselineMSE, res.TestMSE/res.BaselineMSE)
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := atomicfile.WriteFile(filepath.Join(opt.RunDir, "result.json"), append(b, '\n')); err != nil {
		return res, err
	}
	return res, nil
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
func meanImageMSE(r datasets.Recipe, d *aeData, bs int) float64 {
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
