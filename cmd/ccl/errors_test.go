package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/counter-current/ccl/datasets"
	"github.com/counter-current/ccl/internal/checkpoint"
	"github.com/counter-current/ccl/internal/config"
	"github.com/counter-current/ccl/internal/errorsdoc"
)

// errorScenarios produce, for every row of docs/errors.md, the error a bad
// input gets. Each writes its files under dir (the DIR of the table).
var errorScenarios = map[string]func(t *testing.T, dir string) error{
	"idx-missing": func(t *testing.T, dir string) error {
		_, _, err := datasets.Load("MNIST", dir)
		return err
	},
	"idx-truncated": func(t *testing.T, dir string) error {
		writeIDX(t, dir, "train-images-idx3-ubyte", 0x803, []uint32{60000, 28, 28}, make([]byte, 100))
		_, _, err := datasets.Load("MNIST", dir)
		return err
	},
	"idx-magic": func(t *testing.T, dir string) error {
		writeIDX(t, dir, "train-images-idx3-ubyte", 0x801, []uint32{60000}, nil)
		_, _, err := datasets.Load("MNIST", dir)
		return err
	},
	"idx-shape": func(t *testing.T, dir string) error {
		writeIDX(t, dir, "train-images-idx3-ubyte", 0x803, []uint32{60000, 32, 32}, nil)
		_, _, err := datasets.Load("MNIST", dir)
		return err
	},
	"idx-label-range": func(t *testing.T, dir string) error {
		writeIDX(t, dir, "train-images-idx3-ubyte", 0x803, []uint32{60000, 28, 28}, make([]byte, 60000*784))
		labels := make([]byte, 60000)
		labels[17] = 10
		writeIDX(t, dir, "train-labels-idx1-ubyte", 0x801, []uint32{60000}, labels)
		_, _, err := datasets.Load("MNIST", dir)
		return err
	},
	"idx-count-mismatch": func(t *testing.T, dir string) error {
		writeIDX(t, dir, "train-images-idx3-ubyte", 0x803, []uint32{60000, 28, 28}, make([]byte, 60000*784))
		writeIDX(t, dir, "train-labels-idx1-ubyte", 0x801, []uint32{59999}, make([]byte, 59999))
		_, _, err := datasets.Load("MNIST", dir)
		return err
	},
	"cifar-truncated": func(t *testing.T, dir string) error {
		write(t, filepath.Join(dir, "data_batch_1.bin"), make([]byte, 3073*2+100))
		_, err := datasets.ReadCIFAR([]string{filepath.Join(dir, "data_batch_1.bin")}, 10)
		return err
	},
	"cifar-label-range": func(t *testing.T, dir string) error {
		rec := make([]byte, 3073*3)
		rec[3073*2] = 12
		write(t, filepath.Join(dir, "data_batch_1.bin"), rec)
		_, err := datasets.ReadCIFAR([]string{filepath.Join(dir, "data_batch_1.bin")}, 10)
		return err
	},
	"cifar-wrong-size": func(t *testing.T, dir string) error {
		write(t, filepath.Join(dir, "data_batch_1.bin"), make([]byte, 3073*2))
		_, _, err := datasets.Load("CIFAR10", dir)
		return err
	},
	"cifar100-coarse-range": func(t *testing.T, dir string) error {
		rec := make([]byte, 3074*2)
		rec[3074] = 20
		write(t, filepath.Join(dir, "train.bin"), rec)
		_, err := datasets.ReadCIFAR([]string{filepath.Join(dir, "train.bin")}, 100)
		return err
	},
	"stl10-truncated": func(t *testing.T, dir string) error {
		write(t, filepath.Join(dir, "train_X.bin"), make([]byte, 2*3*96*96-1000))
		write(t, filepath.Join(dir, "train_y.bin"), []byte{3, 4})
		_, err := datasets.ReadSTL10(filepath.Join(dir, "train_X.bin"), filepath.Join(dir, "train_y.bin"))
		return err
	},
	"stl10-count-mismatch": func(t *testing.T, dir string) error {
		write(t, filepath.Join(dir, "train_X.bin"), make([]byte, 2*3*96*96))
		write(t, filepath.Join(dir, "train_y.bin"), []byte{3, 4, 5})
		_, err := datasets.ReadSTL10(filepath.Join(dir, "train_X.bin"), filepath.Join(dir, "train_y.bin"))
		return err
	},
	"stl10-wrong-size": func(t *testing.T, dir string) error {
		write(t, filepath.Join(dir, "train_X.bin"), make([]byte, 2*3*96*96))
		write(t, filepath.Join(dir, "train_y.bin"), []byte{3, 4})
		_, _, err := datasets.Load("STL10", dir)
		return err
	},
	"stl10-label-range": func(t *testing.T, dir string) error {
		write(t, filepath.Join(dir, "train_X.bin"), make([]byte, 2*3*96*96))
		write(t, filepath.Join(dir, "train_y.bin"), []byte{3, 11})
		_, err := datasets.ReadSTL10(filepath.Join(dir, "train_X.bin"), filepath.Join(dir, "train_y.bin"))
		return err
	},
	"recipe-mismatch": func(t *testing.T, dir string) error {
		_, err := datasets.RecipeFor("MNIST", "cnn")
		return err
	},
	"yaml-unknown-key":       yamlScenario("lr_F: 1", "lr_f: 1", nil),
	"yaml-wrong-type":        yamlScenario("lr_F: 1", "lr_F: fast", nil),
	"yaml-int-as-float":      yamlScenario("epochs: 2", "epochs: 1.5", nil),
	"yaml-duplicate-key":     yamlScenario("lr_F: 1", "lr_F: 1\n  lr_F: 2", nil),
	"yaml-malformed":         yamlScenario("lr_F: 1", "lr_F: [1", nil),
	"yaml-negative-lr":       yamlScenario("", "", []string{"lr_F", "-1"}),
	"yaml-batchsize-0":       yamlScenario("", "", []string{"batchsize", "0"}),
	"yaml-unknown-act":       yamlScenario("act_F: elu", "act_F: swish", nil),
	"yaml-unknown-arch":      yamlScenario("simple_linear", "resnet", nil),
	"flag-wrong-type":        yamlScenario("", "", []string{"epochs", "many"}),
	"checkpoint-header-size": checkpointScenario(func(b []byte) []byte { binary.LittleEndian.PutUint64(b, 1<<40); return b }),
	"checkpoint-truncated":   checkpointScenario(func(b []byte) []byte { return b[:len(b)-8] }),
	"checkpoint-duplicate": rawCheckpointScenario(`{"W1":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},`+
		`"W1":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}`, 16),
	"checkpoint-offsets": rawCheckpointScenario(`{"W1":{"dtype":"F32","shape":[2],"data_offsets":[4096,4104]}}`, 8),
	"checkpoint-shape":   rawCheckpointScenario(`{"W1":{"dtype":"F32","shape":[4,3],"data_offsets":[0,32]}}`, 32),
	"checkpoint-overlap": rawCheckpointScenario(`{"W1":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},`+
		`"b1":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12),
	"checkpoint-dtype": rawCheckpointScenario(`{"W1":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, 4),
}

const errorsYAML = `method:
  method: CCL
  architecture: simple_linear
  task: classification
  act_F: elu
  act_B: elu
dataset:
  dataset: FashionMNIST
  batchsize: 256
training:
  epochs: 2
  lr_F: 1
`

// yamlScenario writes cfg.yaml (errorsYAML with old replaced by new),
// loads it, applies the flag override and validates.
func yamlScenario(old, new string, flag []string) func(t *testing.T, dir string) error {
	return func(t *testing.T, dir string) error {
		p := filepath.Join(dir, "cfg.yaml")
		write(t, p, []byte(strings.Replace(errorsYAML, old, new, 1)))
		cfg, err := config.Load(p)
		if err != nil {
			return err
		}
		if flag != nil {
			if err := cfg.Set(flag[0], flag[1]); err != nil {
				return err
			}
		}
		return cfg.Validate()
	}
}

// checkpointScenario writes a valid one-tensor checkpoint, corrupts its
// bytes with f and reads it back.
func checkpointScenario(f func([]byte) []byte) func(t *testing.T, dir string) error {
	return func(t *testing.T, dir string) error {
		p := filepath.Join(dir, "last.safetensors")
		err := checkpoint.Write(p, &checkpoint.File{Tensors: []checkpoint.Tensor{{Name: "enc1.forward_layer.weight", Shape: []int{4, 3}, F32: make([]float32, 12)}}})
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		write(t, p, f(b))
		_, err = checkpoint.Read(p)
		return err
	}
}

// rawCheckpointScenario writes a safetensors file with the given JSON
// header and n zero bytes of data, and reads it.
func rawCheckpointScenario(header string, n int) func(t *testing.T, dir string) error {
	return func(t *testing.T, dir string) error {
		p := filepath.Join(dir, "last.safetensors")
		b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
		write(t, p, append(append(b, header...), make([]byte, n)...))
		_, err := checkpoint.Read(p)
		return err
	}
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeIDX writes name.gz in dir: the IDX header (magic, dims) then body.
func writeIDX(t *testing.T, dir, name string, magic uint32, dims []uint32, body []byte) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name+".gz"))
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	w := bufio.NewWriter(zw)
	binary.Write(w, binary.BigEndian, magic)
	binary.Write(w, binary.BigEndian, dims)
	w.Write(body)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestErrorTable drives every row of docs/errors.md: the scenario named in
// the row's first column must fail with exactly the row's message (DIR
// standing for the scenario's directory), on one line; every scenario must
// have a row. The "archive-" rows need unexported hooks and are driven by
// datasets' TestArchiveErrorTable.
func TestErrorTable(t *testing.T) {
	rows, err := errorsdoc.Rows("../../docs/errors.md", "")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, row := range rows {
		id, want := row.ID, row.Message
		if strings.HasPrefix(id, "archive-") {
			continue // driven by datasets' TestArchiveErrorTable
		}
		seen[id] = true
		run, ok := errorScenarios[id]
		if !ok {
			t.Errorf("docs/errors.md row %q has no scenario in this test", id)
			continue
		}
		dir := t.TempDir()
		err := run(t, dir)
		if err == nil {
			t.Errorf("%s: no error", id)
			continue
		}
		got := strings.ReplaceAll(err.Error(), dir, "DIR")
		if got != want {
			t.Errorf("%s:\n got  %s\n want %s", id, got, want)
		}
		if strings.Contains(got, "\n") {
			t.Errorf("%s: message is not one line", id)
		}
	}
	for id := range errorScenarios {
		if !seen[id] {
			t.Errorf("scenario %q has no row in docs/errors.md", id)
		}
	}
}
