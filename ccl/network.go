package ccl

import (
	"fmt"

	"github.com/counter-current/ccl/internal/hugepage"
	"github.com/counter-current/ccl/internal/parallel"
	"github.com/counter-current/ccl/net"
)

// OptimConfig is one parameter set's optimiser settings (spec §6).
type OptimConfig struct {
	LR, Momentum, WeightDecay float32
	Centralize                bool    // GradC
	Clip                      float64 // clip by total norm; 0 = off
}

// Optimizer builds the net.Optimizer these settings describe.
func (c OptimConfig) Optimizer() net.Optimizer {
	return net.Optimizer{
		SGD:        net.SGD{LR: c.LR, Momentum: c.Momentum, WeightDecay: c.WeightDecay},
		Centralize: c.Centralize,
		ClipNorm:   c.Clip,
	}
}

// filterThreshold is the fixed true-class probability above which the
// filter zeroes a row (spec §4: threshold 0.1 on 1 − p).
const filterThreshold = 0.9

// pairLoss is the local loss of one layer pair: the MLP loss or the CNN
// loss. It writes dA (n × d) and dB (k × d) and returns the loss without
// the warm-up scale.
type pairLoss interface {
	Pair(dA, dB, A, B []float32, y []int32, filtered []bool, n, k, d int, scale float32) float64
}

// Network is a CCL dual network: the forward stack F (input → logits) and
// the feedback stack B (K×K identity → input shape), with one optimiser for
// each. Unit j of B holds V_{L−j+1}, and B's output after unit j is c_{L−j}.
type Network struct {
	FwdSet   net.Params // W_l (and conv biases)
	FbSet    net.Params // V_l (and conv biases)
	F, B     *net.Stack
	OptF     net.Optimizer
	OptB     net.Optimizer
	Filter   bool
	Filtered []bool // rows the filter zeroed in the last step (nil when the filter is off)

	K     int
	eye   []float32 // K × K identity: the feedback network's input
	prob  []float32 // N × K softmax of the logits
	dz    []float32 // N × K gradient of the logits
	pairs []float64 // per-pair losses of the last step

	// One loss and one pair of gradient buffers per stream (see step).
	loss [2]pairLoss
	dS   [2][]float32 // (K + N) × max d scratch: a pair's dB (K × d), then its dA (N × d)

	streams streams
	cur     classStep
	opt     optimizers
	fused   lowRank // the feedback set's fused update (see lowRank)

	lean     bool        // see EnableLean
	leanSnap [][]float32 // copies of F's running statistics (lean mode with the filter)
}

// EnableLean switches the network to its memory-lean mode for good: the
// forward stack keeps the activations of two layers instead of all of them
// (net.Stack.ShareBuffers), and each step runs pair l right after forward
// layer l, which CCL's detachment allows: pair l needs a_l and c_l only,
// and unit l's gradient needs only its own caches. Steps give the same
// weights, bit for bit, as the default mode (tested); they run on one
// stream (each product still uses every thread). With the filter on, the
// pairs need the final probabilities first: each step then runs the
// forward network twice, once to get them (running statistics restored
// afterwards, so nothing changes but the time: about one more forward
// pass), then layer by layer with the pairs. Gradient clipping by total
// norm is unaffected: it still sees every gradient before any update.
func (m *Network) EnableLean() {
	if m.lean {
		return
	}
	m.lean = true
	m.F.ShareBuffers()
	// One stream: the second stream's loss scratch and gradient buffers go.
	m.loss[1], m.dS[1] = nil, nil
	if m.Filter {
		for _, s := range m.F.State() {
			m.leanSnap = append(m.leanSnap, hugepage.Floats(len(s)))
		}
	}
}

// Lean reports whether EnableLean was called.
func (m *Network) Lean() bool { return m.lean }

// finish allocates the parameters and buffers once F and B are built and
// initialises the weights as PyTorch does by default (forward and feedback
// from independent streams of seed); biases are zeroed when zeroBias.
func (m *Network) finish(maxBatch int, seed int64, zeroBias bool) error {
	L := m.F.Layers()
	if m.B.Layers() != L {
		return fmt.Errorf("ccl: forward network has %d layers, feedback %d", L, m.B.Layers())
	}
	m.FwdSet.Alloc()
	m.FbSet.Alloc()
	net.InitDefault(&m.FwdSet, net.NewRand(seed, 1), zeroBias)
	net.InitDefault(&m.FbSet, net.NewRand(seed, 2), zeroBias)
	K := m.K
	m.eye = make([]float32, K*K)
	for i := 0; i < K; i++ {
		m.eye[i*K+i] = 1
	}
	wmax := max(m.F.MaxWidth(), m.F.Unit(1).Cfg.InDim())
	m.prob = make([]float32, maxBatch*K)
	m.dz = make([]float32, maxBatch*K)
	for i := range m.dS {
		m.dS[i] = hugepage.Floats((K + maxBatch) * wmax)
	}
	m.pairs = make([]float64, L)
	if m.Filter {
		m.Filtered = make([]bool, maxBatch)
	}
	return nil
}

