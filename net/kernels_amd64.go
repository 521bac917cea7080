//go:build amd64 && gc && !purego && !noasm

package net

import "golang.org/x/sys/cpu"

// CPU features, read once at start-up from golang.org/x/sys/cpu (which
// counts an instruction set only when the OS has enabled its register
// state): AVX-512F for the 16-lane kernels, AVX2 with FMA for the 8-lane
// ones.
var maxKernelLevel = detectLevel()

func detectLevel() int {
	switch {
	case cpu.X86.HasAVX512F && cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return levelAVX512
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return levelAVX2
	}
	return levelGo
}

// archKernel runs op with the kernelLevel kernels. The AVX-512 kernels take
// any n ≥ 1 (the last partial vector is loaded and stored under a mask);
// the AVX2 kernels take the largest multiple of 8 and the Go loop the rest.
func archKernel(o op, a, b, c, d []float32, s1, s2, s3 float32, mode int64) bool {
	n := len(a)
	if kernelLevel == levelAVX2 {
		n &^= 7
		if n == 0 {
			return false
		}
	}
	// Bounds: every operand the op reads has at least n elements.
	switch o {
	case opELUF, opReLUF, opTanhF, opLeakyF, opSELUF:
		_ = b[n-1]
	case opReLUB, opLeakyB:
		_, _ = b[n-1], c[n-1]
	case opTanhB:
		_, _ = b[n-1], d[n-1]
	case opELUB, opSELUB:
		_, _, _ = b[n-1], c[n-1], d[n-1]
	case opSGD:
		_ = b[n-1]
		if mode&(sgdCopy|sgdBlend) != 0 {
			_ = c[n-1]
		} else {
			c = a // not read
		}
	}
	var pa, pb, pc, pd *float32
	pa = &a[0]
	if b != nil {
		pb = &b[0]
	}
	if c != nil {
		pc = &c[0]
	}
	if d != nil {
		pd = &d[0]
	}
	if kernelLevel == levelAVX512 {
		switch o {
		case opELUF:
			eluFwd512(pa, pb, n)
		case opELUB:
			eluBwd512(pa, pb, pc, pd, n)
		case opReLUF:
			reluFwd512(pa, pb, n)
		case opReLUB:
			reluBwd512(pa, pb, pc, n)
		case opTanhF:
			tanhFwd512(pa, pb, n)
		case opTanhB:
			tanhBwd512(pa, pb, pd, n)
		case opLeakyF:
			leakyFwd512(pa, pb, n)
		case opLeakyB:
			leakyBwd512(pa, pb, pc, n)
		case opSELUF:
			seluFwd512(pa, pb, n)
		case opSELUB:
			seluBwd512(pa, pb, pc, pd, n)
		case opSGD:
			sgd512(pa, pb, pc, n, s1, s2, s3, mode)
		case opScale:
			scale512(pa, n, s1)
		case opSubC:
			subConst512(pa, n, s1)
		default:
			return false
		}
		return true
	}
	switch o {
	case opELUF:
		eluFwd256(pa, pb, n)
	case opELUB:
		eluBwd256(pa, pb, pc, pd, n)
	case opReLUF:
		reluFwd256(pa, pb, n)
	case opReLUB:
		reluBwd256(pa, pb, pc, n)
	case opTanhF:
		tanhFwd256(pa, pb, n)
	case opTanhB:
		tanhBwd256(pa, pb, pd, n)
	case opLeakyF:
		leakyFwd256(pa, pb, n)
	case opLeakyB:
		leakyBwd256(pa, pb, pc, n)
	case opSELUF:
		seluFwd256(pa, pb, n)
	case opSELUB:
		seluBwd256(pa, pb, pc, pd, n)
	case opSGD:
		sgd256(pa, pb, pc, n, s1, s2, s3, mode)
	case opScale:
		scale256(pa, n, s1)
	case opSubC:
		subConst256(pa, n, s1)
	default:
		return false
	}
	if n < len(a) {
		genericKernel(o, a[n:], sub(b, n, len(a)), sub(c, n, len(a)), sub(d, n, len(a)), s1, s2, s3, mode)
	}
	return true
}

// archSumLanes adds x (len(x) a multiple of 32, at least 32) into the lanes
// with the kernelLevel kernel, as sumLanesGo does.
func archSumLanes(x []float32, square bool, acc *lanes) bool {
	if kernelLevel == levelAVX512 {
		sumLanes512(&x[0], len(x)&^31, acc, square)
	} else {
		sumLanes256(&x[0], len(x)&^31, acc, square)
	}
	return true
}

