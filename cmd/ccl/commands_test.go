package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeRun writes a two-epoch run directory (result.json only if finished).
func fakeRun(t *testing.T, parent, name, method string, finished bool) string {
	t.Helper()
	dir := filepath.Join(parent, name)
	os.MkdirAll(dir, 0o755)
	cfg := strings.Replace(goodYAML, "method: CCL", "method: "+method, 1)
	cfg = strings.Replace(cfg, "epochs: 1", "epochs: 2", 1)
	metrics := `{"epoch":1,"train_loss":1.4,"train_ce":1.3,"pair_losses":[0.01,0.02],"val_loss":0.8,"val_acc":0.76,"epoch_seconds":1.8,"samples_per_second":30000,"best":true,"angles_deg":[80,85]}
{"epoch":2,"train_loss":0.8,"train_ce":0.7,"pair_losses":[0.007,0.015],"val_loss":0.6,"val_acc":0.81,"epoch_seconds":1.7,"samples_per_second":32000,"best":true,"angles_deg":[70,82]}
`
	files := map[string]string{"config.yaml": cfg, "metrics.jsonl": metrics}
	if finished {
		files["result.json"] = `{"method":"` + method + `","dataset":"FashionMNIST","epochs":2,"best_epoch":2,"best_val_loss":0.6,"best_val_acc":0.81,"test_loss":0.62,"test_acc":0.8023,"total_seconds":6.3}`
	}
	for f, text := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCompare(t *testing.T) {
	parent := t.TempDir()
	ccl := fakeRun(t, parent, "fmnist-ccl", "CCL", true)
	bp := fakeRun(t, parent, "fmnist-bp", "BP", false)
	code, out, errs := runCmd("compare", ccl, bp)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := `run         method  dataset       architecture   epochs  best epoch        test   time  samples/s
fmnist-ccl  CCL     FashionMNIST  simple_linear       2           2     80.23 %  6.3 s      31000
fmnist-bp   BP      FashionMNIST  simple_linear     2/2           2  unfinished  3.5 s      31000
`
	if out != want {
		t.Errorf("table:\n%s\nwant:\n%s", out, want)
	}
	code, out, _ = runCmd("compare", "--json", ccl, bp)
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); code != 0 || err != nil || len(rows) != 2 || rows[0]["test_acc"] != 0.8023 || rows[1]["finished"] != false {
		t.Errorf("--json: exit %d, %v: %s", code, err, out)
	}
	code, out, _ = runCmd("compare", "--csv", ccl)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 2 || recs[0][0] != "run" || recs[1][0] != "fmnist-ccl" {
		t.Errorf("--csv: exit %d, %v: %q", code, err, out)
	}
}

