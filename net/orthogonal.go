package net

import (
	"math"
	"math/rand/v2"

	"github.com/counter-current/ccl/blas"
)

// InitOrthogonal fills t (rows = Shape[0], cols = the rest) with a
// (semi-)orthogonal matrix scaled by gain, as torch.nn.init.orthogonal_
// constructs it: a rows×cols standard normal matrix M, transposed when
// rows < cols so that it is tall; Q of its QR decomposition, with each
// column's sign set so that R has a positive diagonal; transposed back.
// The result has orthonormal rows (rows ≤ cols) or columns (rows ≥ cols).
//
// Q is computed by Gram–Schmidt, which yields exactly that sign convention:
// the vectors to orthonormalise are made the rows of a wide matrix and
// processed in blocks (block classical Gram–Schmidt with one
// re-orthogonalisation, "CGS2": the projections on earlier blocks are two
// Sgemm calls per pass; within a block, modified Gram–Schmidt in float64),
// so the 2048 × 18432 matrices of the autoencoder take about a second.
func InitOrthogonal(t *Tensor, gain float64, rng *rand.Rand) {
	rows, cols := t.Rows(), t.Cols()
	m := make([]float32, rows*cols)
	for i := range m {
		m[i] = float32(rng.NormFloat64())
	}
	if rows >= cols {
		// Orthonormalise the columns: work on Mᵀ (cols × rows).
		mt := make([]float32, rows*cols)
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				mt[j*rows+i] = m[i*cols+j]
			}
		}
		orthonormalizeRows(mt, cols, rows)
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				m[i*cols+j] = mt[j*rows+i]
			}
		}
	} else {
		orthonormalizeRows(m, rows, cols)
	}
	for i, v := range m {
		t.Data[i] = float32(float64(v) * gain)
	}
}

// orthoBlock is the block size of orthonormalizeRows.
const orthoBlock = 16

// orthonormalizeRows makes the q rows of v (q × p, row-major, q ≤ p)
// orthonormal by Gram–Schmidt in row order: row j loses its components
// along rows 0 … j−1 and is normalised. Rows are taken in blocks of
// orthoBlock: each block is projected off all earlier rows twice (CGS2,
// C = B·Qᵀ then B −= C·Q, with blas.Sgemm), then orthonormalised within
// itself by modified Gram–Schmidt (twice) in float64.
func orthonormalizeRows(v []float32, q, p int) {
	c := make([]float32, orthoBlock*q)
	row := make([]float64, p)
	for k0 := 0; k0 < q; k0 += orthoBlock {
		b := min(orthoBlock, q-k0)
		blk := v[k0*p : (k0+b)*p]
		if k0 > 0 {
			for pass := 0; pass < 2; pass++ {
				blas.Sgemm(blas.NoTrans, blas.Trans, b, k0, p, 1, blk, p, v, p, 0, c, k0)
				blas.Sgemm(blas.NoTrans, blas.NoTrans, b, p, k0, -1, c, k0, v, p, 1, blk, p)
			}
		}
		for j := 0; j < b; j++ {
			rj := blk[j*p : (j+1)*p]
			for i, x := range rj {
				row[i] = float64(x)
			}
			for pass := 0; pass < 2; pass++ {
				for k := 0; k < j; k++ {
					rk := blk[k*p : (k+1)*p]
					var dot float64
					for i, x := range rk {
						dot += float64(x) * row[i]
					}
					for i, x := range rk {
						row[i] -= dot * float64(x)
					}
				}
			}
			var nrm float64
			for _, x := range row {
				nrm += x * x
			}
			inv := 1 / math.Sqrt(nrm)
			for i, x := range row {
				rj[i] = float32(x * inv)
			}
		}
	}
}

// InitOrthogonalConv initialises a convolution weight (out, in, k, k) as the
// reference's autoencoder does (spec §9): orthogonal on the out × (in·k·k)
// matrix when out ≥ in; when out < in, orthogonal on the weight with its
// first two axes swapped (an in × (out·k·k) matrix), then swapped back.
func InitOrthogonalConv(t *Tensor, gain float64, rng *rand.Rand) {
	if len(t.Shape) != 4 || t.Shape[0] >= t.Shape[1] {
		InitOrthogonal(t, gain, rng)
		return
	}
	out, in, kh, kw := t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3]
	sw := &Tensor{Shape: []int{in, out, kh, kw}, Data: make([]float32, t.Len())}
	InitOrthogonal(sw, gain, rng)
	kk := kh * kw
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			copy(t.Data[(o*in+i)*kk:(o*in+i+1)*kk], sw.Data[(i*out+o)*kk:(i*out+o+1)*kk])
		}
	}
}
