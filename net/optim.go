package net

import (
	"math"

	"github.com/counter-current/ccl/internal/hugepage"
	"github.com/counter-current/ccl/internal/parallel"
)

// SGD is stochastic gradient descent with PyTorch's momentum and
// weight-decay semantics (torch.optim.SGD, dampening 0, no Nesterov):
//
//	g ← g + wd·w
//	buf ← g                    on the first step
//	buf ← m·buf + g            afterwards (only when m ≠ 0)
//	w ← w − lr·buf             (w ← w − lr·g when m = 0)
type SGD struct {
	LR          float32
	Momentum    float32
	WeightDecay float32

	buf     []float32 // momentum buffer, same layout as Params.Data
	started bool
}

// Step updates every value of p from its gradient, which it leaves
// unchanged (PyTorch adds the weight decay to a copy, too).
func (o *SGD) Step(p *Params) { o.step(p, 1) }

// step is Step on the gradients multiplied by c first (g ← c·g, rounded to
// float32, as ClipGradNorm does in place): clipping and the update in one
// pass over the parameters.
func (o *SGD) step(p *Params, c float32) {
	w, g := p.Data, p.Grad[:len(p.Data)]
	lr, wd, m := o.LR, o.WeightDecay, o.Momentum
	mode := int64(0)
	if c != 1 {
		mode |= sgdClip | int64(math.Float32bits(c))<<32
	}
	if wd != 0 {
		mode |= sgdWD
	}
	var buf []float32
	if m != 0 {
		if o.buf == nil {
			o.buf = hugepage.Floats(len(w))
		}
		buf = o.buf[:len(w)]
		if !o.started {
			mode |= sgdCopy
			o.started = true
		} else {
			mode |= sgdBlend
		}
	}
	// One pass over w, g and buf (sgdGo); element by element the same
	// operations as the description above.
	elementwise(opSGD, w, g, buf, nil, lr, wd, m, mode)
}

// MomentumBuffer returns the momentum buffer (nil before the first step or
// without momentum) for checkpoints and tests.
func (o *SGD) MomentumBuffer() []float32 {
	if !o.started {
		return nil
	}
	return o.buf
}

// SetMomentumBuffer restores a momentum buffer saved by a checkpoint: the
// optimiser continues as if it had taken the steps that produced buf.
func (o *SGD) SetMomentumBuffer(buf []float32) {
	if len(o.buf) != len(buf) {
		o.buf = hugepage.Floats(len(buf))
	}
	copy(o.buf, buf)
	o.started = true
}

// CentralizeGradients applies gradient centralization (Yong et al. 2020) to
// every tensor of rank ≥ 2 in p: each output row of the gradient loses its
// mean over the remaining dimensions (the input dimension for a linear
// weight, (in, kh, kw) for a convolution weight):
//
//	G_ij ← G_ij − (1/cols) Σ_k G_ik
//
// Rank-1 tensors (biases) are left untouched.
//
// The row sums are float64 in the fixed lane order of sum64 (the same on
// every CPU path and run; not the order of a sequential loop).
func CentralizeGradients(p *Params) {
	for _, t := range p.Tensors {
		if len(t.Shape) < 2 {
			continue
		}
		rows, cols := t.Rows(), t.Cols()
		for r := 0; r < rows; r++ {
			g := t.Grad[r*cols : r*cols+cols]
			mean := float32(sum64(g, false) / float64(cols))
			elementwise(opSubC, g, nil, nil, nil, mean, 0, 0, 0)
		}
	}
}

// GradNorm returns the Euclidean norm of all gradients in p together. The
// sum of squares is float64: chunks of normChunk values in the fixed lane
// order of sum64, summed in parallel, then the chunk sums added in order
// (the same on every CPU path, run and thread count).
func GradNorm(p *Params) float64 {
	return math.Sqrt(sumSquares(p.Grad))
}

// normChunk is the number of values per chunk of sumSquares.
const normChunk = 1 << 17

// sqJob is one sumSquares call cut over the worker pool: chunk c's sum of
// squares goes to sums[c]. A job starts with sums on its own inline array:
// up to 128 chunks (16.7 M values, more than any network of the reference
// has parameters) need no allocation, so that a job value's first use,
// which can come late (see parallel.FreeList), allocates nothing.
type sqJob struct {
	x      []float32
	sums   []float64
	inline [128]float64
	g      parallel.Group
}

var sqJobs = parallel.NewFreeList(func(j *sqJob) {
	j.g.Prepare()
	j.sums = j.inline[:]
})

