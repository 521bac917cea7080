package parallel

import (
	"sync"
	"sync/atomic"
	"testing"
)

type marker struct {
	hits  []int32
	calls atomic.Int32
	wg    sync.WaitGroup
	align int
	bad   atomic.Bool
}

func (m *marker) Do(lo, hi int) {
	m.calls.Add(1)
	if lo%m.align != 0 {
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
				m := &marker{hits: make([]int32, tc.n), align: tc.align}
				Run(m, &m.wg, tc.n, tc.p, tc.align)
				for i, h := range m.hits {
					if h != 1 {
						t.Errorf("n=%d p=%d: index %d run %d times", tc.n, tc.p, i, h)
						return
					}
				}
				if m.bad.Load() {
					t.Errorf("n=%d p=%d align=%d: unaligned range start", tc.n, tc.p, tc.align)
				}
			}
		}()
	}
	callers.Wait()
}

type nop struct{ wg sync.WaitGroup }

func (*nop) Do(lo, hi int) {}

func TestRunDoesNotAllocate(t *testing.T) {
	j := &nop{}
	Run(j, &j.wg, 100, 2, 1)
	if a := testing.AllocsPerRun(100, func() { Run(j, &j.wg, 100, 2, 1) }); a != 0 {
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

// A value put back is handed out again, so steady use allocates nothing.
func TestFreeList(t *testing.T) {
	type job struct{ n int }
	f := NewFreeList[job]()
	j := f.Get()
	j.n = 7
	f.Put(j)
	if got := f.Get(); got != j {
		t.Fatal("Get did not return the value Put back")
	}
	f.Put(j)
	if a := testing.AllocsPerRun(100, func() { f.Put(f.Get()) }); a != 0 {
		t.Errorf("%.1f allocations per Get/Put", a)
	}
}
