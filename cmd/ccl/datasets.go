package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/counter-current/ccl/datasets"
)

const datasetsUsage = `Usage: ccl datasets [--data DIR] [--json]

For every data set ccl knows (MNIST, FashionMNIST, CIFAR10, CIFAR100,
STL10), tells where it is found, in the order 'ccl train' looks (the
torchvision layout and the data set's own directory under the data
directory, then system copies such as Debian's
/usr/share/datasets/fashion-mnist), whether it is complete, and what was
checked of each file: the size of raw files, and of an IDX .gz the MD5 of
the official download or, when that differs (Debian re-compresses), the
uncompressed size. Partial downloads that 'ccl download' would continue are
listed too. Nothing is changed.

The data directory is --data, else $CCL_DATA, else the per-user cache
(~/.cache/ccl).

Examples:
  ccl datasets
  ccl datasets --data ~/data
  ccl datasets --json

Flags:
`

const downloadUsage = `Usage: ccl download [--data DIR] DATASET...

Makes sure the data sets are present, downloading what is missing from the
official sources into the data directory (--data, else $CCL_DATA, else the
per-user cache ~/.cache/ccl): MNIST and FashionMNIST as four .gz files each,
CIFAR10, CIFAR100 and STL10 as one .tar.gz from which the needed files are
extracted (the archive is then removed). A data set already present (for
example Debian's Fashion-MNIST) is not downloaded again.

Every download is checked against its published MD5. It goes to a partial
file (.NAME.part beside the final name) that is renamed only once complete
and verified, so no half-written file ever has the final name. If the
transfer breaks (network failure, Ctrl-C), the partial file is kept and the
next 'ccl download' continues it where it stopped (an HTTP Range request);
a partial file that fails the checksum is removed.

Data sets: MNIST, FashionMNIST, CIFAR10, CIFAR100, STL10 (any letter case).

Examples:
  ccl download FashionMNIST
  ccl download --data ~/data CIFAR10 CIFAR100
  ccl datasets            # what is where

Flags:
`

const dataFlagHelp = "data `directory` (default $CCL_DATA, else the per-user cache)"

func runDatasets(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("ccl datasets", datasetsUsage, stderr)
	data := fs.String("data", "", dataFlagHelp)
	asJSON := fs.Bool("json", false, "print the inventory as JSON")
	if err := fs.Parse(args); err != nil {
		return parseError(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ccl datasets: unexpected argument %q (to fetch a data set: ccl download %s)\n", fs.Arg(0), fs.Arg(0))
		return 2
	}
	dir, err := datasets.DataDir(*data)
	if err != nil {
		fmt.Fprintf(stderr, "ccl datasets: %v\n", err)
		return 1
	}
	var invs []*datasets.Inventory
	for _, name := range datasets.Names() {
		inv, err := datasets.Inspect(name, dir)
		if err != nil {
			fmt.Fprintf(stderr, "ccl datasets: %v\n", err)
			return 1
		}
		invs = append(invs, inv)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(struct {
			DataDir  string                `json:"data_dir"`
			Datasets []*datasets.Inventory `json:"datasets"`
		}{dir, invs})
		return 0
	}
	fmt.Fprintf(stdout, "data directory: %s\n", dir)
	for _, inv := range invs {
		fmt.Fprintln(stdout)
		printInventory(stdout, inv)
	}
	return 0
}

// printInventory writes what was found of one data set.
func printInventory(w io.Writer, inv *datasets.Inventory) {
	var found []*datasets.Location
	var looked []string
	for i := range inv.Locations {
		l := &inv.Locations[i]
		looked = append(looked, l.Dir)
		if l.Present() > 0 {
			found = append(found, l)
		}
	}
	switch {
	case inv.Use != "":
		state := "complete"
		for _, l := range found {
			if l.Dir == inv.Use && !l.Complete() {
				state = "present, but a check failed (see below)"
			}
		}
		fmt.Fprintf(w, "%s: %s in %s\n", inv.Name, state, inv.Use)
	case len(found) > 0:
		fmt.Fprintf(w, "%s: incomplete ('ccl download %s' fetches the rest)\n", inv.Name, inv.Name)
	default:
		fmt.Fprintf(w, "%s: missing (looked in %s); 'ccl download %s' fetches it from %s\n",
			inv.Name, strings.Join(looked, ", "), inv.Name, sourceHost(inv.Sources))
	}
	for _, l := range found {
		fmt.Fprintf(w, "  %s (%s): %d of %d files\n", l.Dir, l.Kind, l.Present(), len(l.Files))
		var rows [][]string
		for _, f := range l.Files {
			if f.Path == "" {
				rows = append(rows, []string{"    " + f.Name, "", "missing"})
				continue
			}
			mark := ""
			if !f.OK {
				mark = "BAD: "
			}
			rows = append(rows, []string{"    " + baseName(f.Path), humanBytes(f.Size), mark + f.Note})
		}
		printTable(w, rows, 1)
	}
	if inv.Archive != "" {
		fmt.Fprintf(w, "  archive %s: the files are extracted from it when needed\n", inv.Archive)
	}
	for _, p := range inv.Partials {
		fmt.Fprintf(w, "  partial download %s (%s); 'ccl download %s' continues it\n", p.Path, humanBytes(p.Size), inv.Name)
	}
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// sourceHost returns the directory URL of the first source.
func sourceHost(srcs []string) string {
	if len(srcs) == 0 {
		return "?"
	}
	s := srcs[0]
	if len(srcs) > 1 {
		if i := strings.LastIndex(s, "/"); i >= 0 {
			s = s[:i+1]
		}
	}
	return s
}

// humanBytes writes a size as 26.4 MB, 512 B.
func humanBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

func runDownload(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("ccl download", downloadUsage, stderr)
	data := fs.String("data", "", dataFlagHelp)
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	names, err := parseInterspersed(fs, args)
	if err != nil {
		return parseError(err)
	}
	if len(names) == 0 {
		fmt.Fprintf(stderr, "ccl download: expected one or more data sets (%s), for example ccl download FashionMNIST\n",
			strings.Join(datasets.Names(), ", "))
		return 2
	}
	for i, n := range names {
		canon, ok := canonicalDataset(n)
		if !ok {
			fmt.Fprintf(stderr, "ccl download: unknown data set %q (known: %s)\n", n, strings.Join(datasets.Names(), ", "))
			return 2
		}
		names[i] = canon
	}
	dir, err := datasets.DataDir(*data)
	if err != nil {
		fmt.Fprintf(stderr, "ccl download: %v\n", err)
		return 1
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }
	if *quiet {
		logf = nil
	}
	for _, n := range names {
		got, err := datasets.Download(n, dir, logf)
		if err != nil {
			fmt.Fprintf(stderr, "ccl download: %v\n", err)
			return 1
		}
		if !*quiet {
			fmt.Fprintf(stdout, "%s: ready in %s\n", n, got)
		}
	}
	return 0
}

// canonicalDataset returns the registry's spelling of a data set name given
// in any letter case.
func canonicalDataset(name string) (string, bool) {
	for _, n := range datasets.Names() {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	return "", false
}
