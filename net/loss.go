package net

import "math"

// SoftmaxCrossEntropy computes the mean cross-entropy of logits z against
// integer labels y and its gradient, scaled by scale:
//
//	p = softmax(z) row-wise            loss = −(1/n) Σ_i log p_{i,y_i}
//	dz = scale · (p − Y) / n           Y = one-hot(y)
//
// Shapes: dz, prob, z are n×k; y has n labels in [0, k). prob receives p
// (needed by CCL's filter); dz may be nil when no gradient is wanted.
// It returns the (unscaled) mean loss and the number of rows whose arg-max
// equals the label (ties go to the lower class, as torch.argmax does).
func SoftmaxCrossEntropy(dz, prob, z []float32, y []int32, n, k int, scale float32) (loss float64, correct int) {
	for i := 0; i < n; i++ {
		zr := z[i*k : i*k+k]
		pr := prob[i*k : i*k+k]
		best, arg := zr[0], 0
		for j, v := range zr {
			if v > best {
				best, arg = v, j
			}
		}
		var sum float64
		for j, v := range zr {
			e := math.Exp(float64(v - best))
			pr[j] = float32(e)
			sum += e
		}
		lbl := int(y[i])
		// log p_y = z_y − max − log Σ exp(z − max)
		loss -= float64(zr[lbl]-best) - math.Log(sum)
		inv := 1 / sum
		for j := range pr {
			pr[j] = float32(float64(pr[j]) * inv)
		}
		if arg == lbl {
			correct++
		}
		if dz != nil {
			dr := dz[i*k : i*k+k]
			s := scale / float32(n)
			for j, p := range pr {
				dr[j] = s * p
			}
			dr[lbl] -= s
		}
	}
	return loss / float64(n), correct
}
