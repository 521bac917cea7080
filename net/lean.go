package net

import "github.com/counter-current/ccl/internal/hugepage"

// ShareBuffers makes the units of the stack share their activation buffers
// in two slots: unit l uses slot l mod 2, so units l and l+2 write the same
// memory. It is for schedules that finish with unit l (its Backward, which
// reads its own caches and its input, the output of unit l−1) before unit
// l+2's Forward: CCL's layer-local learning, where every pair is done as
// soon as its forward layer is (ccl's memory-lean mode). The stack then
// holds the activations of two layers instead of all of them: the im2col
// matrices, core outputs, batch-norm outputs, activations, pooled outputs
// and routing. After a Forward, Output(l) is valid only for the last two
// units. The buffers allocated by NewUnit are dropped (the garbage
// collector reclaims them).
func (s *Stack) ShareBuffers() {
	type kind int
	const (
		kX1 kind = iota
		kX2
		kCol
		kH
		kZ
		kA
		kY
		kinds
	)
	var size [kinds][2]int
	var sizeArg [2]int
	same := func(a, b []float32) bool { return len(a) > 0 && len(b) > 0 && &a[0] == &b[0] }
	// fields lists a unit's own (non-aliased) float32 buffers by kind.
	fields := func(u *Unit) [kinds][]float32 {
		var f [kinds][]float32
		f[kX1], f[kX2], f[kCol], f[kH] = u.x1, u.x2, u.col, u.h
		if !same(u.z, u.h) {
			f[kZ] = u.z
		}
		if !same(u.a, u.z) {
			f[kA] = u.a
		}
		if !same(u.y, u.a) {
			f[kY] = u.y
		}
		return f
	}
	for l, u := range s.Units {
		f := fields(u)
		for k := range f {
			size[k][l%2] = max(size[k][l%2], len(f[k]))
		}
		sizeArg[l%2] = max(sizeArg[l%2], len(u.argmax))
	}
	var arena [kinds][2][]float32
	var argArena [2][]int32
	for k := range arena {
		for slot := range 2 {
			if size[k][slot] > 0 {
				arena[k][slot] = hugepage.Floats(size[k][slot])
			}
		}
	}
	for slot := range 2 {
		if sizeArg[slot] > 0 {
			argArena[slot] = make([]int32, sizeArg[slot])
		}
	}
	for l, u := range s.Units {
		f := fields(u)
		view := func(k kind) []float32 { return arena[k][l%2][:len(f[k])] }
		aliasZ, aliasA, aliasY := same(u.z, u.h), same(u.a, u.z), same(u.y, u.a)
		if u.x1 != nil {
			u.x1 = view(kX1)
		}
		if u.x2 != nil {
			u.x2 = view(kX2)
		}
		if u.col != nil {
			u.col = view(kCol)
		}
		u.h = view(kH)
		if u.z = u.h; !aliasZ {
			u.z = view(kZ)
		}
		if u.a = u.z; !aliasA {
			u.a = view(kA)
		}
		if u.y = u.a; !aliasY {
			u.y = view(kY)
		}
		if u.argmax != nil {
			u.argmax = argArena[l%2][:len(u.argmax)]
		}
	}
	// The scratch of a pooled unit's unpooled gradient is not shared: each
	// allocates what its Backward needs (Unit.unpooled), one range of
	// samples for the large maps when dx == nil, as here.
}
