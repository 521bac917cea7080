package conv

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// grain is the least number of float32 elements a goroutine is given; below
// 2·grain elements of work, a loop runs on the caller alone.
const grain = 1 << 14

// kind selects the loop a job runs.
type kind uint8

const (
	kIm2col kind = iota // dst = col, src = in, aux = out rows to fill with bias, bias
	kCol2im             // dst = dIn, src = dcol
	kPoolF              // dst = out, src = in, idx = argmax
	kPoolB              // dst = dIn, src = dOut, idx = argmax
	kUpF                // dst = out, src = in
	kUpB                // dst = dIn, src = dOut
)

// job is one call's loop over samples [0, N), cut into contiguous ranges.
type job struct {
	kind      kind
	dst, src  []float32
	aux, bias []float32
	idx       []int32
	g         Geometry // conv geometry; pooling/upsampling use N, H, W, Cin
	wg        sync.WaitGroup
}

// part is the sample range [lo, hi) of a job given to one worker.
type part struct {
	j      *job
	lo, hi int
}

// Free list of jobs: a buffered channel, so getting and putting never
// allocate once as many jobs exist as concurrent callers.
var jobFree = make(chan *job, 64)

func getJob() *job {
	select {
	case j := <-jobFree:
		return j
	default:
		return new(job)
	}
}

func putJob(j *job) {
	j.dst, j.src, j.aux, j.bias, j.idx = nil, nil, nil, nil, nil
	select {
	case jobFree <- j:
	default:
	}
}

// The worker pool: persistent goroutines receiving parts on workCh; it grows
// to GOMAXPROCS−1 workers (the caller is the remaining one).
var (
	poolMu   sync.Mutex
	nworkers atomic.Int32
	workCh   = make(chan part, 256)
)

func ensureWorkers(n int) {
	if int(nworkers.Load()) >= n {
		return
	}
	poolMu.Lock()
	for int(nworkers.Load()) < n {
		nworkers.Add(1)
		go worker()
	}
	poolMu.Unlock()
}

func worker() {
	for p := range workCh {
		p.j.do(p.lo, p.hi)
		p.j.wg.Done()
	}
}

// parts returns into how many sample ranges a loop over n samples with work
// elements in total is cut: 1 for small work, at most GOMAXPROCS and n.
func parts(n, work int) int {
	p := min(runtime.GOMAXPROCS(0), n, work/grain)
	return max(p, 1)
}

// run executes j over samples [0, n) (work = elements touched, to decide
// whether to go parallel) and returns j to the free list. Sample ranges are
// disjoint and each sample's loop is sequential, so the result does not
// depend on how the samples are cut.
func run(j *job, n, work int) {
	p := parts(n, work)
	if p == 1 {
		j.do(0, n)
		putJob(j)
		return
	}
	ensureWorkers(p - 1)
	j.wg.Add(p - 1)
	for i := 1; i < p; i++ {
		workCh <- part{j, i * n / p, (i + 1) * n / p}
	}
	j.do(0, n/p)
	j.wg.Wait()
	putJob(j)
}

// do runs the job's loop on samples [lo, hi).
func (j *job) do(lo, hi int) {
	g := j.g
	switch j.kind {
	case kIm2col:
		im2col(j.dst, j.src, g, lo, hi)
		if j.bias != nil {
			fillBias(j.aux, j.bias, g, lo, hi)
		}
	case kCol2im:
		col2im(j.dst, j.src, g, lo, hi)
	case kPoolF:
		poolForward(j.dst, j.idx, j.src, g.H, g.W, g.Cin, lo, hi)
	case kPoolB:
		poolBackward(j.dst, j.src, j.idx, g.H, g.W, g.Cin, lo, hi)
	case kUpF:
		upForward(j.dst, j.src, g.H, g.W, g.Cin, lo, hi)
	case kUpB:
		upBackward(j.dst, j.src, g.H, g.W, g.Cin, lo, hi)
	}
}
