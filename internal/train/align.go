package train

import (
	"fmt"
	"math"

	"github.com/counter-current/ccl/net"
)

// dual is a model with its stacks; B is the feedback network (nil for BP).
// Unit j of B (1-based) is
// the feedback of forward unit F.Layers() − j + 1: V_l of W_l for the MLP
// and the CNN (ccl.Network), EF_l of E_l and DF_l of D_l for the
// autoencoder (ccl.Autoencoder).
type dual interface {
	stacks() (F, B *net.Stack)
}

// alignment returns the model's forward/feedback angles (alignAngles), or
// nil for a model without a feedback network (BP).
func alignment(m learner) ([]float64, error) {
	d, ok := m.(dual)
	if !ok {
		return nil, nil
	}
	F, B := d.stacks()
	if B == nil {
		return nil, nil
	}
	return alignAngles(F, B)
}

// alignAngles returns, for each forward unit l = 1 … L of F (element l−1),
// the angle in degrees between its weight W and the adjoint of its
// feedback unit's weight V (B's unit L − l + 1; see dual), in float64:
//
//	θ_l = arccos(⟨W, Vᵀ⟩ / (‖W‖·‖V‖)) · 180/π
//
// (computed as 2·atan2(‖Ŵ − V̂ᵀ‖, ‖Ŵ + V̂ᵀ‖) of the unit-norm weights, which
// is the same angle, exact at 0° and 180°).
//
// Linear units: W is out × in, V is in × out (it maps out → in), and
// ⟨W, Vᵀ⟩ = Σ_{o,i} W[o,i]·V[i,o].
//
// Conv units store PyTorch's (C_out, C_in, k, k) layout and compute a
// cross-correlation, y[o,p] = Σ_{i,a,b} W[o,i,a,b]·x[i, p+(a,b)−pad]. The
// adjoint of that map (stride 1, padding (k−1)/2) is the convolution with
// the kernel transposed in its channels and flipped in space,
// W*[i,o,a,b] = W[o,i,k−1−a,k−1−b], so
//
//	⟨W, Vᵀ⟩ = Σ_{o,i,a,b} W[o,i,a,b]·V[i,o,k−1−a,k−1−b]
//
// and θ = 0° exactly when the feedback conv is the forward conv's adjoint
// (up to a positive factor). Every feedback conv here runs at stride 1
// after a nearest ×2 upsampling, and every forward one at stride 2 (or
// stride 1 then a 2×2 max-pool): the kernels then correspond the same way,
// and θ = 0° means the feedback is the adjoint of the forward convolution
// core up to the resampling (nearest upsampling instead of the zero
// insertion of a transposed stride-2 conv, or of the pool's routing).
// Biases are not compared. A zero weight makes the cosine 0 (θ = 90°) by
// convention, so that the figure stays a number (the autoencoder starts
// with D1 = EF1 = 0).
func alignAngles(F, B *net.Stack) ([]float64, error) {
	L := F.Layers()
	if B.Layers() != L {
		return nil, fmt.Errorf("alignment: forward network has %d units, feedback %d", L, B.Layers())
	}
	angles := make([]float64, L)
	for l := 1; l <= L; l++ {
		W, V := F.Unit(l).W, B.Unit(L-l+1).W
		a, err := angle(W, V)
		if err != nil {
			return nil, fmt.Errorf("alignment: %w", err)
		}
		angles[l-1] = a
	}
	return angles, nil
}

// angle returns the angle in degrees between W (out, in[, k, k]) and the
// adjoint of V (in, out[, k, k]); see alignAngles.
func angle(W, V *net.Tensor) (float64, error) {
	ws, vs := W.Shape, V.Shape
	ok := len(ws) == len(vs) && len(ws) >= 2 && ws[0] == vs[1] && ws[1] == vs[0]
	for i := 2; ok && i < len(ws); i++ {
		ok = ws[i] == vs[i]
	}
	if !ok {
		return 0, fmt.Errorf("feedback %s %v is not shaped as the adjoint of forward %s %v", V.Name, vs, W.Name, ws)
	}
	out, in := ws[0], ws[1]
	k := W.Len() / (out * in) // spatial size of the kernel (1 for linear)
	// each calls f(w, v) for every value of W and the value of V's adjoint
	// that it meets.
	each := func(f func(w, v float64)) {
		for o := 0; o < out; o++ {
			for i := 0; i < in; i++ {
				w := W.Data[(o*in+i)*k : (o*in+i+1)*k]
				v := V.Data[(i*out+o)*k : (i*out+o+1)*k]
				for s := range w {
					f(float64(w[s]), float64(v[k-1-s]))
				}
			}
		}
	}
	var ww, vv float64
	each(func(w, v float64) { ww, vv = ww+w*w, vv+v*v })
	nw, nv := math.Sqrt(ww), math.Sqrt(vv)
	if nw == 0 || nv == 0 {
		return 90, nil
	}
	if bad(nw) || bad(nv) {
		return 0, fmt.Errorf("forward %s or feedback %s holds a non-finite value", W.Name, V.Name)
	}
	// θ = 2·atan2(‖ŵ − v̂‖, ‖ŵ + v̂‖) for the unit vectors ŵ, v̂: the
	// same angle as arccos(⟨ŵ, v̂⟩), without arccos's loss of precision
	// near 0° and 180°.
	var dm, dp float64
	each(func(w, v float64) {
		a, b := w/nw, v/nv
		dm += (a - b) * (a - b)
		dp += (a + b) * (a + b)
	})
	return 2 * math.Atan2(math.Sqrt(dm), math.Sqrt(dp)) * 180 / math.Pi, nil
}
