// Package report reads the files of ccl run directories (config.yaml,
// metrics.jsonl, result.json) and renders them: a summary table (ccl
// compare) and a self-contained HTML page with inline SVG plots of the
// learning curves, the per-layer local losses and the angles between the
// forward and feedback weights (ccl report).
package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/counter-current/ccl/internal/config"
)

// Epoch is one line of metrics.jsonl: the figures the report uses. A figure
// absent from the line is zero (or nil).
type Epoch struct {
	Epoch         int       `json:"epoch"`
	TrainLoss     float64   `json:"train_loss"`
	TrainCE       float64   `json:"train_ce"`
	TrainAcc      float64   `json:"train_acc"`
	PairLosses    []float64 `json:"pair_losses"`
	ValLoss       float64   `json:"val_loss"`
	ValAcc        float64   `json:"val_acc"`
	ValMSE        float64   `json:"val_mse"`
	TestMSE       float64   `json:"test_mse"`
	Seconds       float64   `json:"epoch_seconds"`
	SamplesPerSec float64   `json:"samples_per_second"`
	Best          bool      `json:"best"`
	// AnglesDeg holds, per CCL pair, the angle in degrees between the
	// forward weight and its feedback weight at the end of the epoch. Runs
	// written before the field existed, and BP runs, have none.
	AnglesDeg []float64 `json:"angles_deg"`
}

// Result is result.json, the figures of a finished run.
type Result struct {
	Method       string  `json:"method"`
	Dataset      string  `json:"dataset"`
	Epochs       int     `json:"epochs"`
	BestEpoch    int     `json:"best_epoch"`
	BestValLoss  float64 `json:"best_val_loss"`
	BestValAcc   float64 `json:"best_val_acc"`
	TestLoss     float64 `json:"test_loss"`
	TestAcc      float64 `json:"test_acc"`
	TestMSE      float64 `json:"test_mse"`
	BaselineMSE  float64 `json:"baseline_mse"`
	TotalSeconds float64 `json:"total_seconds"`
}

// Run is what a run directory holds.
type Run struct {
	Dir          string  // as given
	Name         string  // base name of Dir
	Method       string  // CCL or BP
	Dataset      string  // e.g. FashionMNIST
	Architecture string  // e.g. simple_linear
	Task         string  // classification or autoencoder
	Epochs       int     // configured number of epochs
	History      []Epoch // metrics.jsonl, in order
	Result       *Result // nil when the run has not finished (no result.json)
}

// Finished reports whether the run wrote result.json.
func (r *Run) Finished() bool { return r.Result != nil }

// Autoencoder reports whether the run trained an autoencoder (figures are
// reconstruction MSEs, not accuracies).
func (r *Run) Autoencoder() bool { return r.Task == "autoencoder" }

// Label is the run's name in legends: the directory name and the method.
func (r *Run) Label() string { return r.Name + " (" + r.Method + ")" }

// Load reads the run directory dir. config.yaml must exist; result.json may
// be missing (an unfinished run) if metrics.jsonl exists. Every error names
// the file and what is wrong with it.
func Load(dir string) (*Run, error) {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such run directory", dir)
		}
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a directory (expected a run directory holding config.yaml, metrics.jsonl, result.json)", dir)
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	if _, err := os.Stat(cfgPath); err != nil {
		return nil, fmt.Errorf("%s: missing: not a run directory (every run writes config.yaml first)", cfgPath)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, err
	}
	r := &Run{Dir: dir, Name: filepath.Base(filepath.Clean(dir)), Method: cfg.Method.Name, Dataset: cfg.Dataset.Name,
		Architecture: cfg.Method.Architecture, Task: cfg.Method.Task, Epochs: cfg.Training.Epochs}
	mPath := filepath.Join(dir, "metrics.jsonl")
	haveMetrics := true
	if r.History, err = readMetrics(mPath); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		haveMetrics = false
	}
	resPath := filepath.Join(dir, "result.json")
	b, err := os.ReadFile(resPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !haveMetrics {
			return nil, fmt.Errorf("%s: missing, and so is metrics.jsonl: the run finished no epoch", resPath)
		}
		return r, nil
	case err != nil:
		return nil, err
	}
	var res Result
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&res); err != nil {
		return nil, fmt.Errorf("%s: corrupt: %v (expected the JSON object ccl train writes at the end of a run)", resPath, err)
	}
	if res.Method == "" || res.Dataset == "" {
		return nil, fmt.Errorf("%s: corrupt: no \"method\" or \"dataset\" (expected the JSON object ccl train writes at the end of a run)", resPath)
	}
	r.Result = &res
	return r, nil
}

