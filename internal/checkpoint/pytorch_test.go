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

// runPyTorch writes the checkpoint of s and an IO file (the tensors io: the
// input x and the Go outputs; the configuration as JSON metadata), then
// runs testdata/read_safetensors.py, which loads the checkpoint into
// reference-shaped PyTorch modules with strict=True, runs the forward and
// feedback networks in eval mode and compares their outputs with the Go
// ones. wantFail expects the comparison to fail.
func runPyTorch(t *testing.T, s *State, cfg map[string]any, wantFail bool, io ...Tensor) {
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
	ioPath := filepath.Join(dir, "io.safetensors")
	if err := Write(ioPath, &File{Tensors: io, Metadata: map[string]string{"config": string(js)}}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join("testdata", "read_safetensors.py"), ckpt, ioPath)
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

// nchw returns the NHWC batch x (n maps of h×w×c) in NCHW order.
func nchw(x []float32, n, h, w, c int) []float32 {
	out := make([]float32, len(x))
	for i := 0; i < n; i++ {
		for y := 0; y < h; y++ {
			for z := 0; z < w; z++ {
				for ch := 0; ch < c; ch++ {
					out[((i*c+ch)*h+y)*w+z] = x[((i*h+y)*w+z)*c+ch]
				}
			}
		}
	}
	return out
}

// eye returns the k×k identity, the feedback networks' input.
func eye(k int) []float32 {
	e := make([]float32, k*k)
	for i := 0; i < k; i++ {
		e[i*k+i] = 1
	}
	return e
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
	n, K := 7, 5
	x, _ := batch(rng, n, sizes[0], K)
	logits := append([]float32(nil), m.F.Forward(x, n, false)...)
	fb := append([]float32(nil), m.B.Forward(eye(K), K, false)...)
	s := mlpState(t, m, cfg)
	s.BatchesTracked = 4
	pycfg := map[string]any{
		"arch": "mlp", "sizes": sizes, "fw_bn": cfg.FwBN, "bw_bn": cfg.BwBN,
		"act_F": cfg.ActF.String(), "act_B": cfg.ActB.String(),
	}
	io := []Tensor{
		{Name: "x", Shape: []int{n, sizes[0]}, F32: x},
		{Name: "logits", Shape: []int{n, K}, F32: logits},
		{Name: "feedback", Shape: []int{K, sizes[0]}, F32: fb},
	}
	runPyTorch(t, s, pycfg, false, io...)
	// The comparison is sharp: a perturbed logit fails.
	logits[3] *= 1.001
	runPyTorch(t, s, pycfg, true, io...)
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
			K := c.classes
			fb := nchw(m.B.Forward(eye(K), K, false), K, H, H, C)
			lay, err := CNNLayout(c.kind, m.F, m.B, c.fw, c.bw, c.affine)
			if err != nil {
				t.Fatal(err)
			}
			s := &State{Layout: lay, Forward: &m.FwdSet, Feedback: &m.FbSet, OptForward: &m.OptF.SGD, OptFeedback: &m.OptB.SGD, BatchesTracked: 3}
			runPyTorch(t, s, map[string]any{
				"arch": arch, "channels": c.channels, "classes": c.classes, "fw_bn": c.fw, "bw_bn": c.bw,
				"bn_affine": c.affine, "act_F": c.act.String(), "act_B": c.act.String(),
			}, false,
				Tensor{Name: "x", Shape: []int{n, C, H, H}, F32: nchw(x, n, H, H, C)},
				Tensor{Name: "logits", Shape: []int{n, K}, F32: logits},
				Tensor{Name: "feedback", Shape: []int{K, C, H, H}, F32: fb})
		})
	}
}

func TestPyTorchAutoencoder(t *testing.T) {
	ch, H := []int{3, 4, 6}, 8
	cfg := ccl.AEConfig{Spec: net.AESpec{Channels: ch, H: H, W: H}, ActF: net.ReLU, ActB: net.ReLU,
		LossScaleC: 1, LossScaleD: 1, MaxBatch: 4, Seed: 5, PlainInit: true, Forward: optim(), Feedback: optim()}
	m, err := ccl.NewAutoencoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	d := ch[0] * H * H
	for range 3 {
		x, _ := batch(rng, 4, d, 1)
		m.Step(x, 4, 1)
	}
	n := 3
	x, _ := batch(rng, n, d, 1)
	recon := nchw(m.Reconstruct(x, n), n, H, H, ch[0])
	fb := nchw(m.B.Forward(x, n, false), n, H, H, ch[0])
	lay, err := AELayout(m.F, m.B)
	if err != nil {
		t.Fatal(err)
	}
	s := &State{Layout: lay, Forward: &m.FwdSet, Feedback: &m.FbSet, OptForward: &m.OptF.SGD, OptFeedback: &m.OptB.SGD, BatchesTracked: 3}
	runPyTorch(t, s, map[string]any{"arch": "autoencoder", "channels": ch, "act_F": "relu", "act_B": "relu"}, false,
		Tensor{Name: "x", Shape: []int{n, ch[0], H, H}, F32: nchw(x, n, H, H, ch[0])},
		Tensor{Name: "recon", Shape: []int{n, ch[0], H, H}, F32: recon},
		Tensor{Name: "feedback", Shape: []int{n, ch[0], H, H}, F32: fb})
}
