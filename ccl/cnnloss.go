package ccl

import (
	"math"

	"github.com/counter-current/ccl/blas"
	"github.com/counter-current/ccl/internal/hugepage"
	"github.com/counter-current/ccl/net"
)

// normEps is added to every row norm before dividing (spec §4).
const normEps = 1e-8

// CNNLoss holds the scratch buffers of the CNN pair loss for batches of at
// most maxN rows, K classes and features up to maxD.
type CNNLoss struct {
	s      []float32 // S = [B̂; Â] ((k+n) × d, rows rowStride(d) apart): the feedback rows first
	ds     []float32 // dS = [dB̂; dÂ], likewise
	g      []float32 // (k+n) × (k+n): S·Sᵀ, then M (see Pair)
	ra, rb []float64 // row norms ‖A_i‖, ‖B_j‖
	sC     float32
	sSSL   float32
	maxN   int
	maxD   int
}

// NewCNNLoss returns the loss with scales s_C and s_ssl.
func NewCNNLoss(maxN, k, maxD int, sC, sSSL float32) *CNNLoss {
	return &CNNLoss{
		// maxD + rowPad bounds rowStride(d) for every d ≤ maxD.
		s: hugepage.Floats((k + maxN) * (maxD + rowPad)), ds: hugepage.Floats((k + maxN) * (maxD + rowPad)),
		g:  make([]float32, (k+maxN)*(k+maxN)),
		ra: make([]float64, maxN), rb: make([]float64, k),
		sC: sC, sSSL: sSSL, maxN: maxN, maxD: maxD,
	}
}

// rowPad is the padding rowStride adds to rows a multiple of 4 KiB long.
const rowPad = 16

// rowStride returns the distance between the rows of S and dS for d
// features: d, or d + rowPad when d is a multiple of 1024. Rows a multiple of
// 4 KiB apart fall in one L1 set, so the Gram product S·Sᵀ would pack
// both of its sides; 16 floats more let it read one side in place (the
// CIFAR-10 cnn_pool pairs' d of 32768, 8192, 4096 and 1024).
func rowStride(d int) int {
	if d%1024 == 0 {
		return d + rowPad
	}
	return d
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
// The products are taken on the stacked S = [B̂; Â] ((k+n) × d): one Gram
// matrix S·Sᵀ = [[R+I, Pᵀ+Yᵀ], [P+Y, Q+I]] (blas.SgemmSym: its lower
// triangle, about half the work) gives P, Q and R, and one product
//
//	[dB̂; dÂ] = M·S,   M = [[2·dR, dPᵀ], [dP, 2·dQ]]
//
// gives both gradients (only its first k rows when dA is nil). Two
// products of depth and width k+n replace the seven of the separate forms,
// whose n×k, k×d and k×k shapes (k = 10 classes) fill a tenth of the
// kernel's tiles.
// dA (n × d) and dB (k × d) are written; dA may be nil when A needs no
// gradient (pair 0, whose A is the input). It returns L without the scale.
func (c *CNNLoss) Pair(dA, dB, A, B []float32, y []int32, filtered []bool, n, k, d int, scale float32) float64 {
	t := k + n
	ld := rowStride(d)
	sm := c.s[:t*ld]
	bn, an := sm[:k*ld], sm[k*ld:]
	normalizeRows(an, ld, c.ra[:n], A, n, d, filtered)
	normalizeRows(bn, ld, c.rb[:k], B, k, d, nil)

	g := c.g[:t*t]
	blas.SgemmSym(t, d, 1, sm, ld, g, t)
	// The blocks of g: R at (0, 0), P at (k, 0), Q at (k, k).
	for i := range n {
		g[(k+i)*t+int(y[i])] -= 1
		g[(k+i)*t+k+i] -= 1
	}
	for j := range k {
		g[j*t+j] -= 1
	}
	var lp, lq, lr float64
	for i := range n {
		lp += net.SumSq64(g[(k+i)*t : (k+i)*t+k])
		lq += net.SumSq64(g[(k+i)*t+k : (k+i+1)*t])
	}
	for j := range k {
		lr += net.SumSq64(g[j*t : j*t+k])
	}
	lp /= float64(n * k)
	lq /= float64(n * n)
	lr /= float64(k * k)
	loss := float64(c.sC)*lp + float64(c.sSSL)*(lq+lr)

	// M: dP (with its transpose above it), 2·dQ and 2·dR (folding in Q's and
	// R's symmetry).
	fp := float32(float64(scale) * 2 * float64(c.sC) / float64(n*k))
	fq := float32(float64(scale) * 4 * float64(c.sSSL) / float64(n*n))
	fr := float32(float64(scale) * 4 * float64(c.sSSL) / float64(k*k))
	for i := range n {
		row := g[(k+i)*t : (k+i+1)*t]
		for j := range k {
			row[j] *= fp
			g[j*t+k+i] = row[j]
		}
		blas.Sscal(fq, row[k:])
	}
	for j := range k {
		blas.Sscal(fr, g[j*t:j*t+k])
	}
	rows := t
	if dA == nil {
		rows = k // dB̂ only
	}
	ds := c.ds[:rows*ld]
	blas.Sgemm(blas.NoTrans, blas.NoTrans, rows, d, t, 1, g, t, sm, ld, 0, ds, ld)
	normalizeRowsBackward(dB, ds[:k*ld], bn, ld, c.rb[:k], k, d, nil)
	if dA != nil {
		normalizeRowsBackward(dA, ds[k*ld:], an, ld, c.ra[:n], n, d, filtered)
	}
	return loss
}

// normalizeRows writes Â_i = X_i/(‖X_i‖ + ε) (row i of out at i·ld) and
// the norms ‖X_i‖; rows with filtered[i] become zero (norm 0).
func normalizeRows(out []float32, ld int, norms []float64, x []float32, rows, d int, filtered []bool) {
	for i := 0; i < rows; i++ {
		xr, or := x[i*d:i*d+d], out[i*ld:i*ld+d]
		if filtered != nil && filtered[i] {
			clear(or)
			norms[i] = 0
			continue
		}
		nrm := math.Sqrt(net.SumSq64(xr))
		norms[i] = nrm
		net.Scale64(or, xr, 1/(nrm+normEps))
	}
}

// normalizeRowsBackward writes dX from dX̂ through X̂_i = X_i/(‖X_i‖ + ε):
//
//	dX_i = (dX̂_i − X_i·(X̂_i·dX̂_i)/‖X_i‖) / (‖X_i‖ + ε),   X_i = X̂_i·(‖X_i‖ + ε)
//
// Filtered rows, and rows of norm 0 (where PyTorch's norm backward is 0),
// get dX_i = dX̂_i/ε for norm 0 unfiltered rows and 0 for filtered rows.
// dxn and xn have their rows ld apart, dx d apart.
func normalizeRowsBackward(dx, dxn, xn []float32, ld int, norms []float64, rows, d int, filtered []bool) {
	for i := 0; i < rows; i++ {
		dr, gr, nr := dx[i*d:i*d+d], dxn[i*ld:i*ld+d], xn[i*ld:i*ld+d]
		if filtered != nil && filtered[i] {
			clear(dr)
			continue
		}
		nrm := norms[i]
		inv := 1 / (nrm + normEps)
		if nrm == 0 {
			net.Scale64(dr, gr, inv)
			continue
		}
		// X_i/‖X_i‖ = X̂_i·(‖X_i‖ + ε)/‖X_i‖
		f := net.Dot64(gr, nr) * (nrm + normEps) / nrm
		net.SubScale64(dr, gr, nr, f, inv)
	}
}
