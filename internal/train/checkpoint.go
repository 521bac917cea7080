package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/counter-current/ccl/internal/checkpoint"
	"github.com/counter-current/ccl/internal/config"
)

// ErrStopped is returned by Run when Options.Stop stopped the training; the
// run directory then holds a last.safetensors to resume from.
var ErrStopped = errors.New("training stopped before the end; continue it with: ccl resume RUN_DIR")

// progress is where a run stands, saved with every checkpoint (metadata
// "ccl.progress", JSON; float64 values round-trip exactly): the epochs and
// batches done, the global step, the training sums of the unfinished epoch
// and the best validation figures so far.
type progress struct {
	Epoch        int       `json:"epoch"` // epochs completed
	Batch        int       `json:"batch"` // batches done in epoch Epoch+1 (0 at an epoch's end)
	Step         int       `json:"step"`  // optimiser steps taken
	LossSum      float64   `json:"loss_sum,omitempty"`
	CESum        float64   `json:"ce_sum,omitempty"`
	Correct      int       `json:"correct,omitempty"`
	Seen         int       `json:"seen,omitempty"`
	PairSums     []float64 `json:"pair_sums,omitempty"`
	TrainSeconds float64   `json:"train_seconds,omitempty"`
	BestEpoch    int       `json:"best_epoch"`
	BestValLoss  float64   `json:"best_val_loss"`
	BestValAcc   float64   `json:"best_val_acc"`
}

const metaProgress = "ccl.progress"

// checkpointer writes and reads a run's checkpoints.
type checkpointer struct {
	dir  string
	st   *checkpoint.State
	seed int64
	hash string
	last *progress // the progress of the last.safetensors written or resumed from; nil for none
}

func newCheckpointer(cfg *config.Config, dir string, st *checkpoint.State) (*checkpointer, error) {
	hash, err := checkpoint.HashConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &checkpointer{dir: dir, st: st, seed: int64(cfg.Training.Seed), hash: hash}, nil
}

// save writes the model's state and p to dir/name (atomically).
func (c *checkpointer) save(name string, p progress) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	c.st.BatchesTracked = int64(p.Step)
	c.st.Meta = checkpoint.Meta{Epoch: int64(p.Epoch), GlobalStep: int64(p.Step), Seed: c.seed, ConfigHash: c.hash,
		Extra: map[string]string{metaProgress: string(b)}}
	if err := checkpoint.Save(filepath.Join(c.dir, name), c.st); err != nil {
		return err
	}
	if name == "last.safetensors" {
		c.last = &p
	}
	return nil
}

// good describes the last good checkpoint, for a message about a diverged
// run: last.safetensors at an epoch's end or mid-epoch, or, when none was
// written, best.safetensors with the initial weights.
func (c *checkpointer) good() string {
	switch {
	case c.last == nil:
		return fmt.Sprintf("no epoch finished; %s holds the initial weights", filepath.Join(c.dir, "best.safetensors"))
	case c.last.Batch == 0:
		return fmt.Sprintf("the last good checkpoint, %s, is from the end of epoch %d", filepath.Join(c.dir, "last.safetensors"), c.last.Epoch)
	}
	return fmt.Sprintf("the last good checkpoint, %s, is from epoch %d, batch %d", filepath.Join(c.dir, "last.safetensors"), c.last.Epoch+1, c.last.Batch)
}

// load reads dir/name into the model and returns its progress.
func (c *checkpointer) load(name string) (progress, error) {
	var p progress
	path := filepath.Join(c.dir, name)
	if err := checkpoint.Load(path, c.st, checkpoint.LoadOptions{}); err != nil {
		return p, err
	}
	m := c.st.Meta
	if m.ConfigHash != c.hash {
		return p, fmt.Errorf("%s: written by a run of another configuration than %s", path, filepath.Join(c.dir, "config.yaml"))
	}
	if err := json.Unmarshal([]byte(m.Extra[metaProgress]), &p); err != nil {
		return p, fmt.Errorf("%s: metadata %s: %v", path, metaProgress, err)
	}
	return p, nil
}

// resume restores a stopped run: the best weights (best.safetensors,
// written with the initial weights at the start of every run) into best,
// then the last state into the model; it returns the metrics written so far
// and the progress to continue from.
func (c *checkpointer) resume(best, state [][]float32) ([]byte, progress, error) {
	if _, err := c.load("best.safetensors"); err != nil {
		return nil, progress{}, err
	}
	copyState(best, state)
	p, err := c.load("last.safetensors")
	if err != nil {
		return nil, p, err
	}
	c.last = &p
	metrics, err := os.ReadFile(filepath.Join(c.dir, "metrics.jsonl"))
	if err != nil && !os.IsNotExist(err) {
		return nil, p, err
	}
	return metrics, p, nil
}
