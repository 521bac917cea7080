package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/counter-current/ccl/datasets"
	"github.com/counter-current/ccl/internal/config"
	"github.com/counter-current/ccl/internal/train"
)

const trainUsage = `Usage: ccl train --yaml FILE [flags]

Trains the network the YAML file describes (the reference's own files are
read unchanged; configs/ holds them), prints validation loss and accuracy
and the time of every epoch, keeps the weights with the lowest validation
loss and tests them at the end. The run directory receives config.yaml (the
resolved configuration), metrics.jsonl (one JSON object per epoch),
last.safetensors and best.safetensors (checkpoints with the reference's
PyTorch tensor names, plus optimiser state) and result.json. Ctrl-C (SIGINT)
or SIGTERM finishes the current step, saves last.safetensors and exits with
status 130 (a second signal exits at once, e.g. during a validation pass;
the last saved checkpoint stays whole); 'ccl resume RUN_DIR' continues the
run exactly where it stopped.

Data is looked for in the data directory (--data, else $CCL_DATA, else the
per-user cache, e.g. ~/.cache/ccl) and, for Fashion-MNIST, in Debian's
/usr/share/datasets/fashion-mnist; missing files are downloaded from the
official sources and checked against their published checksums.

Examples:
  ccl train --yaml configs/mlp/fmnist_ccl.yaml --epochs 30
  ccl train --yaml configs/mlp/fmnist_bp.yaml --epochs 30 --seed 1 --out runs/bp-seed1
  ccl train --yaml configs/mlp/cifar10_ccl.yaml --data ~/data --lr_F 0.5 --lr_B 0.5
  ccl train --yaml configs/cnn/cifar10_ccl.yaml --lean

Every key of the YAML file can be overridden by a flag of the same name;
flags apply in the order given, after the file.

Flags:
`

type override struct{ key, value string }

type trainOpts struct {
	yaml, data, out, runs string
	cpuProfile            string
	threads               int
	quiet, json, lean     bool
	overrides             []override
}

// trainFlags returns the flag set of ccl train and the options it fills.
func trainFlags(stderr io.Writer) (*flag.FlagSet, *trainOpts) {
	o := &trainOpts{}
	fs := flag.NewFlagSet("ccl train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.yaml, "yaml", "", "configuration `file` (required), e.g. configs/mlp/fmnist_ccl.yaml")
	fs.StringVar(&o.data, "data", "", "data `directory` (default $CCL_DATA, else the per-user cache)")
	fs.StringVar(&o.out, "out", "", "run `directory` (default RUNS/<config name>-<UTC time>)")
	fs.StringVar(&o.runs, "runs", "runs", "parent `directory` of default run directories")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to `file` (for go tool pprof)")
	fs.IntVar(&o.threads, "threads", runtime.GOMAXPROCS(0), "worker `threads` for the matrix kernels (results are reproducible for a given seed and thread count)")
	fs.BoolVar(&o.quiet, "quiet", false, "print nothing but errors")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per epoch (the metrics.jsonl line), then the result")
	fs.BoolVar(&o.lean, "lean", false, "CCL classifiers: keep two layers' activations instead of all (same weights bit for bit; with the filter on, one more forward pass per step)")
	for _, k := range config.Keys() {
		fs.Func(k, config.Describe(k), func(v string) error {
			o.overrides = append(o.overrides, override{k, v})
			return nil
		})
	}
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), trainUsage)
		fs.PrintDefaults()
	}
	return fs, o
}

