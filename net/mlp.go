package net

import "fmt"

// MLP is a stack of L bias-free linear layers, d_0 → d_1 → … → d_L, with
// activation f and optional 1-d batch norm on every layer but the last.
// The last layer has neither activation nor batch norm (spec §2: "layers
// called without activation skip BN too").
//
// Both of CCL's networks are MLPs of this kind: the forward network over
// d_0 … d_L (its last layer gives the logits), and the feedback network over
// the reversed widths d_L … d_0, fed the K×K identity (its last layer gives
// c_0, compared with the input). Back-propagation uses the forward one too.
//
// Layer l (1 ≤ l ≤ L), with a_0 the input:
//
//	in_l = a_{l-1}                  BN = 0 or 2, or l = L
//	in_l = BN(a_{l-1})              BN = 1 (normalise the input, over d_{l-1})
//	h_l  = in_l · W_lᵀ              W_l: d_l × d_{l-1}
//	z_l  = BN(h_l) if BN = 2, else h_l      (over d_l)
//	a_l  = f(z_l) for l < L;  a_L = h_L
//
// Every buffer is allocated once for at most MaxRows rows; Forward and
// Backward allocate nothing.
type MLP struct {
	Sizes   []int        // d_0 … d_L
	Act     Activation   // f
	BN      int          // 0 none, 1 before the matmul, 2 after it
	W       []*Tensor    // W[l] for l = 1…L (W[0] is nil), d_l × d_{l-1}
	Norm    []*BatchNorm // Norm[l] for l = 1…L-1 when BN ≠ 0, else nil
	MaxRows int

	In [][]float32 // In[l]: in_l, n × d_{l-1} (aliases A[l-1] unless BN = 1)
	H  [][]float32 // H[l]: h_l, n × d_l
	Z  [][]float32 // Z[l]: z_l, n × d_l (aliases H[l] unless BN = 2)
	A  [][]float32 // A[l]: a_l, n × d_l (A[0] is the caller's input, A[L] aliases H[L])
}

// NewMLP registers the weights W_1 … W_L in p under name(l) and allocates
// the activations for maxRows rows. Call p.Alloc before using the MLP.
func NewMLP(p *Params, name func(l int) string, sizes []int, act Activation, bn, maxRows int) *MLP {
	if len(sizes) < 2 {
		panic("net: an MLP needs at least two widths")
	}
	if bn < 0 || bn > 2 {
		panic(fmt.Sprintf("net: bad batch-norm placement %d", bn))
	}
	L := len(sizes) - 1
	m := &MLP{
		Sizes: append([]int(nil), sizes...), Act: act, BN: bn, MaxRows: maxRows,
		W: make([]*Tensor, L+1), Norm: make([]*BatchNorm, L+1),
		In: make([][]float32, L+1), H: make([][]float32, L+1),
		Z: make([][]float32, L+1), A: make([][]float32, L+1),
	}
	for l := 1; l <= L; l++ {
		m.W[l] = p.Add(name(l), sizes[l], sizes[l-1])
		m.H[l] = make([]float32, maxRows*sizes[l])
		m.Z[l], m.A[l] = m.H[l], m.H[l]
		if l == L {
			continue
		}
		switch bn {
		case 1:
			m.Norm[l] = NewBatchNorm(sizes[l-1])
			m.In[l] = make([]float32, maxRows*sizes[l-1])
		case 2:
			m.Norm[l] = NewBatchNorm(sizes[l])
			m.Z[l] = make([]float32, maxRows*sizes[l])
		}
		m.A[l] = make([]float32, maxRows*sizes[l])
	}
	return m
}

// Layers returns L, the number of linear layers.
func (m *MLP) Layers() int { return len(m.Sizes) - 1 }

// Forward runs the stack on x (n × d_0, n ≤ MaxRows) in training mode
// (batch statistics, running statistics updated) or eval mode (running
// statistics), saving every intermediate for Backward, and returns the
// output a_L (n × d_L, a view of an internal buffer).
func (m *MLP) Forward(x []float32, n int, train bool) []float32 {
	if n > m.MaxRows {
		panic(fmt.Sprintf("net: batch of %d rows exceeds MaxRows %d", n, m.MaxRows))
	}
	L := m.Layers()
	m.A[0] = x[:n*m.Sizes[0]]
	for l := 1; l <= L; l++ {
		din, dout := m.Sizes[l-1], m.Sizes[l]
		in := m.A[l-1][:n*din]
		if m.BN == 1 && l < L {
			m.normalize(l, m.In[l][:n*din], in, n, train)
			in = m.In[l][:n*din]
		} else {
			m.In[l] = m.A[l-1]
		}
		h := m.H[l][:n*dout]
		LinearForward(h, in, m.W[l].Data, n, din, dout)
		if l == L {
			break
		}
		z := h
		if m.BN == 2 {
			z = m.Z[l][:n*dout]
			m.normalize(l, z, h, n, train)
		}
		m.Act.Forward(m.A[l][:n*dout], z)
	}
	return m.A[L][:n*m.Sizes[L]]
}

func (m *MLP) normalize(l int, y, x []float32, n int, train bool) {
	if train {
		m.Norm[l].ForwardTrain(y, x, n)
	} else {
		m.Norm[l].ForwardEval(y, x, n)
	}
}

// Backward takes dA = ∂loss/∂a_l (n × d_l) for layer l of the last
// training-mode Forward and
//
//	dz_l = dA ⊙ f'(z_l)                       (l < L; dA itself for l = L)
//	dh_l = BNᵀ(dz_l) if BN = 2, else dz_l     (through the batch statistics)
//	dW_l += dh_lᵀ · in_l                      (d_l × d_{l-1})
//	dIn  = dh_l · W_l, then through BN if BN = 1     (n × d_{l-1}, only if dIn ≠ nil)
//
// dA is overwritten (used as scratch for dz_l and dh_l). dIn == nil stops the
// gradient at the layer's input: CCL's detachment.
func (m *MLP) Backward(l int, dA, dIn []float32, n int) {
	L := m.Layers()
	din, dout := m.Sizes[l-1], m.Sizes[l]
	dh := dA[:n*dout]
	if l < L {
		m.Act.Backward(dh, dh, m.Z[l][:n*dout], m.A[l][:n*dout])
		if m.BN == 2 {
			m.Norm[l].Backward(dh, dh, m.Z[l][:n*dout], n)
		}
	}
	LinearBackwardWeight(m.W[l].Grad, dh, m.In[l][:n*din], n, din, dout)
	if dIn == nil {
		return
	}
	dIn = dIn[:n*din]
	LinearBackwardInput(dIn, dh, m.W[l].Data, n, din, dout)
	if m.BN == 1 && l < L {
		m.Norm[l].Backward(dIn, dIn, m.In[l][:n*din], n)
	}
}

// Evaluate runs the stack in eval mode on x (n × d_0) with integer labels y
// and returns the mean cross-entropy of the logits and the number of correct
// arg-max predictions. prob (n × d_L) receives the softmax.
func (m *MLP) Evaluate(prob, x []float32, y []int32, n int) (loss float64, correct int) {
	z := m.Forward(x, n, false)
	return SoftmaxCrossEntropy(nil, prob, z, y, n, m.Sizes[len(m.Sizes)-1], 0)
}

// State returns the slices that, with the weights, define the stack's
// behaviour in eval mode: the batch norms' running statistics.
func (m *MLP) State() [][]float32 {
	var s [][]float32
	for _, bn := range m.Norm {
		if bn != nil {
			s = append(s, bn.RunningMean, bn.RunningVar)
		}
	}
	return s
}
