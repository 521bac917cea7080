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
// S and dS share the buffer s (n × k); dA and dB are written. dA may be nil
// when A needs no gradient (pair 0, whose A is the input). It returns L
// (without the scale).
func PairLoss(dA, dB, s, A, B []float32, y []int32, filtered []bool, n, k, d int, sC, scale float32) float64 {
	s = s[:n*k]
	blas.Sgemm(blas.NoTrans, blas.Trans, n, k, d, 1, A, d, B, d, 0, s, k)
	coef := float64(sC) * 256 / float64(d)
	grad := float32(float64(scale) * coef * 2 / float64(n*k))
	var sum float64
	for i := 0; i < n; i++ {
		row := s[i*k : i*k+k]
		off := filtered != nil && filtered[i]
		if off {
			clear(row)
		}
		row[y[i]] -= 1
		for j, e := range row {
			sum += float64(e) * float64(e)
			row[j] = grad * e
		}
		if off {
			clear(row)
		}
	}
	if dA != nil {
		blas.Sgemm(blas.NoTrans, blas.NoTrans, n, d, k, 1, s, k, B, d, 0, dA, d)
	}
	blas.Sgemm(blas.Trans, blas.NoTrans, k, d, n, 1, s, k, A, d, 0, dB, d)
	return coef * sum / float64(n*k)
}
