package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptAndResume runs 'ccl train' on Debian's Fashion-MNIST, sends
// the process SIGINT once the first epoch is written, and expects the run
// to stop after the current step with status 130 and a checkpoint; 'ccl
// resume' then completes it.
func TestInterruptAndResume(t *testing.T) {
	runDir := filepath.Join(t.TempDir(), "run")
	done := make(chan struct{})
	go func() {
		// Interrupt as soon as the first epoch is written, however long
		// that takes (the race detector slows training down a lot).
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if _, err := os.Stat(filepath.Join(runDir, "metrics.jsonl")); err == nil {
				syscall.Kill(os.Getpid(), syscall.SIGINT)
				return
			}
		}
	}()
	var out, errb bytes.Buffer
	code := run([]string{"train", "--yaml", "../../configs/mlp/fmnist_bp.yaml", "--epochs", "3",
		"--data", t.TempDir(), "--out", runDir}, &out, &errb)
	close(done)
	if code != 130 {
		t.Fatalf("train: exit %d, want 130 (stopped by SIGINT); stderr %q", code, errb.String())
	}
	if !strings.Contains(errb.String(), "ccl resume "+runDir) {
		t.Errorf("stderr %q does not say how to resume", errb.String())
	}
	for _, f := range []string{"last.safetensors", "best.safetensors", "config.yaml"} {
		if _, err := os.Stat(filepath.Join(runDir, f)); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"resume", "--data", t.TempDir(), runDir}, &out, &errb); code != 0 {
		t.Fatalf("resume: exit %d; stderr %q", code, errb.String())
	}
	if !strings.Contains(out.String(), "resuming at epoch") || !strings.Contains(out.String(), "epoch 3/3") {
		t.Errorf("resume output lacks the resumed epochs:\n%s", out.String())
	}
	b, err := os.ReadFile(filepath.Join(runDir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte("\n")); n != 3 {
		t.Errorf("metrics.jsonl has %d lines after resuming, want 3", n)
	}
	if _, err := os.Stat(filepath.Join(runDir, "result.json")); err != nil {
		t.Error(err)
	}
	// Resume usage errors.
	if code := run([]string{"resume"}, &out, &errb); code != 2 {
		t.Errorf("resume without a directory: exit %d, want 2", code)
	}
	errb.Reset()
	if code := run([]string{"resume", filepath.Join(t.TempDir(), "nothing")}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "config.yaml") {
		t.Errorf("resume of a missing run: exit %d, stderr %q", code, errb.String())
	}
}
