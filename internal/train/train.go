package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/counter-current/ccl/datasets"
	"github.com/counter-current/ccl/internal/atomicfile"
	"github.com/counter-current/ccl/internal/config"
	"github.com/counter-current/ccl/net"
)

// ValidationFraction is the share of the official training set held out for
// validation (spec §7).
const ValidationFraction = 0.1

// Options are the run's settings that are not part of the configuration.
type Options struct {
	DataDir string                       // data directory (see datasets.DataDir)
	RunDir  string                       // directory for the run's files; created if missing
	Out     io.Writer                    // one line per epoch; nil for none
	Logf    func(string, ...any)         // what the data layer does (downloads…); nil for none
	OnEpoch func(EpochMetrics)           // called after every epoch, if not nil
	Now     func() time.Time             // clock, for tests; nil means time.Now
	Model   func(dim int) (Model, error) // model factory; nil means NewModel(cfg, dim)
	// Progress, if not nil, is called after every training step.
	Progress func(Progress)
	// Resume continues the run in RunDir from its last.safetensors (and
	// best.safetensors, metrics.jsonl): the continued run ends exactly as an
	// uninterrupted one would.
	Resume bool
	// Stop, if not nil, is asked after every step; when it returns true the
	// training stops there: the state is saved to last.safetensors and Run
	// returns ErrStopped (the ccl command sets it on SIGINT and SIGTERM).
	Stop func() bool
	// Load, if not nil, supplies the train and test sets instead of
	// datasets.Ensure and datasets.Load (tests use small generated files).
	Load func(r datasets.Recipe) (train, test *datasets.Dataset, err error)
}

// Progress is where training stands within an epoch, for a progress bar.
type Progress struct {
	Epoch, Epochs  int     // 1-based epoch, of Epochs
	Batch, Batches int     // batches done in this epoch, of Batches
	Samples        int     // samples trained on in this epoch
	Seconds        float64 // time spent on this epoch so far
	RunningLoss    float64 // mean training loss over this epoch so far
}

// EpochMetrics is one line of metrics.jsonl.
type EpochMetrics struct {
	Epoch         int       `json:"epoch"` // 1-based
	TrainLoss     float64   `json:"train_loss"`
	TrainCE       float64   `json:"train_ce"`
	TrainAcc      float64   `json:"train_acc"`
	PairLosses    []float64 `json:"pair_losses,omitempty"`
	ValLoss       float64   `json:"val_loss"`
	ValAcc        float64   `json:"val_acc,omitempty"`  // classification
	ValMSE        float64   `json:"val_mse,omitempty"`  // autoencoder: reconstruction MSE (= ValLoss)
	TestMSE       float64   `json:"test_mse,omitempty"` // autoencoder: test reconstruction MSE of this epoch's weights
	LrF           float64   `json:"lr_F"`
	LrB           float64   `json:"lr_B"`
	Seconds       float64   `json:"epoch_seconds"`
	SamplesPerSec float64   `json:"samples_per_second"`
	Best          bool      `json:"best"`
}

// Result is what a finished run reports (and writes to result.json).
type Result struct {
	Method      string  `json:"method"`
	Dataset     string  `json:"dataset"`
	Epochs      int     `json:"epochs"`
	BestEpoch   int     `json:"best_epoch"` // 0: the initial weights were never beaten
	BestValLoss float64 `json:"best_val_loss"`
	BestValAcc  float64 `json:"best_val_acc,omitempty"`
	TestLoss    float64 `json:"test_loss"`
	TestAcc     float64 `json:"test_acc,omitempty"`
	// Autoencoder only: test reconstruction MSE (= TestLoss), and the test
	// MSE of predicting the training set's mean image for every image.
	TestMSE      float64        `json:"test_mse,omitempty"`
	BaselineMSE  float64        `json:"baseline_mse,omitempty"`
	TotalSeconds float64        `json:"total_seconds"`
	History      []EpochMetrics `json:"-"`
}

