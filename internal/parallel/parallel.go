// Package parallel is the worker pool shared by the kernel packages (blas,
// conv, net): persistent goroutines, grown on demand to at most
// GOMAXPROCS−1 (the caller of Run is the remaining thread), so that the
// kernels of a training step never run more threads than there are cores,
// and no call pays for starting goroutines.
//
// Work is split into disjoint ranges of an index space; each range is run
// by exactly one goroutine, so a task whose ranges write disjoint outputs
// gives the same result whatever the number of threads.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Task is work over an index range. Do is called concurrently on disjoint
// ranges [lo, hi) that together cover the range given to Run.
type Task interface {
	Do(lo, hi int)
}

type part struct {
	t      Task
	lo, hi int
	wg     *sync.WaitGroup
}

var (
	mu      sync.Mutex
	workers atomic.Int32
	work    = make(chan part, 256)
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

func worker() {
	for p := range work {
		p.t.Do(p.lo, p.hi)
		p.wg.Done()
	}
}

// Parts returns how many ranges to cut work of the given size into: one
// per grain of work, at most GOMAXPROCS and at most n (the number of
// indices), at least 1.
func Parts(n, work, grain int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n, work/max(grain, 1)))
}

// Run executes t over [0, n) cut into p ranges whose inner boundaries are
// multiples of align (range i is [b_i, b_{i+1}) with b_i = ⌊i·(n/align)/p⌋·align,
// and the last range ends at n). Ranges 1 … p−1 go to the pool, range 0 runs
// on the caller, and Run returns when all are done. wg is the caller's
// (typically a field of its task, so that Run allocates nothing); it must
// not be in use by another Run. With p ≤ 1, Run calls t.Do(0, n) on the
// caller. Do must not itself call Run (the pool could then be waiting on
// itself).
func Run(t Task, wg *sync.WaitGroup, n, p, align int) {
	if p <= 1 || n <= 1 {
		t.Do(0, n)
		return
	}
	align = max(align, 1)
	bound := func(i int) int {
		if i >= p {
			return n
		}
		return i * (n / align) / p * align
	}
	ensure(p - 1)
	wg.Add(p - 1)
	for i := 1; i < p; i++ {
		work <- part{t, bound(i), bound(i + 1), wg}
	}
	t.Do(0, bound(1))
	wg.Wait()
}

// FreeList keeps reusable job values so that a kernel call allocates
// nothing once as many exist as concurrent callers: a buffered channel of
// up to 64 values. The zero FreeList is not usable; make one with
// NewFreeList.
type FreeList[T any] struct{ ch chan *T }

// NewFreeList returns an empty free list.
func NewFreeList[T any]() *FreeList[T] { return &FreeList[T]{ch: make(chan *T, 64)} }

// Get returns a value from the list, or a new zero one.
func (f *FreeList[T]) Get() *T {
	select {
	case v := <-f.ch:
		return v
	default:
		return new(T)
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
