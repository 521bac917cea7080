package parallel

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/counter-current/ccl/internal/heapcount"
)

type marker struct {
	hits    []int32
	calls   atomic.Int32
	g       Group
	align   int
	threads int
	bad     atomic.Bool
}

func (m *marker) Do(w, lo, hi int) {
	m.calls.Add(1)
	if lo%m.align != 0 || w < 0 || w >= max(m.threads, 1) {
		m.bad.Store(true)
	}
	for i := lo; i < hi; i++ {
		atomic.AddInt32(&m.hits[i], 1)
	}
}

// Every index is run exactly once, inner boundaries are aligned, and
// several callers can share the pool at once.
func TestRunCoversRange(t *testing.T) {
	var callers sync.WaitGroup
	for c := 0; c < 4; c++ {
		callers.Add(1)
		go func() {
			defer callers.Done()
			for _, tc := range []struct{ n, p, align int }{{0, 3, 1}, {1, 4, 1}, {10, 3, 1}, {1000, 7, 64}, {129, 2, 64}, {5, 5, 1}} {
				m := &marker{hits: make([]int32, tc.n), align: tc.align, threads: Threads(tc.p)}
				for range 3 { // the same Group for several Runs
					clear(m.hits)
					Run(m, &m.g, tc.n, tc.p, tc.align)
				}
				for i, h := range m.hits {
					if h != 1 {
						t.Errorf("n=%d p=%d: index %d run %d times", tc.n, tc.p, i, h)
						return
					}
				}
				if m.bad.Load() {
					t.Errorf("n=%d p=%d align=%d: unaligned range start or participant out of range", tc.n, tc.p, tc.align)
				}
			}
		}()
	}
	callers.Wait()
}

type nop struct{ g Group }

func (*nop) Do(w, lo, hi int) {}

// A Group's first Run with helpers makes its wait channel, unless the
// Group was prepared; a free list prepares the values it makes.
func TestPreparedGroupFirstRunAllocatesNothing(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2)) // a Run with a helper
	warm := &nop{}
	Run(warm, &warm.g, 100, 2, 1) // the pool's workers
	cold := &nop{}
	if n, sites := heapcount.Count(func() { Run(cold, &cold.g, 100, 2, 1) }); n != 1 ||
		!strings.Contains(sites[0].String(), "runtime.makechan") {
		t.Errorf("an unprepared Group's first Run with helpers: %d allocations, want its channel: %v", n, sites)
	}
	f := NewFreeList(func(j *nop) { j.g.Prepare() })
	j := f.Get()
	if n, sites := heapcount.Count(func() { Run(j, &j.g, 100, 2, 1) }); n != 0 {
		t.Errorf("a prepared Group's first Run allocated %d objects: %v", n, sites)
	}
	f.Put(j)
}

func TestRunDoesNotAllocate(t *testing.T) {
	j := &nop{}
	Run(j, &j.g, 100, 2, 1)
	if a := testing.AllocsPerRun(100, func() { Run(j, &j.g, 100, 2, 1) }); a != 0 {
		t.Errorf("%.1f allocations per Run", a)
	}
}

func TestParts(t *testing.T) {
	if p := Parts(10, 5, 100); p != 1 {
		t.Errorf("small work: %d parts", p)
	}
	if p := Parts(1, 1<<30, 1); p != 1 {
		t.Errorf("one index: %d parts", p)
	}
}

