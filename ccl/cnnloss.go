package ccl

import (
	"math"

	"github.com/counter-current/ccl/blas"
)

// normEps is added to every row norm before dividing (spec §4).
const normEps = 1e-8

// CNNLoss holds the scratch buffers of the CNN pair loss for batches of at
// most maxN rows, K classes and features up to maxD.
type CNNLoss struct {
	an, bn     []float32 // Â (n × d), B̂ (k × d)
	ra, rb     []float64 // row norms ‖A_i‖, ‖B_j‖
	p          []float32 // n × k: Â·B̂ᵀ − Y, then dP
	q          []float32 // n × n: Â·Âᵀ − I, then 2·dQ
	r          []float32 // k × k: B̂·B̂ᵀ − I, then 2·dR
	dAn, dBn   []float32 // dÂ, dB̂
	sC, sSSL   float32
	maxN, maxD int
}

// NewCNNLoss returns the loss with scales s_C and s_ssl.
func NewCNNLoss(maxN, k, maxD int, sC, sSSL float32) *CNNLoss {
	return &CNNLoss{
		an: make([]float32, maxN*maxD), bn: make([]float32, k*maxD),
		ra: make([]float64, maxN), rb: make([]float64, k),
		p: make([]float32, maxN*k), q: make([]float32, maxN*maxN), r: make([]float32, k*k),
		dAn: make([]float32, maxN*maxD), dBn: make([]float32, k*maxD),
		sC: sC, sSSL: sSSL, maxN: maxN, maxD: maxD,
	}
}

// Pair computes the CNN loss of one layer pair (spec §4) and its gradients.
//
//	A: n × d forward activation (flattened; rows i with filtered[i] zeroed first)
//	B: k × d feedback activation (flattened)
//	Â_i = A_i / (‖A_i‖ + 1e-8),  B̂_j = B_j / (‖B_j‖ + 1e-8)
//	P = Â·B̂ᵀ − Y   (n × k)     Q = Â·Âᵀ − I_n   (n × n)     R = B̂·B̂ᵀ − I_k   (k × k)
//	L = s_C·mean(P²) + s_ssl·mean(Q²) + s_ssl·mean(R²)
//
// With the whole loss multiplied by scale (the warm-up factor), and using
// that Q and R are symmetric:
//
//	dP = scale·2·s_C·P/(n·k),  dQ = scale·2·s_ssl·Q/n²,  dR = scale·2·s_ssl·R/k²
//	dÂ = dP·B̂ + 2·dQ·Â          dB̂ = dPᵀ·Â + 2·dR·B̂
//	dA_i = (dÂ_i − Â_i·(Â_i·dÂ_i)·(‖A_i‖+ε)/‖A_i‖) / (‖A_i‖ + ε)     (through the row normalisation)
//
// and likewise for dB. A filtered (zeroed) row gets Â_i = 0 and no gradient.
// dA (n × d) and dB (k × d) are written; dA may be nil when A needs no
// gradient (pair 0, whose A is the input). It returns L without the scale.
func (c *CNNLoss) Pair(dA, dB, A, B []float32, y []int32, filtered []bool, n, k, d int, scale float32) float64 {
	an, bn := c.an[:n*d], c.bn[:k*d]
	normalizeRows(an, c.ra[:n], A, n, d, filtered)
	normalizeRows(bn, c.rb[:k], B, k, d, nil)

	p, q, r := c.p[:n*k], c.q[:n*n], c.r[:k*k]
	blas.Sgemm(blas.NoTrans, blas.Trans, n, k, d, 1, an, d, bn, d, 0, p, k)
	blas.Sgemm(blas.NoTrans, blas.Trans, n, n, d, 1, an, d, an, d, 0, q, n)
	blas.Sgemm(blas.NoTrans, blas.Trans, k, k, d, 1, bn, d, bn, d, 0, r, k)
	for i := 0; i < n; i++ {
		p[i*k+int(y[i])] -= 1
		q[i*n+i] -= 1
	}
	for j := 0; j < k; j++ {
		r[j*k+j] -= 1
	}
	lp := blas.SumSq(p) / float64(n*k)
	lq := blas.SumSq(q) / float64(n*n)
	lr := blas.SumSq(r) / float64(k*k)
	loss := float64(c.sC)*lp + float64(c.sSSL)*(lq+lr)

	// Gradients with respect to the products (2·dQ and 2·dR fold in Q's and R's symmetry).
	blas.Sscal(float32(float64(scale)*2*float64(c.sC)/float64(n*k)), p)
	blas.Sscal(float32(float64(scale)*4*float64(c.sSSL)/float64(k*k)), r)
	if dA != nil {
		blas.Sscal(float32(float64(scale)*4*float64(c.sSSL)/float64(n*n)), q)
		dAn := c.dAn[:n*d]
		blas.Sgemm(blas.NoTrans, blas.NoTrans, n, d, k, 1, p, k, bn, d, 0, dAn, d)
		blas.Sgemm(blas.NoTrans, blas.NoTrans, n, d, n, 1, q, n, an, d, 1, dAn, d)
		normalizeRowsBackward(dA, dAn, an, c.ra[:n], n, d, filtered)
	}
	dBn := c.dBn[:k*d]
	blas.Sgemm(blas.Trans, blas.NoTrans, k, d, n, 1, p, k, an, d, 0, dBn, d)
	blas.Sgemm(blas.NoTrans, blas.NoTrans, k, d, k, 1, r, k, bn, d, 1, dBn, d)
	normalizeRowsBackward(dB, dBn, bn, c.rb[:k], k, d, nil)
	return loss
}

