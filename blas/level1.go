package blas

// Saxpy computes y += alpha·x element-wise, rounding the product before
// the sum (no fused multiply-add, so every build and path gives the same
// bits). It panics if len(x) != len(y).
func Saxpy(alpha float32, x, y []float32) {
	if len(x) != len(y) {
		panic(errLen)
	}
	n := saxpyVec(alpha, x, y)
	x, y = x[n:], y[n:len(x)]
	for i, v := range x {
		y[i] += float32(alpha * v)
	}
}

// Sscal computes x *= alpha element-wise.
func Sscal(alpha float32, x []float32) {
	n := sscalVec(alpha, x)
	x = x[n:]
	for i := range x {
		x[i] *= alpha
	}
}

// Sdot returns Σ x[i]·y[i], accumulated in float64 in increasing index
// order. It panics if len(x) != len(y).
func Sdot(x, y []float32) float64 {
	if len(x) != len(y) {
		panic(errLen)
	}
	var s float64
	for i, v := range x {
		s += float64(v) * float64(y[i])
	}
	return s
}

// SumSq returns Σ x[i]², accumulated in float64 in increasing index order
// (the squared Euclidean norm, as used by clipping by total norm).
func SumSq(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}
