package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodYAML = `method:
  method: CCL
  architecture: simple_linear
  task: classification
  act_F: elu
  act_B: elu
dataset:
  dataset: FashionMNIST
  batchsize: 256
  num_chn: 1
training:
  epochs: 1
  lr_F: 1
  lr_B: 1
  seed: 2023
`

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every bad input gives exit status 1 or 2 and one error line naming the
// file or key and what was expected.
func TestTrainBadInput(t *testing.T) {
	cases := []struct {
		name string
		args func(t *testing.T) []string
		code int
		want []string // substrings of the single stderr line
	}{
		{"missing yaml flag", func(t *testing.T) []string { return nil }, 2, []string{"--yaml FILE is required"}},
		{"missing file", func(t *testing.T) []string { return []string{"--yaml", "/nonexistent/cfg.yaml"} }, 1,
			[]string{"/nonexistent/cfg.yaml"}},
		{"unknown key", func(t *testing.T) []string {
			return []string{"--yaml", writeFile(t, "unknown.yaml", strings.Replace(goodYAML, "lr_F: 1", "lr_f: 1", 1))}
		}, 1, []string{"unknown.yaml", `"lr_f"`}},
		{"wrong type", func(t *testing.T) []string {
			return []string{"--yaml", writeFile(t, "type.yaml", strings.Replace(goodYAML, "lr_F: 1", "lr_F: fast", 1))}
		}, 1, []string{"type.yaml", "lr_F", "number"}},
		{"negative learning rate", func(t *testing.T) []string {
			return []string{"--yaml", writeFile(t, "neg.yaml", goodYAML), "--lr_F", "-1"}
		}, 1, []string{"lr_F"}},
		{"bad flag value", func(t *testing.T) []string {
			return []string{"--yaml", writeFile(t, "ok.yaml", goodYAML), "--epochs", "many"}
		}, 2, []string{"--epochs", "many"}},
		{"batch size 0", func(t *testing.T) []string {
			return []string{"--yaml", writeFile(t, "ok.yaml", goodYAML), "--batchsize", "0"}
		}, 1, []string{"batchsize"}},
		{"unknown activation", func(t *testing.T) []string {
			return []string{"--yaml", writeFile(t, "act.yaml", strings.Replace(goodYAML, "act_F: elu", "act_F: swish", 1))}
		}, 1, []string{"act_F", "swish"}},
		{"data set the architecture cannot take", func(t *testing.T) []string {
			cnn := strings.Replace(goodYAML, "simple_linear", "cnn", 1)
			return []string{"--yaml", writeFile(t, "cnn.yaml", cnn), "--data", t.TempDir(), "--out", t.TempDir()}
		}, 1, []string{"FashionMNIST_CNN"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append([]string{"train"}, c.args(t)...), &out, &errb)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr %q", code, c.code, errb.String())
			}
			msg := strings.TrimRight(errb.String(), "\n")
			if c.code == 1 && strings.Count(msg, "\n") != 0 {
				t.Errorf("error is not one line: %q", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"help", "train"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, w := range []string{"--yaml", "-lr_F", "-seed", "Examples:"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("help lacks %q", w)
		}
	}
	if code := run([]string{"frobnicate"}, &out, &errb); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}

// --json prints one JSON object per epoch and then the result; --quiet
// prints nothing on success.
func TestOutputModes(t *testing.T) {
	var out, errb bytes.Buffer
	args := []string{"train", "--yaml", "../../configs/mlp/fmnist_ccl.yaml", "--epochs", "1", "--data", t.TempDir()}
	if code := run(append(args, "--json", "--out", t.TempDir()), &out, &errb); code != 0 {
		t.Fatalf("--json: exit %d, stderr %q", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("--json printed %d lines, want 2 (epoch 1, result):\n%s", len(lines), out.String())
	}
	var epoch struct {
		Epoch  int     `json:"epoch"`
		ValAcc float64 `json:"val_acc"`
	}
	var result struct {
		Result struct {
			TestAcc float64 `json:"test_acc"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &epoch); err != nil || epoch.Epoch != 1 || epoch.ValAcc < 0.5 {
		t.Errorf("first line %q: %v", lines[0], err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &result); err != nil || result.Result.TestAcc < 0.5 {
		t.Errorf("last line %q: %v", lines[1], err)
	}
	out.Reset()
	if code := run(append(args, "--quiet", "--out", t.TempDir()), &out, &errb); code != 0 || out.Len() != 0 {
		t.Errorf("--quiet: exit %d, printed %q", code, out.String())
	}
}