func runTrain(args []string, stdout, stderr io.Writer) int {
	fs, o := trainFlags(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ccl train: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if o.yaml == "" {
		fmt.Fprintln(stderr, "ccl train: --yaml FILE is required (for example --yaml configs/mlp/fmnist_ccl.yaml)")
		return 2
	}
	if o.threads < 1 {
		fmt.Fprintf(stderr, "ccl train: --threads must be ≥ 1, got %d\n", o.threads)
		return 2
	}
	runtime.GOMAXPROCS(o.threads)
	cfg, err := config.Load(o.yaml)
	if err != nil {
		fmt.Fprintf(stderr, "ccl train: %v\n", err)
		return 1
	}
	for _, ov := range o.overrides {
		if err := cfg.Set(ov.key, ov.value); err != nil {
			fmt.Fprintf(stderr, "ccl train: %v\n", err)
			return 2
		}
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "ccl train: %s: %v\n", o.yaml, err)
		return 1
	}
	dataDir, err := datasets.DataDir(o.data)
	if err != nil {
		fmt.Fprintf(stderr, "ccl train: %v\n", err)
		return 1
	}
	runDir := o.out
	if runDir == "" {
		runDir = train.DefaultRunDir(o.runs, o.yaml, time.Now())
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "ccl train: --cpuprofile: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "ccl train: --cpuprofile: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	opt := outputOptions(o.quiet, o.json, stdout)
	fmt.Fprintf(opt.Out, "run directory %s, %d threads\n", runDir, o.threads)
	opt.DataDir, opt.RunDir, opt.Lean = dataDir, runDir, o.lean
	stop, release := stopOnSignal()
	defer release()
	opt.Stop = stop
	res, err := train.Run(cfg, opt)
	return runStatus("ccl train", runDir, res, err, o.json, stdout, stderr)
}

// outputOptions sets where a run reports: human-readable lines on stdout
// (the default; with a progress bar when stdout is a terminal), nothing
// (quiet), or one JSON object per epoch (json).
func outputOptions(quiet, asJSON bool, stdout io.Writer) train.Options {
	if !quiet && !asJSON && isTerminal(stdout) {
		bar := &progressBar{w: stdout}
		opt := train.Options{Out: bar, Progress: bar.update,
			Logf: func(format string, args ...any) { fmt.Fprintf(bar, format+"\n", args...) }}
		return opt
	}
	opt := train.Options{Out: stdout, Logf: func(format string, args ...any) { fmt.Fprintf(stdout, format+"\n", args...) }}
	if quiet || asJSON {
		opt.Out, opt.Logf = io.Discard, nil
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		opt.OnEpoch = func(m train.EpochMetrics) { enc.Encode(m) }
	}
	return opt
}

// exit ends the process (tests replace it).
var exit = os.Exit

// stopOnSignal returns a Stop function for train.Options that reports true
// once SIGINT or SIGTERM has arrived, and a function that stops listening.
// A second signal exits the process at once with status 130.
func stopOnSignal() (stop func() bool, release func()) {
	var flag atomic.Bool
	ch := make(chan os.Signal, 2) // room for both signals, however close together
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			flag.Store(true)
		case <-done:
			return
		}
		// The run stops after its current step; a second signal (during a
		// long validation, say) exits at once. Files are only ever
		// replaced by renames, so the last saved checkpoint stays whole.
		select {
		case <-ch:
			fmt.Fprintln(os.Stderr, "ccl: second interrupt: exiting without saving; the last saved checkpoint is intact")
			exit(130)
		case <-done:
		}
	}()
	return flag.Load, func() { signal.Stop(ch); close(done) }
}

// runStatus reports the end of a run and returns the exit status: 0 when it
// finished (with --json, the result is printed as one last JSON object), 130
// when a signal stopped it (after saving), 1 on an error.
func runStatus(cmd, runDir string, res *train.Result, err error, asJSON bool, stdout, stderr io.Writer) int {
	switch {
	case err == nil:
		if asJSON {
			json.NewEncoder(stdout).Encode(struct {
				Result *train.Result `json:"result"`
			}{res})
		}
		return 0
	case errors.Is(err, train.ErrStopped):
		fmt.Fprintf(stderr, "%s: stopped; continue with: ccl resume %s\n", cmd, runDir)
		return 130
	}
	fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
	return 1
}
