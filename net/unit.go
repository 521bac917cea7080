package net

import (
	"fmt"

	"github.com/counter-current/ccl/conv"
	"github.com/counter-current/ccl/internal/hugepage"
)

// UnitConfig describes one layer of a Stack. Feature maps are NHWC (see
// package conv): a batch of n maps of H×W×C is an (n·H·W) × C matrix, so a
// linear layer is the case H = W = 1.
//
// The layer computes, in order (each step optional except the core):
//
//	x₁ = BN(x)              BN = 1: batch norm of the input, over its C channels
//	x₂ = up(x₁)             Upsample: nearest-neighbour ×2
//	h  = core(x₂) + bias    Conv: K×K convolution (Stride, Pad); else x₂·Wᵀ
//	z  = BN(h)              BN = 2: batch norm over the OutC channels
//	a  = f(z)               Act (Identity: none)
//	y  = pool(a)            Pool: 2×2 max-pool, stride 2
type UnitConfig struct {
	InC, InH, InW       int  // input map; a linear layer has InH = InW = 1
	OutC                int  // output channels (features)
	Conv                bool // convolution core; else linear
	Kernel, Stride, Pad int  // convolution geometry
	Upsample            bool // nearest ×2 before the core
	Bias                bool
	BN                  int // 0 none, 1 on the input, 2 before the activation
	Act                 Activation
	Pool                bool
}

// coreIn returns the spatial size the core sees.
func (c UnitConfig) coreIn() (h, w int) {
	if c.Upsample {
		return 2 * c.InH, 2 * c.InW
	}
	return c.InH, c.InW
}

// coreOut returns the spatial size of the core's output.
func (c UnitConfig) coreOut() (h, w int) {
	h, w = c.coreIn()
	if c.Conv {
		h = (h+2*c.Pad-c.Kernel)/c.Stride + 1
		w = (w+2*c.Pad-c.Kernel)/c.Stride + 1
	}
	return h, w
}

// OutShape returns the output map's height, width and channels.
func (c UnitConfig) OutShape() (h, w, ch int) {
	h, w = c.coreOut()
	if c.Pool {
		h, w = h/2, w/2
	}
	return h, w, c.OutC
}

// InDim and OutDim return the per-sample input and output widths.
func (c UnitConfig) InDim() int { return c.InC * c.InH * c.InW }

// OutDim returns the per-sample output width H·W·C.
func (c UnitConfig) OutDim() int { h, w, ch := c.OutShape(); return h * w * ch }

func (c UnitConfig) geometry(n int) conv.Geometry {
	h, w := c.coreIn()
	return conv.Geometry{N: n, H: h, W: w, Cin: c.InC, Cout: c.OutC, K: c.Kernel, Stride: c.Stride, Pad: c.Pad}
}

// Unit is one layer of a Stack: its parameters, its batch norm and every
// buffer its forward pass saves, allocated once for at most MaxRows samples.
type Unit struct {
	Cfg     UnitConfig
	W       *Tensor    // OutC × InC (linear) or OutC × InC × K × K (conv)
	B       *Tensor    // OutC, or nil
	Norm    *BatchNorm // BN ≠ 0, else nil
	MaxRows int

	x, x1, x2 []float32 // input (the caller's), after BN, after upsampling
	col       []float32 // conv scratch (conv.Geometry.ScratchLen): im2col of x2 (under 16 channels), the tap matrix of a narrow conv, else nil
	h, z, a   []float32 // core output, after BN, after the activation
	y         []float32 // output (after pooling; aliases a without pool)
	argmax    []int32   // pool routing
	n         int       // rows of the last Forward

	da, dcol, dx2, dx1 []float32 // backward scratch, allocated on first use
	dwt                []float32 // weightInChunks' tap-major sum, allocated on first use
}

