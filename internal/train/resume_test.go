package train

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/counter-current/ccl/internal/checkpoint"
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
	for k, v := range map[string]string{"epochs": "3", "batchsize": "16", "mmt_F": "0.9", "mmt_B": "0.5",
		"wd_F": "1e-4", "wd_B": "1e-4", "GradC": "1", "warmup": "6", "tmax": "4", "filter_target": "0.2",
		"lr_F": "0.05", "lr_B": "0.05"} {
		if err := cfg.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	whole := t.TempDir()
	want, err := Run(cfg, Options{RunDir: whole, Load: load})
	if err != nil {
		t.Fatal(err)
	}
	wantCkpt, err := os.ReadFile(filepath.Join(whole, "last.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	// 63 training samples, batches of 16: 4 steps per epoch.
	for _, stopAfter := range []int{6, 4} {
		run := t.TempDir()
		steps := 0
		_, err := Run(cfg, Options{RunDir: run, Load: load, Stop: func() bool { steps++; return steps == stopAfter }})
		if !errors.Is(err, ErrStopped) {
			t.Fatalf("stop after %d steps: err = %v, want ErrStopped", stopAfter, err)
		}
		got, err := Run(cfg, Options{RunDir: run, Load: load, Resume: true})
		if err != nil {
			t.Fatalf("resume after %d steps: %v", stopAfter, err)
		}
		gotCkpt, err := os.ReadFile(filepath.Join(run, "last.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(gotCkpt, wantCkpt) {
			t.Errorf("stopped after %d steps and resumed: final checkpoint differs from the uninterrupted run's", stopAfter)
		}
		if got.TestLoss != want.TestLoss || got.TestAcc != want.TestAcc || got.BestEpoch != want.BestEpoch {
			t.Errorf("stopped after %d steps: test %v/%v (best epoch %d), uninterrupted %v/%v (best epoch %d)",
				stopAfter, got.TestLoss, got.TestAcc, got.BestEpoch, want.TestLoss, want.TestAcc, want.BestEpoch)
		}
		if len(got.History) != 3 {
			t.Errorf("history has %d epochs, want 3", len(got.History))
		}
		for i := range got.History {
			g, w := got.History[i], want.History[i]
			if g.TrainLoss != w.TrainLoss || g.ValLoss != w.ValLoss || g.ValAcc != w.ValAcc {
				t.Errorf("stopped after %d steps: epoch %d figures %+v, uninterrupted %+v", stopAfter, i+1, g, w)
			}
		}
	}
}

// A run whose loss becomes NaN or infinite stops at that step with a message
// naming the step and the quantity, and leaves its checkpoints loadable.
func TestDivergenceStops(t *testing.T) {
	load := smallCIFAR(t, 40, 8, 31)
	cfg := repoConfig(t, "mlp/cifar10_bp.yaml")
	for k, v := range map[string]string{"epochs": "2", "batchsize": "8", "lr_F": "1e30", "grad_clip_F": "0"} {
		if err := cfg.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
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
