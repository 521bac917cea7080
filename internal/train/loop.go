package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/counter-current/ccl/datasets"
	"github.com/counter-current/ccl/internal/atomicfile"
	"github.com/counter-current/ccl/internal/checkpoint"
	"github.com/counter-current/ccl/internal/config"
	"github.com/counter-current/ccl/net"
)

// learner is what the epoch loop trains: a classifier (Model) or an
// autoencoder (AEModel). Both interfaces have these methods.
type learner interface {
	Step(x []float32, y []int32, n int, scale float32) StepStats
	SetLR(lrF, lrB float64)
	State() [][]float32
	PairCount() int
	Checkpoint() *checkpoint.State
}

// runData is a run's data: the recipe, the two files' data sets, the seeded
// train/validation split of the training set and the loaders of the
// validation and test sets (evaluation order, no shuffling).
type runData struct {
	recipe        datasets.Recipe
	train, test   *datasets.Dataset
	trIdx, valIdx []int
	trainL        *datasets.Loader // shuffled, augmented: the prefetcher's
	valL, testL   *datasets.Loader
}

// loadData reads the data set of cfg (through load when not nil, else
// datasets.Ensure and datasets.Load on dataDir), checks it against the
// configuration and builds the split and the loaders exactly as a run does.
func loadData(cfg *config.Config, dataDir string, logf func(string, ...any),
	load func(datasets.Recipe) (*datasets.Dataset, *datasets.Dataset, error)) (*runData, error) {
	name := cfg.Dataset.Name
	recipe, err := datasets.RecipeFor(name, cfg.Method.Architecture)
	if err != nil {
		return nil, err
	}
	d := &runData{recipe: recipe}
	if load != nil {
		d.train, d.test, err = load(recipe)
	} else {
		var dir string
		if dir, err = datasets.Ensure(recipe.Files, dataDir, logf); err == nil {
			d.train, d.test, err = datasets.Load(recipe.Files, dir)
		}
	}
	if err != nil {
		return nil, err
	}
	if d.train.Classes != cfg.Dataset.NumClasses {
		return nil, fmt.Errorf("dataset.num_classes: %d, but %s has %d classes", cfg.Dataset.NumClasses, name, d.train.Classes)
	}
	if recipe.C != cfg.Dataset.NumChannels {
		return nil, fmt.Errorf("dataset.num_chn: %d, but %s has %d channels", cfg.Dataset.NumChannels, name, recipe.C)
	}
	seed := uint64(cfg.Training.Seed)
	d.trIdx, d.valIdx = datasets.Split(d.train.N, ValidationFraction, seed)
	testIdx := make([]int, d.test.N)
	for i := range testIdx {
		testIdx[i] = i
	}
	bs := cfg.Dataset.BatchSize
	// Augmentation, where the recipe has any, runs on the prefetcher's
	// goroutine; validation batches are augmented only by the reference's
	// quirk (recipe.ValAugmented), drawn from a stream of their own.
	d.trainL = recipe.NewLoader(d.train, d.trIdx, bs, true, seed, true)
	d.valL = recipe.NewLoader(d.train, d.valIdx, bs, false, seed+1, recipe.ValAugmented)
	d.testL = recipe.NewLoader(d.test, testIdx, bs, false, seed, false)
	return d, nil
}

// job is the part of a run that depends on its task (classification or
// autoencoder); runJob does the rest, the same for both.
type job struct {
	model    learner
	data     *runData
	prefetch *datasets.Prefetcher // over data.trainL
	batches  int                  // training batches per epoch
	res      *Result              // Method, Dataset, Epochs and any task figure already set
	header   string               // the run's first line
	// validate returns the validation loss (and accuracy) of the current
	// weights on data.valL at its current epoch.
	validate func() (loss, acc float64)
	// initial formats the line of the initial weights' validation figures.
	initial func(loss, acc float64) string
	// epochDone, if not nil, completes an epoch's figures after validation
	// (e is 0-based) and writes the task's per-epoch files.
	epochDone func(e int, m *EpochMetrics) error
	// line formats an epoch's own figures (after "epoch e/E: ").
	line func(m EpochMetrics) string
	// test evaluates the model, which holds the best weights, into res and
	// returns the final line.
	test func(res *Result) string
}