// NewUnit registers the unit's weight (and bias) in p as wName (and bName)
// and allocates its buffers for maxRows samples.
func NewUnit(p *Params, wName, bName string, cfg UnitConfig, maxRows int) *Unit {
	if cfg.BN < 0 || cfg.BN > 2 {
		panic(fmt.Sprintf("net: bad batch-norm placement %d", cfg.BN))
	}
	u := &Unit{Cfg: cfg, MaxRows: maxRows}
	if cfg.Conv {
		u.W = p.Add(wName, cfg.OutC, cfg.InC, cfg.Kernel, cfg.Kernel)
	} else {
		if cfg.Upsample || cfg.Pool {
			panic("net: a linear unit cannot upsample or pool")
		}
		u.W = p.Add(wName, cfg.OutC, cfg.InC)
	}
	if cfg.Bias {
		u.B = p.Add(bName, cfg.OutC)
	}
	inRows := maxRows * cfg.InH * cfg.InW
	ih, iw := cfg.coreIn()
	oh, ow := cfg.coreOut()
	coreRows := maxRows * oh * ow
	switch cfg.BN {
	case 1:
		u.Norm = NewBatchNorm(cfg.InC)
		u.x1 = hugepage.Floats(inRows * cfg.InC)
	case 2:
		u.Norm = NewBatchNorm(cfg.OutC)
		u.z = hugepage.Floats(coreRows * cfg.OutC)
	}
	if cfg.Upsample {
		u.x2 = hugepage.Floats(maxRows * ih * iw * cfg.InC)
	}
	if cfg.Conv {
		if n := cfg.geometry(maxRows).ScratchLen(); n > 0 {
			u.col = hugepage.Floats(n)
		}
	}
	u.h = hugepage.Floats(coreRows * cfg.OutC)
	if cfg.BN != 2 {
		u.z = u.h
	}
	if cfg.Act == Identity || cfg.Pool {
		u.a = u.z // a pooled unit never stores a = f(z) (see Forward)
	} else {
		u.a = hugepage.Floats(coreRows * cfg.OutC)
	}
	u.y = u.a
	if cfg.Pool {
		u.y = hugepage.Floats(maxRows * (oh / 2) * (ow / 2) * cfg.OutC)
		u.argmax = make([]int32, len(u.y))
	}
	return u
}

// Output returns the output of the last Forward (n × OutDim).
func (u *Unit) Output() []float32 { return u.y[:u.n*u.Cfg.OutDim()] }

// Forward runs the unit on x (n × InDim, kept by reference until Backward)
// in training mode (batch statistics; running statistics updated) or eval
// mode, and returns its output (n × OutDim, a view of an internal buffer).
func (u *Unit) Forward(x []float32, n int, train bool) []float32 {
	c := u.Cfg
	if n > u.MaxRows {
		panic(fmt.Sprintf("net: batch of %d rows exceeds MaxRows %d", n, u.MaxRows))
	}
	u.n = n
	inRows := n * c.InH * c.InW
	u.x = x[:inRows*c.InC]
	cur := u.x
	if c.BN == 1 {
		normalize(u.Norm, u.x1[:len(cur)], cur, inRows, train)
		cur = u.x1[:len(cur)]
	}
	if c.Upsample {
		up := u.x2[:4*len(cur)]
		conv.Upsample2Forward(up, cur, n, c.InH, c.InW, c.InC)
		cur = up
	}
	oh, ow := c.coreOut()
	rows := n * oh * ow
	h := u.h[:rows*c.OutC]
	var bias []float32
	if u.B != nil {
		bias = u.B.Data
	}
	if c.Conv {
		g := c.geometry(n)
		conv.Forward(h, u.col[:g.ScratchLen()], cur, u.W.Data, bias, g)
	} else {
		LinearForward(h, cur, u.W.Data, rows, c.InC, c.OutC)
		if bias != nil {
			addBias(h, bias, rows)
		}
	}
	z := u.z[:len(h)]
	if c.BN == 2 {
		normalize(u.Norm, z, h, rows, train)
	}
	if c.Pool {
		// y = pool(f(z)). Every activation offered is non-decreasing, so
		// that is f(pool(z)), f taken on a quarter of the elements (the
		// first cnn_pool layer's ELU: 16.8 million exponentials a step
		// instead of 4.2), the pool's arg-max that of z. Where f rounds
		// different z of a window to one value (ELU saturated at −1, a
		// ReLU's zeros), the gradient, which Backward routes to the
		// arg-max, goes to the greatest z rather than to the first of the
		// tied: its value there, dy·f'(z) computed from y, is the same.
		y := u.y[:n*c.OutDim()] // ⌊oh/2⌋·⌊ow/2⌋ per channel and sample
		if c.Act != Identity {
			conv.MaxPool2ForwardThenAct(y, u.argmax[:len(y)], z, n, oh, ow, c.OutC, c.Act)
		} else {
			conv.MaxPool2Forward(y, u.argmax[:len(y)], z, n, oh, ow, c.OutC)
		}
		return y
	}
	a := u.a[:len(h)]
	if c.Act != Identity {
		c.Act.Forward(a, z)
	}
	return a
}

