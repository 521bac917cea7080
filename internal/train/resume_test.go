package train

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/counter-current/ccl/internal/checkpoint"
	"github.com/counter-current/ccl/internal/config"
)

// TestResumeIsExact stops a run in the middle of an epoch (and another at
// an epoch's end), resumes it, and requires the continued run to end with
// the same checkpoint, byte for byte, and the same test figures as an
// uninterrupted run of the same seed: CCL MLP with momentum, weight decay,
// GradC, clipping, warm-up, cosine schedule and the filter, on small
// generated CIFAR-10 files.
func TestResumeIsExact(t *testing.T) {
	load := smallCIFAR(t, 70, 16, 21)
	cfg := repoConfig(t, "mlp/cifar10_ccl.yaml")
	setKeys(t, cfg, map[string]string{"epochs": "3", "batchsize": "16", "mmt_F": "0.9", "mmt_B": "0.5",
		"wd_F": "1e-4", "wd_B": "1e-4", "GradC": "1", "warmup": "6", "tmax": "4", "filter_target": "0.2",
		"lr_F": "0.05", "lr_B": "0.05"})
	// 63 training samples, batches of 16: 4 steps per epoch.
	want, _ := checkResume(t, cfg, Options{Load: load}, 6, 4)
	if len(want.History) != 3 || len(want.History[0].Angles) != 4 {
		t.Errorf("history %+v: want 3 epochs with 4 angles each", want.History)
	}
}

