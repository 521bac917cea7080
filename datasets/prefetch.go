package datasets

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Prefetcher fills the batches of one [Loader] on a background goroutine,
// ahead of the consumer, into a small ring of reusable buffers, so that
// decoding and augmentation never stall a training step. Batches come out
// in order 0, 1, …, NumBatches−1 of the epoch given to Start, each
// identical, value for value, to what Loader.Batch fills for that epoch and
// index: the content depends only on (seed, epoch, batch index), never on
// timing.
//
// The Prefetcher owns its Loader from NewPrefetcher to Close: do not use the
// Loader meanwhile. A Prefetcher is meant for one consumer goroutine; its
// methods must not be called concurrently. After the first epoch it does not
// allocate.
//
//	p := datasets.NewPrefetcher(loader, 2)
//	defer p.Close()
//	for epoch := range epochs {
//		p.Start(epoch)
//		for x, y, n, ok := p.Next(); ok; x, y, n, ok = p.Next() {
//			// x: n × loader.Dim() values, y: n labels; valid until the next Next, Start or Close
//		}
//	}
type Prefetcher struct {
	l    *Loader
	dim  int
	bufs []prefetchBuf

	start  chan int      // epoch to fill; closed by Close
	free   chan int      // buffers the worker may fill
	ready  chan int      // filled buffers in batch order; -1 ends an epoch
	cancel atomic.Bool   // stop the current epoch early
	done   chan struct{} // closed when the worker exits

	active bool // an epoch was started and its end not yet seen
	held   int  // buffer returned by the last Next, or -1
	closed bool
	once   sync.Once
}

type prefetchBuf struct {
	x []float32
	y []int32
	n int
}

// NewPrefetcher returns a Prefetcher over l with depth buffers (2 or 3 is
// plenty: one being consumed, the others filled ahead). It starts its
// goroutine, which waits for Start. It panics if depth < 1.
func NewPrefetcher(l *Loader, depth int) *Prefetcher {
	if depth < 1 {
		panic(fmt.Sprintf("datasets.NewPrefetcher: depth %d < 1", depth))
	}
	p := &Prefetcher{
		l:     l,
		dim:   l.Dim(),
		bufs:  make([]prefetchBuf, depth),
		start: make(chan int),
		free:  make(chan int, depth),
		ready: make(chan int, depth+1),
		done:  make(chan struct{}),
		held:  -1,
	}
	for i := range p.bufs {
		p.bufs[i] = prefetchBuf{x: make([]float32, l.BatchSize()*p.dim), y: make([]int32, l.BatchSize())}
		p.free <- i
	}
	go p.run()
	return p
}

func (p *Prefetcher) run() {
	defer close(p.done)
	for e := range p.start {
		p.l.SetEpoch(e)
		for b := 0; b < p.l.NumBatches() && !p.cancel.Load(); b++ {
			i := <-p.free
			buf := &p.bufs[i]
			buf.n = p.l.Batch(b, buf.x, buf.y)
			p.ready <- i
		}
		p.ready <- -1
	}
}

// NumBatches returns the number of batches per epoch.
func (p *Prefetcher) NumBatches() int { return p.l.NumBatches() }

// Dim returns the number of values per row.
func (p *Prefetcher) Dim() int { return p.dim }

// Start begins filling the batches of epoch e, abandoning what remains of
// the previous epoch (e.g. when a caller uses only its first batches). It
// panics after Close.
func (p *Prefetcher) Start(e int) {
	if p.closed {
		panic("datasets.Prefetcher.Start after Close")
	}
	p.stop()
	p.active = true
	p.start <- e
}

// stop ends the current epoch, if any, and gets every buffer back.
func (p *Prefetcher) stop() {
	if p.held >= 0 {
		p.free <- p.held
		p.held = -1
	}
	if !p.active {
		return
	}
	p.cancel.Store(true)
	for i := range p.ready {
		if i < 0 {
			break
		}
		p.free <- i
	}
	p.cancel.Store(false)
	p.active = false
}

// Next returns the next batch of the epoch: x holds n rows of Dim values
// and y their n labels. They stay valid until the next call of Next, Start
// or Close (the buffer is then reused). ok is false once the epoch is over
// (or before any Start).
func (p *Prefetcher) Next() (x []float32, y []int32, n int, ok bool) {
	if p.held >= 0 {
		p.free <- p.held
		p.held = -1
	}
	if !p.active {
		return nil, nil, 0, false
	}
	i := <-p.ready
	if i < 0 {
		p.active = false
		return nil, nil, 0, false
	}
	p.held = i
	b := &p.bufs[i]
	return b.x[:b.n*p.dim], b.y[:b.n], b.n, true
}

// Close stops the goroutine and waits for it; the Loader may then be used
// again. Close is idempotent.
func (p *Prefetcher) Close() {
	p.once.Do(func() {
		p.stop()
		p.closed = true
		close(p.start)
		<-p.done
	})
}
