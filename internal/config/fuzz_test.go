package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse runs the whole path of a configuration file: Parse, one
// command-line override (Set) and Validate. None may panic; every error
// must be one line (Validate: one line per problem) starting with
// "config: " and, for Parse, naming the file; whatever Parse accepts must
// survive the trip through YAML(), with the same verdict from Validate.
// Its corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	// Valid files: the shipped configurations and the minimal one.
	files, _ := filepath.Glob(filepath.Join(configsDir, "*", "*.yaml"))
	if len(files) == 0 {
		f.Fatalf("no configurations in %s", configsDir)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "lr_F", "0.5")
	}
	f.Add([]byte(minimal), "dataset", "CIFAR100")
	// The bad inputs of docs/errors.md, and YAML oddities.
	f.Add([]byte(strings.Replace(minimal, "lr_F: 1", "lr_f: 1", 1)), "", "")
	f.Add([]byte(strings.Replace(minimal, "lr_F: 1", "lr_F: fast", 1)), "epochs", "1.5")
	f.Add([]byte(strings.Replace(minimal, "lr_F: 1", "lr_F: -0.1", 1)), "batchsize", "0")
	f.Add([]byte(strings.Replace(minimal, "act_F: elu", "act_F: swish", 1)), "architecture", "resnet")
	f.Add([]byte(strings.Replace(minimal, "simple_linear", "transformer", 1)), "lr_F", "NaN")
	f.Add([]byte(strings.Replace(minimal, "batchsize: 256", "batchsize: 0", 1)), "lr_B", "-1")
	f.Add([]byte("training:\n  lr_F: 0.\n  epochs: 3"), "grad_clip_F", "1e400")
	f.Add([]byte("dataset: {dataset: CIFAR100, num_chn: 3}"), "num_classes", "-5")
	f.Add([]byte("a: &x 1\nb: *x"), "seed", "99999999999999999999")
	f.Add([]byte("dataset: &d {dataset: MNIST}\ntraining: *d"), "mode", "")
	f.Add([]byte("x: &a [*a]"), "", "")
	f.Add([]byte("--- \n...\n---\nmethod: {}"), "", "")
	f.Add([]byte("method:\n\tmethod: CCL"), "", "")
	f.Add([]byte("a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]"), "", "")
	f.Fuzz(func(t *testing.T, data []byte, key, value string) {
		cfg, err := Parse(data, "fuzz.yaml")
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "config: fuzz.yaml:") || strings.Contains(msg, "\n") {
				t.Fatalf("Parse error is not one line naming the file: %q", msg)
			}
			return
		}
		checkValidate(t, cfg)
		back, err := Parse(cfg.YAML(), "back.yaml")
		if err != nil {
			t.Fatalf("Parse(YAML()): %v\n%s", err, cfg.YAML())
		}
		if diff := cmp.Diff(cfg, back); diff != "" {
			t.Fatalf("round trip (-orig +back):\n%s", diff)
		}
		if key == "" {
			return
		}
		if err := cfg.Set(key, value); err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "config: --"+flagName(key)+": ") || strings.Contains(msg, "\n") {
				t.Fatalf("Set error is not one line naming the flag: %q", msg)
			}
			return
		}
		checkValidate(t, cfg)
		back, err = Parse(cfg.YAML(), "back.yaml")
		if err != nil {
			t.Fatalf("Parse(YAML()) after Set(%q, %q): %v\n%s", key, value, err, cfg.YAML())
		}
		if diff := cmp.Diff(cfg, back); diff != "" {
			t.Fatalf("round trip after Set(%q, %q) (-orig +back):\n%s", key, value, diff)
		}
	})
}

// checkValidate checks that Validate reports one "config: " line per
// problem, and the same problems for the configuration read back from its
// YAML.
func checkValidate(t *testing.T, cfg *Config) {
	t.Helper()
	err := cfg.Validate()
	if err == nil {
		return
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(line, "config: ") || len(line) == len("config: ") {
			t.Fatalf("Validate: line %q does not start with \"config: \"", line)
		}
	}
	back, perr := Parse(cfg.YAML(), "back.yaml")
	if perr != nil {
		t.Fatalf("Parse(YAML()) of an invalid config: %v", perr)
	}
	if err2 := back.Validate(); err2 == nil || err2.Error() != err.Error() {
		t.Fatalf("Validate after the round trip: %v, want %v", err2, err)
	}
}