func normalize(bn *BatchNorm, y, x []float32, rows int, train bool) {
	if train {
		bn.ForwardTrain(y, x, rows)
	} else {
		bn.ForwardEval(y, x, rows)
	}
}

func addBias(h, bias []float32, rows int) {
	c := len(bias)
	for r := 0; r < rows; r++ {
		hr := h[r*c : r*c+c]
		for j, b := range bias {
			hr[j] += b
		}
	}
}

// Backward takes dy = ∂loss/∂y (n × OutDim) for the last training-mode
// Forward and
//
//	da = poolᵀ(dy)                       (arg-max routing; dy itself without pool)
//	dz = da ⊙ f'(z)
//	dh = BNᵀ(dz) if BN = 2, else dz      (through the batch statistics)
//	dW += dhᵀ·x₂ (linear) or dhᵀ·im2col(x₂) (conv);  dBias += Σ_rows dh
//	                                     (= instead of += for a gradient marked
//	                                     stale by Params.StartGrad)
//	dx₂ = dh·W (linear) or col2im(dh·W) (conv)          only if dx ≠ nil
//	dx₁ = upᵀ(dx₂) (sum of each 2×2 block) if Upsample
//	dx = BNᵀ(dx₁) if BN = 1
//
// dy is overwritten: by dz without a pool, by dy ⊙ f'(z) at the arg-max
// positions with one. dx == nil stops the gradient at the unit's input:
// CCL's detachment.
func (u *Unit) Backward(dy, dx []float32, n int) {
	c := u.Cfg
	oh, ow := c.coreOut()
	rows := n * oh * ow
	var dh []float32
	if c.Pool {
		dp := dy[:n*c.OutDim()]
		if dx == nil && c.Conv && c.BN != 2 && u.weightInChunks(dp, n) {
			return
		}
		dh = u.unpooled(rows * c.OutC)
		u.pooledDerivative(dp, 0)
		conv.MaxPool2Backward(dh, dp, u.argmax[:len(dp)], n, oh, ow, c.OutC)
	} else {
		dh = dy[:rows*c.OutC]
		if c.Act != Identity {
			c.Act.Backward(dh, dh, u.z[:len(dh)], u.a[:len(dh)])
		}
	}
	if c.BN == 2 {
		u.Norm.Backward(dh, dh, u.z[:len(dh)], rows)
	}
	var dBias []float32
	if u.B != nil {
		dBias = u.B.Grad
		if u.B.GradBeta() == 0 {
			clear(dBias)
		}
	}
	beta := u.W.GradBeta()
	cin := u.coreInput()
	if c.Conv {
		g := c.geometry(n)
		conv.BackwardWeight(u.W.Grad, dBias, dh, cin, u.col[:g.ScratchLen()], g, beta)
	} else {
		LinearBackwardWeight(u.W.Grad, dh, cin, rows, c.InC, c.OutC, beta)
		if dBias != nil {
			for r := 0; r < rows; r++ {
				for j, v := range dh[r*c.OutC : r*c.OutC+c.OutC] {
					dBias[j] += v
				}
			}
		}
	}
	if dx == nil {
		return
	}
	inRows := n * c.InH * c.InW
	dx = dx[:inRows*c.InC]
	// The gradient of the core's input goes straight to dx unless an
	// upsampling or input batch norm still lies between them.
	dcore := dx
	if c.Upsample {
		if u.dx2 == nil {
			u.dx2 = hugepage.Floats(len(u.x2))
		}
		dcore = u.dx2[:4*len(dx)]
	}
	if c.Conv {
		g := c.geometry(n)
		if n := c.geometry(u.MaxRows).BackwardInputScratchLen(); len(u.dcol) < n {
			u.dcol = hugepage.Floats(n)
		}
		conv.BackwardInput(dcore, u.dcol[:g.BackwardInputScratchLen()], dh, u.W.Data, g)
	} else {
		LinearBackwardInput(dcore, dh, u.W.Data, rows, c.InC, c.OutC)
	}
	if c.Upsample {
		conv.Upsample2Backward(dx, dcore, n, c.InH, c.InW, c.InC)
	}
	if c.BN == 1 {
		u.Norm.Backward(dx, dx, u.x1[:len(dx)], inRows)
	}
}

