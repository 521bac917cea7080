package train

import (
	"bufio"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/counter-current/ccl/conv"
	"github.com/counter-current/ccl/internal/heapcount"
	"github.com/counter-current/ccl/net"
)

// transpose returns the adjoint-shaped copy of a (out, in[, k, k]) weight:
// (in, out[, k, k]) with V[i,o,a,b] = W[o,i,k−1−a,k−1−b].
func transpose(w *net.Tensor, name string) *net.Tensor {
	out, in := w.Shape[0], w.Shape[1]
	k := w.Len() / (out * in)
	shape := slices.Clone(w.Shape)
	shape[0], shape[1] = in, out
	v := &net.Tensor{Name: name, Shape: shape, Data: make([]float32, w.Len())}
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			for s := 0; s < k; s++ {
				v.Data[(i*out+o)*k+k-1-s] = w.Data[(o*in+i)*k+s]
			}
		}
	}
	return v
}

func randTensor(rng *rand.Rand, name string, shape ...int) *net.Tensor {
	t := &net.Tensor{Name: name, Shape: shape}
	t.Data = make([]float32, t.Len())
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

// The angle between a forward weight and its feedback weight is 0° for the
// adjoint (transpose; for convolutions also flipped in space), 180° for its
// negation, 90° for an orthogonal one and for a zero weight, for linear
// and conv weights alike; a feedback weight not shaped as an adjoint is an
// error.
func TestAngleHandMade(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-9 }
	for _, W := range []*net.Tensor{randTensor(rng, "W", 3, 5), randTensor(rng, "W", 4, 2, 3, 3)} {
		V := transpose(W, "V")
		if a, err := angle(W, V); err != nil || !near(a, 0) {
			t.Errorf("%v: adjoint: %v°, %v; want 0°", W.Shape, a, err)
		}
		neg := transpose(W, "V")
		for i := range neg.Data {
			neg.Data[i] = -neg.Data[i]
		}
		if a, err := angle(W, neg); err != nil || !near(a, 180) {
			t.Errorf("%v: negated adjoint: %v°, %v; want 180°", W.Shape, a, err)
		}
		// Orthogonal: a random U minus its projection on W (Gram–Schmidt;
		// float32 storage leaves a cosine of order 1e-8).
		U := randTensor(rng, "U", W.Shape...)
		var uw, ww float64
		for i := range W.Data {
			uw += float64(U.Data[i]) * float64(W.Data[i])
			ww += float64(W.Data[i]) * float64(W.Data[i])
		}
		for i := range U.Data {
			U.Data[i] = float32(float64(U.Data[i]) - uw/ww*float64(W.Data[i]))
		}
		if a, err := angle(W, transpose(U, "V")); err != nil || math.Abs(a-90) > 1e-4 {
			t.Errorf("%v: orthogonal: %v°, %v; want 90°", W.Shape, a, err)
		}
		zero := transpose(W, "V")
		clear(zero.Data)
		if a, err := angle(W, zero); err != nil || a != 90 {
			t.Errorf("%v: zero feedback: %v°, %v; want 90° by convention", W.Shape, a, err)
		}
		if _, err := angle(W, W); err == nil && W.Shape[0] != W.Shape[1] {
			t.Errorf("%v: a feedback weight shaped as the forward one gave no error", W.Shape)
		}
	}
}

// The conv correspondence of alignAngles is the adjoint: with V the
// channel-transposed, spatially flipped W, the stride-1, padding-1 conv of
// V satisfies ⟨conv_W(x), y⟩ = ⟨x, conv_V(y)⟩ (checked with package conv),
// and angle(W, V) = 0°.
func TestAngleConvAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, h, w, cin, cout = 2, 5, 4, 3, 4
	W := randTensor(rng, "W1", cout, cin, 3, 3)
	V := transpose(W, "V1")
	x := randTensor(rng, "x", n*h*w*cin).Data
	y := randTensor(rng, "y", n*h*w*cout).Data
	gf := conv.Geometry{N: n, H: h, W: w, Cin: cin, Cout: cout, K: 3, Stride: 1, Pad: 1}
	gb := conv.Geometry{N: n, H: h, W: w, Cin: cout, Cout: cin, K: 3, Stride: 1, Pad: 1}
	fx := make([]float32, gf.OutLen())
	conv.Forward(fx, make([]float32, gf.ScratchLen()), x, W.Data, nil, gf)
	by := make([]float32, gb.OutLen())
	conv.Forward(by, make([]float32, gb.ScratchLen()), y, V.Data, nil, gb)
	var lhs, rhs float64
	for i := range fx {
		lhs += float64(fx[i]) * float64(y[i])
	}
	for i := range by {
		rhs += float64(x[i]) * float64(by[i])
	}
	if math.Abs(lhs-rhs) > 1e-4*math.Abs(lhs) {
		t.Errorf("<conv_W x, y> = %v, <x, conv_V y> = %v: V is not W's adjoint", lhs, rhs)
	}
	if a, err := angle(W, V); err != nil || a > 1e-6 {
		t.Errorf("angle(W, adjoint) = %v°, %v; want 0°", a, err)
	}
}

