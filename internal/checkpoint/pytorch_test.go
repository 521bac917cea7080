package checkpoint

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/counter-current/ccl/ccl"
	"github.com/counter-current/ccl/net"
)

// python is the interpreter with torch (CI installs Debian's python3-torch).
const python = "/usr/bin/python3"

// runPyTorch writes the checkpoint of s and an IO file (input x, Go
// logits, the configuration as JSON metadata), then runs
// testdata/read_safetensors.py, which loads the checkpoint into
// reference-shaped PyTorch modules with strict=True and compares logits.
func runPyTorch(t *testing.T, s *State, x []float32, xShape []int, logits []float32, n, k int, cfg map[string]any, wantFail bool) {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("%s is required for the PyTorch check (apt-get install python3-torch): %v", python, err)
	}
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "ckpt.safetensors")
	if err := Save(ckpt, s); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	io := filepath.Join(dir, "io.safetensors")
	err = Write(io, &File{
		Tensors: []Tensor{
			{Name: "x", Shape: xShape, F32: x},
			{Name: "logits", Shape: []int{n, k}, F32: logits},
		},
		Metadata: map[string]string{"config": string(js)},
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join("testdata", "read_safetensors.py"), ckpt, io)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if wantFail {
		if err == nil {
			t.Fatal("read_safetensors.py accepted wrong logits")
		}
		return
	}
	if err != nil {
		t.Fatalf("read_safetensors.py: %v", err)
	}
}

// train takes a few CCL steps so that the running statistics and momentum
// buffers are not at their initial values.
func train(m *ccl.Network, rng *rand.Rand, steps, n, d, k int) {
	for range steps {
		x, y := batch(rng, n, d, k)
		m.Step(x, y, n, 1)
	}
}

func TestPyTorchMLP(t *testing.T) {
	sizes := []int{20, 16, 12, 5}
	m, cfg := newMLP(t, sizes, 2, 1, 3)
	rng := rand.New(rand.NewPCG(3, 3))
	train(m, rng, 4, 16, sizes[0], 5)
	n := 7
	x, _ := batch(rng, n, sizes[0], 5)
	logits := append([]float32(nil), m.F.Forward(x, n, false)...)
	s := mlpState(t, m, cfg)
	s.BatchesTracked = 4
	pycfg := map[string]any{
		"arch": "mlp", "sizes": sizes, "fw_bn": cfg.FwBN, "bw_bn": cfg.BwBN,
		"act_F": cfg.ActF.String(), "act_B": cfg.ActB.String(),
	}
	runPyTorch(t, s, x, []int{n, sizes[0]}, logits, n, 5, pycfg, false)
	// The comparison is sharp: the eval forward pass depends on the loaded
	// running statistics, and a perturbed logit fails.
	logits[3] *= 1.001
	runPyTorch(t, s, x, []int{n, sizes[0]}, logits, n, 5, pycfg, true)
}

func TestPyTorchCNN(t *testing.T) {
	for _, c := range []struct {
		kind          net.ConvKind
		fw, bw        int
		affine        bool
		act           net.Activation
		channels      []int
		size, classes int
	}{
		{net.PoolConv, 2, 2, true, net.ELU, []int{3, 4, 6, 8}, 8, 5},
		{net.StrideConv, 1, 1, false, net.ReLU, []int{2, 4, 6}, 4, 3},
	} {
		arch := map[net.ConvKind]string{net.PoolConv: "cnn_pool", net.StrideConv: "cnn"}[c.kind]
		t.Run(arch, func(t *testing.T) {
			cfg := ccl.CNNConfig{Spec: net.CNNSpec{Kind: c.kind, Channels: c.channels, H: c.size, W: c.size, Classes: c.classes},
				ActF: c.act, ActB: c.act, FwBN: c.fw, BwBN: c.bw, LossScaleC: 1, LossScaleSSL: 0.5,
				MaxBatch: 8, Seed: 4, Forward: optim(), Feedback: optim()}
			m, err := ccl.NewCNN(cfg)
			if err != nil {
				t.Fatal(err)
			}
			C, H := c.channels[0], c.size
			d := C * H * H
			rng := rand.New(rand.NewPCG(4, 4))
			train(m, rng, 3, 8, d, c.classes)
			n := 5
			x, _ := batch(rng, n, d, c.classes) // NHWC
			logits := append([]float32(nil), m.F.Forward(x, n, false)...)
			nchw := make([]float32, len(x))
			for i := 0; i < n; i++ {
				for h := 0; h < H; h++ {
					for w := 0; w < H; w++ {
						for ch := 0; ch < C; ch++ {
							nchw[((i*C+ch)*H+h)*H+w] = x[((i*H+h)*H+w)*C+ch]
						}
					}
				}
			}
			lay, err := CNNLayout(c.kind, m.F, m.B, c.fw, c.bw, c.affine)
			if err != nil {
				t.Fatal(err)
			}
			s := &State{Layout: lay, Forward: &m.FwdSet, Feedback: &m.FbSet, OptForward: &m.OptF.SGD, OptFeedback: &m.OptB.SGD, BatchesTracked: 3}
			runPyTorch(t, s, nchw, []int{n, C, H, H}, logits, n, c.classes, map[string]any{
				"arch": arch, "channels": c.channels, "classes": c.classes, "fw_bn": c.fw, "bw_bn": c.bw,
				"bn_affine": c.affine, "act_F": c.act.String(), "act_B": c.act.String(),
			}, false)
		})
	}
}
