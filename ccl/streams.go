package ccl

import (
	"sync"
	"time"

	"github.com/counter-current/ccl/internal/parallel"
	"github.com/counter-current/ccl/net"
)

// dual is what the two-stream schedule needs from a dual network.
type dual interface {
	// forward runs the forward network, raising fwd to l once F's layer l
	// is done, then anything else stream 0 does before the pairs.
	forward(fwd *parallel.Progress)
	// feedback runs the feedback network.
	feedback()
	// feedbackAfter returns the value of fwd that stream 1 waits for
	// before it runs the feedback network (0: none).
	feedbackAfter() int64
	// need returns the value of fwd that pair l waits for.
	need(l int) int64
	// pair computes pair l's loss and the gradients it gives, with
	// stream s's scratch (s = 0 or 1).
	pair(s, l int)
}

// streams runs one gradient computation of a dual network as two streams
// (parallel.RunStreams), exploiting CCL's detachment: pair l needs only
// F's layer l and B's output, and writes only the gradients of its own two
// units, so pairs need not wait for the whole forward pass, nor for each
// other.
//
//	stream 0: F (raising fwd layer by layer), then pairs from the top
//	stream 1: B once fwd ≥ feedbackAfter(), then pairs from the bottom, pair l once fwd ≥ need(l)
//
// B is run by whichever stream asks for it first, so stream 0, which runs
// first on a single thread, never waits for a stream that is not running.
// While stream 1 waits it helps with stream 0's products.
// A pair is claimed under mu from either end of [lo, hi), so each runs once,
// on one stream, with that stream's scratch. When every pair waits for the
// same point (the classifier with CCL's filter, which needs the whole
// forward pass), both streams instead claim the pairs longest first, by
// their times in the previous run (LPT order): in the CIFAR-10 cnn_pool
// step, the top-and-bottom order gave one stream pairs 0, 1, 2 (171 ms)
// and the other 5, 4, 3 (115 ms). Every pair's result is the same
// whichever stream computes it, so the gradients do not depend on the
// schedule or the thread count.
type streams struct {
	d         dual
	g         parallel.Group
	fwd, fb   parallel.Progress
	mu        sync.Mutex
	fbClaimed bool
	lo, hi    int
	dur       []time.Duration // each pair's time in the last run
	order     []int           // pairs by decreasing dur, when lpt
	lpt       bool
	next      int // next index of order to claim
}

// run computes pairs 0 … pairs−1 of d.
func (s *streams) run(d dual, pairs int) {
	s.d = d
	s.lo, s.hi, s.fbClaimed = 0, pairs, false
	s.planLPT(pairs)
	s.fwd.Reset()
	s.fb.Reset()
	parallel.RunStreams(s, &s.g, 2)
}

// Do runs stream i (parallel.Task).
func (s *streams) Do(_, lo, hi int) {
	for i := lo; i < hi; i++ {
		if i == 0 {
			s.d.forward(&s.fwd)
			s.feedbackOnce()
			for l := s.claim(true); l >= 0; l = s.claim(true) {
				s.timed(0, l)
			}
		} else {
			s.fwd.WaitAtLeast(s.d.feedbackAfter())
			s.feedbackOnce()
			for l := s.claim(false); l >= 0; l = s.claim(false) {
				s.fwd.WaitAtLeast(s.d.need(l))
				s.timed(1, l)
			}
		}
	}
}

// feedbackOnce runs B if no stream has started it, else waits for the
// stream running it.
func (s *streams) feedbackOnce() {
	s.mu.Lock()
	mine := !s.fbClaimed
	s.fbClaimed = true
	s.mu.Unlock()
	if mine {
		s.d.feedback()
		s.fb.Set(1)
	} else {
		s.fb.WaitAtLeast(1)
	}
}

// planLPT sets the LPT order for a run of the given number of pairs when
// they all wait for the same point and the last run timed them all.
func (s *streams) planLPT(pairs int) {
	s.lpt, s.next = false, 0
	if len(s.dur) != pairs {
		s.dur = make([]time.Duration, pairs)
		s.order = make([]int, pairs)
		return
	}
	for l := range pairs {
		if s.d.need(l) != s.d.need(0) || s.dur[l] == 0 {
			return
		}
	}
	// Insertion sort by decreasing time, ties by index: a handful of pairs.
	for l := range pairs {
		i := l
		for ; i > 0 && s.dur[s.order[i-1]] < s.dur[l]; i-- {
			s.order[i] = s.order[i-1]
		}
		s.order[i] = l
	}
	s.lpt = true
}

// timed runs pair l on stream i and records its time.
func (s *streams) timed(i, l int) {
	t0 := time.Now()
	s.d.pair(i, l)
	s.dur[l] = time.Since(t0)
}

// claim returns the next pair from the top or the bottom (or the next in
// LPT order), or −1.
func (s *streams) claim(top bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lpt {
		if s.next == len(s.order) {
			return -1
		}
		s.next++
		return s.order[s.next-1]
	}
	if s.lo >= s.hi {
		return -1
	}
	if top {
		s.hi--
		return s.hi
	}
	s.lo++
	return s.lo - 1
}

// optimizers updates the forward and the feedback set, each with its own
// optimiser, as two streams (they share nothing).
type optimizers struct {
	g          parallel.Group
	optF, optB *net.Optimizer
	setF, setB *net.Params
	fused      *Network // the feedback stream runs fused.updateFeedback instead of optB
}

func (o *optimizers) step(optF *net.Optimizer, setF *net.Params, optB *net.Optimizer, setB *net.Params) {
	o.optF, o.setF, o.optB, o.setB = optF, setF, optB, setB
	parallel.RunStreams(o, &o.g, 2)
	o.optF, o.setF, o.optB, o.setB = nil, nil, nil, nil
}

// stepFused is step with the feedback set updated by m.updateFeedback.
func (o *optimizers) stepFused(optF *net.Optimizer, setF *net.Params, m *Network) {
	o.optF, o.setF, o.fused = optF, setF, m
	parallel.RunStreams(o, &o.g, 2)
	o.optF, o.setF, o.fused = nil, nil, nil
}

// Do runs stream i (parallel.Task).
func (o *optimizers) Do(_, lo, hi int) {
	for i := lo; i < hi; i++ {
		switch {
		case i == 0:
			o.optF.Step(o.setF)
		case o.fused != nil:
			o.fused.updateFeedback()
		default:
			o.optB.Step(o.setB)
		}
	}
}
