// Command ccl trains neural networks with Counter-Current Learning or with
// back-propagation, from the reference's YAML configuration files, and
// evaluates, compares and reports on the runs.
//
//	ccl train --yaml configs/mlp/fmnist_ccl.yaml [--epochs 30] [--lr_F 0.5] …
//	ccl resume RUN_DIR
//	ccl eval --checkpoint RUN_DIR/best.safetensors
//	ccl compare RUN_DIR…
//	ccl report RUN_DIR… -o report.html
//	ccl datasets
//	ccl download DATASET
//	ccl help [COMMAND]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

const usage = `ccl trains networks with Counter-Current Learning (Kao & Hariharan, NeurIPS 2024)
or with back-propagation, on the CPU.

Usage:
  ccl train --yaml FILE [flags]        train, validate every epoch, test the best weights
  ccl resume [flags] RUN_DIR           continue a stopped run where it stopped
  ccl eval --checkpoint FILE [flags]   test (or validate) the weights of a checkpoint
  ccl compare [flags] RUN_DIR...       a table of runs: method, data, best epoch, test figure, time
  ccl report [-o FILE] RUN_DIR...      an HTML page of learning curves, pair losses, weight angles
  ccl datasets [--data DIR]            which data sets are present, where, and complete or not
  ccl download [--data DIR] DATASET    download a data set (checksummed, resumable)
  ccl help [COMMAND]                   show help; 'ccl COMMAND --help' too

Examples:
  ccl train --yaml configs/mlp/fmnist_ccl.yaml --epochs 30 --out runs/fmnist-ccl
  ccl train --yaml configs/mlp/fmnist_bp.yaml --epochs 30 --out runs/fmnist-bp
  ccl compare runs/fmnist-ccl runs/fmnist-bp
  ccl report runs/fmnist-ccl runs/fmnist-bp -o fmnist.html

Run 'ccl help COMMAND' for a command's flags and examples.
`

// commands maps each command name to its entry point. Every entry point
// parses its own flags: with -h or --help it prints its help to its stderr
// argument and returns 0.
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"train":    runTrain,
	"resume":   runResume,
	"eval":     runEval,
	"compare":  runCompare,
	"report":   runReport,
	"datasets": runDatasets,
	"download": runDownload,
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the process exit code:
// 0 on success, 1 when the command failed, 2 on a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	name := args[0]
	if cmd, ok := commands[name]; ok {
		if wantsHelp(args[1:]) {
			// Help asked for is the output: stdout, exit 0.
			return cmd([]string{"--help"}, stdout, stdout)
		}
		return cmd(args[1:], stdout, stderr)
	}
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) == 1 || isHelpFlag(args[1]) || args[1] == "help" {
			fmt.Fprint(stdout, usage)
			return 0
		}
		if len(args) > 2 {
			fmt.Fprintf(stderr, "ccl help: expected at most one command, got %q\n", strings.Join(args[1:], " "))
			return 2
		}
		cmd, ok := commands[args[1]]
		if !ok {
			fmt.Fprintf(stderr, "ccl help: unknown command %q (commands: %s)\n", args[1], commandList())
			return 2
		}
		return cmd([]string{"--help"}, stdout, stdout)
	}
	fmt.Fprintf(stderr, "ccl: unknown command %q\n\n%s", name, usage)
	return 2
}

// wantsHelp reports whether a command's arguments ask for its help: -h,
// -help or --help before any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if isHelpFlag(a) {
			return true
		}
	}
	return false
}

func isHelpFlag(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

func commandList() string {
	return "train, resume, eval, compare, report, datasets, download, help"
}

// newFlags returns the flag set of a command: errors and help go to stderr,
// the help being the command's help text followed by its flags.
func newFlags(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), help)
		fs.PrintDefaults()
	}
	return fs
}

// parseError returns the exit status of a failed flag parse: 0 when help
// was asked for (and printed), 2 for a usage error (already reported).
func parseError(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}