// Do sums chunks [lo, hi) (parallel.Task).
func (j *sqJob) Do(_, lo, hi int) {
	for c := lo; c < hi; c++ {
		j.sums[c] = sum64(j.x[c*normChunk:min(len(j.x), (c+1)*normChunk)], true)
	}
}

// sumSquares returns Σ x_i² as GradNorm describes: sum64 for a single
// chunk, else the chunks' sums (computed in parallel) added in order.
func sumSquares(x []float32) float64 {
	nc := (len(x) + normChunk - 1) / normChunk
	if nc <= 1 {
		return sum64(x, true)
	}
	j := sqJobs.Get()
	if cap(j.sums) < nc {
		j.sums = make([]float64, nc)
	}
	j.x, j.sums = x, j.sums[:nc]
	parallel.Run(j, &j.g, nc, nc, 1)
	var s float64
	for _, v := range j.sums {
		s += v
	}
	j.x = nil
	sqJobs.Put(j)
	return s
}

// ClipGradNorm scales the gradients of p so that their total norm is at most
// maxNorm, as torch.nn.utils.clip_grad_norm_ does:
//
//	norm = ‖(g_1, …, g_P)‖₂       if norm > maxNorm: g ← g · maxNorm / (norm + 1e-6)
//
// It returns the norm before clipping. maxNorm ≤ 0 disables clipping.
func ClipGradNorm(p *Params, maxNorm float64) float64 {
	norm := GradNorm(p)
	if c := ClipCoef(norm, maxNorm); c != 1 {
		elementwise(opScale, p.Grad, nil, nil, nil, c, 0, 0, 0)
	}
	return norm
}

// ClipCoef returns the factor clip_grad_norm_ scales the gradients by,
// maxNorm/(norm + 1e-6) rounded to float32, or 1 when it would not clip
// (maxNorm ≤ 0, or a factor ≥ 1).
func ClipCoef(norm, maxNorm float64) float32 {
	if maxNorm <= 0 {
		return 1
	}
	if coef := maxNorm / (norm + 1e-6); coef < 1 {
		return float32(coef)
	}
	return 1
}

// CosineLR returns the learning rate of epoch e (0-based) under cosine
// annealing with period tmax, as torch.optim.lr_scheduler.CosineAnnealingLR
// stepped once per epoch:
//
//	lr_e = eta_min + (lr_0 − eta_min)·(1 + cos(π·e/tmax))/2
//
// tmax == 0 means no schedule: lr_0 for every epoch. Note that with
// lr_0 < eta_min (e.g. a frozen feedback network, lr_B = 0) the schedule
// raises the rate toward eta_min, exactly as PyTorch's does.
func CosineLR(lr0, etaMin float64, e, tmax int) float64 {
	if tmax == 0 {
		return lr0
	}
	return etaMin + (lr0-etaMin)*(1+math.Cos(math.Pi*float64(e)/float64(tmax)))/2
}

// WarmupScale returns the factor the whole loss is multiplied by at a step:
//
//	(batch + 1)/warmup   while globalStep < warmup
//	1                    afterwards, or when warmup == 0
//
// Quirk of the reference (spec §4): the numerator uses the batch index
// within the epoch, not the global step. For warm-ups longer than an epoch
// the factor therefore restarts from 1/warmup at each epoch boundary until
// the global step reaches warmup.
func WarmupScale(batch, globalStep, warmup int) float32 {
	if warmup <= 0 || globalStep >= warmup {
		return 1
	}
	return float32(batch+1) / float32(warmup)
}

// Optimizer is one parameter set's whole update, in the reference's order
// (spec §6): gradient centralization, clipping by total norm, then SGD.
type Optimizer struct {
	SGD
	Centralize bool    // GradC: 1
	ClipNorm   float64 // grad_clip_F / grad_clip_B; 0 disables clipping
	LastNorm   float64 // total gradient norm of the last Step, after centralization, before clipping
}

// Step applies the update to p from the gradients accumulated in p.Grad.
//
// Clipping and the update share one pass: the result is the same, bit for
// bit, as ClipGradNorm followed by SGD.Step, but the gradients are left
// unclipped.
func (o *Optimizer) Step(p *Params) {
	if o.Centralize {
		CentralizeGradients(p)
	}
	o.LastNorm = GradNorm(p)
	o.SGD.step(p, ClipCoef(o.LastNorm, o.ClipNorm))
}
