package train

import (
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/counter-current/ccl/datasets"
)

// writeCIFAR10 writes n records in the CIFAR-10 binary layout (label byte,
// then 3×32×32 channel-major pixels) with random pixels and labels.
func writeCIFAR10(t *testing.T, path string, n int, rng *rand.Rand) {
	t.Helper()
	b := make([]byte, n*3073)
	for i := 0; i < n; i++ {
		b[i*3073] = byte(rng.IntN(10))
		for j := 1; j < 3073; j++ {
			b[i*3073+j] = byte(rng.IntN(256))
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// smallCIFAR writes nTrain and nTest random records in the CIFAR-10 binary
// layout and returns an Options.Load that reads them.
func smallCIFAR(t *testing.T, nTrain, nTest int, seed uint64) func(datasets.Recipe) (*datasets.Dataset, *datasets.Dataset, error) {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(seed, seed+1))
	trainPath, testPath := filepath.Join(dir, "data_batch_1.bin"), filepath.Join(dir, "test_batch.bin")
	writeCIFAR10(t, trainPath, nTrain, rng)
	writeCIFAR10(t, testPath, nTest, rng)
	return func(r datasets.Recipe) (*datasets.Dataset, *datasets.Dataset, error) {
		if r.Files != "CIFAR10" {
			t.Fatalf("recipe files %s, want CIFAR10", r.Files)
		}
		tr, err := datasets.ReadCIFAR([]string{trainPath}, 10)
		if err != nil {
			return nil, nil, err
		}
		te, err := datasets.ReadCIFAR([]string{testPath}, 10)
		return tr, te, err
	}
}

// TestCIFARCNNPoolShortEpoch trains the reference's CIFAR-10 cnn_pool
// configuration (CCL with the filter, momentum, GradC, clipping, warm-up,
// cosine schedule; and the BP one) for one short epoch on small generated
// CIFAR-format files, through the CIFAR recipe (ImageNet normalisation,
// flips and edge-padded crops on the prefetcher's goroutine), and checks
// that it runs, stays finite and writes its files.
func TestCIFARCNNPoolShortEpoch(t *testing.T) {
	load := smallCIFAR(t, 72, 20, 11)
	for _, file := range []string{"cnn/cifar10_ccl.yaml", "cnn/cifar10_bp_pool.yaml"} {
		t.Run(file, func(t *testing.T) {
			cfg := repoConfig(t, file)
			setKeys(t, cfg, map[string]string{"epochs": "1", "batchsize": "16"})
			run := t.TempDir()
			res, err := Run(cfg, Options{RunDir: run, Load: load})
			if err != nil {
				t.Fatal(err)
			}
			m := res.History[0]
			t.Logf("%s: train loss %.4f, val loss %.4f, test loss %.4f, %.1f samples/s", file, m.TrainLoss, m.ValLoss, res.TestLoss, m.SamplesPerSec)
			for _, v := range append([]float64{m.TrainLoss, m.ValLoss, res.TestLoss}, m.PairLosses...) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("non-finite figure in %+v", m)
				}
			}
			if cfg.Method.Name == "CCL" && len(m.PairLosses) != 6 {
				t.Errorf("%d pair losses, want 6 (input + 5 conv pairs)", len(m.PairLosses))
			}
			for _, f := range []string{"config.yaml", "metrics.jsonl", "result.json"} {
				if _, err := os.Stat(filepath.Join(run, f)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestAutoencoderShortEpoch trains the reference's autoencoder
// configurations (CCL and BP legacy files, switched to CIFAR-10 at 32×32)
// for one short epoch on small generated CIFAR-format files and checks the
// figures and files of an autoencoder run, PNG grid included.
//
// With -short (the race-detector pass in CI) the channels are cut to
// 4, 8, 8, 8: the full widths spend most of a minute building orthogonal
// weights, and ten times that under the race detector.
func TestAutoencoderShortEpoch(t *testing.T) {
	if testing.Short() {
		smallAE(t)
	}
	load := smallCIFAR(t, 40, 8, 13)
	for _, file := range []string{"cnn_ae/stl10_ccl_legacy.yaml", "cnn_ae/stl10_bp_legacy.yaml"} {
		t.Run(file, func(t *testing.T) {
			cfg := repoConfig(t, file)
			for _, kv := range [][2]string{{"dataset", "CIFAR10"}, {"epochs", "1"}, {"batchsize", "4"}} {
				if err := cfg.Set(kv[0], kv[1]); err != nil {
					t.Fatal(err)
				}
			}
			run := t.TempDir()
			res, err := Run(cfg, Options{RunDir: run, Load: load})
			if err != nil {
				t.Fatal(err)
			}
			m := res.History[0]
			t.Logf("%s: train loss %.5f, val MSE %.5f, test MSE %.5f, baseline %.5f", file, m.TrainLoss, m.ValMSE, res.TestMSE, res.BaselineMSE)
			for _, v := range []float64{m.TrainLoss, m.ValMSE, m.TestMSE, res.TestMSE, res.BaselineMSE} {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					t.Fatalf("bad figure in %+v / %+v", m, res)
				}
			}
			if cfg.Method.Name == "CCL" && len(m.PairLosses) != 9 {
				t.Errorf("%d pair losses, want 9 ([x, a1…a4, b4…b1] against the feedback list)", len(m.PairLosses))
			}
			// Uniform random pixels: the mean image predicts with MSE ≈ 1/12 of a uniform variable.
			if res.BaselineMSE < 0.06 || res.BaselineMSE > 0.11 {
				t.Errorf("baseline MSE %.4f, want ≈ 0.083 for uniform random pixels", res.BaselineMSE)
			}
			f, err := os.Open(filepath.Join(run, "recon-001.png"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != 4*(32+2)+2 || b.Dy() != 2*(32+2)+2 {
				t.Errorf("grid is %v, want 4 pairs of 32×32 images with 2-pixel borders", b)
			}
		})
	}
}

// Every CNN configuration of the reference builds its model (architecture,
// batch-norm placements, bias init, filter, optimiser options) and trains a
// step on a random batch of its input shape.
func TestEveryCNNConfigSteps(t *testing.T) {
	files, err := filepath.Glob("../../configs/cnn/*.yaml")
	if err != nil || len(files) != 11 {
		t.Fatalf("configs/cnn: %d files, %v", len(files), err)
	}
	for _, f := range files {
		rel, _ := filepath.Rel("../../configs", f)
		cfg := repoConfig(t, rel)
		if err := cfg.Set("batchsize", "4"); err != nil {
			t.Fatal(err)
		}
		r, err := datasets.RecipeFor(cfg.Dataset.Name, cfg.Method.Architecture)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		m, err := NewModel(cfg, r.Dim())
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		rng := rand.New(rand.NewPCG(5, 6))
		x := make([]float32, 4*r.Dim())
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		y := []int32{0, 1, 2, int32(cfg.Dataset.NumClasses - 1)}
		st := m.Step(x, y, 4, 0.5)
		if what := st.nonFinite(); what != "" {
			t.Errorf("%s: %s", rel, what)
		}
	}
}
