package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime"

	"github.com/counter-current/ccl/datasets"
	"github.com/counter-current/ccl/internal/config"
	"github.com/counter-current/ccl/internal/train"
)

const resumeUsage = `Usage: ccl resume [flags] RUN_DIR

Continues a run that was stopped (Ctrl-C, SIGTERM, a crash between epochs)
from RUN_DIR/last.safetensors, with the configuration in RUN_DIR/config.yaml.
The continued run ends exactly as an uninterrupted run with the same seed
would: the data order, the augmentations, the optimiser momenta, the
batch-norm statistics and the best weights so far are all restored.
metrics.jsonl is continued and result.json written at the end.

Example:
  ccl train --yaml configs/mlp/fmnist_ccl.yaml --out runs/fmnist   # Ctrl-C during epoch 12
  ccl resume runs/fmnist

Flags:
`

type resumeOpts struct {
	data        string
	threads     int
	quiet, json bool
}

func resumeFlags(stderr io.Writer) (*flag.FlagSet, *resumeOpts) {
	o := &resumeOpts{}
	fs := flag.NewFlagSet("ccl resume", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.data, "data", "", "data `directory` (default $CCL_DATA, else the per-user cache)")
	fs.IntVar(&o.threads, "threads", runtime.GOMAXPROCS(0), "worker `threads` for the kernels")
	fs.BoolVar(&o.quiet, "quiet", false, "print nothing but errors")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per epoch, then the result")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), resumeUsage)
		fs.PrintDefaults()
	}
	return fs, o
}

func runResume(args []string, stdout, stderr io.Writer) int {
	fs, o := resumeFlags(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "ccl resume: expected one argument, the run directory (for example runs/fmnist_ccl-20261127-101500)")
		return 2
	}
	if o.threads < 1 {
		fmt.Fprintf(stderr, "ccl resume: --threads must be ≥ 1, got %d\n", o.threads)
		return 2
	}
	runtime.GOMAXPROCS(o.threads)
	runDir := fs.Arg(0)
	cfg, err := config.Load(filepath.Join(runDir, "config.yaml"))
	if err != nil {
		fmt.Fprintf(stderr, "ccl resume: %v\n", err)
		return 1
	}
	dataDir, err := datasets.DataDir(o.data)
	if err != nil {
		fmt.Fprintf(stderr, "ccl resume: %v\n", err)
		return 1
	}
	opt := outputOptions(o.quiet, o.json, stdout)
	opt.DataDir, opt.RunDir, opt.Resume = dataDir, runDir, true
	stop, release := stopOnSignal()
	defer release()
	opt.Stop = stop
	res, err := train.Run(cfg, opt)
	return runStatus("ccl resume", runDir, res, err, o.json, stdout, stderr)
}