// StepLosses reports one training step. Pairs and CE are the losses before
// the warm-up factor; Total = scale·(Σ Pairs + CE) is the loss whose
// gradient was taken. Pairs is reused by the next step.
type StepLosses struct {
	Pairs    []float64
	CE       float64
	Total    float64
	Correct  int // training-mode arg-max hits in the batch
	Filtered int // rows the filter zeroed
	// NormF and NormB are the total gradient norms of the forward and
	// feedback sets (after centralization, before clipping); set by Step.
	NormF, NormB float64
}

// Gradients runs both networks on one batch and accumulates every
// parameter's gradient of scale·(Σ_l L_l + CE) into FwdSet.Grad and
// FbSet.Grad, which it clears first. It does not update the weights.
//
//	x: n × d_0 inputs    y: n labels in [0, K)    n ≤ the batch size
//
// The rules (spec §4–§5; ccl/doc.go lists them):
//
//	z = F(x)                                   forward pass, inputs detached per layer
//	c = B(I_K)                                 feedback pass
//	dz = scale·(softmax(z) − Y)/n              CE, top layer only:  dW_L += dzᵀ·a_{L−1}
//	for pair l = 0 … L−1 (A = a_l, or x for l = 0; Bm = c_l):
//	    dA, dBm = pair loss(A, Bm)             MLP or CNN loss
//	    l ≥ 1:  dW_l     += (dA through f', BN, pool)ᵀ · in_l       (Unit.Backward, dx = nil)
//	            dV_{l+1} += (dBm through g', BN)ᵀ · c_{l+1}          (no g' for l = 0)
//
// Because every layer's input is detached, pair l needs only a_l and c_l:
// it does not wait for the layers above it, and each pair writes the
// gradients of its own two units. Gradients exploits this with two streams
// (see streams): the forward pass, and the feedback pass followed by the
// pairs, each pair starting as soon as its forward layer is done. The
// result does not depend on how the streams are scheduled.
func (m *Network) Gradients(x []float32, y []int32, n int, scale float32) StepLosses {
	m.FwdSet.StartGrad() // each unit's gradient is written once: no clearing pass
	if !m.fused.on {
		m.FbSet.StartGrad()
	}
	c := &m.cur
	c.m, c.x, c.y, c.n, c.scale = m, x, y, n, scale
	if m.lean {
		c.lean()
	} else {
		m.streams.run(c, m.F.Layers())
	}
	c.x, c.y = nil, nil
	m.FwdSet.EndGrad()
	if !m.fused.on {
		m.FbSet.EndGrad()
	}

	total := c.ce
	for _, p := range m.pairs {
		total += p
	}
	return StepLosses{Pairs: m.pairs, CE: c.ce, Total: float64(scale) * total, Correct: c.correct, Filtered: c.nf}
}

// classStep is one Gradients call (the dual interface of streams): stream
// 0 runs F layer 1 … L (fwd = l after layer l), the softmax/CE and the
// filter (fwd = L+1) and dW_L from the CE; pair l waits for fwd ≥ l, or
// L+1 when the filter is on (it needs the probabilities).
type classStep struct {
	m     *Network
	x     []float32
	y     []int32
	n     int
	scale float32

	ce          float64
	correct, nf int
}

func (c *classStep) forward(fwd *parallel.Progress) {
	m, n, K := c.m, c.n, c.m.K
	L := m.F.Layers()
	a := c.x
	for l := 1; l <= L; l++ {
		a = m.F.ForwardLayer(l, a, n, true)
		fwd.Set(int64(l))
	}
	c.output(a)
	fwd.Set(int64(L + 1))
	// The top forward weight learns from the cross-entropy alone.
	m.F.Backward(L, m.dz[:n*K], nil, n)
}

// output computes the cross-entropy of the logits z and its gradient dz,
// the probabilities, and the filter's rows.
func (c *classStep) output(z []float32) {
	m, n, K := c.m, c.n, c.m.K
	c.ce, c.correct = net.SoftmaxCrossEntropy(m.dz[:n*K], m.prob, z, c.y, n, K, c.scale)
	c.nf = 0
	if m.Filter {
		filtered := m.Filtered[:n]
		for i := range filtered {
			filtered[i] = m.prob[i*K+int(c.y[i])] > filterThreshold
			if filtered[i] {
				c.nf++
			}
		}
	}
}

