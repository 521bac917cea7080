package net

import (
	"fmt"

	"github.com/counter-current/ccl/internal/hugepage"
)

// Tensor is a named view of one parameter inside a Params allocation.
// Data and Grad have the same length, the product of Shape.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
	Grad  []float32

	// stale marks a gradient that counts as zero whatever Grad holds
	// (see Params.StartGrad): the next accumulation overwrites it.
	stale bool
}

// GradBeta returns the factor by which an accumulation into t.Grad must
// scale what Grad holds (as Sgemm's beta): 0 when the gradient is stale
// (after Params.StartGrad, before any accumulation), 1 otherwise. It marks
// the gradient as accumulated into, so the caller must then write every
// element of Grad.
func (t *Tensor) GradBeta() float32 {
	if t.stale {
		t.stale = false
		return 0
	}
	return 1
}

// Len returns the number of elements of t.
func (t *Tensor) Len() int { return numel(t.Shape) }

// Rows returns the first dimension; Cols the product of the others. A rank-1
// tensor has one row.
func (t *Tensor) Rows() int {
	if len(t.Shape) < 2 {
		return 1
	}
	return t.Shape[0]
}

// Cols returns the product of all dimensions but the first (for rank ≥ 2).
func (t *Tensor) Cols() int { return t.Len() / t.Rows() }

func numel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// Params is one learning rule's parameter set (for CCL: the forward
// weights, or the feedback weights) in a single allocation with named views,
// so the optimiser, clipping and zero-grad are each one loop over a flat
// slice. Register tensors with Add, then call Alloc once.
type Params struct {
	Tensors []*Tensor
	Data    []float32 // every value, in registration order
	Grad    []float32 // every gradient, same layout as Data
}

// Add registers a tensor of the given shape. Its Data and Grad become valid
// after Alloc. Add panics after Alloc or on a non-positive dimension.
func (p *Params) Add(name string, shape ...int) *Tensor {
	if p.Data != nil {
		panic("net: Params.Add after Alloc")
	}
	for _, s := range shape {
		if s <= 0 {
			panic(fmt.Sprintf("net: tensor %s: bad shape %v", name, shape))
		}
	}
	t := &Tensor{Name: name, Shape: append([]int(nil), shape...)}
	p.Tensors = append(p.Tensors, t)
	return t
}

// Alloc makes the single allocation behind every registered tensor.
func (p *Params) Alloc() {
	total := 0
	for _, t := range p.Tensors {
		total += t.Len()
	}
	p.Data = hugepage.Floats(total)
	p.Grad = hugepage.Floats(total)
	off := 0
	for _, t := range p.Tensors {
		n := t.Len()
		t.Data = p.Data[off : off+n : off+n]
		t.Grad = p.Grad[off : off+n : off+n]
		off += n
	}
}

// ZeroGrad clears every gradient of the set.
func (p *Params) ZeroGrad() {
	clear(p.Grad)
	for _, t := range p.Tensors {
		t.stale = false
	}
}

// StartGrad is ZeroGrad without the memory traffic: it marks every
// gradient stale, so that the first accumulation into each (Unit.Backward,
// through Tensor.GradBeta) overwrites it instead of adding to it. EndGrad
// must follow the accumulations, before anything reads Grad. A training
// step writes every gradient once, so this saves a pass over all of them.
func (p *Params) StartGrad() {
	for _, t := range p.Tensors {
		t.stale = true
	}
}

// EndGrad clears the gradients no accumulation reached since StartGrad,
// so that Grad holds exactly what ZeroGrad and the accumulations would
// have left.
func (p *Params) EndGrad() {
	for _, t := range p.Tensors {
		if t.stale {
			clear(t.Grad)
			t.stale = false
		}
	}
}

// Lookup returns the tensor with the given name, or nil.
func (p *Params) Lookup(name string) *Tensor {
	for _, t := range p.Tensors {
		if t.Name == name {
			return t
		}
	}
	return nil
}
