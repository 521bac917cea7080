package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"

	"github.com/counter-current/ccl/datasets"
	"github.com/counter-current/ccl/internal/train"
)

const evalUsage = `Usage: ccl eval --checkpoint FILE [--split test|val] [--data DIR] [--json]

Evaluates the weights of a checkpoint written by 'ccl train' (best.safetensors
or last.safetensors of a run directory) on the test set, or on the run's
validation split: test accuracy and cross-entropy for classifiers,
reconstruction MSE for autoencoders. The model, the data pipeline, the split
and the batch size are those of the run: its config.yaml, which must lie
beside the checkpoint and match the configuration hash recorded in it.
Evaluating a run's best.safetensors gives its result.json test figures
exactly.

Examples:
  ccl eval --checkpoint runs/fmnist-ccl/best.safetensors
  ccl eval --checkpoint runs/fmnist-ccl/last.safetensors --split val --json

Flags:
`

func runEval(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("ccl eval", evalUsage, stderr)
	ckpt := fs.String("checkpoint", "", "checkpoint `file` written by ccl train (required), e.g. runs/x/best.safetensors")
	split := fs.String("split", "test", "data to evaluate: test, or val (the run's validation split)")
	data := fs.String("data", "", dataFlagHelp)
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), "worker `threads` for the kernels")
	if err := fs.Parse(args); err != nil {
		return parseError(err)
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "ccl eval: unexpected argument %q (the checkpoint is given with --checkpoint FILE)\n", fs.Arg(0))
		return 2
	case *ckpt == "":
		fmt.Fprintln(stderr, "ccl eval: --checkpoint FILE is required (for example --checkpoint runs/fmnist-ccl/best.safetensors)")
		return 2
	case *split != "test" && *split != "val":
		fmt.Fprintf(stderr, "ccl eval: --split: expected test or val, got %q\n", *split)
		return 2
	case *threads < 1:
		fmt.Fprintf(stderr, "ccl eval: --threads must be ≥ 1, got %d\n", *threads)
		return 2
	}
	runtime.GOMAXPROCS(*threads)
	dir, err := datasets.DataDir(*data)
	if err != nil {
		fmt.Fprintf(stderr, "ccl eval: %v\n", err)
		return 1
	}
	opt := train.EvalOptions{DataDir: dir, Split: *split}
	if !*asJSON {
		opt.Logf = func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }
	}
	res, err := train.Evaluate(*ckpt, opt)
	if err != nil {
		fmt.Fprintf(stderr, "ccl %v\n", err)
		return 1
	}
	if *asJSON {
		json.NewEncoder(stdout).Encode(res)
		return 0
	}
	fmt.Fprintf(stdout, "%s %s %s, weights after epoch %d, %s set (%d samples): ", res.Method, res.Dataset, res.Task, res.Epoch, res.Split, res.Samples)
	if res.Task == "autoencoder" {
		fmt.Fprintf(stdout, "reconstruction MSE %.6f\n", res.MSE)
	} else {
		fmt.Fprintf(stdout, "accuracy %.2f %%, loss %.4f\n", 100*res.Accuracy, res.Loss)
	}
	return 0
}
