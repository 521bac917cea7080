package train

import (
	"fmt"
	"math"
	"strings"

	"github.com/counter-current/ccl/internal/checkpoint"
	"github.com/counter-current/ccl/net"
)

// nonFinite describes the first NaN or infinite figure of a step (a pair's
// loss, the cross-entropy, the reconstruction MSE, a gradient norm, the
// total loss), or "".
func (s StepStats) nonFinite() string { return s.divergence(nil) }

// divergence is nonFinite, and when the figure is a gradient norm and ck is
// not nil, it also names the first non-finite value of that weight set, by
// checkpoint key and our tensor name, as the update left it (see
// firstNonFinite): e.g.
//
//	the forward weights' gradient norm = NaN; first non-finite value: the
//	gradient of enc2.forward_layer.weight (W2) at [3 17] = NaN
//
// It only reads the step's figures unless one is bad (no allocation).
func (s StepStats) divergence(ck *checkpoint.State) string {
	for i, p := range s.Pairs {
		if bad(p) {
			return fmt.Sprintf("the local loss of pair %d (layer %d's forward output against the feedback signal) = %v", i, i, p)
		}
	}
	switch {
	case bad(s.CE):
		return fmt.Sprintf("the cross-entropy of the logits = %v", s.CE)
	case bad(s.MSE):
		return fmt.Sprintf("the reconstruction MSE = %v", s.MSE)
	case bad(s.NormF):
		what := fmt.Sprintf("the forward weights' gradient norm = %v", s.NormF)
		if ck != nil {
			what += firstNonFinite(ck.Forward, ck.Layout, "; first non-finite value: ")
		}
		return what
	case bad(s.NormB):
		what := fmt.Sprintf("the feedback weights' gradient norm = %v", s.NormB)
		if ck != nil {
			what += firstNonFinite(ck.Feedback, ck.Layout, "; first non-finite value: ")
		}
		return what
	case bad(s.Total):
		return fmt.Sprintf("the total loss = %v", s.Total)
	}
	return ""
}

// firstNonFiniteOf is firstNonFinite over the forward, then the feedback
// set of ck.
func firstNonFiniteOf(ck *checkpoint.State, prefix string) string {
	if w := firstNonFinite(ck.Forward, ck.Layout, prefix); w != "" {
		return w
	}
	return firstNonFinite(ck.Feedback, ck.Layout, prefix)
}

// firstNonFinite returns prefix followed by where the first NaN or infinite
// value of p lies, tensor by tensor in registration order, the gradient of
// a tensor before its values: "the gradient of KEY (NAME) at [i j …] = v"
// or "the value of …", KEY being the tensor's key in lay (the reference's
// state_dict key where the layout has one). It returns "" when every value
// is finite or p is nil.
//
// The gradients are those the optimiser left: after centralization,
// clipping (an infinite norm scales every gradient by 0, turning an
// infinite one into NaN) and the weight-decay term of the SGD step.
func firstNonFinite(p *net.Params, lay *checkpoint.Layout, prefix string) string {
	if p == nil {
		return ""
	}
	for _, t := range p.Tensors {
		for _, c := range []struct {
			what string
			v    []float32
		}{{"gradient", t.Grad}, {"value", t.Data}} {
			for i, v := range c.v {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					name := t.Name
					if lay != nil && lay.Keys[t.Name] != "" && lay.Keys[t.Name] != t.Name {
						name = lay.Keys[t.Name] + " (" + t.Name + ")"
					}
					return fmt.Sprintf("%sthe %s of %s at %s = %v", prefix, c.what, name, index(t.Shape, i), v)
				}
			}
		}
	}
	return ""
}

// index formats the row-major flat index i of a tensor of the given shape
// as its coordinates, e.g. [3 0 1 2].
func index(shape []int, i int) string {
	c := make([]string, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		c[k] = fmt.Sprint(i % shape[k])
		i /= shape[k]
	}
	return "[" + strings.Join(c, " ") + "]"
}
