package datasets

import "math"

// PIL's bilinear resampling (Pillow's libImaging/Resample.c, ImagingResample
// with Resampling.BILINEAR), which is what torchvision's Resize does to a
// PIL image:
//
//   - separable, horizontal pass first, then vertical, each rounding to uint8;
//   - output pixel i of a pass samples the input around the centre
//     (i + 0.5)·scale, scale = in/out (half-pixel centres, i.e.
//     align_corners=False);
//   - the triangle kernel's support is 1 input pixel when enlarging and
//     `scale` input pixels when shrinking (support·filterscale with
//     filterscale = max(scale, 1)): that is PIL's antialiasing, so a 96→32
//     resize averages 3-pixel-wide triangles (7 taps), not 2 neighbours;
//   - the taps are the input pixels whose index lies in
//     [trunc(centre − support + 0.5), trunc(centre + support + 0.5)) clipped
//     to the image; their weights tri((j − centre + 0.5)/filterscale) are
//     normalised to sum to 1, so at the borders the kernel is renormalised
//     rather than the image extended;
//   - weights are converted to fixed point with 22 fraction bits (rounded
//     half away from zero), each pass accumulates from 2^21 (rounding) and
//     clips to 0..255.
//
// This reproduces Pillow 9.4 byte for byte on the sizes tested (28→32 and
// 96→32, one and three channels). One difference, irrelevant here: PIL
// crops the rows of the horizontal pass to those the vertical pass reads
// (an optimisation with identical results) and skips a pass whose size does
// not change, which is done here too.

// pilPrecision is PIL's PRECISION_BITS for 8-bit images (32 − 8 − 2).
const pilPrecision = 22

// pilTaps holds the fixed-point taps of one resampling pass: output i reads
// count[i] inputs starting at first[i] with weights k[i*ksize:].
type pilTaps struct {
	first, count []int
	k            []int32
	ksize        int
}

// newPILTaps computes PIL's bilinear taps for resizing in pixels to out.
func newPILTaps(in, out int) pilTaps {
	scale := float64(in) / float64(out)
	filterscale := max(scale, 1)
	support := 1 * filterscale // bilinear support 1
	ksize := int(math.Ceil(support))*2 + 1
	t := pilTaps{first: make([]int, out), count: make([]int, out), k: make([]int32, out*ksize), ksize: ksize}
	w := make([]float64, ksize)
	for i := 0; i < out; i++ {
		center := (float64(i) + 0.5) * scale
		ss := 1 / filterscale
		lo := int(center - support + 0.5) // C's (int) truncates toward zero, as Go's conversion
		lo = max(lo, 0)
		hi := int(center + support + 0.5)
		hi = min(hi, in)
		n := hi - lo
		sum := 0.0
		for j := 0; j < n; j++ {
			x := math.Abs((float64(j+lo) - center + 0.5) * ss)
			w[j] = 0
			if x < 1 {
				w[j] = 1 - x
			}
			sum += w[j]
		}
		for j := 0; j < n; j++ {
			if sum != 0 {
				w[j] /= sum
			}
			v := w[j] * (1 << pilPrecision)
			if v < 0 {
				t.k[i*ksize+j] = int32(v - 0.5)
			} else {
				t.k[i*ksize+j] = int32(v + 0.5)
			}
		}
		t.first[i], t.count[i] = lo, n
	}
	return t
}

// clip8 is PIL's rounding of a fixed-point accumulator to a byte.
func clip8(v int) uint8 {
	v >>= pilPrecision
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// pilResizer resizes C×ih×iw byte images (CHW) to C×oh×ow as PIL's bilinear
// resize does on each channel. It owns a scratch buffer: one per goroutine.
type pilResizer struct {
	c, ih, iw, oh, ow int
	hor, ver          pilTaps
	tmp               []uint8 // C × ih × ow, after the horizontal pass
	acc               []int   // one output row of the vertical pass
}

func newPILResizer(c, ih, iw, oh, ow int) *pilResizer {
	return &pilResizer{c: c, ih: ih, iw: iw, oh: oh, ow: ow,
		hor: newPILTaps(iw, ow), ver: newPILTaps(ih, oh), tmp: make([]uint8, c*ih*ow), acc: make([]int, ow)}
}

// resize writes the resized image of src (C×ih×iw) into dst (C×oh×ow).
// It does not allocate.
func (r *pilResizer) resize(src, dst []uint8) {
	src = src[:r.c*r.ih*r.iw]
	dst = dst[:r.c*r.oh*r.ow]
	mid, midW := src, r.iw
	if r.iw != r.ow {
		mid, midW = r.tmp, r.ow
		t := &r.hor
		for row := 0; row < r.c*r.ih; row++ {
			in := src[row*r.iw : (row+1)*r.iw]
			out := r.tmp[row*r.ow : (row+1)*r.ow]
			for i := range out {
				k := t.k[i*t.ksize : i*t.ksize+t.count[i]]
				px := in[t.first[i] : t.first[i]+len(k)]
				acc := 1 << (pilPrecision - 1)
				for j, w := range k {
					acc += int(px[j]) * int(w)
				}
				out[i] = clip8(acc)
			}
		}
	}
	if r.ih == r.oh {
		copy(dst, mid)
		return
	}
	t := &r.ver
	acc := r.acc[:r.ow]
	for ch := 0; ch < r.c; ch++ {
		in := mid[ch*r.ih*midW : (ch+1)*r.ih*midW]
		out := dst[ch*r.oh*r.ow : (ch+1)*r.oh*r.ow]
		for i := 0; i < r.oh; i++ {
			for x := range acc {
				acc[x] = 1 << (pilPrecision - 1)
			}
			// Row by row (the same sums as PIL's column-wise loop, in the
			// same order per pixel, so the same integers).
			for j, w := range t.k[i*t.ksize : i*t.ksize+t.count[i]] {
				src := in[(t.first[i]+j)*midW:][:len(acc)]
				for x, v := range src {
					acc[x] += int(v) * int(w)
				}
			}
			row := out[i*r.ow : (i+1)*r.ow]
			for x := range row {
				row[x] = clip8(acc[x])
			}
		}
	}
}
