package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/counter-current/ccl/internal/report"
)

const compareUsage = `Usage: ccl compare [--json | --csv] RUN_DIR...

Prints one row per run directory: method, data set, architecture, epochs,
the best epoch (lowest validation loss), the test accuracy of its weights
(test reconstruction MSE for autoencoders), the total time and the mean
training throughput. It reads each run's config.yaml, metrics.jsonl and
result.json; a run without result.json (stopped, or still training) is
listed with what metrics.jsonl holds and marked unfinished.

Examples:
  ccl compare runs/fmnist-ccl runs/fmnist-bp
  ccl compare runs/*
  ccl compare --csv runs/* > runs.csv

Flags:
`

func compareFlags(stderr io.Writer) (*flag.FlagSet, *bool, *bool) {
	fs := newFlags("ccl compare", compareUsage, stderr)
	asJSON := fs.Bool("json", false, "print a JSON array, one object per run")
	asCSV := fs.Bool("csv", false, "print CSV (a header row, then one row per run)")
	return fs, asJSON, asCSV
}

func runCompare(args []string, stdout, stderr io.Writer) int {
	fs, asJSON, asCSV := compareFlags(stderr)
	if err := fs.Parse(args); err != nil {
		return parseError(err)
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "ccl compare: expected one or more run directories (for example ccl compare runs/fmnist-ccl runs/fmnist-bp)")
		return 2
	}
	if *asJSON && *asCSV {
		fmt.Fprintln(stderr, "ccl compare: --json and --csv exclude each other")
		return 2
	}
	runs, err := report.LoadAll(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "ccl compare: %v\n", err)
		return 1
	}
	rows := make([]report.Summary, len(runs))
	for i, r := range runs {
		rows[i] = report.Summarize(r)
	}
	switch {
	case *asJSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rows)
	case *asCSV:
		w := csv.NewWriter(stdout)
		w.Write([]string{"run", "dir", "method", "dataset", "architecture", "task", "finished", "epochs_done", "epochs",
			"best_epoch", "best_val_loss", "best_val_acc", "test_acc", "test_mse", "test_loss", "seconds", "samples_per_second"})
		for _, s := range rows {
			w.Write([]string{s.Run, s.Dir, s.Method, s.Dataset, s.Architecture, s.Task, fmt.Sprint(s.Finished),
				fmt.Sprint(s.EpochsDone), fmt.Sprint(s.Epochs), fmt.Sprint(s.BestEpoch), g(s.BestValLoss), g(s.BestValAcc),
				g(s.TestAcc), g(s.TestMSE), g(s.TestLoss), g(s.Seconds), g(s.SamplesPerS)})
		}
		w.Flush()
	default:
		table := [][]string{report.Columns}
		for _, s := range rows {
			table = append(table, s.Cells())
		}
		printTable(stdout, table, 4)
	}
	return 0
}

// g formats a figure for CSV: shortest representation, empty for zero.
func g(v float64) string {
	if v == 0 {
		return ""
	}
	return fmt.Sprint(v)
}

// printTable writes the rows as an aligned table: the first left columns
// left-aligned, the others right-aligned.
func printTable(w io.Writer, cells [][]string, left int) {
	var width []int
	for _, row := range cells {
		for i, c := range row {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, row := range cells {
		var b strings.Builder
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i > 0 {
				b.WriteString("  ")
			}
			if i < left {
				b.WriteString(c + pad)
			} else {
				b.WriteString(pad + c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}
