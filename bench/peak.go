package bench

import (
	"runtime"
	"sync"
	"time"
)

// fmaLoop runs iters iterations of an assembly loop of independent fused
// multiply-adds and returns the float32 operations (2 per lane per FMA)
// it executed; the kernel's instruction set is named by ISA.
type fmaLoop struct {
	ISA   string
	flops float64 // per iteration
	run   func(iters int)
}

// PeakISAs returns the instruction sets whose FMA peak this build and CPU
// can measure, best first.
func PeakISAs() []string {
	var s []string
	for _, l := range fmaLoops {
		s = append(s, l.ISA)
	}
	return s
}

// Peak measures the float32 FMA peak in GFLOP/s of instruction set isa
// ("avx512", "avx2") on the given number of threads, each locked to an OS
// thread. It runs synchronised bursts of about 2 ms for a total of about d
// and returns the rate of the fastest burst, so that other processes on a
// busy machine lower the figure less. It returns 0 for an instruction set
// this build or CPU lacks.
func Peak(isa string, threads int, d time.Duration) float64 {
	var loop *fmaLoop
	for i := range fmaLoops {
		if fmaLoops[i].ISA == isa {
			loop = &fmaLoops[i]
		}
	}
	if loop == nil {
		return 0
	}
	const burst = 2 * time.Millisecond
	iters := 1 << 10
	for {
		t0 := time.Now()
		loop.run(iters)
		if el := time.Since(t0); el > burst/4 {
			iters = max(1, int(float64(iters)*float64(burst)/float64(el)))
			break
		}
		iters *= 4
	}
	var best float64
	go1 := make([]chan struct{}, threads)
	var done sync.WaitGroup
	for i := range go1 {
		go1[i] = make(chan struct{})
		go func(c chan struct{}) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for range c {
				loop.run(iters)
				done.Done()
			}
		}(go1[i])
	}
	for end := time.Now().Add(d); time.Now().Before(end); {
		done.Add(threads)
		t0 := time.Now()
		for _, c := range go1 {
			c <- struct{}{}
		}
		done.Wait()
		el := time.Since(t0).Seconds()
		best = max(best, loop.flops*float64(iters)*float64(threads)/el/1e9)
	}
	for _, c := range go1 {
		close(c)
	}
	return best
}

var (
	peakMu    sync.Mutex
	peakCache = map[string]float64{}
)

// AllCorePeak returns Peak(isa, GOMAXPROCS, 500ms), measured once per
// process.
func AllCorePeak(isa string) float64 {
	peakMu.Lock()
	defer peakMu.Unlock()
	if p, ok := peakCache[isa]; ok {
		return p
	}
	p := Peak(isa, runtime.GOMAXPROCS(0), 500*time.Millisecond)
	peakCache[isa] = p
	return p
}