// Bad arguments exit 2 with a message; a missing or broken run directory
// exits 1 naming it.
func TestCommandErrors(t *testing.T) {
	parent := t.TempDir()
	good := fakeRun(t, parent, "good", "CCL", true)
	broken := fakeRun(t, parent, "broken", "CCL", true)
	os.WriteFile(filepath.Join(broken, "result.json"), []byte("{"), 0o644)
	missing := filepath.Join(parent, "nothing")
	checkErrors(t, []argCase{
		{[]string{"compare"}, 2, "expected one or more run directories"},
		{[]string{"compare", "--bogus", good}, 2, "flag provided but not defined: -bogus"},
		{[]string{"compare", "--json", "--csv", good}, 2, "--json and --csv exclude each other"},
		{[]string{"compare", good, missing}, 1, "ccl compare: " + missing + ": no such run directory"},
		{[]string{"compare", broken}, 1, "ccl compare: " + filepath.Join(broken, "result.json") + ": corrupt"},
		{[]string{"report"}, 2, "expected one or more run directories"},
		{[]string{"report", good, "-o", ""}, 2, "-o: expected a file name"},
		{[]string{"report", missing, "-o", filepath.Join(parent, "r.html")}, 1, "ccl report: " + missing + ": no such run directory"},
		{[]string{"report", good, "-o", filepath.Join(missing, "r.html")}, 1, filepath.Join(missing, "r.html")},
		{[]string{"datasets", "MNIST"}, 2, `unexpected argument "MNIST"`},
		{[]string{"download"}, 2, "expected one or more data sets"},
		{[]string{"download", "SVHN"}, 2, `unknown data set "SVHN" (known: CIFAR10, CIFAR100, FashionMNIST, MNIST, STL10)`},
		{[]string{"help", "frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"help", "train", "resume"}, 2, "at most one command"},
	})
}

// argCase is a command line that must fail with exit status code and a
// one-line error containing want.
type argCase struct {
	args []string
	code int
	want string
}

func checkErrors(t *testing.T, cases []argCase) {
	t.Helper()
	for _, c := range cases {
		code, _, errs := runCmd(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("ccl %s: exit %d, stderr %q; want exit %d and %q", strings.Join(c.args, " "), code, errs, c.code, c.want)
		}
		if c.code == 1 && strings.Count(strings.TrimRight(errs, "\n"), "\n") != 0 {
			t.Errorf("ccl %s: error is not one line: %q", strings.Join(c.args, " "), errs)
		}
	}
}

func TestReportCommand(t *testing.T) {
	parent := t.TempDir()
	ccl := fakeRun(t, parent, "fmnist-ccl", "CCL", true)
	bp := fakeRun(t, parent, "fmnist-bp", "BP", true)
	out := filepath.Join(parent, "report.html")
	// Flags after the run directories, as in the README.
	code, stdout, errs := runCmd("report", ccl, bp, "-o", out)
	if code != 0 || stdout != "wrote "+out+" (2 runs)\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"<svg", "fmnist-ccl (CCL)", "fmnist-bp (BP)", "Forward/feedback angles: fmnist-ccl (CCL)", "80.23 %"} {
		if !bytes.Contains(page, []byte(w)) {
			t.Errorf("report lacks %q", w)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(parent, ".report.html*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// Every command has help with examples, through 'ccl help COMMAND' and
// 'ccl COMMAND --help', on stdout with exit 0.
func TestHelpEveryCommand(t *testing.T) {
	for name := range commands {
		for _, args := range [][]string{{"help", name}, {name, "--help"}, {name, "-h"}} {
			code, out, errs := runCmd(args...)
			if code != 0 || errs != "" {
				t.Errorf("ccl %s: exit %d, stderr %q", strings.Join(args, " "), code, errs)
			}
			if !strings.Contains(out, "Usage: ccl "+name) || !strings.Contains(out, "Example") {
				t.Errorf("ccl %s: help lacks the usage line or examples:\n%s", strings.Join(args, " "), out)
			}
		}
		if !strings.Contains(usage, "ccl "+name+" ") {
			t.Errorf("the top-level usage does not list %s", name)
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"help", "help"}} {
		if code, out, _ := runCmd(args...); code != 0 || out != usage {
			t.Errorf("ccl %s: exit %d, %q", strings.Join(args, " "), code, out)
		}
	}
}

// Debian's Fashion-MNIST is found where it is installed; nothing is
// downloaded for it.
func TestDatasetsAndDownloadOffline(t *testing.T) {
	data := t.TempDir()
	code, out, errs := runCmd("datasets", "--data", data)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, w := range []string{"data directory: " + data, "FashionMNIST: complete in /usr/share/datasets/fashion-mnist",
		"train-images-idx3-ubyte.gz", "uncompressed size ok", "MNIST: missing (looked in " + filepath.Join(data, "MNIST", "raw"),
		"'ccl download CIFAR10' fetches it from https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", "STL10: missing"} {
		if !strings.Contains(out, w) {
			t.Errorf("ccl datasets lacks %q:\n%s", w, out)
		}
	}
	code, out, _ = runCmd("datasets", "--json", "--data", data)
	var inv struct {
		DataDir  string `json:"data_dir"`
		Datasets []struct {
			Name string
			Use  string
		} `json:"datasets"`
	}
	if err := json.Unmarshal([]byte(out), &inv); code != 0 || err != nil || inv.DataDir != data || len(inv.Datasets) != 5 {
		t.Errorf("--json: exit %d, %v: %s", code, err, out)
	}
	code, out, errs = runCmd("download", "--data", data, "fashionmnist")
	if code != 0 || !strings.Contains(out, "FashionMNIST: ready in /usr/share/datasets/fashion-mnist") {
		t.Errorf("download of an installed set: exit %d, %q %q", code, out, errs)
	}
	if entries, _ := os.ReadDir(data); len(entries) != 0 {
		t.Errorf("download wrote into the data directory: %v", entries)
	}
}

// ccl eval of a run's best.safetensors reproduces its result.json test
// figures; bad arguments exit 2, a missing checkpoint 1 naming it.
func TestEval(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	epochs := "1"
	if testing.Short() { // the initial weights: no training, quick under the race detector
		epochs = "0"
	}
	if code, _, errs := runCmd("train", "--yaml", "../../configs/mlp/fmnist_bp.yaml", "--epochs", epochs, "--quiet",
		"--data", t.TempDir(), "--out", dir); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	var res struct {
		TestAcc  float64 `json:"test_acc"`
		TestLoss float64 `json:"test_loss"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "result.json"))
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(dir, "best.safetensors")
	code, out, errs := runCmd("eval", "--checkpoint", ckpt, "--json", "--data", t.TempDir())
	var got struct {
		Accuracy, Loss float64
		Split          string
		Samples        int
	}
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("eval: exit %d, %v, stdout %q, stderr %q", code, err, out, errs)
	}
	if got.Accuracy != res.TestAcc || got.Loss != res.TestLoss || got.Split != "test" || got.Samples != 10000 {
		t.Errorf("eval %+v, result.json test acc %v loss %v", got, res.TestAcc, res.TestLoss)
	}
	code, out, _ = runCmd("eval", "--checkpoint", ckpt, "--split", "val")
	if code != 0 || !strings.Contains(out, "BP FashionMNIST classification, weights after epoch "+epochs+", val set (6000 samples): accuracy ") {
		t.Errorf("eval --split val: exit %d, %q", code, out)
	}
	missing := filepath.Join(dir, "nothing.safetensors")
	checkErrors(t, []argCase{
		{[]string{"eval"}, 2, "--checkpoint FILE is required"},
		{[]string{"eval", ckpt}, 2, "unexpected argument"},
		{[]string{"eval", "--checkpoint", ckpt, "--split", "train"}, 2, `--split: expected test or val, got "train"`},
		{[]string{"eval", "--checkpoint", missing}, 1, missing},
	})
}
