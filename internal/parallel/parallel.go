// Package parallel is the worker pool shared by the kernel packages (blas,
// conv, net) and the trainers (ccl): persistent goroutines, grown on demand
// to at most GOMAXPROCS−1 (the caller of Run is the remaining thread), so
// that the kernels of a training step never run more threads than there
// are cores, and no call pays for starting goroutines.
//
// Work is an index space cut into ranges. Run invites idle threads to join
// and every participant (the caller included) claims ranges one at a time
// until none is left, so a range is run by exactly one goroutine and a task
// whose ranges write disjoint outputs gives the same result whatever the
// number of threads, and whoever runs which range. An invitation is only an
// offer: when every worker is busy the caller simply runs all the ranges
// itself, and an invitation that arrives after its Run has finished is
// dropped. A thread that waits (for the helpers of its own Run to finish,
// or for a Progress) runs ranges of other Runs meanwhile, so nested and
// concurrent callers (CCL's forward and feedback streams, each calling the
// matrix product) keep both cores busy without oversubscribing them.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Task is work over an index range. Do is called concurrently on disjoint
// ranges [lo, hi) that together cover the range given to Run; w is the
// participant running it, 0 ≤ w < Threads(parts): the caller is 0 and
// helpers are numbered in the order they join, so that a task can give
// each participant its own scratch buffers.
type Task interface {
	Do(w, lo, hi int)
}

// Group is the state of one Run at a time: typically a field of the task's
// struct, so that Run allocates nothing. The zero Group is ready to use; a
// Group must not be used by two Runs at once. Its first Run that has
// helpers makes the channel it waits on, unless Prepare has.
type Group struct {
	// state packs the generation of the current Run (high 32 bits), a
	// closed bit and the number of helpers inside it (low 31 bits).
	state   atomic.Uint64
	joined  atomic.Int32 // participants so far, the caller included
	next    atomic.Int32 // next range to claim
	done    chan struct{}
	t       Task
	n       int
	parts   int
	align   int
	threads int
}

const (
	closedBit  = 1 << 31
	activeMask = closedBit - 1
)

// invite asks a thread to join the Run of generation gen on g.
type invite struct {
	g   *Group
	gen uint32
}

var (
	mu      sync.Mutex
	workers atomic.Int32
	// leafWork carries invitations to Runs whose ranges never wait (kernel
	// loops): waiting threads help with these. work carries invitations
	// to Runs whose ranges may wait (streams, see RunStreams); only idle
	// workers take those, never a thread that is itself waiting, which
	// could otherwise be asked to produce what it waits for.
	leafWork = make(chan invite, 256)
	work     = make(chan invite, 64)
)

// ensure grows the pool to at least n workers.
func ensure(n int) {
	if int(workers.Load()) >= n {
		return
	}
	mu.Lock()
	for int(workers.Load()) < n {
		workers.Add(1)
		go worker()
	}
	mu.Unlock()
}

// spinFor is how long an idle worker, or a thread waiting for helpers or
// for a Progress, keeps polling before it blocks. A blocked goroutine's
// thread sleeps in the kernel, and waking it is slow on a virtual machine
// whose idle vCPU halts: products of about a hundred microseconds back to
// back (a 256×256×784 product, every layer of a training step) measured
// 312 GFLOP/s with blocking workers and 417 when they poll for 100 µs (2
// threads, family 26 model 2 under KVM). On family 25 model 17 (Zen 4,
// KVM) waking a halted vCPU costs more than a 256³ product: with 200 µs of
// other work between calls, 256³ ran at 99 GFLOP/s on two threads polling
// for 50 µs (no faster than one thread) and 190 polling for 1 ms; the
// Fashion-MNIST MLP steps (CCL, BP) measured 4.32 and 4.99 ms with 50 µs
// and 4.11 and 3.94 with 500 µs (medians of 6 runs, the builds alternated
// in ABBA order), and no better with 1 or 2 ms. Polling yields the
// processor (runtime.Gosched) between looks, so other goroutines still
// run.
const spinFor = 500 * time.Microsecond

func worker() {
	for {
		inv, ok := pollInvites()
		if !ok {
			select {
			case inv = <-leafWork:
			case inv = <-work:
			}
		}
		inv.join()
	}
}

// pollInvites polls both invitation queues for up to spinFor.
func pollInvites() (invite, bool) {
	t0 := time.Now()
	for {
		select {
		case inv := <-leafWork:
			return inv, true
		case inv := <-work:
			return inv, true
		default:
		}
		if time.Since(t0) >= spinFor {
			return invite{}, false
		}
		runtime.Gosched()
	}
}

