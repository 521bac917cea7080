package train

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/counter-current/ccl/datasets"
	"github.com/counter-current/ccl/internal/config"
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
	// Lean runs a CCL classifier in its memory-lean mode
	// (ccl.Network.EnableLean): the same weights, less memory; an error
	// for other models.
	Lean bool
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
	// Angles (CCL only) are, after the epoch, the angles in degrees between
	// each forward weight and its feedback weight's adjoint, forward unit by
	// forward unit (see alignAngles).
	Angles []float64 `json:"angles_deg,omitempty"`
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
// receives config.yaml (the resolved configuration), metrics.jsonl and
// metrics.csv (one line per epoch, rewritten atomically after each),
// best.safetensors and last.safetensors, and result.json (see runJob).
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
	d, err := loadData(cfg, opt.DataDir, opt.Logf, opt.Load)
	if err != nil {
		return nil, err
	}
	prefetch := datasets.NewPrefetcher(d.trainL, 2)
	defer prefetch.Close()
	if cfg.Method.Task == "autoencoder" {
		return runAutoencoder(cfg, opt, d, prefetch, start, now, out)
	}

	dim := d.recipe.Dim()
	var model Model
	if opt.Model != nil {
		model, err = opt.Model(dim)
	} else {
		model, err = NewModel(cfg, dim)
	}
	if err != nil {
		return nil, err
	}
	if opt.Lean {
		l, ok := model.(interface{ EnableLean() })
		if !ok {
			return nil, fmt.Errorf("the memory-lean mode is for CCL classifiers (MLP and CNN), not method %s with architecture %s",
				cfg.Method.Name, cfg.Method.Architecture)
		}
		l.EnableLean()
	}
	bs := cfg.Dataset.BatchSize
	x := make([]float32, bs*dim)
	y := make([]int32, bs)
	t := cfg.Training
	j := &job{
		model: model, data: d, prefetch: prefetch, batches: prefetch.NumBatches(),
		res: &Result{Method: cfg.Method.Name, Dataset: cfg.Dataset.Name, Epochs: t.Epochs},
		header: fmt.Sprintf("%s %s: %d train / %d validation / %d test samples, batch %d, %d epochs",
			cfg.Method.Name, cfg.Dataset.Name, len(d.trIdx), len(d.valIdx), d.test.N, bs, t.Epochs),
		validate: func() (float64, float64) { return evaluate(model, d.valL, x, y) },
		initial: func(loss, acc float64) string {
			return fmt.Sprintf("epoch 0: val loss %.4f, val acc %.2f %% (initial weights)", loss, 100*acc)
		},
		line: func(m EpochMetrics) string {
			return fmt.Sprintf("train loss %.4f, val loss %.4f, val acc %.2f %%", m.TrainLoss, m.ValLoss, 100*m.ValAcc)
		},
		test: func(res *Result) string {
			res.TestLoss, res.TestAcc = evaluate(model, d.testL, x, y)
			return fmt.Sprintf("test (weights of epoch %d, val loss %.4f): loss %.4f, accuracy %.2f %%",
				res.BestEpoch, res.BestValLoss, res.TestLoss, 100*res.TestAcc)
		},
	}
	return runJob(cfg, opt, j, start, now, out)
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
