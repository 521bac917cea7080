package checkpoint

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/counter-current/ccl/bp"
	"github.com/counter-current/ccl/ccl"
	"github.com/counter-current/ccl/net"
)

func optim() ccl.OptimConfig {
	return ccl.OptimConfig{LR: 0.05, Momentum: 0.9, WeightDecay: 1e-4, Centralize: true, Clip: 1}
}

func newMLP(t testing.TB, sizes []int, fw, bw int, seed int64) (*ccl.Network, ccl.MLPConfig) {
	t.Helper()
	cfg := ccl.MLPConfig{Sizes: sizes, ActF: net.ELU, ActB: net.Tanh, FwBN: fw, BwBN: bw, LossScaleC: 1,
		MaxBatch: 16, Seed: seed, Forward: optim(), Feedback: optim()}
	m, err := ccl.NewMLP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, cfg
}

// batch returns n random inputs of width d and labels below k.
func batch(rng *rand.Rand, n, d, k int) ([]float32, []int32) {
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	y := make([]int32, n)
	for i := range y {
		y[i] = int32(rng.IntN(k))
	}
	return x, y
}

func mlpState(t testing.TB, m *ccl.Network, cfg ccl.MLPConfig) *State {
	t.Helper()
	lay, err := MLPLayout(m.F, m.B, cfg.FwBN, cfg.BwBN)
	if err != nil {
		t.Fatal(err)
	}
	return &State{Layout: lay, Forward: &m.FwdSet, Feedback: &m.FbSet, OptForward: &m.OptF.SGD, OptFeedback: &m.OptB.SGD}
}

func bitsEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestResumeIsExact trains a CCL MLP, saves it, loads it into a network
// built from another seed, and checks that both then take bit-identical
// steps: weights, running statistics and momentum buffers all round-trip.
func TestResumeIsExact(t *testing.T) {
	sizes := []int{12, 10, 8, 4}
	a, cfg := newMLP(t, sizes, 2, 1, 1)
	rng := rand.New(rand.NewPCG(7, 7))
	for range 3 {
		x, y := batch(rng, 16, 12, 4)
		a.Step(x, y, 16, 1)
	}
	sa := mlpState(t, a, cfg)
	sa.BatchesTracked = 3
	sa.Meta = Meta{Epoch: 1, GlobalStep: 3, Seed: 1, ConfigHash: "abc", Extra: map[string]string{"note": "x"}}
	path := filepath.Join(t.TempDir(), "last.safetensors")
	if err := Save(path, sa); err != nil {
		t.Fatal(err)
	}

	b, _ := newMLP(t, sizes, 2, 1, 99)
	sb := mlpState(t, b, cfg)
	if err := Load(path, sb, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if sb.BatchesTracked != 3 || sb.Meta.Epoch != 1 || sb.Meta.GlobalStep != 3 || sb.Meta.Seed != 1 ||
		sb.Meta.ConfigHash != "abc" || sb.Meta.Arch != "mlp" || sb.Meta.Extra["note"] != "x" || len(sb.Meta.Extra) != 1 {
		t.Errorf("loaded state %d, meta %+v", sb.BatchesTracked, sb.Meta)
	}
	check := func(when string) {
		t.Helper()
		sta, stb := a.State(), b.State()
		for i := range sta {
			if !bitsEqual(sta[i], stb[i]) {
				t.Fatalf("%s: state slice %d differs", when, i)
			}
		}
		if !bitsEqual(a.OptF.MomentumBuffer(), b.OptF.MomentumBuffer()) || !bitsEqual(a.OptB.MomentumBuffer(), b.OptB.MomentumBuffer()) {
			t.Fatalf("%s: momentum buffers differ", when)
		}
	}
	check("after load")
	for range 2 {
		x, y := batch(rng, 16, 12, 4)
		a.Step(x, y, 16, 1)
		b.Step(x, y, 16, 1)
	}
	check("after two more steps")
}

func keysOf(f *File) map[string][]int {
	m := map[string][]int{}
	for _, t := range f.Tensors {
		m[t.Name] = t.Shape
	}
	return m
}

func TestMLPKeys(t *testing.T) {
	m, cfg := newMLP(t, []int{6, 5, 4, 3}, 2, 2, 1)
	s := mlpState(t, m, cfg)
	s.OptForward, s.OptFeedback = nil, nil
	f, err := s.File()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{
		"enc1.forward_layer.weight": {5, 6}, "enc1.backward_layer.weight": {6, 5},
		"enc2.forward_layer.weight": {4, 5}, "enc2.backward_layer.weight": {5, 4},
		"output.forward_layer.weight": {3, 4}, "output.backward_layer.weight": {4, 3},
	}
	for prefix, n := range map[string]int{"enc1.forward_bn": 5, "enc1.backward_bn": 6, "enc2.forward_bn": 4,
		"enc2.backward_bn": 5, "output.forward_bn": 3, "output.backward_bn": 4} {
		for _, s := range []string{".running_mean", ".running_var", ".weight", ".bias"} {
			want[prefix+s] = []int{n}
		}
		want[prefix+".num_batches_tracked"] = []int{}
	}
	got := keysOf(f)
	if len(got) != len(want) {
		t.Errorf("got %d keys, want %d: %v", len(got), len(want), got)
	}
	for k, sh := range want {
		if g, ok := got[k]; !ok || !slices.Equal(g, sh) {
			t.Errorf("key %s: got %v (present %v), want %v", k, g, ok, sh)
		}
	}
	// The unused batch norms are fresh.
	if v := f.Lookup("output.forward_bn.running_var").F32; v[0] != 1 {
		t.Errorf("unused running_var %v", v)
	}
	if v := f.Lookup("enc1.forward_bn.weight").F32; v[0] != 1 || f.Lookup("enc1.forward_bn.bias").F32[0] != 0 {
		t.Error("affine weight/bias not 1/0")
	}
}

func TestCNNKeys(t *testing.T) {
	cfg := ccl.CNNConfig{Spec: net.CNNSpec{Kind: net.StrideConv, Channels: []int{3, 4, 6}, H: 4, W: 4, Classes: 5},
		ActF: net.ELU, ActB: net.ELU, FwBN: 1, BwBN: 2, LossScaleC: 1, LossScaleSSL: 0.5, MaxBatch: 4, Seed: 1,
		Forward: optim(), Feedback: optim()}
	m, err := ccl.NewCNN(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lay, err := CNNLayout(cfg.Spec.Kind, m.F, m.B, cfg.FwBN, cfg.BwBN, false)
	if err != nil {
		t.Fatal(err)
	}
	f, err := (&State{Layout: lay, Forward: &m.FwdSet, Feedback: &m.FbSet}).File()
	if err != nil {
		t.Fatal(err)
	}
	got := keysOf(f)
	for k, sh := range map[string][]int{
		"enc1.forward_layer.weight": {4, 3, 3, 3}, "enc1.forward_layer.bias": {4},
		"enc1.backward_layer.weight": {3, 4, 3, 3}, "enc1.backward_layer.bias": {3},
		"enc2.forward_layer.weight": {6, 4, 3, 3}, "enc2.backward_layer.bias": {4},
		"output.forward_layer.weight": {5, 6}, "output.backward_layer.weight": {6, 5},
		"enc1.forward_bn.running_mean": {3}, "enc2.forward_bn.running_var": {4}, "enc1.backward_bn.running_mean": {3},
		"output.forward_bn.running_mean": {6}, "output.forward_bn.weight": {6}, "output.backward_bn.bias": {6},
		"enc2.backward_bn.num_batches_tracked": {},
	} {
		if g, ok := got[k]; !ok || !slices.Equal(g, sh) {
			t.Errorf("key %s: got %v (present %v), want %v", k, g, ok, sh)
		}
	}
	for _, k := range []string{"enc1.forward_bn.weight", "enc2.backward_bn.bias"} {
		if _, ok := got[k]; ok {
			t.Errorf("bn_affine = 0 but %s is written", k)
		}
	}

	// A last map larger than 1×1 is not the reference's network.
	cfg.Spec.H, cfg.Spec.W = 8, 8
	m, err = ccl.NewCNN(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CNNLayout(cfg.Spec.Kind, m.F, m.B, cfg.FwBN, cfg.BwBN, false); err == nil || !strings.Contains(err.Error(), "2×2") {
		t.Errorf("2×2 last map: %v", err)
	}
	// NativeLayout round-trips it.
	s := &State{Layout: NativeLayout(m.F, m.B), Forward: &m.FwdSet, Feedback: &m.FbSet}
	f, err = s.File()
	if err != nil {
		t.Fatal(err)
	}
	if f.Lookup("W1") == nil || f.Lookup("vb1") == nil || f.Lookup("bn.W1.running_mean") == nil {
		t.Errorf("native keys %v", keysOf(f))
	}
	if err := s.Load(f, LoadOptions{}); err != nil {
		t.Error(err)
	}
}

func TestAEKeys(t *testing.T) {
	cfg := ccl.AEConfig{Spec: net.AESpec{Channels: []int{3, 4, 5}, H: 8, W: 8}, ActF: net.ReLU, ActB: net.ReLU,
		LossScaleC: 1, LossScaleD: 1, MaxBatch: 2, Seed: 1, Forward: optim(), Feedback: optim()}
	m, err := ccl.NewAutoencoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lay, err := AELayout(m.F, m.B)
	if err != nil {
		t.Fatal(err)
	}
	f, err := (&State{Layout: lay, Forward: &m.FwdSet, Feedback: &m.FbSet}).File()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{}
	for l, c := range [][2]int{{3, 4}, {4, 5}} {
		in, out := c[0], c[1]
		e, d := "enc"+string(rune('1'+l)), "dec"+string(rune('1'+l))
		want[e+".forward_layer.weight"] = []int{out, in, 3, 3}
		want[e+".forward_layer.bias"] = []int{out}
		want[e+".backward_layer.weight"] = []int{in, out, 3, 3}
		want[e+".backward_layer.bias"] = []int{in}
		want[d+".forward_layer.weight"] = []int{in, out, 3, 3}
		want[d+".forward_layer.bias"] = []int{in}
		want[d+".backward_layer.weight"] = []int{out, in, 3, 3}
		want[d+".backward_layer.bias"] = []int{out}
		for prefix, n := range map[string]int{e + ".forward_bn": out, e + ".backward_bn": in, d + ".forward_bn": in, d + ".backward_bn1": out} {
			for _, s := range []string{".running_mean", ".running_var", ".weight", ".bias"} {
				want[prefix+s] = []int{n}
			}
			want[prefix+".num_batches_tracked"] = []int{}
		}
	}
	got := keysOf(f)
	if len(got) != len(want) {
		t.Errorf("got %d keys, want %d", len(got), len(want))
	}
	for k, sh := range want {
		if g, ok := got[k]; !ok || !slices.Equal(g, sh) {
			t.Errorf("key %s: got %v (present %v), want %v", k, g, ok, sh)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	a, cfg := newMLP(t, []int{6, 5, 3}, 2, 0, 1)
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := batch(rng, 16, 6, 3)
	a.Step(x, y, 16, 1)
	good, err := mlpState(t, a, cfg).File()
	if err != nil {
		t.Fatal(err)
	}
	edit := func(fn func(f *File)) *File {
		f := &File{Metadata: map[string]string{}}
		for k, v := range good.Metadata {
			f.Metadata[k] = v
		}
		for _, t := range good.Tensors {
			t.F32 = slices.Clone(t.F32)
			f.Tensors = append(f.Tensors, t)
		}
		fn(f)
		return f
	}
	drop := func(name string) func(f *File) {
		return func(f *File) {
			f.Tensors = slices.DeleteFunc(f.Tensors, func(t Tensor) bool { return t.Name == name })
		}
	}
	cases := []struct {
		name string
		f    *File
		opt  LoadOptions
		want string
	}{
		{"missing weight", edit(drop("enc1.forward_layer.weight")), LoadOptions{}, `checkpoint: tensor "enc1.forward_layer.weight" (forward W1) is missing`},
		{"missing bn", edit(drop("output.forward_bn.running_var")), LoadOptions{}, `checkpoint: tensor "output.forward_bn.running_var" (unused batch norm) is missing`},
		{"wrong shape", edit(func(f *File) { f.Lookup("enc1.backward_layer.weight").Shape = []int{5, 6} }), LoadOptions{},
			`checkpoint: tensor "enc1.backward_layer.weight" (feedback V1): F32 [5 6], expected F32 [6 5]`},
		{"wrong dtype", edit(func(f *File) { t := f.Lookup("enc1.forward_bn.num_batches_tracked"); t.I64, t.F32 = nil, []float32{1} }), LoadOptions{},
			`checkpoint: tensor "enc1.forward_bn.num_batches_tracked" (batch norm): F32 [], expected I64 []`},
		{"trained affine", edit(func(f *File) { f.Lookup("enc1.forward_bn.weight").F32[2] = 0.5 }), LoadOptions{},
			`checkpoint: tensor "enc1.forward_bn.weight": value 0.5 at [2], expected 1 (our batch norms have no affine step)`},
		{"extra", edit(func(f *File) {
			f.Tensors = append(f.Tensors, Tensor{Name: "head.weight", Shape: []int{1}, F32: []float32{0}})
		}), LoadOptions{},
			`checkpoint: unexpected tensors "head.weight"`},
		{"partial momentum", edit(drop(OptimizerForward + "output.forward_layer.weight")), LoadOptions{}, `checkpoint: forward momentum buffer covers 1 of 2 tensors`},
		{"arch", edit(func(f *File) { f.Metadata[MetaArch] = "cnn" }), LoadOptions{}, `checkpoint: file holds a cnn network, expected mlp`},
		{"version", edit(func(f *File) { f.Metadata[MetaVersion] = "2" }), LoadOptions{}, `checkpoint: metadata ccl.format_version is "2", this reader knows "1"`},
		{"bad epoch", edit(func(f *File) { f.Metadata[MetaEpoch] = "x" }), LoadOptions{}, `checkpoint: metadata ccl.epoch: expected an integer, got "x"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, _ := newMLP(t, []int{6, 5, 3}, 2, 0, 5)
			before := b.State()
			snap := make([][]float32, len(before))
			for i := range before {
				snap[i] = slices.Clone(before[i])
			}
			err := mlpState(t, b, cfg).Load(c.f, c.opt)
			if err == nil || err.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
			for i, s := range b.State() {
				if !bitsEqual(s, snap[i]) {
					t.Fatalf("failed load modified state slice %d", i)
				}
			}
			if b.OptF.MomentumBuffer() != nil {
				t.Fatal("failed load primed the optimiser")
			}
		})
	}
	// Extra tensors pass with AllowExtra.
	b, _ := newMLP(t, []int{6, 5, 3}, 2, 0, 5)
	f := edit(func(f *File) {
		f.Tensors = append(f.Tensors, Tensor{Name: "head.weight", Shape: []int{1}, F32: []float32{0}})
	})
	if err := mlpState(t, b, cfg).Load(f, LoadOptions{AllowExtra: true}); err != nil {
		t.Error(err)
	}
	// Without optimisers the momentum tensors are ignored, and a file
	// without them loads too.
	s := mlpState(t, b, cfg)
	s.OptForward, s.OptFeedback = nil, nil
	if err := s.Load(good, LoadOptions{}); err != nil {
		t.Error(err)
	}
	noMom, err := s.File()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newMLP(t, []int{6, 5, 3}, 2, 0, 5)
	if err := mlpState(t, c, cfg).Load(noMom, LoadOptions{}); err != nil || c.OptF.MomentumBuffer() != nil {
		t.Errorf("file without momentum: %v", err)
	}
}

// TestBPNetwork checkpoints a back-propagation MLP: forward keys only.
func TestBPNetwork(t *testing.T) {
	mk := func(seed int64) *bp.Network {
		m, err := bp.NewMLP(bp.MLPConfig{Sizes: []int{6, 5, 3}, Act: net.ELU, BN: 1, MaxBatch: 8, Seed: seed,
			Opt: net.Optimizer{SGD: net.SGD{LR: 0.1, Momentum: 0.9}}})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := mk(1), mk(2)
	rng := rand.New(rand.NewPCG(2, 2))
	x, y := batch(rng, 8, 6, 3)
	a.Step(x, y, 8, 1)
	state := func(m *bp.Network) *State {
		lay, err := MLPLayout(m.F, nil, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		return &State{Layout: lay, Forward: &m.FwdSet, OptForward: &m.Opt.SGD}
	}
	path := filepath.Join(t.TempDir(), "bp.safetensors")
	if err := Save(path, state(a)); err != nil {
		t.Fatal(err)
	}
	f, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"enc1.forward_layer.weight", "output.forward_layer.weight", "enc1.forward_bn.running_mean",
		"output.forward_bn.running_var", OptimizerForward + "enc1.forward_layer.weight"} {
		if f.Lookup(k) == nil {
			t.Errorf("missing %s", k)
		}
	}
	for _, tn := range f.Tensors {
		if strings.Contains(tn.Name, "backward") {
			t.Errorf("BP checkpoint holds %s", tn.Name)
		}
	}
	if err := Load(path, state(b), LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	b.Step(x, y, 8, 1)
	a.Step(x, y, 8, 1)
	if !bitsEqual(a.FwdSet.Data, b.FwdSet.Data) {
		t.Error("resumed BP network diverges")
	}
}

func TestLoadNamesFile(t *testing.T) {
	a, cfg := newMLP(t, []int{6, 5, 3}, 0, 0, 1)
	path := filepath.Join(t.TempDir(), "x.safetensors")
	if err := Save(path, mlpState(t, a, cfg)); err != nil {
		t.Fatal(err)
	}
	b, cfg2 := newMLP(t, []int{6, 4, 3}, 0, 0, 1)
	err := Load(path, mlpState(t, b, cfg2), LoadOptions{})
	want := "checkpoint: " + path + `: tensor "enc1.forward_layer.weight" (forward W1): F32 [5 6], expected F32 [4 6]`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

func TestHashConfig(t *testing.T) {
	_, cfg := newMLP(t, []int{6, 5, 3}, 0, 0, 1)
	h1, err := HashConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashConfig(cfg)
	cfg.Seed++
	h3, _ := HashConfig(cfg)
	if h1 != h2 || h1 == h3 || len(h1) != 64 {
		t.Errorf("hashes %s %s %s", h1, h2, h3)
	}
}