// Run trains the model cfg describes on its data set and returns the test
// figures of the weights with the lowest validation loss. The run directory
// receives config.yaml (the resolved configuration), metrics.jsonl (one line
// per epoch, rewritten atomically after each) and result.json.
func Run(cfg *config.Config, opt Options) (*Result, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	out := opt.Out
	if out == nil {
		out = io.Discard
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	name := cfg.Dataset.Name
	recipe, err := datasets.RecipeFor(name, cfg.Method.Architecture)
	if err != nil {
		return nil, err
	}
	var trainSet, testSet *datasets.Dataset
	if opt.Load != nil {
		trainSet, testSet, err = opt.Load(recipe)
	} else {
		var dir string
		if dir, err = datasets.Ensure(recipe.Files, opt.DataDir, opt.Logf); err == nil {
			trainSet, testSet, err = datasets.Load(recipe.Files, dir)
		}
	}
	if err != nil {
		return nil, err
	}
	if trainSet.Classes != cfg.Dataset.NumClasses {
		return nil, fmt.Errorf("dataset.num_classes: %d, but %s has %d classes", cfg.Dataset.NumClasses, name, trainSet.Classes)
	}
	if recipe.C != cfg.Dataset.NumChannels {
		return nil, fmt.Errorf("dataset.num_chn: %d, but %s has %d channels", cfg.Dataset.NumChannels, name, recipe.C)
	}
	seed := uint64(cfg.Training.Seed)
	trIdx, valIdx := datasets.Split(trainSet.N, ValidationFraction, seed)
	testIdx := make([]int, testSet.N)
	for i := range testIdx {
		testIdx[i] = i
	}
	bs := cfg.Dataset.BatchSize
	// Augmentation, where the recipe has any, runs on the prefetcher's
	// goroutine; validation batches are augmented only by the reference's
	// quirk (recipe.ValAugmented), drawn from a stream of their own.
	trainL := recipe.NewLoader(trainSet, trIdx, bs, true, seed, true)
	valL := recipe.NewLoader(trainSet, valIdx, bs, false, seed+1, recipe.ValAugmented)
	testL := recipe.NewLoader(testSet, testIdx, bs, false, seed, false)
	prefetch := datasets.NewPrefetcher(trainL, 2)
	defer prefetch.Close()
	if cfg.Method.Task == "autoencoder" {
		return runAutoencoder(cfg, opt, &aeData{recipe: recipe, train: trainSet, test: testSet, trIdx: trIdx, valIdx: valIdx,
			valL: valL, testL: testL, prefetch: prefetch}, start, now, out)
	}

	dim := recipe.Dim()
	var model Model
	if opt.Model != nil {
		model, err = opt.Model(dim)
	} else {
		model, err = NewModel(cfg, dim)
	}
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opt.RunDir, 0o755); err != nil {
		return nil, fmt.Errorf("run directory: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(opt.RunDir, "config.yaml"), cfg.YAML()); err != nil {
		return nil, err
	}

	x := make([]float32, bs*dim)
	y := make([]int32, bs)
	state := model.State()
	best := cloneState(state)
	t := cfg.Training
	res := &Result{Method: cfg.Method.Name, Dataset: name, Epochs: t.Epochs}
	ck, err := newCheckpointer(cfg, opt.RunDir, model.Checkpoint())
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "%s %s: %d train / %d validation / %d test samples, batch %d, %d epochs\n",
		cfg.Method.Name, name, len(trIdx), len(valIdx), testSet.N, bs, t.Epochs)
	pairSums := make([]float64, model.PairCount())
	var pr progress
	if opt.Resume {
		var metrics []byte
		if metrics, pr, err = ck.resume(best, state); err != nil {
			return nil, err
		}
		res.BestEpoch, res.BestValLoss, res.BestValAcc = pr.BestEpoch, pr.BestValLoss, pr.BestValAcc
		for _, line := range bytes.Split(bytes.TrimSpace(metrics), []byte("\n")) {
			var m EpochMetrics
			if len(line) > 0 && json.Unmarshal(line, &m) == nil {
				res.History = append(res.History, m)
			}
		}
		fmt.Fprintf(out, "resuming at epoch %d, batch %d (global step %d); best so far: epoch %d, val loss %.4f\n",
			pr.Epoch+1, pr.Batch, pr.Step, pr.BestEpoch, pr.BestValLoss)
	} else {
		res.BestValLoss, res.BestValAcc = evaluate(model, valL, x, y)
		fmt.Fprintf(out, "epoch 0: val loss %.4f, val acc %.2f %% (initial weights)\n", res.BestValLoss, 100*res.BestValAcc)
		// The initial weights are the best so far: a run stopped before
		// any epoch beats them must still be able to test them.
		if err := ck.save("best.safetensors", progress{BestValLoss: res.BestValLoss, BestValAcc: res.BestValAcc}); err != nil {
			return nil, err
		}
	}

	step := pr.Step
	for e := pr.Epoch; e < t.Epochs; e++ {
		t0 := now()
		lrF := net.CosineLR(t.LrF, t.EtaMin, e, t.TMax)
		lrB := net.CosineLR(t.LrB, t.EtaMin, e, t.TMax)
		model.SetLR(lrF, lrB)
		prefetch.Start(e)
		lossSum, ceSum, correct, seen, trainPrev := 0.0, 0.0, 0, 0, 0.0
		clear(pairSums)
		b0 := 0
		if e == pr.Epoch && pr.Batch > 0 {
			// Resuming inside this epoch: its order and augmentations depend
			// only on (seed, epoch), so skipping the batches already trained
			// on leaves exactly the rest of the interrupted epoch.
			b0 = pr.Batch
			for range b0 {
				prefetch.Next()
			}
			lossSum, ceSum, correct, seen, trainPrev = pr.LossSum, pr.CESum, pr.Correct, pr.Seen, pr.TrainSeconds
			copy(pairSums, pr.PairSums)
		}
		for b := b0; ; b++ {
			x, y, n, ok := prefetch.Next()
			if !ok {
				break
			}
			scale := net.WarmupScale(b, step, t.Warmup)
			st := model.Step(x, y, n, scale)
			if what := st.nonFinite(); what != "" {
				good := fmt.Sprintf("the last good checkpoint, %s, is from the end of epoch %d", filepath.Join(opt.RunDir, "last.safetensors"), e)
				if e == 0 {
					good = fmt.Sprintf("no epoch finished; %s holds the initial weights", filepath.Join(opt.RunDir, "best.safetensors"))
				}
				return res, fmt.Errorf("training diverged at epoch %d, batch %d (global step %d): %s; %s (lower the learning rates or clip the gradients)",
					e+1, b, step, what, good)
			}
			lossSum += st.Total * float64(n)
			ceSum += st.CE * float64(n)
			for i, p := range st.Pairs {
				pairSums[i] += p * float64(n)
			}
			correct += st.Correct
			seen += n
			step++
			if opt.Progress != nil {
				opt.Progress(Progress{Epoch: e + 1, Epochs: t.Epochs, Batch: b + 1, Batches: prefetch.NumBatches(),
					Samples: seen, Seconds: trainPrev + now().Sub(t0).Seconds(), RunningLoss: lossSum / float64(seen)})
			}
			if opt.Stop != nil && opt.Stop() {
				p := progress{Epoch: e, Batch: b + 1, Step: step, LossSum: lossSum, CESum: ceSum, Correct: correct,
					Seen: seen, PairSums: pairSums, TrainSeconds: trainPrev + now().Sub(t0).Seconds(),
					BestEpoch: res.BestEpoch, BestValLoss: res.BestValLoss, BestValAcc: res.BestValAcc}
				if err := ck.save("last.safetensors", p); err != nil {
					return res, err
				}
				fmt.Fprintf(out, "stopped at epoch %d, batch %d; saved %s\n", e+1, b+1, filepath.Join(opt.RunDir, "last.safetensors"))
				return res, ErrStopped
			}
		}
		m := EpochMetrics{Epoch: e + 1, TrainLoss: lossSum / float64(seen), TrainCE: ceSum / float64(seen),
			TrainAcc: float64(correct) / float64(seen), LrF: lrF, LrB: lrB}
		for _, p := range pairSums {
			m.PairLosses = append(m.PairLosses, p/float64(seen))
		}
		trainTime := trainPrev + now().Sub(t0).Seconds()
		valL.SetEpoch(e)
		m.ValLoss, m.ValAcc = evaluate(model, valL, x, y)
		m.Seconds = trainPrev + now().Sub(t0).Seconds()
		m.SamplesPerSec = float64(seen) / trainTime
		if m.ValLoss < res.BestValLoss {
			m.Best = true
			res.BestEpoch, res.BestValLoss, res.BestValAcc = e+1, m.ValLoss, m.ValAcc
			copyState(best, state)
		}
		res.History = append(res.History, m)
		mark := ""
		if m.Best {
			mark = "  *best"
		}
		fmt.Fprintf(out, "epoch %d/%d: train loss %.4f, val loss %.4f, val acc %.2f %%, lr_F %.4g, lr_B %.4g, %.2f s (%.0f samples/s)%s\n",
			e+1, t.Epochs, m.TrainLoss, m.ValLoss, 100*m.ValAcc, lrF, lrB, m.Seconds, m.SamplesPerSec, mark)
		if err := writeMetrics(opt.RunDir, res.History); err != nil {
			return res, err
		}
		p := progress{Epoch: e + 1, Step: step, BestEpoch: res.BestEpoch, BestValLoss: res.BestValLoss, BestValAcc: res.BestValAcc}
		if m.Best {
			if err := ck.save("best.safetensors", p); err != nil {
				return res, err
			}
		}
		if err := ck.save("last.safetensors", p); err != nil {
			return res, err
		}
		if opt.OnEpoch != nil {
			opt.OnEpoch(m)
		}
	}

	copyState(state, best)
	res.TestLoss, res.TestAcc = evaluate(model, testL, x, y)
	res.TotalSeconds = now().Sub(start).Seconds()
	fmt.Fprintf(out, "test (weights of epoch %d, val loss %.4f): loss %.4f, accuracy %.2f %%\n",
		res.BestEpoch, res.BestValLoss, res.TestLoss, 100*res.TestAcc)
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := atomicfile.WriteFile(filepath.Join(opt.RunDir, "result.json"), append(b, '\n')); err != nil {
		return res, err
	}
	return res, nil
}

// evaluate returns the sample-weighted mean cross-entropy and the accuracy
// of the model over every batch of l.
func evaluate(m Model, l *datasets.Loader, x []float32, y []int32) (loss, acc float64) {
	var sum float64
	correct, seen := 0, 0
	for b := 0; b < l.NumBatches(); b++ {
		n := l.Batch(b, x, y)
		ls, c := m.Evaluate(x, y, n)
		sum += ls * float64(n)
		correct += c
		seen += n
	}
	if seen == 0 {
		return math.NaN(), math.NaN()
	}
	return sum / float64(seen), float64(correct) / float64(seen)
}

func cloneState(s [][]float32) [][]float32 {
	c := make([][]float32, len(s))
	for i, v := range s {
		c[i] = append([]float32(nil), v...)
	}
	return c
}

func copyState(dst, src [][]float32) {
	for i := range dst {
		copy(dst[i], src[i])
	}
}

// DefaultRunDir returns runs/<config base name>-<UTC time> under base.
func DefaultRunDir(base, configPath string, t time.Time) string {
	stem := strings.TrimSuffix(filepath.Base(configPath), filepath.Ext(configPath))
	return filepath.Join(base, stem+"-"+t.UTC().Format("20060102-150405"))
}
