package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/counter-current/ccl/internal/report"
)

const reportUsage = `Usage: ccl report [-o FILE] RUN_DIR...

Writes a self-contained HTML page (inline SVG and CSS: no script, nothing
fetched; open it in any browser, mail it, archive it) about the runs:

  - a summary table, as 'ccl compare' prints;
  - validation accuracy, validation loss, training loss and training
    cross-entropy against the epoch, every run overlaid in its own colour
    (autoencoders: validation and test reconstruction MSE);
  - for every CCL run, the local loss of each forward/feedback pair;
  - for every CCL run that recorded them (metrics.jsonl key angles_deg), the
    angle between each forward weight and its feedback weight over training.

The file is written to a temporary file and renamed.

Examples:
  ccl report runs/fmnist-ccl runs/fmnist-bp -o fmnist.html
  ccl report -o all.html runs/*

Flags:
`

func runReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("ccl report", reportUsage, stderr)
	out := fs.String("o", "report.html", "output `file`")
	dirs, err := parseInterspersed(fs, args)
	if err != nil {
		return parseError(err)
	}
	if len(dirs) == 0 {
		fmt.Fprintln(stderr, "ccl report: expected one or more run directories (for example ccl report runs/fmnist-ccl runs/fmnist-bp -o report.html)")
		return 2
	}
	if *out == "" {
		fmt.Fprintln(stderr, "ccl report: -o: expected a file name, got an empty one")
		return 2
	}
	runs, err := report.LoadAll(dirs)
	if err != nil {
		fmt.Fprintf(stderr, "ccl report: %v\n", err)
		return 1
	}
	if err := report.Write(*out, runs); err != nil {
		fmt.Fprintf(stderr, "ccl report: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s (%d runs)\n", *out, len(runs))
	return 0
}

// parseInterspersed parses flags that may come after the positional
// arguments too (ccl report A B -o x.html) and returns the positional ones.
// A lone "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
