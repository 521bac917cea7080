// Package heapcount counts the program's heap allocations for the tests
// and benchmarks that require a training step to allocate nothing.
//
// The count is runtime.MemStats.Mallocs, which is exact: runtime/metrics'
// "/gc/heap/allocs:objects" does not stop the world, but it counts a small
// object only when the span it came from is swapped out of its P's cache,
// so a few allocations can stay unseen for hundreds of steps.
// ReadMemStats stops the world, and restarting it starts an OS thread
// (whose records, 6 objects, a count around the steps would take for the
// steps' own) when a goroutine is runnable with no idle thread to run it:
// the thread pool's workers poll for 500 µs after their last task
// (parallel's spinFor), so Objects first waits for them to block.
package heapcount

import (
	"runtime"
	"sync"
	"time"
)

// quiet is how long Objects waits before reading: longer than the thread
// pool's polling.
const quiet = 5 * time.Millisecond

var (
	mu sync.Mutex
	ms runtime.MemStats
)

// Objects returns how many heap objects the program has allocated so far,
// tiny ones included, after waiting for the thread pool to go idle. Reading
// it allocates nothing once the calling goroutine has slept before.
func Objects() uint64 {
	mu.Lock()
	defer mu.Unlock()
	time.Sleep(quiet)
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}
