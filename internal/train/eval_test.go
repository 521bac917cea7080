package train

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readResult reads a run directory's result.json.
func readResult(t *testing.T, dir string) Result {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// Evaluate on a finished run's best.safetensors gives exactly the test
// figures of its result.json, and on the validation split exactly its best
// validation loss: a CCL MLP (classification) and a CCL autoencoder (batch
// norm everywhere: the running statistics are loaded too), on small
// generated CIFAR-format files.
func TestEvaluateMatchesRun(t *testing.T) {
	smallAE(t)
	load := smallCIFAR(t, 48, 20, 52)
	for _, c := range []struct {
		file string
		set  [][2]string
	}{
		{"mlp/cifar10_ccl.yaml", [][2]string{{"epochs", "2"}, {"batchsize", "8"}, {"lr_F", "0.05"}, {"lr_B", "0.05"}}},
		{"cnn_ae/stl10_ccl_legacy.yaml", [][2]string{{"dataset", "CIFAR10"}, {"epochs", "2"}, {"batchsize", "4"}}},
	} {
		t.Run(c.file, func(t *testing.T) {
			cfg := repoConfig(t, c.file)
			for _, kv := range c.set {
				if err := cfg.Set(kv[0], kv[1]); err != nil {
					t.Fatal(err)
				}
			}
			run := t.TempDir()
			if _, err := Run(cfg, Options{RunDir: run, Load: load}); err != nil {
				t.Fatal(err)
			}
			want := readResult(t, run)
			best := filepath.Join(run, "best.safetensors")
			got, err := Evaluate(best, EvalOptions{Load: load})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", *got)
			if cfg.Method.Task == "classification" && want.TestAcc == 0 {
				t.Error("test accuracy 0: the comparison would not test the accuracy")
			}
			if got.Split != "test" || got.Samples != 20 || got.Epoch != want.BestEpoch || got.Method != "CCL" || got.Dataset != "CIFAR10" {
				t.Errorf("result %+v: want split test, 20 samples, epoch %d, CCL on CIFAR10", *got, want.BestEpoch)
			}
			if got.Loss != want.TestLoss || got.Accuracy != want.TestAcc || got.MSE != want.TestMSE {
				t.Errorf("test loss %v, accuracy %v, MSE %v; result.json: %v, %v, %v",
					got.Loss, got.Accuracy, got.MSE, want.TestLoss, want.TestAcc, want.TestMSE)
			}
			val, err := Evaluate(best, EvalOptions{Load: load, Split: "val"})
			if err != nil {
				t.Fatal(err)
			}
			if val.Loss != want.BestValLoss || val.Accuracy != want.BestValAcc {
				t.Errorf("validation loss %v, accuracy %v; result.json: %v, %v", val.Loss, val.Accuracy, want.BestValLoss, want.BestValAcc)
			}
		})
	}
}

// Evaluate's errors name the file at fault and what was expected.
func TestEvaluateErrors(t *testing.T) {
	load := smallCIFAR(t, 30, 8, 53)
	cfg := repoConfig(t, "mlp/cifar10_bp.yaml")
	for _, kv := range [][2]string{{"epochs", "1"}, {"batchsize", "8"}} {
		if err := cfg.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	run := t.TempDir()
	if _, err := Run(cfg, Options{RunDir: run, Load: load}); err != nil {
		t.Fatal(err)
	}
	last := filepath.Join(run, "last.safetensors")
	cfgPath := filepath.Join(run, "config.yaml")
	check := func(name, path string, opt EvalOptions, wants ...string) {
		t.Helper()
		_, err := Evaluate(path, opt)
		if err == nil {
			t.Errorf("%s: no error", name)
			return
		}
		t.Logf("%s: %v", name, err)
		for _, w := range wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", name, err, w)
			}
		}
	}
	opt := EvalOptions{Load: load}
	check("missing checkpoint", filepath.Join(run, "nothing.safetensors"), opt, "nothing.safetensors", "expected a checkpoint")
	check("bad split", last, EvalOptions{Load: load, Split: "train"}, `split "train"`, "expected test or val")

	other := t.TempDir()
	data, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "cut.safetensors"), data[:len(data)-8], 0o644); err != nil {
		t.Fatal(err)
	}
	check("truncated checkpoint", filepath.Join(other, "cut.safetensors"), opt, "cut.safetensors")
	if err := os.WriteFile(filepath.Join(other, "last.safetensors"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	check("missing config", filepath.Join(other, "last.safetensors"), opt, filepath.Join(other, "config.yaml"), "missing", "expected the configuration")

	yaml, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(yaml), "seed: 2023", "seed: 7", 1)
	if changed == string(yaml) {
		t.Fatalf("config.yaml has no 'seed: 2023':\n%s", yaml)
	}
	if err := os.WriteFile(filepath.Join(other, "config.yaml"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	check("other configuration", filepath.Join(other, "last.safetensors"), opt,
		filepath.Join(other, "last.safetensors"), filepath.Join(other, "config.yaml"), "another configuration")
	if err := os.WriteFile(filepath.Join(other, "config.yaml"), []byte("training:\n  lr_F: fast\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check("corrupt config", filepath.Join(other, "last.safetensors"), opt, filepath.Join(other, "config.yaml"), "lr_F")
}
