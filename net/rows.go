package net

// Float64 helpers of the pair losses' row normalisation (package ccl,
// X̂_i = X_i/(‖X_i‖ + ε) and its backward pass): a sum of squares and a dot
// product accumulated in float64 in sum64's fixed lane order, and two maps
// that widen float32 operands to float64, compute there and round back
// once. Every implementation (Go, AVX2, AVX-512) does the same float64
// operations in the same order, so all give the same bits.

// SumSq64 returns Σ x_i², accumulated in float64 in sum64's lane order.
func SumSq64(x []float32) float64 { return sum64(x, true) }

// Dot64 returns Σ x_i·y_i over i < len(x), accumulated in float64 in
// sum64's lane order (each product is exact in float64, so each lane step
// rounds once). It panics if y is shorter than x.
func Dot64(x, y []float32) float64 {
	y = y[:len(x)]
	var acc lanes
	n := len(x) &^ 31
	if kernelLevel == levelGo || n == 0 || !archDotLanes(x[:n], y[:n], &acc) {
		n = 0
	}
	dotLanesGo(x[n:], y[n:], &acc)
	return reduceLanes(&acc)
}

// dotLanesGo adds x_i·y_i into the lanes, term i into lane i mod 32 (x
// starts at a multiple of 32 of the whole sum).
func dotLanesGo(x, y []float32, acc *lanes) {
	y = y[:len(x)]
	for len(x) >= 32 {
		x32, y32 := x[:32], y[:32]
		for l, v := range x32 {
			acc[l] += float64(v) * float64(y32[l])
		}
		x, y = x[32:], y[32:]
	}
	for l, v := range x {
		acc[l] += float64(v) * float64(y[l])
	}
}

// Scale64 writes dst_i = float32(float64(x_i)·s) for i < len(x): the
// product rounded once, from float64. It panics if dst is shorter than x.
func Scale64(dst, x []float32, s float64) {
	dst = dst[:len(x)]
	n := 0
	if kernelLevel > levelGo && len(x) > 0 {
		n = archScale64(dst, x, s)
	}
	for i, v := range x[n:] {
		dst[n+i] = float32(float64(v) * s)
	}
}

// SubScale64 writes dst_i = float32((float64(g_i) − float64(x_i)·f)·s) for
// i < len(g), each of the three float64 operations rounded on its own (no
// fused multiply-add). It panics if dst or x is shorter than g.
func SubScale64(dst, g, x []float32, f, s float64) {
	dst, x = dst[:len(g)], x[:len(g)]
	n := 0
	if kernelLevel > levelGo && len(g) > 0 {
		n = archSubScale64(dst, g, x, f, s)
	}
	for i, v := range g[n:] {
		// The conversion rounds the product: the compiler may not fuse it
		// into the subtraction.
		dst[n+i] = float32((float64(v) - float64(float64(x[n+i])*f)) * s)
	}
}
