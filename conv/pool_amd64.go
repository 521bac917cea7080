//go:build amd64 && gc && !purego && !noasm

package conv

import "golang.org/x/sys/cpu"

// poolAsm selects the AVX-512 window kernel (tests switch it off to compare
// with the Go loop).
var poolAsm = cpu.X86.HasAVX512F

// pool4AVX512 is the AVX-512 version of one output pixel of poolForward:
// for k < n, out[k] and am[k] receive the winner of a[k], b[k], d[k], e[k]
// (window positions 0…3, flat input indices i0+k … i3+k) under PyTorch's
// rule: a later value wins if it is greater (ordered compare, so −0 = +0
// and the first of equal values stays) or if it is a NaN.
//
//go:noescape
func pool4AVX512(out *float32, am *int32, a, b, d, e *float32, n int, i0, i1, i2, i3 int32)

// pool4 runs the kernel on one output pixel's c channels and reports
// whether it did.
func pool4(out []float32, am []int32, a, b, d, e []float32, i0, i1, i2, i3 int) bool {
	if !poolAsm || len(out) == 0 {
		return false
	}
	n := len(out)
	_, _, _, _, _ = am[n-1], a[n-1], b[n-1], d[n-1], e[n-1]
	pool4AVX512(&out[0], &am[0], &a[0], &b[0], &d[0], &e[0], n, int32(i0), int32(i1), int32(i2), int32(i3))
	return true
}

// poolBack4AVX512 is the AVX-512 version of one output pixel of
// poolBackward: for k < n, the four window positions a[k], b[k], d[k],
// e[k] (flat input indices i0+k … i3+k) receive g[k] + 0 where am[k] is
// their index, and zero elsewhere.
//
//go:noescape
func poolBack4AVX512(a, b, d, e, grad *float32, am *int32, n int, i0, i1, i2, i3 int32)

// poolBack4 runs the kernel on one output pixel's c channels and reports
// whether it did (with poolAsm, as pool4).
func poolBack4(a, b, d, e, g []float32, am []int32, i0, i1, i2, i3 int) bool {
	if !poolAsm || len(g) == 0 {
		return false
	}
	n := len(g)
	_, _, _, _, _ = am[n-1], a[n-1], b[n-1], d[n-1], e[n-1]
	poolBack4AVX512(&a[0], &b[0], &d[0], &e[0], &g[0], &am[0], n, int32(i0), int32(i1), int32(i2), int32(i3))
	return true
}

// gather32AVX512 copies n rows of 32 floats: dst[32p : 32p+32] =
// src[offs[p] : offs[p]+32], or zeros when offs[p] < 0.
//
//go:noescape
func gather32AVX512(dst, src *float32, offs *int, n int)

// gather32 is gather32AVX512 on slices; it reports whether it ran (the
// caller then does the copies itself). The offsets must lie in src.
func gather32(dst, src []float32, offs []int) bool {
	if !poolAsm || len(offs) == 0 {
		return false
	}
	_ = dst[32*len(offs)-1]
	gather32AVX512(&dst[0], &src[0], &offs[0], len(offs))
	return true
}