// runJob runs the training procedure shared by every task (spec §7): the
// run directory with config.yaml; the initial weights validated and saved
// as best.safetensors (or, with Options.Resume, the run continued from its
// checkpoints); then per epoch the cosine learning rates, up to j.batches
// warm-up-scaled steps of the shuffled training set, validation, the
// forward/feedback angles (CCL), metrics.jsonl/.csv, best.safetensors when
// the validation loss improves and last.safetensors; Options.Stop saves
// last.safetensors mid-epoch and returns ErrStopped; a non-finite figure
// stops the run (see divergence). At the end the best weights are tested
// (result.json).
func runJob(cfg *config.Config, opt Options, j *job, start time.Time, now func() time.Time, out io.Writer) (*Result, error) {
	if err := os.MkdirAll(opt.RunDir, 0o755); err != nil {
		return nil, fmt.Errorf("run directory: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(opt.RunDir, "config.yaml"), cfg.YAML()); err != nil {
		return nil, err
	}
	model, prefetch, res := j.model, j.prefetch, j.res
	state := model.State()
	best := cloneState(state)
	t := cfg.Training
	ck, err := newCheckpointer(cfg, opt.RunDir, model.Checkpoint())
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(out, j.header)
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
			if len(line) > 0 && json.Unmarshal(line, &m) == nil && m.Epoch <= pr.Epoch {
				res.History = append(res.History, m)
			}
		}
		fmt.Fprintf(out, "resuming at epoch %d, batch %d (global step %d); best so far: epoch %d, val loss %.4f\n",
			pr.Epoch+1, pr.Batch, pr.Step, pr.BestEpoch, pr.BestValLoss)
	} else {
		res.BestValLoss, res.BestValAcc = j.validate()
		fmt.Fprintln(out, j.initial(res.BestValLoss, res.BestValAcc))
		if bad(res.BestValLoss) {
			return res, fmt.Errorf("the initial weights give a validation loss of %v (expected a finite value; check the data and the initialisation)", res.BestValLoss)
		}
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
		for b := b0; b < j.batches; b++ {
			x, y, n, ok := prefetch.Next()
			if !ok {
				break
			}
			scale := net.WarmupScale(b, step, t.Warmup)
			st := model.Step(x, y, n, scale)
			if what := st.divergence(model.Checkpoint()); what != "" {
				return res, fmt.Errorf("training diverged at epoch %d, batch %d (global step %d): %s; %s (lower the learning rates or clip the gradients)",
					e+1, b, step, what, ck.good())
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
				opt.Progress(Progress{Epoch: e + 1, Epochs: t.Epochs, Batch: b + 1, Batches: j.batches,
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
		j.data.valL.SetEpoch(e)
		m.ValLoss, m.ValAcc = j.validate()
		if bad(m.ValLoss) {
			// The last step's update made the weights non-finite (its own
			// figures were finite): nothing of this epoch is saved.
			return res, fmt.Errorf("training diverged at epoch %d, after its last batch (global step %d): the validation loss = %v%s; %s (lower the learning rates or clip the gradients)",
				e+1, step, m.ValLoss, firstNonFiniteOf(model.Checkpoint(), "; first non-finite value: "), ck.good())
		}
		if j.epochDone != nil {
			if err := j.epochDone(e, &m); err != nil {
				return res, err
			}
		}
		if m.Angles, err = alignment(model); err != nil {
			return res, err
		}
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
		fmt.Fprintf(out, "epoch %d/%d: %s, lr_F %.4g, lr_B %.4g, %.2f s (%.0f samples/s)%s\n",
			e+1, t.Epochs, j.line(m), lrF, lrB, m.Seconds, m.SamplesPerSec, mark)
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
	line := j.test(res)
	res.TotalSeconds = now().Sub(start).Seconds()
	fmt.Fprintln(out, line)
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := atomicfile.WriteFile(filepath.Join(opt.RunDir, "result.json"), append(b, '\n')); err != nil {
		return res, err
	}
	return res, nil
}

// bad reports a NaN or infinite value.
func bad(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
