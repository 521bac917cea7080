// Command ccl trains neural networks with Counter-Current Learning or with
// back-propagation, from the reference's YAML configuration files.
//
//	ccl train --yaml configs/mlp/fmnist_ccl.yaml [--epochs 30] [--lr_F 0.5] …
//	ccl help [COMMAND]
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `ccl trains networks with Counter-Current Learning (Kao & Hariharan, NeurIPS 2024)
or with back-propagation, on the CPU.

Usage:
  ccl train --yaml FILE [flags]   train, validate every epoch, test the best weights
  ccl resume [flags] RUN_DIR      continue a stopped run where it stopped
  ccl help [COMMAND]              show help

Run 'ccl help train' or 'ccl help resume' for their flags.
`

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
	switch args[0] {
	case "train":
		return runTrain(args[1:], stdout, stderr)
	case "resume":
		return runResume(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && args[1] == "train" {
			fs, _ := trainFlags(io.Discard)
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		if len(args) > 1 && args[1] == "resume" {
			fs, _ := resumeFlags(io.Discard)
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "ccl: unknown command %q\n\n%s", args[0], usage)
	return 2
}