// normalizeRows writes Â_i = X_i/(‖X_i‖ + ε) and the norms ‖X_i‖; rows with
// filtered[i] become zero (norm 0).
func normalizeRows(out []float32, norms []float64, x []float32, rows, d int, filtered []bool) {
	for i := 0; i < rows; i++ {
		xr, or := x[i*d:i*d+d], out[i*d:i*d+d]
		if filtered != nil && filtered[i] {
			clear(or)
			norms[i] = 0
			continue
		}
		var s float64
		for _, v := range xr {
			s += float64(v) * float64(v)
		}
		nrm := math.Sqrt(s)
		norms[i] = nrm
		inv := 1 / (nrm + normEps)
		for j, v := range xr {
			or[j] = float32(float64(v) * inv)
		}
	}
}

// normalizeRowsBackward writes dX from dX̂ through X̂_i = X_i/(‖X_i‖ + ε):
//
//	dX_i = (dX̂_i − X_i·(X̂_i·dX̂_i)/‖X_i‖) / (‖X_i‖ + ε),   X_i = X̂_i·(‖X_i‖ + ε)
//
// Filtered rows, and rows of norm 0 (where PyTorch's norm backward is 0),
// get dX_i = dX̂_i/ε for norm 0 unfiltered rows and 0 for filtered rows.
func normalizeRowsBackward(dx, dxn, xn []float32, norms []float64, rows, d int, filtered []bool) {
	for i := 0; i < rows; i++ {
		dr, gr, nr := dx[i*d:i*d+d], dxn[i*d:i*d+d], xn[i*d:i*d+d]
		if filtered != nil && filtered[i] {
			clear(dr)
			continue
		}
		nrm := norms[i]
		inv := 1 / (nrm + normEps)
		if nrm == 0 {
			for j, g := range gr {
				dr[j] = float32(float64(g) * inv)
			}
			continue
		}
		var dot float64
		for j, g := range gr {
			dot += float64(g) * float64(nr[j])
		}
		// X_i/‖X_i‖ = X̂_i·(‖X_i‖ + ε)/‖X_i‖
		f := dot * (nrm + normEps) / nrm
		for j, g := range gr {
			dr[j] = float32((float64(g) - float64(nr[j])*f) * inv)
		}
	}
}