// readMetrics reads a metrics.jsonl file; an error names the file and line.
func readMetrics(path string) ([]Epoch, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Epoch
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var e Epoch
		if err := json.Unmarshal(text, &e); err != nil {
			return nil, fmt.Errorf("%s:%d: corrupt: %v (expected one JSON object per epoch)", path, line, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return out, nil
}

// LoadAll loads every directory, stopping at the first error. Runs whose
// directories share a base name (a/run, b/run) are named by their whole
// path instead, so that legends tell them apart.
func LoadAll(dirs []string) ([]*Run, error) {
	runs := make([]*Run, 0, len(dirs))
	seen := map[string]int{}
	for _, d := range dirs {
		r, err := Load(d)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
		seen[r.Name]++
	}
	for _, r := range runs {
		if seen[r.Name] > 1 {
			r.Name = filepath.Clean(r.Dir)
		}
	}
	return runs, nil
}

// Summary is one row of the comparison table.
type Summary struct {
	Run          string  `json:"run"`
	Dir          string  `json:"dir"`
	Method       string  `json:"method"`
	Dataset      string  `json:"dataset"`
	Architecture string  `json:"architecture"`
	Task         string  `json:"task"`
	Finished     bool    `json:"finished"`
	EpochsDone   int     `json:"epochs_done"`
	Epochs       int     `json:"epochs"`
	BestEpoch    int     `json:"best_epoch"`
	BestValLoss  float64 `json:"best_val_loss"`
	BestValAcc   float64 `json:"best_val_acc,omitempty"`
	TestAcc      float64 `json:"test_acc,omitempty"` // classification, finished runs
	TestMSE      float64 `json:"test_mse,omitempty"` // autoencoder, finished runs
	TestLoss     float64 `json:"test_loss,omitempty"`
	Seconds      float64 `json:"seconds"`            // total (finished) or sum of the epochs so far
	SamplesPerS  float64 `json:"samples_per_second"` // mean training throughput over the epochs
}

// Summarize returns the comparison row of r. For an unfinished run the
// best epoch is the lowest validation loss in metrics.jsonl, and there is
// no test figure.
func Summarize(r *Run) Summary {
	s := Summary{Run: r.Name, Dir: r.Dir, Method: r.Method, Dataset: r.Dataset, Architecture: r.Architecture,
		Task: r.Task, Finished: r.Finished(), EpochsDone: len(r.History), Epochs: r.Epochs, BestValLoss: math.Inf(1)}
	var rate float64
	for _, e := range r.History {
		s.Seconds += e.Seconds
		rate += e.SamplesPerSec
		if e.ValLoss < s.BestValLoss {
			s.BestEpoch, s.BestValLoss, s.BestValAcc = e.Epoch, e.ValLoss, e.ValAcc
		}
	}
	if len(r.History) > 0 {
		s.SamplesPerS = rate / float64(len(r.History))
	}
	if math.IsInf(s.BestValLoss, 1) {
		s.BestValLoss = 0
	}
	if res := r.Result; res != nil {
		s.Method, s.Dataset = res.Method, res.Dataset
		s.BestEpoch, s.BestValLoss, s.BestValAcc = res.BestEpoch, res.BestValLoss, res.BestValAcc
		s.TestAcc, s.TestMSE, s.TestLoss, s.Seconds = res.TestAcc, res.TestMSE, res.TestLoss, res.TotalSeconds
		if r.Autoencoder() && s.TestMSE == 0 {
			s.TestMSE = res.TestLoss
		}
		if len(r.History) == 0 { // metrics.jsonl lost: the result still says how many epochs ran
			s.EpochsDone = res.Epochs
		}
	}
	return s
}

// Columns are the headers of [Summary.Cells].
var Columns = []string{"run", "method", "dataset", "architecture", "epochs", "best epoch", "test", "time", "samples/s"}

// Cells formats s as the table row under [Columns].
func (s Summary) Cells() []string {
	epochs := fmt.Sprintf("%d", s.EpochsDone)
	if !s.Finished {
		epochs = fmt.Sprintf("%d/%d", s.EpochsDone, s.Epochs)
	}
	test := "unfinished"
	switch {
	case !s.Finished:
	case s.Task == "autoencoder":
		test = fmt.Sprintf("MSE %.4f", s.TestMSE)
	default:
		test = fmt.Sprintf("%.2f %%", 100*s.TestAcc)
	}
	best := fmt.Sprintf("%d", s.BestEpoch)
	if s.EpochsDone == 0 && !s.Finished {
		best = "-"
	}
	rate := "-"
	if s.SamplesPerS > 0 {
		rate = fmt.Sprintf("%.0f", s.SamplesPerS)
	}
	return []string{s.Run, s.Method, s.Dataset, s.Architecture, epochs, best, test, formatSeconds(s.Seconds), rate}
}

// formatSeconds writes a duration as 12.3 s, 4m05s or 2h03m.
func formatSeconds(sec float64) string {
	switch {
	case sec < 60:
		return fmt.Sprintf("%.1f s", sec)
	case sec < 3600:
		m := int(sec) / 60
		return fmt.Sprintf("%dm%02ds", m, int(sec)-60*m)
	}
	h := int(sec) / 3600
	return fmt.Sprintf("%dh%02dm", h, (int(sec)-3600*h)/60)
}
