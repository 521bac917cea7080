package heapcount

import (
	"runtime"
	"strings"
	"sync"
	"testing"
)

var sink []*[64]byte

// The whole program's count is exact: ten small objects, which
// runtime/metrics would not count until their span left the P's cache,
// count at once.
func TestObjects(t *testing.T) {
	Objects() // the goroutine's sleep timer
	if a := testing.AllocsPerRun(5, func() { Objects() }); a != 0 {
		t.Fatalf("reading the count allocated %.1f objects", a)
	}
	sink = make([]*[64]byte, 0, 10)
	before := Objects()
	for range 10 {
		sink = append(sink, new([64]byte))
	}
	if got := Objects() - before; got < 10 {
		t.Errorf("10 allocations counted as %d", got)
	}
	sink = nil
}

//go:noinline
func allocate(k int) {
	for range k {
		sink = append(sink, new([64]byte))
	}
}

// Count sees each of the module's allocations, on the calling goroutine
// and on others, names where they were made, and sees nothing when
// nothing is allocated.
func TestCount(t *testing.T) {
	sink = make([]*[64]byte, 0, 32)
	n, sites := Count(func() { allocate(7) })
	if n != 7 || len(sites) != 1 || sites[0].Objects != 7 {
		t.Fatalf("7 allocations counted as %d at %v", n, sites)
	}
	if !strings.Contains(sites[0].String(), "heapcount.allocate") {
		t.Errorf("site does not name the allocating function:\n%v", sites[0])
	}
	var wg sync.WaitGroup
	ch := make(chan *[64]byte, 3)
	n, sites = Count(func() {
		wg.Go(func() {
			for range 3 {
				ch <- new([64]byte)
			}
		})
		wg.Wait()
	})
	// The goroutine itself (its g, the closure) may count too; its 3
	// allocations must.
	if n < 3 {
		t.Errorf("3 allocations on another goroutine counted as %d at %v", n, sites)
	}
	sink = sink[:0]
	if n, sites := Runs(1000, func() { sink = append(sink[:0], nil) }); n != 0 {
		t.Errorf("no allocation counted as %d at %v", n, sites)
	}
	if runtime.MemProfileRate == 1 {
		t.Error("Count left the profile rate at 1")
	}
}

// The runtime's own allocations, made where none of the module's functions
// is on the stack, and a new thread's records, are not the module's.
func TestOurs(t *testing.T) {
	for _, c := range []struct {
		stack []string
		want  bool
	}{
		{[]string{"runtime.mallocgc", "github.com/counter-current/ccl/ccl.(*Network).Step"}, true},
		{[]string{"runtime.mallocgc", "runtime.allocm", "runtime.newm", "runtime.startm", "runtime.wakep", "runtime.mcall"}, false},
		{[]string{"runtime.mallocgc", "runtime.allocm", "runtime.newm", "runtime.wakep", "runtime.ready",
			"github.com/counter-current/ccl/internal/parallel.Run"}, false},
		{[]string{"runtime.growslice", "runtime.(*timers).addHeap", "time.Sleep"}, false},
		{[]string{"runtime.newobject", "runtime.acquireSudog", "runtime.selectgo",
			"github.com/counter-current/ccl/internal/parallel.worker"}, false},
		{[]string{"runtime.mallocgc", "github.com/counter-current/ccl/internal/heapcount.snapshot",
			"github.com/counter-current/ccl/internal/heapcount.Count", "github.com/counter-current/ccl/ccl.TestX"}, false},
		{[]string{"runtime.newobject", "github.com/counter-current/ccl/internal/heapcount.Count",
			"github.com/counter-current/ccl/ccl.TestX"}, false},
		{[]string{"runtime.newobject", "github.com/counter-current/ccl/ccl.TestX.func1",
			"github.com/counter-current/ccl/internal/heapcount.Count", "github.com/counter-current/ccl/ccl.TestX"}, true},
	} {
		if got := ours(c.stack); got != c.want {
			t.Errorf("ours(%q) = %v, want %v", c.stack, got, c.want)
		}
	}
}
