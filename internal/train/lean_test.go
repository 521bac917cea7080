package train

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A run in the memory-lean mode ends with the same checkpoint, byte for
// byte, and the same test figures as the default mode (CCL MLP with the
// filter on, so the lean steps take their probe pass); BP refuses it.
func TestLeanRunIdentical(t *testing.T) {
	load := smallCIFAR(t, 70, 16, 23)
	cfg := repoConfig(t, "mlp/cifar10_ccl.yaml")
	setKeys(t, cfg, map[string]string{"epochs": "2", "batchsize": "16", "mmt_F": "0.9", "wd_F": "1e-4",
		"GradC": "1", "filter_target": "0.2", "lr_F": "0.05", "lr_B": "0.05"})
	var ckpt [2][]byte
	var test [2]float64
	for i, lean := range []bool{false, true} {
		dir := t.TempDir()
		res, err := Run(cfg, Options{Load: load, RunDir: dir, Lean: lean})
		if err != nil {
			t.Fatalf("lean=%v: %v", lean, err)
		}
		if ckpt[i], err = os.ReadFile(filepath.Join(dir, "last.safetensors")); err != nil {
			t.Fatal(err)
		}
		test[i] = res.TestLoss
	}
	if !bytes.Equal(ckpt[0], ckpt[1]) || test[0] != test[1] {
		t.Errorf("lean run differs from the default: checkpoints equal %v, test loss %v vs %v", bytes.Equal(ckpt[0], ckpt[1]), test[1], test[0])
	}

	bp := repoConfig(t, "mlp/cifar10_bp.yaml")
	if err := bp.Set("epochs", "1"); err != nil {
		t.Fatal(err)
	}
	_, err := Run(bp, Options{Load: load, RunDir: t.TempDir(), Lean: true})
	if err == nil || !strings.Contains(err.Error(), "memory-lean mode is for CCL classifiers") {
		t.Errorf("BP with Lean: err = %v", err)
	}
}
