package net

import "math"

// expm1f returns e^x − 1 for a float32 x, accurate to a few float32 ulps
// (relative error < 4e-7 over the float32 range, checked in the tests),
// several times faster than math.Expm1 on float64.
//
// For |x| < 0.25 it evaluates the Taylor series of e^x − 1 to degree 8
// directly (no cancellation near 0). Otherwise x = k·ln2 + r with
// |r| ≤ ln2/2, e^r is its Taylor series to degree 9, and e^x − 1 =
// 2^k·e^r − 1, with 2^k built from the exponent bits.
//
// This is the portable (and reference) version; the AVX-512 and AVX2
// kernels of kernels_amd64.s use a float32 form of the same reduction
// (relative error < 1e-6, tested in kernels_test.go).
func expm1f(x float32) float32 {
	xd := float64(x)
	if xd > -0.25 && xd < 0.25 {
		// x + x²/2! + … + x⁸/8!  (Horner)
		p := 1.0 / 40320
		p = p*xd + 1.0/5040
		p = p*xd + 1.0/720
		p = p*xd + 1.0/120
		p = p*xd + 1.0/24
		p = p*xd + 1.0/6
		p = p*xd + 0.5
		return float32(xd + xd*xd*p)
	}
	if xd < -104 {
		return -1
	}
	if xd > 89 {
		return float32(math.Inf(1))
	}
	const ln2Hi, ln2Lo = 6.93147180369123816490e-01, 1.90821492927058770002e-10
	k := math.Floor(xd*1.44269504088896338700 + 0.5)
	r := (xd - k*ln2Hi) - k*ln2Lo
	p := 1.0 / 362880
	p = p*r + 1.0/40320
	p = p*r + 1.0/5040
	p = p*r + 1.0/720
	p = p*r + 1.0/120
	p = p*r + 1.0/24
	p = p*r + 1.0/6
	p = p*r + 0.5
	p = p*r + 1
	er := p*r + 1 // e^r
	scale := math.Float64frombits(uint64(int64(k)+1023) << 52)
	return float32(er*scale - 1)
}

// tanhf returns tanh(x) for a float32 x through expm1f:
//
//	tanh(x) = −sign(x)·m/(2 + m),  m = e^{−2|x|} − 1
func tanhf(x float32) float32 {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	if ax > 9.1 { // tanh rounds to ±1 in float32
		if x < 0 {
			return -1
		}
		return 1
	}
	m := float64(expm1f(-2 * ax))
	t := float32(-m / (2 + m))
	if x < 0 {
		return -t
	}
	return t
}
