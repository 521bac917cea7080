package conv

import (
	"github.com/counter-current/ccl/internal/parallel"
)

// grain is the least number of float32 elements a goroutine is given; below
// 2·grain elements of work, a loop runs on the caller alone.
const grain = 1 << 14

// kind selects the loop a job runs.
type kind uint8

const (
	kIm2col  kind = iota // dst = col, src = in
	kCol2im              // dst = dIn, src = dcol
	kPoolF               // dst = out, src = in, idx = argmax, act (may be nil)
	kPoolFA              // kPoolF with act applied after the pool
	kPoolB               // dst = dIn, src = dOut, idx = argmax
	kUpF                 // dst = out, src = in
	kUpB                 // dst = dIn, src = dOut
	kToTap               // dst = tap-major weights, src = PyTorch-layout weights (rows: output channels)
	kFromTap             // dst = PyTorch-layout weights (beta·dst +), src = tap-major weights
	kGather              // dst = out, src = tap matrix T, bias (narrow forward)
	kBias                // dst = out rows to fill with bias
	kSpread              // dst = tap matrix E, src = dOut (narrow gradients)
)

// job is one call's loop over samples [0, N), cut into contiguous ranges.
type job struct {
	kind     kind
	dst, src []float32
	bias     []float32
	idx      []int32
	g        Geometry  // conv geometry; pooling/upsampling use N, H, W, Cin
	off      int       // first sample: the loop covers samples [off, off+n)
	beta     float32   // kFromTap
	act      Activator // kPoolF, kPoolFA
	pg       parallel.Group
}

// Free list of jobs: no allocation once as many jobs exist as concurrent
// callers.
var jobFree = parallel.NewFreeList(func(j *job) { j.pg.Prepare() })

func getJob() *job { return jobFree.Get() }

func putJob(j *job) {
	j.dst, j.src, j.bias, j.idx, j.act = nil, nil, nil, nil, nil
	j.off = 0
	jobFree.Put(j)
}

// parts returns into how many sample ranges a loop over n samples with work
// elements in total is cut: 1 for small work, at most GOMAXPROCS and n.
func parts(n, work int) int { return parallel.Parts(n, work, grain) }

// run executes j over samples [0, n) (work = elements touched, to decide
// whether to go parallel) on the shared worker pool and returns j to the
// free list. Sample ranges are disjoint and each sample's loop is
// sequential, so the result does not depend on how the samples are cut.
func run(j *job, n, work int) {
	parallel.Run(j, &j.pg, n, parts(n, work), 1)
	putJob(j)
}

// Do runs the job's loop on samples [lo, hi) (parallel.Task).
func (j *job) Do(_, lo, hi int) {
	g := j.g
	lo, hi = lo+j.off, hi+j.off
	switch j.kind {
	case kIm2col:
		im2col(j.dst, j.src, g, lo, hi)
	case kCol2im:
		col2im(j.dst, j.src, g, lo, hi)
	case kPoolF:
		poolForward(j.dst, j.idx, j.src, g.H, g.W, g.Cin, lo, hi, j.act, false)
	case kPoolFA:
		poolForward(j.dst, j.idx, j.src, g.H, g.W, g.Cin, lo, hi, j.act, true)
	case kPoolB:
		poolBackward(j.dst, j.src, j.idx, g.H, g.W, g.Cin, lo, hi, j.off)
	case kUpF:
		upForward(j.dst, j.src, g.H, g.W, g.Cin, lo, hi)
	case kUpB:
		upBackward(j.dst, j.src, g.H, g.W, g.Cin, lo, hi)
	case kToTap:
		toTap(j.dst, j.src, g, lo, hi)
	case kFromTap:
		fromTap(j.dst, j.src, g, j.beta, lo, hi)
	case kBias:
		fillBias(j.dst, j.bias, g, lo, hi)
	case kGather:
		gather(j.dst, j.src, j.bias, g, lo, hi)
	case kSpread:
		spread(j.dst, j.src, g, lo, hi)
	}
}
