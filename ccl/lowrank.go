package ccl

import (
	"math"

	"github.com/counter-current/ccl/blas"
	"github.com/counter-current/ccl/net"
)

// lowRank is the feedback set's fused update. The classifier's feedback
// network runs on the K×K identity, so every gradient of the feedback set
// is a product of two K-row factors,
//
//	dV_{l+1} = dzᵀ·c      dz: K × d_l (pair l's dB through g')   c: K × d_{l+1} (the unit's input)
//
// of rank at most K (10 for CIFAR-10), while V_{l+1} holds d_l·d_{l+1}
// values (3 M for CIFAR-10's first layer). Forming dV, reading it back for
// the clipping norm and again for the SGD step costs three passes over
// memory per weight; Step instead keeps the factors and
//
//	‖dV‖²_F = Σ_ij (dz·dzᵀ)_ij · (c·cᵀ)_ij        two K×K Gram matrices per layer
//	norm    = sqrt(Σ_layers ‖dV‖²_F)             the total norm clipping uses
//	coef    = net.ClipCoef(norm, clip)
//	V       = (1 − lr·wd)·V − lr·coef·dzᵀ·c     one product per layer (net.LinearUpdateWeight)
//
// which is SGD without momentum on the clipped gradient (spec §6), rounded
// once per weight instead of once per stage: the weights agree with the
// staged update to float32 rounding, not bit for bit. The Gram matrices
// are float32 products summed in float64, so NormB agrees with the direct
// sum of squares to about float32 precision.
//
// It applies when every feedback unit is net.Unit.PlainLinear (the MLPs;
// not the CNNs) and the feedback optimiser has no momentum and no
// centralization. Gradients alone, and a Step whose norm is not finite,
// form the gradients as usual (FbSet.Grad; the divergence report reads
// them); otherwise Step leaves FbSet.Grad unwritten.
type lowRank struct {
	on     bool        // the current Gradients call is a fused Step's
	dz, x  [][]float32 // per pair l: the factors of dV_{l+1}
	g1, g2 []float32   // K × K Gram scratch
}

// lowRankOK reports whether Step may use the fused feedback update.
func (m *Network) lowRankOK() bool {
	o := &m.OptB
	if o.Momentum != 0 || o.Centralize {
		return false
	}
	for j := 1; j <= m.B.Layers(); j++ {
		if !m.B.Unit(j).PlainLinear() {
			return false
		}
	}
	return true
}

// startFused prepares a fused Step: the factor and Gram buffers, allocated
// by the first one.
func (m *Network) startFused() {
	m.fused.on = true
	if m.fused.dz != nil {
		return
	}
	L, K := m.Layers(), m.K
	m.fused.dz = make([][]float32, L)
	m.fused.x = make([][]float32, L)
	for l := range L {
		m.fused.dz[l] = make([]float32, K*m.width(l))
	}
	m.fused.g1 = make([]float32, K*K)
	m.fused.g2 = make([]float32, K*K)
}

// keepFeedbackFactors is pair l's feedback gradient in a fused Step: dB
// (K × d_l, the loss's gradient of c_l, in m.fused.dz[l]) goes through g' in
// place, and the factors are kept for updateFeedback.
func (m *Network) keepFeedbackFactors(l int, dB []float32) {
	m.fused.dz[l], m.fused.x[l] = m.B.Unit(m.Layers()-l).Delta(dB, m.K)
}

// updateFeedback is the feedback set's optimiser step in a fused Step
// (see lowRank).
func (m *Network) updateFeedback() {
	L, K := m.Layers(), m.K
	o := &m.OptB
	var sq float64
	for l := range L {
		dz, x := m.fused.dz[l], m.fused.x[l]
		dout, din := len(dz)/K, len(x)/K
		blas.Sgemm(blas.NoTrans, blas.Trans, K, K, dout, 1, dz, dout, dz, dout, 0, m.fused.g1, K)
		blas.Sgemm(blas.NoTrans, blas.Trans, K, K, din, 1, x, din, x, din, 0, m.fused.g2, K)
		for i, v := range m.fused.g1 {
			sq += float64(v) * float64(m.fused.g2[i])
		}
	}
	norm := math.Sqrt(max(sq, 0)) // rounding can leave a tiny negative sum for a zero gradient
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		// Form the gradients so that the usual step, and the divergence
		// report after it, see them.
		for l := range L {
			u := m.B.Unit(L - l)
			dz, x := m.fused.dz[l], m.fused.x[l]
			net.LinearBackwardWeight(u.W.Grad, dz, x, K, len(x)/K, len(dz)/K, 0)
		}
		o.Step(&m.FbSet)
		return
	}
	o.LastNorm = norm
	alpha := -o.LR * net.ClipCoef(norm, o.ClipNorm)
	beta := 1 - o.LR*o.WeightDecay
	for l := range L {
		u := m.B.Unit(L - l)
		dz, x := m.fused.dz[l], m.fused.x[l]
		net.LinearUpdateWeight(u.W.Data, dz, x, K, len(x)/K, len(dz)/K, alpha, beta)
	}
}
