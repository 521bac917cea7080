package net

// Stack is a chain of units, unit l (1-based) mapping the output of unit
// l−1 (the input, for l = 1) to its own. Both of CCL's networks are stacks:
// the forward network from the input to the logits, and the feedback
// network from the K×K class identity back to the input's shape.
type Stack struct {
	Units []*Unit
	in    []float32 // the input of the last Forward
}

// Layers returns the number of units, L.
func (s *Stack) Layers() int { return len(s.Units) }

// Unit returns unit l (1-based).
func (s *Stack) Unit(l int) *Unit { return s.Units[l-1] }

// Forward runs every unit in order on x (n samples) and returns the last
// unit's output. Every unit's input is its predecessor's output buffer.
func (s *Stack) Forward(x []float32, n int, train bool) []float32 {
	s.in = x
	for _, u := range s.Units {
		x = u.Forward(x, n, train)
	}
	return x
}

// ForwardLayer runs unit l alone on x, the output of unit l−1 (the input,
// for l = 1: it is recorded as Output(0)), and returns unit l's output.
// Calling it for l = 1 … L in order is Forward.
func (s *Stack) ForwardLayer(l int, x []float32, n int, train bool) []float32 {
	if l == 1 {
		s.in = x
	}
	return s.Units[l-1].Forward(x, n, train)
}

// Output returns a_l: the input for l = 0, else the output of unit l, from
// the last Forward.
func (s *Stack) Output(l int) []float32 {
	if l == 0 {
		return s.in
	}
	return s.Units[l-1].Output()
}

// Backward runs unit l's backward pass (see Unit.Backward): dy is
// ∂loss/∂a_l, dx (nil to stop the gradient) receives ∂loss/∂a_{l−1}.
func (s *Stack) Backward(l int, dy, dx []float32, n int) {
	s.Units[l-1].Backward(dy, dx, n)
}

// Evaluate runs the stack in eval mode on x (n samples) with integer labels
// y, taking its output as logits, and returns the mean cross-entropy and the
// number of correct arg-max predictions. prob (n × classes) receives the
// softmax.
func (s *Stack) Evaluate(prob, x []float32, y []int32, n int) (loss float64, correct int) {
	z := s.Forward(x, n, false)
	k := s.Units[len(s.Units)-1].Cfg.OutDim()
	return SoftmaxCrossEntropy(nil, prob, z, y, n, k, 0)
}

// State returns the batch norms' running statistics: with the weights,
// what defines the stack in eval mode.
func (s *Stack) State() [][]float32 {
	var st [][]float32
	for _, u := range s.Units {
		if u.Norm != nil {
			st = append(st, u.Norm.RunningMean, u.Norm.RunningVar)
		}
	}
	return st
}

// MaxWidth returns the largest per-sample width of any unit's input or
// output.
func (s *Stack) MaxWidth() int {
	w := 0
	for _, u := range s.Units {
		w = max(w, u.Cfg.InDim(), u.Cfg.OutDim())
	}
	return w
}

// NewMLPStack builds the MLP of spec §2 over widths d_0 … d_L: bias-free
// linear units with activation act and batch-norm placement bn on every
// layer but the last, which has neither (its output is the logits, or, in
// the feedback direction, c_0). name(l) names W_l.
func NewMLPStack(p *Params, name func(l int) string, sizes []int, act Activation, bn, maxRows int) *Stack {
	s := &Stack{}
	L := len(sizes) - 1
	for l := 1; l <= L; l++ {
		cfg := UnitConfig{InC: sizes[l-1], InH: 1, InW: 1, OutC: sizes[l], BN: bn, Act: act}
		if l == L {
			cfg.BN, cfg.Act = 0, Identity
		}
		s.Units = append(s.Units, NewUnit(p, name(l), "", cfg, maxRows))
	}
	return s
}
