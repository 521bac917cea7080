package net

import "github.com/counter-current/ccl/blas"

// LinearForward computes out = in · wᵀ (no bias).
//
//	out: n × dout   in: n × din   w: dout × din
func LinearForward(out, in, w []float32, n, din, dout int) {
	blas.Sgemm(blas.NoTrans, blas.Trans, n, dout, din, 1, in, din, w, din, 0, out, dout)
}

// LinearBackwardWeight accumulates the weight gradient of out = in · wᵀ:
//
//	dW = beta·dW + dOutᵀ · in      dW: dout × din   dOut: n × dout   in: n × din
//
// beta is 1 to accumulate, 0 to overwrite (dW is then not read).
func LinearBackwardWeight(dW, dOut, in []float32, n, din, dout int, beta float32) {
	blas.Sgemm(blas.Trans, blas.NoTrans, dout, din, n, 1, dOut, dout, in, din, beta, dW, din)
}

// LinearUpdateWeight applies a weight gradient given as a product without
// forming it, for a plain SGD step on a gradient of low rank n:
//
//	W = beta·W + alpha·dOutᵀ · in      W: dout × din   dOut: n × dout   in: n × din
//
// With alpha = −lr·c and beta = 1 − lr·wd this is w ← w − lr·(c·g + wd·w)
// for g = dOutᵀ·in, the gradient LinearBackwardWeight would write, rounded
// once instead of at every stage.
func LinearUpdateWeight(w, dOut, in []float32, n, din, dout int, alpha, beta float32) {
	blas.Sgemm(blas.Trans, blas.NoTrans, dout, din, n, alpha, dOut, dout, in, din, beta, w, din)
}

// LinearBackwardInput writes the input gradient of out = in · wᵀ:
//
//	dIn = dOut · w        dIn: n × din   dOut: n × dout   w: dout × din
func LinearBackwardInput(dIn, dOut, w []float32, n, din, dout int) {
	blas.Sgemm(blas.NoTrans, blas.NoTrans, n, din, dout, 1, dOut, dout, w, din, 0, dIn, din)
}