// helpOrYield is one look of a waiting thread's polling: it runs a queued
// leaf invitation and reports true, or yields the processor and reports
// false.
func helpOrYield() bool {
	select {
	case inv := <-leafWork:
		inv.join()
		return true
	default:
		runtime.Gosched()
		return false
	}
}

// Threads returns how many participants a Run of parts ranges uses at most:
// min(parts, GOMAXPROCS), at least 1.
func Threads(parts int) int {
	return max(1, min(parts, runtime.GOMAXPROCS(0)))
}

// Parts returns how many ranges to cut work of the given size into: one
// per grain of work, at most GOMAXPROCS and at most n (the number of
// indices), at least 1.
func Parts(n, work, grain int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n, work/max(grain, 1)))
}

// Run executes t over [0, n) cut into parts ranges whose inner boundaries
// are multiples of align (range i is [b_i, b_{i+1}) with
// b_i = ⌊i·(n/align)/parts⌋·align, and the last range ends at n), on the
// caller and on up to Threads(parts)−1 idle workers, and returns when all
// are done. With parts ≤ 1 or n ≤ 1 it calls t.Do(0, 0, n) on the caller.
// t.Do must not wait for anything but Runs of its own.
func Run(t Task, g *Group, n, parts, align int) {
	if parts <= 1 || n <= 1 {
		t.Do(0, 0, n)
		return
	}
	g.run(t, n, parts, align, true)
}

// RunStreams runs t.Do(w, i, i+1) for i = 0 … streams−1, each on one
// thread, in parallel where threads are idle, and returns when all are
// done. Unlike Run's ranges, streams may wait for one another through a
// Progress, as long as stream i waits only for streams before it: a
// single thread runs them in order 0, 1, … and never blocks.
func RunStreams(t Task, g *Group, streams int) {
	if streams <= 1 {
		t.Do(0, 0, streams)
		return
	}
	g.run(t, streams, streams, 1, false)
}

// Prepare makes the channel g's Runs wait on, so that its first Run with
// helpers allocates nothing. Job values made ahead of need (free lists'
// values, see NewFreeList) call it: a value's first Run large enough to be
// cut up can come many steps into a training run, since values go round in
// turn and which one meets such a call depends on the order of the calls,
// which overlapping calls change.
func (g *Group) Prepare() {
	if g.done == nil {
		g.done = make(chan struct{}, 1)
	}
}

func (g *Group) run(t Task, n, parts, align int, leaf bool) {
	g.Prepare()
	g.t, g.n, g.parts, g.align, g.threads = t, n, parts, max(align, 1), Threads(parts)
	g.next.Store(0)
	g.joined.Store(1)
	gen := uint32(g.state.Load()>>32) + 1
	g.state.Store(uint64(gen) << 32) // open, no helpers
	helpers := g.threads - 1
	ensure(helpers)
	ch := work
	if leaf {
		ch = leafWork
	}
	for range helpers {
		select {
		case ch <- invite{g, gen}:
		default: // the queue is full: the pool is busy anyway
		}
	}
	g.loop(0)
	if g.state.Add(closedBit)&activeMask == 0 {
		return
	}
	// Helpers are still running ranges: help others until they are done,
	// polling for spinFor before blocking.
	for t0 := time.Now(); time.Since(t0) < spinFor; {
		select {
		case <-g.done:
			return
		default:
		}
		if helpOrYield() {
			t0 = time.Now()
		}
	}
	for {
		select {
		case <-g.done:
			return
		case inv := <-leafWork:
			inv.join()
		}
	}
}

// join makes the calling thread a participant of the Run the invitation is
// for, unless that Run is over or has all its participants.
func (inv invite) join() {
	g := inv.g
	for {
		s := g.state.Load()
		if uint32(s>>32) != inv.gen || s&closedBit != 0 {
			return
		}
		if g.state.CompareAndSwap(s, s+1) {
			break
		}
	}
	if w := int(g.joined.Add(1) - 1); w < g.threads {
		g.loop(w)
	}
	if s := g.state.Add(^uint64(0)); s&closedBit != 0 && s&activeMask == 0 {
		g.done <- struct{}{}
	}
}

// loop claims and runs ranges as participant w until none is left.
func (g *Group) loop(w int) {
	for {
		i := int(g.next.Add(1) - 1)
		if i >= g.parts {
			return
		}
		g.t.Do(w, g.bound(i), g.bound(i+1))
	}
}

func (g *Group) bound(i int) int {
	if i >= g.parts {
		return g.n
	}
	return i * (g.n / g.align) / g.parts * g.align
}