// A free list hands out its Spares values, then what is put back, in
// order, so steady use allocates nothing, nor do up to Spares overlapping
// callers.
func TestFreeList(t *testing.T) {
	type job struct{ n int }
	f := NewFreeList[job](nil)
	var held []*job
	if a := testing.AllocsPerRun(1, func() {
		held = held[:0]
		for range Spares {
			held = append(held, f.Get())
		}
		for _, j := range held {
			f.Put(j)
		}
	}); a != 0 {
		t.Errorf("%d overlapping Gets allocated %.1f times", Spares, a)
	}
	seen := map[*job]bool{}
	for range Spares {
		j := f.Get()
		if seen[j] {
			t.Fatalf("value %p handed out twice among the first %d", j, Spares)
		}
		seen[j] = true
		j.n = 7
		f.Put(j) // to the back: the other values come first
	}
	for range Spares {
		if j := f.Get(); !seen[j] || j.n != 7 {
			t.Fatalf("Get returned %p (n %d), not a value put back", j, j.n)
		} else {
			f.Put(j)
		}
	}
	if a := testing.AllocsPerRun(100, func() { f.Put(f.Get()) }); a != 0 {
		t.Errorf("%.1f allocations per Get/Put", a)
	}
	extra := make([]*job, Spares+1)
	for i := range extra {
		extra[i] = f.Get()
	}
	if seen[extra[Spares]] {
		t.Errorf("Get %d of %d overlapping returned a value in use", Spares+1, Spares+1)
	}
}

// streams is two streams: stream 0 raises a Progress step by step, each
// step calling a nested kernel Run; stream 1 waits for every step and then
// runs a nested Run of its own. Nothing deadlocks whoever runs which
// stream, and every nested range runs exactly once.
type streams struct {
	g      Group
	prog   Progress
	steps  int
	inner  [2]*marker
	order  []int // steps seen by stream 1, in order
	failed atomic.Bool
}

func (s *streams) Do(w, lo, hi int) {
	for i := lo; i < hi; i++ {
		switch i {
		case 0:
			for st := 1; st <= s.steps; st++ {
				m := s.inner[0]
				Run(m, &m.g, len(m.hits), 4, 1)
				s.prog.Set(int64(st))
			}
		case 1:
			for st := 1; st <= s.steps; st++ {
				s.prog.WaitAtLeast(int64(st))
				s.order = append(s.order, st)
				m := s.inner[1]
				Run(m, &m.g, len(m.hits), 3, 1)
			}
		}
	}
}

func TestRunStreams(t *testing.T) {
	for _, procs := range []int{1, 2, 4} {
		old := runtime.GOMAXPROCS(procs)
		for rep := 0; rep < 50; rep++ {
			s := &streams{steps: 5}
			for i := range s.inner {
				s.inner[i] = &marker{hits: make([]int32, 1000), align: 1, threads: Threads(4)}
			}
			s.prog.Reset()
			RunStreams(s, &s.g, 2)
			if len(s.order) != s.steps {
				t.Fatalf("GOMAXPROCS %d: stream 1 saw %v", procs, s.order)
			}
			for i, m := range s.inner {
				for j, h := range m.hits {
					if h != int32(s.steps) {
						t.Fatalf("GOMAXPROCS %d: stream %d's nested Run ran index %d %d times, want %d", procs, i, j, h, s.steps)
					}
				}
				if m.bad.Load() {
					t.Fatalf("GOMAXPROCS %d: participant index out of range", procs)
				}
			}
		}
		runtime.GOMAXPROCS(old)
	}
}

func TestProgressDoesNotAllocate(t *testing.T) {
	var p Progress
	p.Reset()
	if a := testing.AllocsPerRun(100, func() {
		p.Reset()
		p.Set(1)
		p.WaitAtLeast(1)
	}); a != 0 {
		t.Errorf("%.1f allocations", a)
	}
}

// TestPrimeWaits: PrimeWaits returns (every goroutine it started was
// released) and leaves none of them behind, whatever GOMAXPROCS. (Its
// effect, no wait records allocated in the timed training steps, shows in
// bench's mallocs/step: bench/README.md, session 13.)
func TestPrimeWaits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		base := runtime.NumGoroutine()
		PrimeWaits()
		// The released goroutines may still be exiting.
		for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > base && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > base {
			t.Fatalf("GOMAXPROCS %d: %d goroutines after PrimeWaits, %d before", procs, n, base)
		}
	}
}