// alignAngles pairs forward unit l with feedback unit L − l + 1 on a real
// CCL MLP: after replacing every V_l by W_lᵀ, every angle is 0°; metrics.csv
// then has its angle_deg_i columns.
func TestAlignAnglesMLP(t *testing.T) {
	cfg := repoConfig(t, "mlp/fmnist_ccl.yaml")
	m, err := NewModel(cfg, 784)
	if err != nil {
		t.Fatal(err)
	}
	F, B := m.(dual).stacks()
	before, err := alignAngles(F, B)
	if err != nil || len(before) != 6 {
		t.Fatalf("angles %v, %v; want 6", before, err)
	}
	for _, a := range before {
		if a < 80 || a > 100 {
			t.Errorf("independent random initialisations at %v°, expected ≈ 90°", a)
		}
	}
	L := F.Layers()
	for l := 1; l <= L; l++ {
		copy(B.Unit(L-l+1).W.Data, transpose(F.Unit(l).W, "").Data)
	}
	after, err := alignAngles(F, B)
	if err != nil {
		t.Fatal(err)
	}
	for l, a := range after {
		if a > 1e-4 {
			t.Errorf("layer %d: %v° after V = Wᵀ, want 0°", l+1, a)
		}
	}
	dir := t.TempDir()
	if err := writeMetrics(dir, []EpochMetrics{{Epoch: 1, Angles: after}, {Epoch: 2}}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(bufio.NewReader(f)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	if got := head[len(head)-6:]; got[0] != "angle_deg_0" || got[5] != "angle_deg_5" {
		t.Errorf("last columns %v, want angle_deg_0 … angle_deg_5", got)
	}
	if rows[2][len(head)-1] != "" {
		t.Errorf("epoch without angles has %q in angle_deg_5", rows[2][len(head)-1])
	}
}

// The loop's per-step work beyond the network's own step (the wrappers'
// StepStats, the divergence check) allocates nothing, for the CCL and BP
// classifiers and autoencoders.
func TestLoopStepDoesNotAllocate(t *testing.T) {
	smallAE(t)
	rng := rand.New(rand.NewPCG(7, 8))
	type tc struct {
		name string
		m    learner
		dim  int
	}
	var cases []tc
	for _, file := range []string{"mlp/cifar10_ccl.yaml", "mlp/cifar10_bp.yaml", "cnn_ae/stl10_ccl_legacy.yaml", "cnn_ae/stl10_bp_legacy.yaml"} {
		cfg := repoConfig(t, file)
		if err := cfg.Set("batchsize", "4"); err != nil {
			t.Fatal(err)
		}
		var m learner
		var err error
		dim := 3 * 32 * 32
		if cfg.Method.Task == "autoencoder" {
			m, err = NewAEModel(cfg, 3, 32, 32)
		} else {
			m, err = NewModel(cfg, dim)
		}
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, tc{file, m, dim})
	}
	for _, c := range cases {
		x := randTensor(rng, "x", 4*c.dim).Data
		y := []int32{0, 1, 2, 3}
		ck := c.m.Checkpoint()
		step := func() {
			if what := c.m.Step(x, y, 4, 0.5).divergence(ck); what != "" {
				t.Fatalf("%s: %s", c.name, what)
			}
		}
		for range 10 { // past the first use of every free-list job value
			step()
		}
		if a, sites := heapcount.Runs(3, step); a != 0 {
			t.Errorf("%s: %d allocations in 3 steps: %v", c.name, a, sites)
		}
	}
}