// lean is one step of the memory-lean mode (see EnableLean): B, then
// pair l right after F's layer l; with the filter, a first forward pass
// for the probabilities.
func (c *classStep) lean() {
	m, n, K := c.m, c.n, c.m.K
	L := m.F.Layers()
	c.feedback()
	if m.Filter {
		st := m.F.State()
		for i, s := range st {
			copy(m.leanSnap[i], s)
		}
		c.output(m.F.Forward(c.x, n, true))
		for i, s := range st {
			copy(s, m.leanSnap[i])
		}
	}
	c.pair(0, 0)
	a := c.x
	for l := 1; l <= L; l++ {
		a = m.F.ForwardLayer(l, a, n, true)
		if l < L {
			c.pair(0, l)
		}
	}
	c.output(a)
	m.F.Backward(L, m.dz[:n*K], nil, n)
}

func (c *classStep) feedback() { c.m.B.Forward(c.m.eye, c.m.K, true) }

// feedbackAfter is 1: B runs after F's first layer. B runs on the K class
// vectors, so its products are K rows deep and bound by reading the
// feedback weights; run beside F's first layer, the forward pass's
// largest product in the MLPs (3072 inputs for CIFAR-10), it slowed that
// layer by more than it overlapped: in the CIFAR-10 MLP's step F's first
// layer ended after 6.0 ms instead of 4.1 (2 threads). Old and new builds
// alternated 3 times, 20 steps each: the CIFAR-10 MLP's step 18.2, 17.9,
// 18.3 → 17.3, 17.1, 16.9 ms, the Fashion-MNIST CNN's 127.9, 129.1, 128.1
// → 122.8, 121.7, 122.4, the Fashion-MNIST MLP's 1.90, 1.87, 1.86 → 1.81,
// 1.80, 1.77; cnn_pool's (whose pairs all wait for the whole forward
// pass) level.
func (c *classStep) feedbackAfter() int64 { return 1 }

func (c *classStep) need(l int) int64 {
	if c.m.Filter {
		return int64(c.m.F.Layers() + 1)
	}
	return int64(l)
}

func (c *classStep) pair(s, l int) {
	m, n, K := c.m, c.n, c.m.K
	L := m.F.Layers()
	A := c.x // a_0: the input (stream 0 may not have recorded it yet)
	if l > 0 {
		A = m.F.Output(l)
	}
	A = A[:n*m.width(l)]
	d := len(A) / n
	Bm := m.B.Output(L - l)[:K*d]
	dB, dA := m.dS[s][:K*d], m.dS[s][K*d:(K+n)*d] // contiguous: one product in CNNLoss
	if m.fused.on {
		dB = m.fused.dz[l][:K*d] // kept for the fused feedback update
	}
	if l == 0 {
		dA = nil // A is the input: detached, nothing to train
	}
	var filtered []bool
	if m.Filter {
		filtered = m.Filtered[:n]
	}
	m.pairs[l] = m.loss[s].Pair(dA, dB, A, Bm, c.y, filtered, n, K, d, c.scale)
	if l >= 1 {
		m.F.Backward(l, dA, nil, n) // pair l → W_l only (a_{l−1} is detached)
	}
	if m.fused.on {
		m.keepFeedbackFactors(l, dB) // dV_{l+1} = dzᵀ·c_{l+1}, applied by updateFeedback
	} else {
		m.B.Backward(L-l, dB, nil, K) // pair l → V_{l+1} only (c_{l+1} is detached)
	}
}

// width returns d_l, the per-sample width of a_l.
func (m *Network) width(l int) int {
	if l == 0 {
		return m.F.Unit(1).Cfg.InDim()
	}
	return m.F.Unit(l).Cfg.OutDim()
}

// Step runs Gradients, then updates the forward and the feedback weights,
// each set with its own optimiser (centralization, clipping, SGD). When the
// feedback set allows it (see lowRank: the MLPs, without momentum), its
// update is applied from the gradients' two low-rank factors, without
// forming the gradients.
func (m *Network) Step(x []float32, y []int32, n int, scale float32) StepLosses {
	if m.lowRankOK() {
		m.startFused()
	}
	st := m.Gradients(x, y, n, scale)
	if m.fused.on {
		m.opt.stepFused(&m.OptF, &m.FwdSet, m)
	} else {
		m.opt.step(&m.OptF, &m.FwdSet, &m.OptB, &m.FbSet)
	}
	m.fused.on = false
	st.NormF, st.NormB = m.OptF.LastNorm, m.OptB.LastNorm
	return st
}

// Evaluate runs the forward network in eval mode and returns the mean
// cross-entropy and the number of correct predictions on the batch.
func (m *Network) Evaluate(x []float32, y []int32, n int) (loss float64, correct int) {
	return m.F.Evaluate(m.prob, x, y, n)
}

// State returns every slice that defines the network: both weight sets and
// every running statistic.
func (m *Network) State() [][]float32 {
	s := [][]float32{m.FwdSet.Data, m.FbSet.Data}
	return append(append(s, m.F.State()...), m.B.State()...)
}

// Layers returns L, the number of layer pairs.
func (m *Network) Layers() int { return m.F.Layers() }
