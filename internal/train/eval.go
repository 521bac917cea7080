package train

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/counter-current/ccl/datasets"
	"github.com/counter-current/ccl/internal/checkpoint"
	"github.com/counter-current/ccl/internal/config"
)

// EvalOptions are the settings of Evaluate.
type EvalOptions struct {
	DataDir string // data directory (see datasets.DataDir)
	// Split is the data evaluated: "test" (the default when empty) or
	// "val" (the run's validation split).
	Split string
	// Load, if not nil, supplies the train and test sets instead of
	// datasets.Ensure and datasets.Load (tests use small generated files).
	Load func(r datasets.Recipe) (train, test *datasets.Dataset, err error)
	Logf func(string, ...any) // what the data layer does (downloads…); nil for none
}

// EvalResult is what Evaluate measured.
type EvalResult struct {
	Method  string `json:"method"`  // CCL or BP
	Dataset string `json:"dataset"` // the configuration's data set
	Task    string `json:"task"`    // classification or autoencoder
	Split   string `json:"split"`   // test or val
	Samples int    `json:"samples"` // samples evaluated
	// Loss is the sample-weighted mean cross-entropy (classification) or
	// the reconstruction MSE over every value (autoencoder).
	Loss     float64 `json:"loss"`
	Accuracy float64 `json:"accuracy,omitempty"` // classification: share of correct arg-max predictions
	MSE      float64 `json:"mse,omitempty"`      // autoencoder: = Loss
	Epoch    int     `json:"epoch"`              // epochs the checkpoint's run had completed
}

// Evaluate rebuilds the model of the run that wrote a checkpoint, loads the
// checkpoint's weights and batch-norm running statistics, and evaluates it
// in eval mode on the test set (or the validation split) exactly as the
// training run does: the same data pipeline, split, batch size and sums,
// so the figures of a run's best.safetensors equal its result.json's test
// figures bit for bit.
//
// The configuration is the config.yaml in the checkpoint's directory (the
// run directory); its hash must equal the checkpoint's ccl.config_hash
// metadata. On the validation split, a checkpoint written at the end of
// epoch e is evaluated with epoch e's validation batches (they differ
// between epochs only for recipes with the augmented-validation quirk), as
// metrics.jsonl reports them.
func Evaluate(checkpointPath string, opt EvalOptions) (*EvalResult, error) {
	f, err := checkpoint.Read(checkpointPath)
	if err != nil {
		return nil, fmt.Errorf("eval: %w (expected a checkpoint written by ccl train)", err)
	}
	meta, err := checkpoint.ParseMeta(f.Metadata)
	if err != nil {
		return nil, fmt.Errorf("eval: %s: %w", checkpointPath, err)
	}
	if meta.ConfigHash == "" {
		return nil, fmt.Errorf("eval: %s: no %s metadata (expected a checkpoint written by ccl train, which records its configuration's hash)",
			checkpointPath, checkpoint.MetaConfigHash)
	}
	cfgPath := filepath.Join(filepath.Dir(checkpointPath), "config.yaml")
	cfg, err := config.Load(cfgPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("eval: %s: missing (expected the configuration of the run that wrote %s beside it)", cfgPath, checkpointPath)
	}
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("eval: %s: %w", cfgPath, err)
	}
	hash, err := checkpoint.HashConfig(cfg)
	if err != nil {
		return nil, err
	}
	if hash != meta.ConfigHash {
		return nil, fmt.Errorf("eval: %s was written by a run of another configuration than %s (the checkpoint's %s is %.12s…, the configuration's hash %.12s…)",
			checkpointPath, cfgPath, checkpoint.MetaConfigHash, meta.ConfigHash, hash)
	}
	split := opt.Split
	if split == "" {
		split = "test"
	}
	if split != "test" && split != "val" {
		return nil, fmt.Errorf("eval: split %q: expected test or val", split)
	}

	d, err := loadData(cfg, opt.DataDir, opt.Logf, opt.Load)
	if err != nil {
		return nil, err
	}
	l := d.testL
	if split == "val" {
		l = d.valL
		if meta.Epoch >= 1 {
			l.SetEpoch(int(meta.Epoch) - 1)
		}
	}
	r := d.recipe
	bs := cfg.Dataset.BatchSize
	x := make([]float32, bs*r.Dim())
	y := make([]int32, bs)
	res := &EvalResult{Method: cfg.Method.Name, Dataset: cfg.Dataset.Name, Task: cfg.Method.Task, Split: split,
		Samples: l.Len(), Epoch: int(meta.Epoch)}
	if cfg.Method.Task == "autoencoder" {
		m, err := NewAEModel(cfg, r.C, r.H, r.W)
		if err != nil {
			return nil, err
		}
		if err := loadInto(m.Checkpoint(), f, checkpointPath); err != nil {
			return nil, err
		}
		res.Loss = reconstructionMSE(m, l, x, y)
		res.MSE = res.Loss
		return res, nil
	}
	m, err := NewModel(cfg, r.Dim())
	if err != nil {
		return nil, err
	}
	if err := loadInto(m.Checkpoint(), f, checkpointPath); err != nil {
		return nil, err
	}
	res.Loss, res.Accuracy = evaluate(m, l, x, y)
	return res, nil
}

// loadInto loads f (read from path) into st, every tensor required.
func loadInto(st *checkpoint.State, f *checkpoint.File, path string) error {
	if err := st.Load(f, checkpoint.LoadOptions{}); err != nil {
		return fmt.Errorf("eval: %s: %w", path, err)
	}
	return nil
}
