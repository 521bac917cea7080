package bench

import (
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkPeak reports the float32 FMA peak per instruction set on one
// core and on all cores (GOMAXPROCS), as GFLOP/s.
func BenchmarkPeak(b *testing.B) {
	for _, isa := range PeakISAs() {
		for _, threads := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(isa+"/threads="+strconv.Itoa(threads), func(b *testing.B) {
				var g float64
				for b.Loop() {
					g = Peak(isa, threads, 100*time.Millisecond)
				}
				b.ReportMetric(g, "GFLOP/s")
			})
		}
	}
}

func TestPeak(t *testing.T) {
	for _, isa := range PeakISAs() {
		if g := Peak(isa, 1, 10*time.Millisecond); g <= 0 {
			t.Errorf("Peak(%q) = %g", isa, g)
		}
	}
	if g := Peak("none", 1, time.Millisecond); g != 0 {
		t.Errorf("Peak(none) = %g, want 0", g)
	}
}
