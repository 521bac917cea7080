package ccl

import "github.com/counter-current/ccl/blas"

// PairLoss is the MLP loss of one layer pair (spec §4) and its gradients.
//
//	A: n × d forward activation a_l (the input x for pair 0)
//	B: k × d feedback activation c_l (one row per class)
//	S = A·Bᵀ (n × k), rows i with filtered[i] set to zero (CCL's filter)
//	E = S − Y,  Y = one-hot(y)
//	L = s_C · (256/d) · (1/(n·k)) Σ E²
//
// and, with the whole loss multiplied by scale (the warm-up factor):
//
//	dS = scale · s_C · (256/d) · 2E/(n·k), rows i with filtered[i] zeroed
//	dA = dS · B   (n × d)      dB = dSᵀ · A   (k × d)
//
// Zeroing row i of A (A ← A ⊙ mask) makes row i of S zero, while its error
// E_i = −Y_i still counts in the mean; no gradient reaches row i of A, and
// the row adds nothing to dB. filtered may be nil (filter off).
// S and dS share the buffer s, which holds them transposed (k × n: Sᵀ =
// B·Aᵀ has one row per class, a product blas computes as dot products,
// reading A once in place). dA and dB are written. dA may be nil when A
// needs no gradient (pair 0, whose A is the input). It returns L (without
// the scale).
func PairLoss(dA, dB, s, A, B []float32, y []int32, filtered []bool, n, k, d int, sC, scale float32) float64 {
	s = s[:k*n]
	blas.Sgemm(blas.NoTrans, blas.Trans, k, n, d, 1, B, d, A, d, 0, s, n)
	coef := float64(sC) * 256 / float64(d)
	grad := float32(float64(scale) * coef * 2 / float64(n*k))
	var sum float64
	for i := 0; i < n; i++ {
		off := filtered != nil && filtered[i]
		for j := 0; j < k; j++ {
			e := s[j*n+i] // S_ij
			if off {
				e = 0
			}
			if j == int(y[i]) {
				e -= 1
			}
			sum += float64(e) * float64(e)
			if off {
				e = 0
			}
			s[j*n+i] = grad * e
		}
	}
	if dA != nil {
		blas.Sgemm(blas.Trans, blas.NoTrans, n, d, k, 1, s, n, B, d, 0, dA, d)
	}
	blas.Sgemm(blas.NoTrans, blas.NoTrans, k, d, n, 1, s, n, A, d, 0, dB, d)
	return coef * sum / float64(n*k)
}
