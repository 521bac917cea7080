package config

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// configsDir is the repository's configs/ folder, relative to this package.
const configsDir = "../../configs"

// configFiles returns every YAML file under configs/, sorted.
func configFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(configsDir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

func TestShippedConfigsLoadAndValidate(t *testing.T) {
	files := configFiles(t)
	count := map[string]int{}
	for _, f := range files {
		count[filepath.Base(filepath.Dir(f))]++
		cfg, err := Load(f)
		if err != nil {
			t.Errorf("Load(%s): %v", f, err)
			continue
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: Validate: %v", f, err)
		}
	}
	want := map[string]int{"mlp": 8, "cnn": 11, "cnn_ae": 2}
	if diff := cmp.Diff(want, count); diff != "" {
		t.Errorf("config files per folder (-want +got):\n%s", diff)
	}
}

func TestShippedConfigsRoundTrip(t *testing.T) {
	for _, f := range configFiles(t) {
		cfg, err := Load(f)
		if err != nil {
			t.Fatalf("Load(%s): %v", f, err)
		}
		out := cfg.YAML()
		back, err := Parse(out, f+" (YAML())")
		if err != nil {
			t.Errorf("%s: Parse(YAML()): %v\n%s", f, err, out)
			continue
		}
		if diff := cmp.Diff(cfg, back); diff != "" {
			t.Errorf("%s: Parse(YAML()) differs (-orig +back):\n%s", f, diff)
		}
		if again := back.YAML(); string(again) != string(out) {
			t.Errorf("%s: YAML() is not stable:\n%s\nvs\n%s", f, out, again)
		}
	}
}

func TestRoundTripUnusualValues(t *testing.T) {
	cfg := mustParse(t, minimal)
	cfg.Training.LrF = 0.1 + 0.2 // not exactly representable in short decimal
	cfg.Training.WdF = 1e-300
	cfg.Training.LrB = 1e20
	cfg.Training.FilterTarget = -0.25
	cfg.Training.Mode = "true" // a string that reads as a bool when unquoted
	cfg.Method.TaskTransform = "1"
	cfg.Training.Seed = -7
	back, err := Parse(cfg.YAML(), "roundtrip")
	if err != nil {
		t.Fatalf("Parse(YAML()): %v\n%s", err, cfg.YAML())
	}
	if diff := cmp.Diff(cfg, back); diff != "" {
		t.Errorf("Parse(YAML()) differs (-orig +back):\n%s", diff)
	}
}

// mustLoad loads a shipped config by its path under configs/.
func mustLoad(t *testing.T, rel string) *Config {
	t.Helper()
	cfg, err := Load(filepath.Join(configsDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestSpecTable checks the loaded files against the rows of spec §8's table
// (plus seed 2023, eta_min 0.001, and the defaults the files leave out).
func TestSpecTable(t *testing.T) {
	mlpCCL := func(ds string, chn, classes int) *Config {
		return &Config{
			Method:  Method{Name: "CCL", Architecture: "simple_linear", Task: "classification", TaskTransform: "none", ActF: "elu", ActB: "elu", BiasInit: "zero", BNAffine: 1},
			Dataset: Dataset{Name: ds, BatchSize: 256, NumChannels: chn, NumClasses: classes},
			Training: Training{Mode: "train", Epochs: 100, LrF: 1, LrB: 1, EtaMin: 0.001, Optimizer: "SGD",
				LossScaleC: 0.5, LossScaleD: 1, LossScaleSSL: 0.5, GradClipF: 1, GradClipB: 1, Seed: 2023},
		}
	}
	mlpBP := func(ds string, chn, classes int) *Config {
		c := mlpCCL(ds, chn, classes)
		c.Method.Name = "BP"
		return c
	}
	cnnCCL := func(ds, arch string, chn, batch int, mmt, wd float64, warmup, tmax, gradC int, sC, clip, filter float64) *Config {
		return &Config{
			Method:  Method{Name: "CCL", Architecture: arch, Task: "classification", TaskTransform: "none", ActF: "elu", ActB: "elu", BiasInit: "zero", BNAffine: 1},
			Dataset: Dataset{Name: ds, BatchSize: batch, NumChannels: chn, NumClasses: DatasetClasses(ds)},
			Training: Training{Mode: "train", Epochs: 100, LrF: 1, LrB: 1, MmtF: mmt, MmtB: mmt, WdF: wd, WdB: wd,
				Warmup: warmup, TMax: tmax, EtaMin: 0.001, Optimizer: "SGD", GradC: gradC,
				LossScaleC: sC, LossScaleD: 1, LossScaleSSL: 0.5, GradClipF: clip, GradClipB: clip, FilterTarget: filter, Seed: 2023},
		}
	}
	cnnBP := func(ds, arch string) *Config {
		return &Config{
			Method:  Method{Name: "BP", Architecture: arch, Task: "classification", TaskTransform: "none", ActF: "elu", ActB: "elu", FwBN: 1, BwBN: 0, BiasInit: "zero", BNAffine: 0},
			Dataset: Dataset{Name: ds, BatchSize: 256, NumChannels: 3, NumClasses: DatasetClasses(ds)},
			Training: Training{Mode: "train", Epochs: 100, LrF: 0.03, LrB: 0, MmtF: 0.5, MmtB: 0, WdF: 1e-5, WdB: 0,
				Warmup: 200, TMax: 100, EtaMin: 0.001, Optimizer: "SGD", GradC: 1,
				LossScaleC: 0.5, LossScaleD: 1, LossScaleSSL: 0.5, Seed: 2023},
		}
	}
	smallBP := func(ds string) *Config {
		c := cnnCCL(ds, "cnn", 1, 256, 0, 0, 0, 0, 0, 0.5, 0, 0)
		c.Method.Name = "BP"
		c.Method.FwBN, c.Method.BwBN = 2, 2
		c.Method.BiasInit = "none"
		c.Training.LrF, c.Training.LrB = 0.1, 0.1
		return c
	}
	ae := func(method, arch string, lrF, lrB, mmtF, mmtB, wdF, wdB float64, warmup int) *Config {
		return &Config{
			Method:  Method{Name: method, Architecture: arch, Task: "autoencoder", TaskTransform: "same", ActF: "relu", ActB: "relu", FwBN: 2, BwBN: 2, BiasInit: "zero", BNAffine: 1},
			Dataset: Dataset{Name: "STL10", BatchSize: 32, NumChannels: 3, NumClasses: 10},
			Training: Training{Mode: "train", Epochs: 50, LrF: lrF, LrB: lrB, MmtF: mmtF, MmtB: mmtB, WdF: wdF, WdB: wdB,
				Warmup: warmup, TMax: 50, EtaMin: 0.001, Optimizer: "SGD", GradC: 1,
				LossScaleC: 1, LossScaleD: 1, LossScaleSSL: 0.5, GradClipF: 0.2, GradClipB: 0.2, Seed: 2023},
		}
	}

	tests := map[string]*Config{
		// mlp/{mnist,fmnist,cifar10,cifar100}_ccl and mlp/*_bp
		"mlp/mnist_ccl.yaml":    mlpCCL("MNIST", 1, 10),
		"mlp/fmnist_ccl.yaml":   mlpCCL("FashionMNIST", 1, 10),
		"mlp/cifar10_ccl.yaml":  mlpCCL("CIFAR10", 3, 10),
		"mlp/cifar100_ccl.yaml": mlpCCL("CIFAR100", 3, 100),
		"mlp/mnist_bp.yaml":     mlpBP("MNIST", 1, 10),
		"mlp/fmnist_bp.yaml":    mlpBP("FashionMNIST", 1, 10),
		"mlp/cifar10_bp.yaml":   mlpBP("CIFAR10", 3, 10),
		"mlp/cifar100_bp.yaml":  mlpBP("CIFAR100", 3, 100),
		// cnn/cifar10_ccl: mmt 0.8, wd 1e-6, warmup 100, tmax 100, GradC 1, s_C 1, clip 0.3, filter on
		"cnn/cifar10_ccl.yaml": cnnCCL("CIFAR10", "cnn_pool", 3, 128, 0.8, 1e-6, 100, 100, 1, 1, 0.3, 0.2),
		// cnn/cifar100_ccl, stl10_ccl: mmt 0.5, clip 0, filter 0
		"cnn/cifar100_ccl.yaml": cnnCCL("CIFAR100", "cnn_pool", 3, 128, 0.5, 1e-6, 100, 100, 1, 1, 0, 0),
		"cnn/stl10_ccl.yaml":    cnnCCL("STL10_cls", "cnn_pool", 3, 128, 0.5, 1e-6, 100, 100, 1, 1, 0, 0),
		// cnn/{cifar10,cifar100,stl10}_bp (+ the pool variant of cifar10)
		"cnn/cifar10_bp.yaml":      cnnBP("CIFAR10", "cnn"),
		"cnn/cifar10_bp_pool.yaml": cnnBP("CIFAR10", "cnn_pool"),
		"cnn/cifar100_bp.yaml":     cnnBP("CIFAR100", "cnn_pool"),
		"cnn/stl10_bp.yaml":        cnnBP("STL10_cls", "cnn_pool"),
		// cnn/{mnist,fmnist}_ccl: lr 1, warmup 100, tmax 0, GradC 0, s_C 0.5, clip 1
		"cnn/mnist_ccl.yaml":  cnnCCL("MNIST_CNN", "cnn", 1, 256, 0, 0, 100, 0, 0, 0.5, 1, 0),
		"cnn/fmnist_ccl.yaml": cnnCCL("FashionMNIST_CNN", "cnn", 1, 256, 0, 0, 100, 0, 0, 0.5, 1, 0),
		// cnn/{mnist,fmnist}_bp: lr 0.1, bn 2/2, bias_init none
		"cnn/mnist_bp.yaml":  smallBP("MNIST_CNN"),
		"cnn/fmnist_bp.yaml": smallBP("FashionMNIST_CNN"),
		// cnn_ae
		"cnn_ae/stl10_ccl_legacy.yaml": ae("CCL", "cnn_stride_autoencoder", 0.01, 0.01, 0.9, 0.9, 1e-4, 1e-4, 100),
		"cnn_ae/stl10_bp_legacy.yaml":  ae("BP", "cnn_pool_autoencoder", 0.03, 0, 0.5, 0, 1e-5, 0, 200),
	}
	if len(tests) != len(configFiles(t)) {
		t.Errorf("table has %d rows, configs/ has %d files", len(tests), len(configFiles(t)))
	}
	for rel, want := range tests {
		got := mustLoad(t, rel)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-spec +loaded):\n%s", rel, diff)
		}
	}
}

// TestFmnistCNNMatchesMnist checks that cnn/fmnist_ccl.yaml carries the
// mnist_ccl values with only the data set changed.
func TestFmnistCNNMatchesMnist(t *testing.T) {
	m := mustLoad(t, "cnn/mnist_ccl.yaml")
	f := mustLoad(t, "cnn/fmnist_ccl.yaml")
	if f.Dataset.Name != "FashionMNIST_CNN" {
		t.Errorf("fmnist_ccl dataset = %q, want FashionMNIST_CNN", f.Dataset.Name)
	}
	f.Dataset.Name = m.Dataset.Name
	if diff := cmp.Diff(m, f); diff != "" {
		t.Errorf("cnn/fmnist_ccl.yaml differs from cnn/mnist_ccl.yaml beyond the data set (-mnist +fmnist):\n%s", diff)
	}
}

// minimal is a complete, valid configuration used by the tests below. Line
// numbers matter: "training:" is line 11, lr_F line 14.
const minimal = `method:
  method: CCL
  architecture: simple_linear
  act_F: elu
  act_B: elu

dataset:
  dataset: MNIST
  batchsize: 256

training:
  mode: "train"
  epochs: 100
  lr_F: 1
  lr_B: 0.
  mmt_F: 0.
  wd_F: 0.00001
  seed: 2023`

func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	cfg, err := Parse([]byte(src), "min.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return cfg
}

func TestDefaults(t *testing.T) {
	got := mustParse(t, minimal)
	want := Default()
	want.Dataset.Name = "MNIST"
	want.Training.LrB = 0
	want.Training.WdF = 1e-5
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if got.Training.LossScaleSSL != 0.5 || got.Training.LossScaleD != 1 || got.Training.EtaMin != 0 {
		t.Errorf("loss_scale_ssl, loss_scale_D, eta_min = %v, %v, %v; want 0.5, 1, 0",
			got.Training.LossScaleSSL, got.Training.LossScaleD, got.Training.EtaMin)
	}

	// num_classes and num_chn follow the data set when missing.
	for ds, want := range map[string][2]int{
		"MNIST": {1, 10}, "FashionMNIST": {1, 10}, "CIFAR10": {3, 10}, "CIFAR100": {3, 100},
		"MNIST_CNN": {1, 10}, "FashionMNIST_CNN": {1, 10}, "STL10": {3, 10}, "STL10_cls": {3, 10},
	} {
		cfg, err := Parse([]byte("dataset:\n  dataset: "+ds), "ds.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if got := [2]int{cfg.Dataset.NumChannels, cfg.Dataset.NumClasses}; got != want {
			t.Errorf("%s: num_chn, num_classes = %v, want %v", ds, got, want)
		}
	}
}

func TestNumberLiterals(t *testing.T) {
	for src, want := range map[string]float64{
		"1": 1, "0.": 0, "0.5": 0.5, "1e-6": 1e-6, "1.0e-06": 1e-6, "0.00001": 1e-5, "-2": -2, ".25": 0.25, "+3": 3,
	} {
		cfg, err := Parse([]byte("dataset:\n  dataset: MNIST\ntraining:\n  lr_F: "+src), "n.yaml")
		if err != nil {
			t.Errorf("lr_F: %s: %v", src, err)
			continue
		}
		if cfg.Training.LrF != want {
			t.Errorf("lr_F: %s = %v, want %v", src, cfg.Training.LrF, want)
		}
	}
}

func TestSetAndKeys(t *testing.T) {
	keys := Keys()
	// One key per struct field, all distinct, all described, all settable.
	nFields := 0
	for _, v := range []any{Method{}, Dataset{}, Training{}} {
		nFields += reflect.TypeOf(v).NumField()
	}
	if len(keys) != nFields {
		t.Errorf("Keys() has %d keys, Config has %d fields", len(keys), nFields)
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Errorf("key %q listed twice", k)
		}
		seen[k] = true
		if d := Describe(k); d == "" || !(strings.Contains(d, "default") || strings.Contains(d, "required")) {
			t.Errorf("Describe(%q) = %q", k, d)
		}
	}
	for _, k := range []string{"lr_F", "lr_B", "mmt_F", "mmt_B", "grad_clip_F", "grad_clip_B", "batchsize", "epochs", "warmup", "loss_scale_C", "seed"} {
		if !seen[k] {
			t.Errorf("flag key %q missing from Keys()", k)
		}
	}
	if Describe("nope") != "" {
		t.Errorf("Describe(unknown) should be empty")
	}

	// Setting every key to a distinct value changes the field it names, and
	// only that field.
	for _, k := range keys {
		cfg := Default()
		before := *cfg
		fl, _ := lookupKey(k)
		val := "v" + k
		switch fl.kind {
		case kindInt:
			val = "7"
		case kindFloat:
			val = "0.25"
		}
		if err := cfg.Set(k, val); err != nil {
			t.Errorf("Set(%q, %q): %v", k, val, err)
			continue
		}
		diff := cmp.Diff(before, *cfg)
		if diff == "" {
			t.Errorf("Set(%q) changed nothing", k)
		}
		if got := fl.format(cfg); got != val && !(fl.kind == kindFloat && got == "0.25") {
			t.Errorf("after Set(%q, %q) the key reads %q", k, val, got)
		}
	}

	cfg := mustLoad(t, "mlp/mnist_ccl.yaml")
	for _, kv := range [][2]string{{"lr_F", "0.5"}, {"training.lr_B", "2"}, {"batchsize", "64"}, {"epochs", "3"}, {"act_F", "relu"}, {"seed", "1"}} {
		if err := cfg.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%q, %q): %v", kv[0], kv[1], err)
		}
	}
	if cfg.Training.LrF != 0.5 || cfg.Training.LrB != 2 || cfg.Dataset.BatchSize != 64 || cfg.Training.Epochs != 3 || cfg.Method.ActF != "relu" || cfg.Training.Seed != 1 {
		t.Errorf("overrides not applied: %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate after overrides: %v", err)
	}

	// Changing the data set moves defaulted num_classes/num_chn along.
	if err := cfg.Set("dataset", "CIFAR100"); err != nil {
		t.Fatal(err)
	}
	if cfg.Dataset.NumClasses != 100 || cfg.Dataset.NumChannels != 3 {
		t.Errorf("after --dataset CIFAR100: num_classes %d, num_chn %d; want 100, 3", cfg.Dataset.NumClasses, cfg.Dataset.NumChannels)
	}
}

func TestSetErrors(t *testing.T) {
	cases := []struct{ key, value, want string }{
		{"lr_F", "x", `config: --lr_F: expected a number, got "x"`},
		{"epochs", "1.5", `config: --epochs: expected an integer, got "1.5"`},
		{"batchsize", "", `config: --batchsize: expected an integer, got ""`},
		{"grad_clip_F", "NaN", `config: --grad_clip_F: expected a finite number, got "NaN"`},
		{"lr\nF", "1", `config: --"lr\nF": unknown key (known: method,`},            // found by FuzzParse: the message split
		{"act_F", "\xffelu", `config: --act_F: expected UTF-8 text, got "\xffelu"`}, // found by FuzzParse: YAML() panicked
		{"lr_f", "1", `config: --lr_f: unknown key (did you mean "lr_F"? known: method, architecture,`},
	}
	for _, c := range cases {
		err := Default().Set(c.key, c.value)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Set(%q, %q) = %v, want %s", c.key, c.value, err, c.want)
		}
	}
}
