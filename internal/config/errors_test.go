package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// edit returns minimal with old replaced by new (old must occur once).
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if strings.Count(minimal, old) != 1 {
		t.Fatalf("edit: %q does not occur exactly once", old)
	}
	return strings.Replace(minimal, old, new, 1)
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string // substrings of the message, in order
	}{
		{"unknown key", edit(t, "lr_F: 1", "lr_f: 1"),
			[]string{`config: min.yaml:14: training: unknown key "lr_f" (did you mean "lr_F"? known: mode, epochs, lr_F, lr_B,`, "seed)"}},
		{"unknown key in method", edit(t, "act_B: elu", "act_C: elu"),
			[]string{`config: min.yaml:5: method: unknown key "act_C" (known: method, architecture,`}},
		{"unknown section", edit(t, "dataset:\n", "data:\n"),
			[]string{`config: min.yaml:7: unknown section "data" (known: method, dataset, training)`}},
		{"wrong type float", edit(t, "lr_F: 1", "lr_F: fast"),
			[]string{`config: min.yaml:14: training.lr_F: expected a number, got "fast"`}},
		{"float for int", edit(t, "epochs: 100", "epochs: 1.5"),
			[]string{`config: min.yaml:13: training.epochs: expected an integer, got "1.5"`}},
		{"quoted number", edit(t, "batchsize: 256", `batchsize: "256"`),
			[]string{`config: min.yaml:9: dataset.batchsize: expected an integer, got the string "256"`}},
		{"number for string", edit(t, "act_F: elu", "act_F: 1"),
			[]string{`config: min.yaml:4: method.act_F: expected a string, got "1"`}},
		{"bool for number", edit(t, "lr_B: 0.", "lr_B: true"),
			[]string{`config: min.yaml:15: training.lr_B: expected a number, got "true"`}},
		{"empty value", edit(t, "lr_B: 0.", "lr_B:"),
			[]string{`config: min.yaml:15: training.lr_B: expected a number, got no value`}},
		{"list value", edit(t, "lr_B: 0.", "lr_B: [1, 2]"),
			[]string{`config: min.yaml:15: training.lr_B: expected a number, got a list`}},
		{"infinite", edit(t, "lr_B: 0.", "lr_B: .inf"),
			[]string{`config: min.yaml:15: training.lr_B: expected a number, got ".inf"`}},
		{"duplicate key", edit(t, "  seed: 2023", "  seed: 2023\n  lr_F: 2"),
			[]string{`config: min.yaml:19: training: duplicate key "lr_F" (first at line 14)`}},
		{"duplicate section", minimal + "\nmethod:\n  method: BP",
			[]string{`config: min.yaml:19: duplicate section "method" (first at line 1)`}},
		{"section not a map", edit(t, "dataset:\n  dataset: MNIST\n  batchsize: 256", "dataset: MNIST"),
			[]string{`config: min.yaml:7: dataset: expected a map of keys, got "MNIST"`}},
		{"malformed yaml", edit(t, "  batchsize: 256", "  batchsize: 256\n  - oops"),
			[]string{`config: min.yaml:`, `: invalid YAML: `}},
		{"tab indentation", edit(t, "  lr_B: 0.", "\tlr_B: 0."),
			[]string{`config: min.yaml:15: invalid YAML: tab in indentation`}},
		{"bad indentation", edit(t, "  lr_B: 0.", "    lr_B: 0."),
			[]string{`config: min.yaml:15: invalid YAML: mapping values are not allowed in this context`}},
		{"top level not a map", "- 1\n- 2",
			[]string{`config: min.yaml:1: expected a map with the sections method, dataset, training, got a list`}},
		{"empty", "", []string{`config: min.yaml: empty file`}},
		{"two documents", minimal + "\n---\nmethod: {}",
			[]string{`config: min.yaml:`, `more than one YAML document`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.src), "min.yaml")
			if err == nil {
				t.Fatalf("Parse succeeded, want error containing %q", c.want)
			}
			msg := err.Error()
			rest := msg
			for _, w := range c.want {
				n := strings.Index(rest, w)
				if n < 0 {
					t.Fatalf("error %q\ndoes not contain %q", msg, w)
				}
				rest = rest[n+len(w):]
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans several lines: %q", msg)
			}
		})
	}
}

func TestLoadNamesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cfg.yaml")
	if err := os.WriteFile(path, []byte(edit(t, "lr_F: 1", "lr_F: fast")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	want := "config: " + path + ":14: training.lr_F: expected a number, got \"fast\""
	if err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %s", err, want)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func TestValidateErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want string
	}{
		{"negative lr", edit(t, "lr_F: 1", "lr_F: -1"), `config: training.lr_F: must be ≥ 0, got -1`},
		{"batch size 0", edit(t, "batchsize: 256", "batchsize: 0"), `config: dataset.batchsize: must be ≥ 1, got 0`},
		{"unknown activation", edit(t, "act_F: elu", "act_F: gelu"),
			`config: method.act_F: must be one of elu, relu, tanh, leaky_relu, selu, got "gelu"`},
		{"unknown architecture", edit(t, "architecture: simple_linear", "architecture: resnet"),
			`config: method.architecture: must be one of simple_linear, cnn, cnn_pool, cnn_stride_autoencoder, cnn_pool_autoencoder, got "resnet"`},
		{"unknown method", edit(t, "method: CCL", "method: FA"), `config: method.method: must be one of CCL, BP, got "FA"`},
		{"unknown dataset", edit(t, "dataset: MNIST", "dataset: ImageNet"), `config: dataset.dataset: must be one of MNIST,`},
		{"missing dataset", edit(t, "  dataset: MNIST\n", ""), `config: dataset.dataset: required`},
		{"momentum 1", edit(t, "mmt_F: 0.", "mmt_F: 1"), `config: training.mmt_F: must be in [0, 1), got 1`},
		{"negative wd", edit(t, "wd_F: 0.00001", "wd_F: -0.1"), `config: training.wd_F: must be ≥ 0, got -0.1`},
		{"negative epochs", edit(t, "epochs: 100", "epochs: -1"), `config: training.epochs: must be ≥ 0, got -1`},
		{"fw_bn 3", edit(t, "act_B: elu", "act_B: elu\n  fw_bn: 3"), `config: method.fw_bn: must be one of 0, 1, 2, got 3`},
		{"GradC 2", edit(t, "seed: 2023", "seed: 2023\n  GradC: 2"), `config: training.GradC: must be one of 0, 1, got 2`},
		{"optimizer", edit(t, "seed: 2023", "seed: 2023\n  optimizer: Adam"), `config: training.optimizer: must be one of SGD, got "Adam"`},
		{"negative clip", edit(t, "seed: 2023", "seed: 2023\n  grad_clip_B: -1"), `config: training.grad_clip_B: must be ≥ 0, got -1`},
		{"bias_init", edit(t, "act_B: elu", "act_B: elu\n  bias_init: one"), `config: method.bias_init: must be one of zero, none, got "one"`},
		{"num_classes 0", edit(t, "batchsize: 256", "batchsize: 256\n  num_classes: 0"), `config: dataset.num_classes: must be ≥ 1, got 0`},
		{"num_chn 0", edit(t, "batchsize: 256", "batchsize: 256\n  num_chn: 0"), `config: dataset.num_chn: must be ≥ 1, got 0`},
		{"num_chn vs dataset", edit(t, "batchsize: 256", "batchsize: 256\n  num_chn: 3"), `config: dataset.num_chn: must be 1 for dataset MNIST, got 3`},
		{"num_classes vs dataset", edit(t, "batchsize: 256", "batchsize: 256\n  num_classes: 100"), `config: dataset.num_classes: must be 10 for dataset MNIST, got 100`},
		{"autoencoder task", edit(t, "act_B: elu", "act_B: elu\n  task: autoencoder"), `config: method.task: task autoencoder needs an autoencoder architecture`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(c.src), "min.yaml")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = cfg.Validate()
			if err == nil {
				t.Fatalf("Validate succeeded, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate error %q\ndoes not contain %q", err, c.want)
			}
			if lines := strings.Count(err.Error(), "\n") + 1; lines != 1 {
				t.Errorf("want exactly one problem, got %d:\n%s", lines, err)
			}
		})
	}

	// Several problems are all reported, one per line.
	cfg := mustParse(t, minimal)
	cfg.Training.LrF = -1
	cfg.Dataset.BatchSize = 0
	err := cfg.Validate()
	if err == nil || strings.Count(err.Error(), "\n") != 1 ||
		!strings.Contains(err.Error(), "training.lr_F") || !strings.Contains(err.Error(), "dataset.batchsize") {
		t.Errorf("two problems: got %v", err)
	}
}