// The kernels below take n ≥ 1 elements (AVX-512) or a multiple of 8
// (AVX2, n ≥ 8) at the given pointers; each is equivalent to the Go loop in
// its comment, bit for bit except for expm1 and tanh (expm1 in float32 with
// fused multiply-adds, relative error < 1e-6; see kernels_amd64.s).

// eluFwd512 is the AVX-512 version of:
//
//	for i := range n { v := x[i]; if v <= 0 { v = expm1(v) }; y[i] = v }
//
//go:noescape
func eluFwd512(y, x *float32, n int)

// eluBwd512 is the AVX-512 version of:
//
//	for i := range n { g := dy[i]; if x[i] <= 0 { g *= y[i] + 1 }; dx[i] = g }
//
//go:noescape
func eluBwd512(dx, dy, x, y *float32, n int)

// reluFwd512 is the AVX-512 version of:
//
//	for i := range n { y[i] = max(x[i], 0) }
//
//go:noescape
func reluFwd512(y, x *float32, n int)

// reluBwd512 is the AVX-512 version of:
//
//	for i := range n { g := dy[i]; if x[i] <= 0 { g = 0 }; dx[i] = g }
//
//go:noescape
func reluBwd512(dx, dy, x *float32, n int)

// tanhFwd512 is the AVX-512 version of:
//
//	for i := range n { y[i] = tanh(x[i]) }   // −sign(x)·m/(2+m), m = expm1(−2|x|)
//
//go:noescape
func tanhFwd512(y, x *float32, n int)

// tanhBwd512 is the AVX-512 version of:
//
//	for i := range n { dx[i] = dy[i] * (1 - y[i]*y[i]) }
//
//go:noescape
func tanhBwd512(dx, dy, y *float32, n int)

// leakyFwd512 is the AVX-512 version of:
//
//	for i := range n { v := x[i]; if v <= 0 { v *= 0.01 }; y[i] = v }
//
//go:noescape
func leakyFwd512(y, x *float32, n int)

// leakyBwd512 is the AVX-512 version of:
//
//	for i := range n { g := dy[i]; if x[i] <= 0 { g *= 0.01 }; dx[i] = g }
//
//go:noescape
func leakyBwd512(dx, dy, x *float32, n int)

// seluFwd512 is the AVX-512 version of:
//
//	for i := range n { v := x[i]; if v <= 0 { v = λα * expm1(v) } else { v = λ * v }; y[i] = v }
//
//go:noescape
func seluFwd512(y, x *float32, n int)

// seluBwd512 is the AVX-512 version of:
//
//	for i := range n { g := dy[i]; if x[i] <= 0 { g *= y[i] + λα } else { g *= λ }; dx[i] = g }
//
//go:noescape
func seluBwd512(dx, dy, x, y *float32, n int)

// sgd512 is the AVX-512 version of sgdGo(w[:n], g[:n], buf[:n], lr, wd, m, mode).
//
//go:noescape
func sgd512(w, grad, buf *float32, n int, lr, wd, m float32, mode int64)

// scale512 is the AVX-512 version of:
//
//	for i := range n { x[i] *= c }
//
//go:noescape
func scale512(x *float32, n int, c float32)

// subConst512 is the AVX-512 version of:
//
//	for i := range n { x[i] -= c }
//
//go:noescape
func subConst512(x *float32, n int, c float32)

// sumLanes512 is the AVX-512 version of sumLanesGo(x[:n], square, acc), n a
// multiple of 32.
//
//go:noescape
func sumLanes512(x *float32, n int, acc *lanes, square bool)

// The AVX2 + FMA versions of the kernels above (n a multiple of 8).

//go:noescape
func eluFwd256(y, x *float32, n int)

//go:noescape
func eluBwd256(dx, dy, x, y *float32, n int)

//go:noescape
func reluFwd256(y, x *float32, n int)

//go:noescape
func reluBwd256(dx, dy, x *float32, n int)

//go:noescape
func tanhFwd256(y, x *float32, n int)

//go:noescape
func tanhBwd256(dx, dy, y *float32, n int)

//go:noescape
func leakyFwd256(y, x *float32, n int)

//go:noescape
func leakyBwd256(dx, dy, x *float32, n int)

//go:noescape
func seluFwd256(y, x *float32, n int)

//go:noescape
func seluBwd256(dx, dy, x, y *float32, n int)

//go:noescape
func sgd256(w, grad, buf *float32, n int, lr, wd, m float32, mode int64)

//go:noescape
func scale256(x *float32, n int, c float32)

//go:noescape
func subConst256(x *float32, n int, c float32)

//go:noescape
func sumLanes256(x *float32, n int, acc *lanes, square bool)
