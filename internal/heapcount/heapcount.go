// Package heapcount counts heap allocations for the tests and benchmarks
// that require a training step to allocate nothing.
//
// Two counts are offered. Objects is the whole program's count,
// runtime.MemStats.Mallocs, for the benchmarks' mallocs/step. Count runs a
// function with every allocation's call stack recorded and returns only
// the allocations this module's code made, each with its call site, for
// the tests that must fail on one allocation of a step and on nothing
// else.
//
// The whole program's count also holds what the runtime allocates for
// itself: the records of a new OS thread (6 objects), which the scheduler
// starts when a goroutine is runnable and no idle thread can take it, as
// happens now and then while other processes load the CPUs (go test runs
// several test binaries at once); and the growth of a P's timer heap the
// first time a sleeping goroutine is parked on that P. Those are not the
// step's, and one of them in three hundred steps failed a test that read
// the whole count (CI after session 15).
package heapcount

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// quiet is how long Objects waits before reading: longer than the thread
// pool's polling (parallel's spinFor, 500 µs).
const quiet = 5 * time.Millisecond

var (
	mu sync.Mutex
	ms runtime.MemStats
)

// Objects returns how many heap objects the program has allocated so far,
// tiny ones included, after waiting for the thread pool to go idle.
// ReadMemStats stops the world, and restarting it starts an OS thread when
// a goroutine is runnable with no idle thread to run it: the pool's
// workers poll for a while after their last task, so Objects waits for
// them to block first. The count is exact (runtime/metrics'
// "/gc/heap/allocs:objects" counts a small object only when its span
// leaves the P's cache, so ten allocations can read as none), but it is
// the program's, runtime included: see the package comment.
func Objects() uint64 {
	mu.Lock()
	defer mu.Unlock()
	time.Sleep(quiet)
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

// module is the import path prefix of this module's packages; self is this
// package's, whose own allocations (the profile snapshots) Count leaves out.
const (
	module = "github.com/counter-current/ccl/"
	self   = module + "internal/heapcount."
)

// A Site is one call stack that allocated while Count ran.
type Site struct {
	Objects int64    // allocations made there
	Stack   []string // function names, innermost first
}

// String gives the count and the stack, one function per line.
func (s Site) String() string {
	return fmt.Sprintf("%d objects at\n\t%s", s.Objects, strings.Join(s.Stack, "\n\t"))
}

// Count runs f with every allocation's call stack recorded
// (runtime.MemProfileRate 1, which takes effect at once) and returns the
// allocations made in stacks that hold a function of this module, with
// their sites, most objects first. The runtime's own allocations are left
// out: those whose stacks hold none of the module's functions; a new OS
// thread's records (runtime.allocm) wherever the scheduler decided to
// start one, since the scheduler, not the caller, decides when the
// program needs another thread; and wait records (runtime.acquireSudog),
// which a blocking goroutine takes from the runtime's caches and
// allocates only when a collection has emptied them, as the collections
// Count makes around f do. Anything else f's code allocates, through the
// runtime or not, on the calling goroutine or on the thread pool's
// workers, counts.
//
// The profile is read after two collections (it is published a cycle
// late), so Count costs a few milliseconds around f; it is for tests, not
// for timing. Calls are serialised: f must not call Count or Objects.
func Count(f func()) (int64, []Site) {
	mu.Lock()
	defer mu.Unlock()
	rate := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = rate }()
	before := snapshot()
	f()
	after := snapshot()
	var n int64
	var sites []Site
	for stack, objects := range after {
		d := objects - before[stack]
		if d <= 0 {
			continue
		}
		s := Site{Objects: d, Stack: functions(stack)}
		if !ours(s.Stack) {
			continue
		}
		n += d
		sites = append(sites, s)
	}
	slices.SortFunc(sites, func(a, b Site) int { return int(b.Objects - a.Objects) })
	return n, sites
}

// Runs is Count over runs calls of f, as testing.AllocsPerRun runs it,
// but returning the total, not the mean rounded down.
func Runs(runs int, f func()) (int64, []Site) {
	return Count(func() {
		for range runs {
			f()
		}
	})
}

// ours reports whether an allocation in this stack (innermost first) is the
// module's: it was not the runtime starting an OS thread or refilling its
// cache of wait records (see parallel.PrimeWaits: every collection, Count's
// own included, empties the central cache), and a function of
// the module is on it below Count (which is on the stacks of f's own
// goroutine, under f) and outside this package's snapshots.
func ours(stack []string) bool {
	in := false
	for _, fn := range stack {
		switch {
		case fn == "runtime.allocm", fn == "runtime.acquireSudog", fn == self+"snapshot":
			return false
		case fn == self+"Count":
			return in
		case strings.HasPrefix(fn, module):
			in = true
		}
	}
	return in
}

// snapshot collects twice, so that every allocation made before the call
// is in the profile, and returns the profile's allocation counts by stack.
func snapshot() map[[32]uintptr]int64 {
	runtime.GC()
	runtime.GC()
	n, _ := runtime.MemProfile(nil, true)
	for {
		records := make([]runtime.MemProfileRecord, n+64)
		got, ok := runtime.MemProfile(records, true)
		if !ok {
			n = got
			continue
		}
		counts := make(map[[32]uintptr]int64, got)
		for _, r := range records[:got] {
			counts[r.Stack0] += r.AllocObjects
		}
		return counts
	}
}

// functions names the frames of a recorded stack, innermost first.
func functions(stack [32]uintptr) []string {
	pcs := stack[:]
	if i := slices.Index(pcs, 0); i >= 0 {
		pcs = pcs[:i]
	}
	var names []string
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function != "" {
			names = append(names, f.Function)
		}
		if !more {
			return names
		}
	}
}