// pooledDerivative applies f' in place to dp, the rows of the pooled
// gradient from element off of it on (dp ⊙= f'(z) at each window's
// arg-max). f'(z) is needed only where poolᵀ routes a gradient, so it is
// applied before the routing, on the pooled grid (a quarter of the
// elements; the other positions get 0 = 0·f'(z) either way). There z is
// not at hand, but the pooled output y = f(z) is, and every activation's
// Backward reads its input x only through x > 0, which for these
// increasing, sign-preserving activations (f(z) > 0 ⇔ z > 0) equals
// y > 0: passing y as x gives the same bits.
func (u *Unit) pooledDerivative(dp []float32, off int) {
	if act := u.Cfg.Act; act != Identity {
		yp := u.y[off : off+len(dp)]
		act.Backward(dp, dp, yp, yp)
	}
}

// unpooled returns m floats of the scratch for the unpooled gradient,
// allocated on first use and again, larger, when it is shorter: a unit
// whose weight gradient goes by ranges of samples (weightInChunks) keeps
// one range's, 1 MiB instead of 64 for the first cnn_pool layer at batch
// 128.
func (u *Unit) unpooled(m int) []float32 {
	if len(u.da) < m {
		u.da = hugepage.Floats(m)
	}
	return u.da[:m]
}

// pooledChunkBytes bounds the part of a pooled convolution's unpooled
// gradient dh that weightInChunks routes and then uses at once: 1 MiB,
// which stays in a core's L2 cache (2 MiB on the Intel hosts) between the
// two. The first cnn_pool layer's (batch 128) weight gradient, whose
// product (27 × 128 × 8192 a range) reads dh in place, took 16.9 ms a
// step in ranges of 4 MiB, 15.8 in 2 MiB, 13.3 in 1 MiB and 12.9–13.1 in
// 256–512 KiB; the other layers were level down to 1 MiB and slower below
// (more weight reorderings, shorter products).
const pooledChunkBytes = 1 << 20

