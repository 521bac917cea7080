package ccl

import (
	"math"

	"github.com/counter-current/ccl/blas"
	"github.com/counter-current/ccl/internal/hugepage"
)

// normEps is added to every row norm before dividing (spec §4).
const normEps = 1e-8

// CNNLoss holds the scratch buffers of the CNN pair loss for batches of at
// most maxN rows, K classes and features up to maxD.
type CNNLoss struct {
	s    []float32 // S = [B; A] ((k+n) × d, rows rowStride(d) apart): the feedback rows first, unnormalised
	g    []float32 // (k+n) × (k+n): G = S·Sᵀ
	mm   []float32 // (k+n) × (k+n): M' (see Pair)
	r    []float64 // per row of S: r_j = 1/(ν_j + ε), 0 for a filtered row
	sC   float32
	sSSL float32
	maxN int
	maxD int
}

// NewCNNLoss returns the loss with scales s_C and s_ssl.
func NewCNNLoss(maxN, k, maxD int, sC, sSSL float32) *CNNLoss {
	t := k + maxN
	return &CNNLoss{
		// maxD + rowPad bounds rowStride(d) for every d ≤ maxD.
		s: hugepage.Floats(t * (maxD + rowPad)),
		g: make([]float32, t*t), mm: make([]float32, t*t),
		r:  make([]float64, t),
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
//
// Neither Â nor dÂ is formed: the normalisation, forward and backward,
// folds into the two small matrices between two products. With the
// unnormalised rows stacked, S = [B; A] ((k+n) × d), ν_j = ‖S_j‖ and
// r_j = 1/(ν_j + ε) (0 for a filtered row), D = diag(r):
//
//	G  = S·Sᵀ                     (blas.SgemmSym: its lower triangle, about half the work); ν_j = √G_jj
//	Ĝ  = D·G·D = [[R+I, Pᵀ+Yᵀ], [P+Y, Q+I]]
//	M  = [[2·dR, dPᵀ], [dP, 2·dQ]]         so that [dB̂; dÂ] = M·D·S
//	f_j = r_j²·(Σ_l M_jl·r_l·G_jl)/ν_j     (0 when ν_j = 0): the backward's S_j·dŜ_j = Σ_l M_jl·r_l·G_jl, from G
//	[dB; dA] = M'·S,   M' = D·M·D − diag(f)
//
// (the backward above with Â_j = r_j·S_j and r_j·(ν_j + ε) = 1). One copy
// of A and B into S, the Gram product and M'·S (one call when dA's rows
// follow dB's in memory, else two: its first k rows into dB, its last n
// into dA; the same bits) give the loss and both gradients;
// the (k+n)² entries of Ĝ, M and M' are computed in float64. Before, the
// rows of Â were formed and the normalisation's backward was its own pass,
// four float64 passes over the activations in all. And the stacked
// products replace the seven of the separate forms, whose n×k, k×d and k×k
// shapes (k = 10 classes) fill a tenth of the kernel's tiles.
//
// dA (n × d) and dB (k × d) are written; dA may be nil when A needs no
// gradient (pair 0, whose A is the input). It returns L without the scale.
// A caller that takes dB and dA from one buffer, dA right after dB's k·d
// elements, has M'·S read S once.
func (c *CNNLoss) Pair(dA, dB, A, B []float32, y []int32, filtered []bool, n, k, d int, scale float32) float64 {
	t := k + n
	ld := rowStride(d)
	sm := c.s[:t*ld]
	for j := range k {
		copy(sm[j*ld:j*ld+d], B[j*d:(j+1)*d])
	}
	for i := range n {
		row := sm[(k+i)*ld : (k+i)*ld+d]
		if filtered != nil && filtered[i] {
			clear(row)
		} else {
			copy(row, A[i*d:(i+1)*d])
		}
	}
	g := c.g[:t*t]
	blas.SgemmSym(t, d, 1, sm, ld, g, t)
	r := c.r[:t]
	for j := range t {
		r[j] = 1 / (rowNorm(g, t, j) + normEps)
		if j >= k && filtered != nil && filtered[j-k] {
			r[j] = 0
		}
	}

	// The factors of M's blocks: dP (and its transpose above it), 2·dQ and
	// 2·dR (folding in Q's and R's symmetry).
	fp := float64(scale) * 2 * float64(c.sC) / float64(n*k)
	fq := float64(scale) * 4 * float64(c.sSSL) / float64(n*n)
	fr := float64(scale) * 4 * float64(c.sSSL) / float64(k*k)
	mm := c.mm[:t*t]
	var lp, lq, lr float64
	for j := range t {
		gj, mj := g[j*t:(j+1)*t], mm[j*t:(j+1)*t]
		label := -1 // the column of Y's 1 in row j of Ĝ's lower-left block P + Y
		if j >= k {
			label = int(y[j-k])
		}
		var dot, diag float64 // Σ_l M_jl·r_l·G_jl; M_jj
		for l := range t {
			rg := r[l] * float64(gj[l]) // r_l·G_jl
			e := r[j] * rg              // Ĝ_jl, less its target below
			var f float64
			switch {
			case j < k && l < k: // R
				if j == l {
					e--
				}
				lr += e * e
				f = fr
			case j >= k && l >= k: // Q
				if j == l {
					e--
				}
				lq += e * e
				f = fq
			case j >= k: // P
				if l == label {
					e--
				}
				lp += e * e
				f = fp
			default: // Pᵀ
				if j == int(y[l-k]) {
					e--
				}
				f = fp
			}
			mjl := f * e
			dot += mjl * rg
			if l == j {
				diag = mjl
				continue
			}
			mj[l] = float32(r[j] * mjl * r[l])
		}
		md := r[j] * diag * r[j]
		if nu := rowNorm(g, t, j); nu > 0 {
			md -= r[j] * r[j] * dot / nu
		}
		mj[j] = float32(md)
	}
	lp /= float64(n * k)
	lq /= float64(n * n)
	lr /= float64(k * k)

	switch {
	case dA == nil:
		blas.Sgemm(blas.NoTrans, blas.NoTrans, k, d, t, 1, mm, t, sm, ld, 0, dB, d)
	case cap(dB) >= t*d && n > 0 && &dB[:t*d][k*d] == &dA[0]:
		// dA's rows follow dB's: [dB; dA] = M'·S in one product, which
		// reads S once (the same bits: each element is the same sum).
		blas.Sgemm(blas.NoTrans, blas.NoTrans, t, d, t, 1, mm, t, sm, ld, 0, dB[:t*d], d)
	default:
		blas.Sgemm(blas.NoTrans, blas.NoTrans, k, d, t, 1, mm, t, sm, ld, 0, dB, d)
		blas.Sgemm(blas.NoTrans, blas.NoTrans, n, d, t, 1, mm[k*t:], t, sm, ld, 0, dA, d)
	}
	if dA != nil {
		for i := range n {
			if filtered != nil && filtered[i] {
				clear(dA[i*d : (i+1)*d]) // zero already, unless another row is not finite
			}
		}
	}
	return float64(c.sC)*lp + float64(c.sSSL)*(lq+lr)
}

// rowNorm returns ν_j = ‖S_j‖ from the t × t Gram matrix g = S·Sᵀ: the
// square root of its diagonal element, which rounding cannot make
// negative but is clamped at 0 all the same.
func rowNorm(g []float32, t, j int) float64 {
	return math.Sqrt(max(float64(g[j*t+j]), 0))
}
