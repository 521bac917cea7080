package heapcount

import "testing"

var sink []*[64]byte

// The count is exact: ten small objects, which runtime/metrics would not
// count until their span left the P's cache, count at once.
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