// weightInChunks is the rest of Backward for a pooled convolution whose
// input gradient is not wanted (dx == nil, CCL) and that has no batch
// norm after it (whose backward needs all of dh first), when dh is larger
// than pooledChunkBytes: it routes dp through the pool and takes the
// weight gradient a few samples at a time,
//
//	for each range of samples s:  dp_s ⊙= f'(z);  dh_s = poolᵀ(dp_s);  Σ += dh_sᵀ·im2col(x₂)_s
//	dW = beta·dW + Σ   (Σ in the products' tap-major order, reordered once; see conv.ToTapMajor)
//
//	dp: n·⌊oh/2⌋·⌊ow/2⌋ × OutC (overwritten)   dh_s: a range's oh·ow × OutC rows (scratch)
//	dp_s: the rows of samples s    dW: OutC × InC·K·K    (dBias += Σ_rows dh_s, if any)
//
// so that dh_s is read back from cache rather than from memory: in the
// CIFAR-10 cnn_pool network the first layer's whole dh would be 64 MiB at
// batch 128. Every dh_s is written into the same scratch, into the lines
// the previous range left in cache, rather than into fresh memory that
// each store would first fetch and later write back.
// The ranges depend only on the layer and n, so the sums (a different
// grouping of the same terms as one product) do not depend on the thread
// count. It reports false, having done nothing, when dh is small.
func (u *Unit) weightInChunks(dp []float32, n int) bool {
	c := u.Cfg
	oh, ow := c.coreOut()
	per := oh * ow * c.OutC // dh per sample
	step := max(1, pooledChunkBytes/(4*per))
	if step >= n {
		return false
	}
	var dBias []float32
	if u.B != nil {
		dBias = u.B.Grad
	}
	beta := u.W.GradBeta()
	if dBias != nil && u.B.GradBeta() != beta {
		return false // the two gradients are in different states: keep it simple
	}
	cin := u.coreInput()
	g := c.geometry(n)
	inPer := g.InLen() / n
	storedCol := g.ScratchLen() == g.ColLen() // Forward's im2col, else scratch
	colPer := g.ColLen() / n
	pp := c.OutDim() // dp per sample
	// The ranges' products are summed in the product's own (tap-major)
	// order and reordered into W.Grad once.
	tap := !g.Narrow()
	if tap && u.dwt == nil {
		u.dwt = hugepage.Floats(g.WeightLen())
	}
	dh := u.unpooled(step * per) // the same memory for every range
	for lo := 0; lo < n; lo += step {
		hi := min(n, lo+step)
		// The first range overwrites the tap-major sum and scales the
		// gradients by beta; the others add to them.
		bt, b := float32(1), float32(1)
		if lo == 0 {
			bt, b = 0, beta
		}
		u.pooledDerivative(dp[lo*pp:hi*pp], lo*pp) // in cache for the routing
		dhs := dh[:(hi-lo)*per]
		conv.MaxPool2BackwardSamples(dhs, dp, u.argmax[:len(dp)], n, oh, ow, c.OutC, lo, hi)
		gs := c.geometry(hi - lo)
		col := u.col[:gs.ScratchLen()]
		if storedCol {
			col = u.col[lo*colPer : hi*colPer]
		}
		x := cin[lo*inPer : hi*inPer]
		if tap {
			conv.BackwardWeightTap(u.dwt, dhs, x, col, gs, bt)
			if dBias != nil {
				conv.BackwardBias(dBias, dhs, gs, b)
			}
		} else {
			conv.BackwardWeight(u.W.Grad, dBias, dhs, x, col, gs, b)
		}
	}
	if tap {
		conv.FromTapMajor(u.W.Grad, u.dwt, g, beta)
	}
	return true
}

// PlainLinear reports whether the unit is a linear map followed by its
// activation and nothing else (no bias, batch norm, pooling or
// upsampling): its weight gradient is then exactly Delta's dzᵀ·x.
func (u *Unit) PlainLinear() bool {
	c := u.Cfg
	return !c.Conv && c.BN == 0 && u.B == nil && !c.Pool && !c.Upsample
}

// Delta is the part of Backward that precedes the weight gradient, for a
// PlainLinear unit after a training-mode Forward of n rows: dy (n × OutC)
// becomes, in place,
//
//	dz = dy ⊙ f'(z)      the gradient of the unit's pre-activation
//
// and Delta returns it with the unit's input x (n × InC, valid until the
// next Forward). The weight gradient is dzᵀ·x (Backward's dW), which a
// caller may apply without forming it (LinearUpdateWeight).
func (u *Unit) Delta(dy []float32, n int) (dz, x []float32) {
	c := u.Cfg
	dz = dy[:n*c.OutC]
	if c.Act != Identity {
		c.Act.Backward(dz, dz, u.z[:len(dz)], u.a[:len(dz)])
	}
	return dz, u.coreInput()[:n*c.InC]
}

// coreInput returns what the core consumed in the last Forward.
func (u *Unit) coreInput() []float32 {
	c := u.Cfg
	inLen := len(u.x)
	switch {
	case c.Upsample:
		return u.x2[:4*inLen]
	case c.BN == 1:
		return u.x1[:inLen]
	}
	return u.x
}
