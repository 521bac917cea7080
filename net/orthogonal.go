package net

import (
	"math"
	"math/rand/v2"
)

// InitOrthogonal fills t (rows = Shape[0], cols = the rest) with a
// (semi-)orthogonal matrix scaled by gain, as torch.nn.init.orthogonal_
// constructs it: a rows×cols standard normal matrix M, transposed when
// rows < cols so that it is tall; Q of its QR decomposition, with each
// column's sign set so that R has a positive diagonal; transposed back.
// The result has orthonormal rows (rows ≤ cols) or columns (rows ≥ cols).
// The QR is computed by modified Gram–Schmidt in float64, which yields
// exactly that sign convention.
func InitOrthogonal(t *Tensor, gain float64, rng *rand.Rand) {
	rows, cols := t.Rows(), t.Cols()
	m := make([]float64, rows*cols)
	for i := range m {
		m[i] = rng.NormFloat64()
	}
	q := orthonormalize(m, rows, cols)
	for i, v := range q {
		t.Data[i] = float32(v * gain)
	}
}

// orthonormalize returns, for a row-major rows×cols matrix m, the factor Q
// described at InitOrthogonal, rows×cols row-major.
func orthonormalize(m []float64, rows, cols int) []float64 {
	tall := rows >= cols
	// Work on the tall matrix A (p × q, p ≥ q) column by column.
	p, q := rows, cols
	at := func(i, j int) *float64 { return &m[i*cols+j] }
	if !tall {
		p, q = cols, rows
		at = func(i, j int) *float64 { return &m[j*cols+i] }
	}
	col := make([]float64, p)
	for j := 0; j < q; j++ {
		for i := 0; i < p; i++ {
			col[i] = *at(i, j)
		}
		for k := 0; k < j; k++ {
			var dot float64
			for i := 0; i < p; i++ {
				dot += *at(i, k) * col[i]
			}
			for i := 0; i < p; i++ {
				col[i] -= dot * *at(i, k)
			}
		}
		var nrm float64
		for _, v := range col {
			nrm += v * v
		}
		nrm = math.Sqrt(nrm)
		for i := 0; i < p; i++ {
			*at(i, j) = col[i] / nrm
		}
	}
	return m
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