// Progress is a counter one stream raises and another waits on (for
// example, the number of forward layers done). The zero Progress is ready
// to use after Reset; one goroutine may wait on it at a time.
type Progress struct {
	v    atomic.Int64
	kick chan struct{}
}

// Reset sets the counter to 0. No goroutine may be waiting.
func (p *Progress) Reset() {
	if p.kick == nil {
		p.kick = make(chan struct{}, 1)
	}
	p.v.Store(0)
	select {
	case <-p.kick:
	default:
	}
}

// Set raises the counter to v and wakes the waiter.
func (p *Progress) Set(v int64) {
	p.v.Store(v)
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// WaitAtLeast returns once the counter is at least v, running ranges of
// kernel Runs meanwhile.
func (p *Progress) WaitAtLeast(v int64) {
	t0 := time.Now()
	for p.v.Load() < v {
		if time.Since(t0) < spinFor {
			if helpOrYield() {
				t0 = time.Now()
			}
			continue
		}
		select {
		case <-p.kick:
		case inv := <-leafWork:
			inv.join()
		}
	}
}

// FreeList keeps reusable job values so that a kernel call allocates
// nothing once as many exist as concurrent callers: a buffered channel of
// up to 64 values, handed out first in, first out. The zero FreeList is not
// usable; make one with NewFreeList.
//
// A list starts with Spares zero values. A value made when the list is
// empty would otherwise come whenever callers first overlap, which can be
// late: the Fashion-MNIST MLP's pair losses, a few microseconds each on two
// streams, first needed a second dot-product job at step 53. Because
// values go round in order, each of the first ones is used, and the
// buffers it keeps grown, within the first few calls, while the run is
// still warming up.
type FreeList[T any] struct {
	ch      chan *T
	prepare func(*T)
}

// Spares is the number of values a FreeList starts with: the most kernel
// calls the trainers make at once (a CCL step and its optimisers run two
// streams, RunStreams with 2).
const Spares = 2

// NewFreeList returns a free list holding Spares zero values, each passed
// to prepare (when not nil) as it is made: a value's Group should be
// prepared there (Group.Prepare), and anything else whose first need could
// come late (see Group.Prepare).
func NewFreeList[T any](prepare func(*T)) *FreeList[T] {
	f := &FreeList[T]{ch: make(chan *T, 64), prepare: prepare}
	for range Spares {
		f.ch <- f.make()
	}
	return f
}

func (f *FreeList[T]) make() *T {
	v := new(T)
	if f.prepare != nil {
		f.prepare(v)
	}
	return v
}

// Get returns a value from the list, or a new prepared one.
func (f *FreeList[T]) Get() *T {
	select {
	case v := <-f.ch:
		return v
	default:
		return f.make()
	}
}

// Put returns v to the list (dropped when the list is full). The caller
// clears what v must not keep alive (slices of the caller's data).
func (f *FreeList[T]) Put(v *T) {
	select {
	case f.ch <- v:
	default:
	}
}

// PrimeWaits fills the Go runtime's caches of wait records, so that the
// waits of a training step then allocate nothing.
//
// A goroutine that blocks (on a channel, a select, a mutex) takes a wait
// record (a runtime sudog) from its processor's cache of up to 128, or
// from a central cache, or allocates one; it gives it back to the cache of
// the processor it wakes on. In a training step, threads often block on
// one processor and wake on the other, so records pile up on one side
// while the other allocates, until the first side holds 128 and spills
// half to the central cache; every garbage collection empties the central
// cache. A CCL step of the CIFAR-10 cnn_pool CNN, whose waits are few,
// allocated records this way for about a hundred steps (0–4 per step)
// before none: a bounded start-up cost of the runtime, not the step's.
// Once more records exist than one processor's cache holds (plus those in
// use), none is allocated again until a collection. PrimeWaits makes 256
// records per processor: that many goroutines block on a channel at once
// and are then released. The benchmarks call it after their last forced
// collection, so that allocations per step count the step's own.
func PrimeWaits() {
	n := 256 * runtime.GOMAXPROCS(0)
	start := make(chan struct{})
	var blocked atomic.Int32
	var wg sync.WaitGroup
	wg.Add(n)
	for range n {
		go func() {
			blocked.Add(1)
			<-start
			wg.Done()
		}()
	}
	for blocked.Load() < int32(n) {
		runtime.Gosched()
	}
	// Let the last ones reach their receive (one that has not is merely
	// released without a record).
	time.Sleep(time.Millisecond)
	close(start)
	wg.Wait()
}