// checkResume runs cfg with opt in a fresh directory, uninterrupted, then
// once per stopAfter: stopped after that many steps (ErrStopped) and
// resumed. Each continued run must end with the uninterrupted run's
// last.safetensors, byte for byte, and the same results, epoch figures
// included (all but the times). It returns the uninterrupted run's result
// and final checkpoint.
func checkResume(t *testing.T, cfg *config.Config, opt Options, stops ...int) (*Result, []byte) {
	t.Helper()
	opt.RunDir = t.TempDir()
	want, err := Run(cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	wantCkpt, err := os.ReadFile(filepath.Join(opt.RunDir, "last.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	untimed := func(r Result) Result {
		r.TotalSeconds = 0
		r.History = slices.Clone(r.History)
		for i := range r.History {
			r.History[i].Seconds, r.History[i].SamplesPerSec = 0, 0
		}
		return r
	}
	for _, stopAfter := range stops {
		steps := 0
		o := Options{RunDir: t.TempDir(), Load: opt.Load, Stop: func() bool { steps++; return steps == stopAfter }}
		if _, err := Run(cfg, o); !errors.Is(err, ErrStopped) {
			t.Fatalf("stop after %d steps: err = %v, want ErrStopped", stopAfter, err)
		}
		o.Stop, o.Resume = nil, true
		got, err := Run(cfg, o)
		if err != nil {
			t.Fatalf("resume after %d steps: %v", stopAfter, err)
		}
		gotCkpt, err := os.ReadFile(filepath.Join(o.RunDir, "last.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(gotCkpt, wantCkpt) {
			t.Errorf("stopped after %d steps and resumed: final checkpoint differs from the uninterrupted run's", stopAfter)
		}
		if g, w := untimed(*got), untimed(*want); !reflect.DeepEqual(g, w) {
			t.Errorf("stopped after %d steps and resumed: result\n%+v\nuninterrupted\n%+v", stopAfter, g, w)
		}
	}
	return want, wantCkpt
}

// A run whose loss becomes NaN or infinite stops at that step with a message
// naming the step and the quantity, and leaves its checkpoints loadable.
func TestDivergenceStops(t *testing.T) {
	load := smallCIFAR(t, 40, 8, 31)
	cfg := repoConfig(t, "mlp/cifar10_bp.yaml")
	setKeys(t, cfg, map[string]string{"epochs": "2", "batchsize": "8", "lr_F": "1e30", "grad_clip_F": "0"})
	run := t.TempDir()
	_, err := Run(cfg, Options{RunDir: run, Load: load})
	if err == nil {
		t.Fatal("a learning rate of 1e30 trained without diverging")
	}
	msg := err.Error()
	for _, w := range []string{"diverged at epoch 1, batch", "global step", "best.safetensors holds the initial weights"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q lacks %q", msg, w)
		}
	}
	if strings.Count(msg, "\n") != 0 {
		t.Errorf("error is not one line: %q", msg)
	}
	if _, err := checkpoint.Read(filepath.Join(run, "best.safetensors")); err != nil {
		t.Errorf("best.safetensors no longer loads: %v", err)
	}
}

// smallAE shrinks the autoencoder's channels to C→4→8→8→8 for the test's
// duration: the reference's 128…2048 channels would make a test slow.
func smallAE(t *testing.T) {
	saved := aeChannels
	aeChannels = []int{4, 8, 8, 8}
	t.Cleanup(func() { aeChannels = saved })
}

// TestAutoencoderResumeIsExact is TestResumeIsExact for autoencoder runs
// (CCL and BP legacy configurations on 32×32 generated CIFAR-format images,
// momentum, weight decay, GradC, clipping, warm-up, cosine schedule):
// stopped mid-epoch or at an epoch's end and resumed, a run ends with the
// same last.safetensors, byte for byte, the same per-epoch figures and the
// same test MSE as an uninterrupted one. It also checks the alignment
// angles (CCL: one per forward unit, 8; BP: none) and the checkpoints'
// momentum buffers.
func TestAutoencoderResumeIsExact(t *testing.T) {
	smallAE(t)
	load := smallCIFAR(t, 40, 8, 41)
	for _, file := range []string{"cnn_ae/stl10_ccl_legacy.yaml", "cnn_ae/stl10_bp_legacy.yaml"} {
		t.Run(file, func(t *testing.T) {
			cfg := repoConfig(t, file)
			for _, kv := range [][2]string{{"dataset", "CIFAR10"}, {"epochs", "3"}, {"batchsize", "4"},
				{"warmup", "12"}, {"tmax", "4"}} {
				if err := cfg.Set(kv[0], kv[1]); err != nil {
					t.Fatal(err)
				}
			}
			var progress []Progress
			// 36 training images in batches of 4: 9 steps per epoch.
			want, wantCkpt := checkResume(t, cfg, Options{Load: load, Progress: func(p Progress) { progress = append(progress, p) }}, 13, 9)
			if len(progress) != 27 || progress[26].Batch != 9 || progress[26].Batches != 9 || progress[26].Epoch != 3 {
				t.Errorf("progress: %d calls, last %+v; want 27, the last at epoch 3, batch 9 of 9", len(progress), progress[len(progress)-1])
			}
			f, err := checkpoint.Decode(wantCkpt, "last.safetensors")
			if err != nil {
				t.Fatal(err)
			}
			if f.Metadata["ccl.epoch"] != "3" || f.Metadata["ccl.global_step"] != "27" {
				t.Errorf("last.safetensors metadata %v, want epoch 3, global step 27", f.Metadata)
			}
			moms := 0
			for _, tn := range f.Tensors {
				if strings.HasPrefix(tn.Name, "optimizer.") {
					moms++
				}
			}
			if moms == 0 {
				t.Error("last.safetensors holds no momentum buffer")
			}
			for _, m := range want.History {
				wantAngles := 0
				if cfg.Method.Name == "CCL" {
					wantAngles = 8
				}
				if len(m.Angles) != wantAngles {
					t.Errorf("epoch %d: %d angles, want %d", m.Epoch, len(m.Angles), wantAngles)
				}
			}
		})
	}
}

// An autoencoder run whose loss becomes non-finite stops with a message
// naming the epoch, batch, global step and quantity, after an epoch's
// checkpoints were written: last.safetensors still loads and holds that
// epoch's end. (lr_F below eta_min makes the cosine schedule raise the rate:
// 0 in epoch 1, 5e29 in epoch 2.)
func TestAutoencoderDivergenceStops(t *testing.T) {
	smallAE(t)
	load := smallCIFAR(t, 40, 8, 43)
	cfg := repoConfig(t, "cnn_ae/stl10_bp_legacy.yaml")
	for _, kv := range [][2]string{{"dataset", "CIFAR10"}, {"epochs", "3"}, {"batchsize", "4"}, {"warmup", "0"},
		{"lr_F", "0.01"}, {"eta_min", "1e30"}, {"tmax", "2"}, {"grad_clip_F", "0"}} {
		if err := cfg.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	run := t.TempDir()
	_, err := Run(cfg, Options{RunDir: run, Load: load})
	if err == nil {
		t.Fatal("a learning rate of 5e29 trained without diverging")
	}
	msg := err.Error()
	t.Log(msg)
	last := filepath.Join(run, "last.safetensors")
	for _, w := range []string{"diverged at epoch 2, batch", "global step", "the last good checkpoint, " + last + ", is from the end of epoch 1"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q lacks %q", msg, w)
		}
	}
	f, err := checkpoint.Read(last)
	if err != nil {
		t.Fatalf("last.safetensors no longer loads: %v", err)
	}
	if f.Metadata["ccl.epoch"] != "1" {
		t.Errorf("last.safetensors is from epoch %s, want 1", f.Metadata["ccl.epoch"])
	}
}

// A non-finite gradient norm is reported with the first non-finite value
// of its weight set, by reference key and tensor name.
func TestDivergenceNamesTheLayer(t *testing.T) {
	cfg := repoConfig(t, "mlp/fmnist_ccl.yaml")
	m, err := NewModel(cfg, 784)
	if err != nil {
		t.Fatal(err)
	}
	ck := m.Checkpoint()
	ck.Forward.Lookup("W2").Grad[257] = float32(math.Inf(-1)) // row 1, column 1 of the 256×256 W2
	ck.Feedback.Lookup("V3").Data[2] = float32(math.NaN())
	got := StepStats{NormF: math.Inf(1)}.divergence(ck)
	want := "the forward weights' gradient norm = +Inf; first non-finite value: the gradient of enc2.forward_layer.weight (W2) at [1 1] = -Inf"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	got = StepStats{NormB: math.NaN()}.divergence(ck)
	want = "the feedback weights' gradient norm = NaN; first non-finite value: the value of enc3.backward_layer.weight (V3) at [0 2] = NaN"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := (StepStats{NormF: 1, NormB: 2, Pairs: []float64{0, 1}}).divergence(ck); got != "" {
		t.Errorf("finite step described as %q", got)
	}
}
