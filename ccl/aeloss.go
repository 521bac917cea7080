package ccl

import (
	"math"

	"github.com/counter-current/ccl/internal/hugepage"
)

// AELoss is the autoencoder's pair loss (spec §9) with its scratch buffers.
type AELoss struct {
	sC, sD   float32
	an, bn   []float32 // Ã, B̃
	na, nb   []float64 // per (sample, channel) norms of the centred maps
	dAn, dBn []float32
	acc      []float64 // per-channel sums and factors of one sample (3c values)
}

// NewAELoss returns the loss for maps of at most maxLen values.
func NewAELoss(maxLen, maxGroups int, sC, sD float32) *AELoss {
	return &AELoss{sC: sC, sD: sD,
		an: hugepage.Floats(maxLen), bn: hugepage.Floats(maxLen),
		na: make([]float64, maxGroups), nb: make([]float64, maxGroups),
		dAn: hugepage.Floats(maxLen), dBn: hugepage.Floats(maxLen), acc: make([]float64, 3*maxGroups)}
}

// Pair computes the loss of one pair of n NHWC maps of h×w×c and its
// gradients, with the whole loss multiplied by scale (the warm-up factor):
//
//	L = s_C·h·mse(A, B) + s_D·h·mse(Ã, B̃)       middle pairs
//	L = s_C·h·mse(A, B)                         end pairs (end = true)
//	Ã: each (sample, channel) map of A minus its spatial mean, divided by its
//	   spatial L2 norm + 1e-8; B̃ likewise;  mse = mean over all n·h·w·c values
//	dA = scale·s_C·h·2(A − B)/numel + (scale·s_D·h·2(Ã − B̃)/numel through the normalisation)
//	dB = −scale·s_C·h·2(A − B)/numel − (… through B's normalisation)
//
// dA or dB may be nil when that side needs no gradient (the input image).
// It returns L without the scale.
func (l *AELoss) Pair(dA, dB, A, B []float32, n, h, w, c int, end bool, scale float32) float64 {
	size := n * h * w * c
	A, B = A[:size], B[:size]
	coefC := float64(l.sC) * float64(h)
	g := float32(float64(scale) * coefC * 2 / float64(size))
	var sum float64
	for i, a := range A {
		d := a - B[i]
		sum += float64(d) * float64(d)
	}
	loss := coefC * sum / float64(size)
	if dA != nil {
		for i, a := range A {
			dA[i] = g * (a - B[i])
		}
	}
	if dB != nil {
		for i, a := range A {
			dB[i] = g * (B[i] - a)
		}
	}
	if end {
		return loss
	}
	an, bn := l.an[:size], l.bn[:size]
	centreNormalize(an, l.na, A, n, h*w, c, l.acc)
	centreNormalize(bn, l.nb, B, n, h*w, c, l.acc)
	coefD := float64(l.sD) * float64(h)
	gd := float32(float64(scale) * coefD * 2 / float64(size))
	sum = 0
	dAn, dBn := l.dAn[:size], l.dBn[:size]
	for i, a := range an {
		d := a - bn[i]
		sum += float64(d) * float64(d)
		dAn[i] = gd * d
		dBn[i] = -gd * d
	}
	loss += coefD * sum / float64(size)
	if dA != nil {
		centreNormalizeBackward(dA, dAn, an, l.na, n, h*w, c, l.acc)
	}
	if dB != nil {
		centreNormalizeBackward(dB, dBn, bn, l.nb, n, h*w, c, l.acc)
	}
	return loss
}

// centreNormalize writes, for every sample s and channel ch of the NHWC
// maps x (n × hw × c), y = (x − mean)/(‖x − mean‖ + 1e-8) over the hw
// positions, and the norms ‖x − mean‖ in norms[s·c + ch].
func centreNormalize(y []float32, norms []float64, x []float32, n, hw, c int, acc []float64) {
	mean, sq := acc[:c], acc[c:2*c]
	for s := 0; s < n; s++ {
		xs, ys := x[s*hw*c:(s+1)*hw*c], y[s*hw*c:(s+1)*hw*c]
		// Every channel's sums run over the pixels in order, as a loop per
		// channel would; the pixels are read row by row (NHWC), so each
		// pass streams the sample once instead of once per channel.
		clear(mean)
		for p := 0; p < hw; p++ {
			for ch, v := range xs[p*c : p*c+c] {
				mean[ch] += float64(v)
			}
		}
		for ch := range mean {
			mean[ch] /= float64(hw)
		}
		clear(sq)
		for p := 0; p < hw; p++ {
			for ch, v := range xs[p*c : p*c+c] {
				d := float64(v) - mean[ch]
				sq[ch] += d * d
			}
		}
		nrm := norms[s*c : s*c+c]
		for ch := range sq {
			nrm[ch] = math.Sqrt(sq[ch])
			sq[ch] = 1 / (nrm[ch] + normEps) // now the inverse
		}
		for p := 0; p < hw; p++ {
			row, out := xs[p*c:p*c+c], ys[p*c:p*c+c]
			for ch, v := range row {
				out[ch] = float32((float64(v) - mean[ch]) * sq[ch])
			}
		}
	}
}

// centreNormalizeBackward adds to dx the gradient dy takes back through
// y = centreNormalize(x): first through the division by the norm, as
// normalizeRowsBackward does (dz = (dy − y·(y·dy)·(r+ε)/r)/(r+ε), r = ‖z‖;
// dz = dy/(r+ε) where r = 0, as PyTorch's norm backward gives), then
// through the centring (dx = dz − mean(dz)). acc is scratch of at least
// 3c values.
func centreNormalizeBackward(dx, dy, y []float32, norms []float64, n, hw, c int, acc []float64) {
	f, mean, inv := acc[:c], acc[c:2*c], acc[2*c:3*c]
	for s := 0; s < n; s++ {
		lo, hi := s*hw*c, (s+1)*hw*c
		dxs, dys, ysm := dx[lo:hi], dy[lo:hi], y[lo:hi]
		nrm := norms[s*c : s*c+c]
		clear(f)
		for p := 0; p < hw; p++ {
			yr := ysm[p*c : p*c+c]
			for ch, g := range dys[p*c : p*c+c] {
				f[ch] += float64(g) * float64(yr[ch])
			}
		}
		for ch, r := range nrm {
			inv[ch] = 1 / (r + normEps)
			if r != 0 {
				f[ch] = f[ch] * (r + normEps) / r
			} else {
				f[ch] = 0
			}
		}
		clear(mean)
		for p := 0; p < hw; p++ {
			yr := ysm[p*c : p*c+c]
			for ch, g := range dys[p*c : p*c+c] {
				mean[ch] += (float64(g) - float64(yr[ch])*f[ch]) * inv[ch]
			}
		}
		for ch := range mean {
			mean[ch] /= float64(hw)
		}
		for p := 0; p < hw; p++ {
			yr, out := ysm[p*c:p*c+c], dxs[p*c:p*c+c]
			for ch, g := range dys[p*c : p*c+c] {
				dz := (float64(g) - float64(yr[ch])*f[ch]) * inv[ch]
				out[ch] += float32(dz - mean[ch])
			}
		}
	}
}
