package hugepage

import "testing"

// TestAdviseKeepsContents: advising memory already written (the collapse
// copies it into huge pages) changes no element, nor does advising slices
// too small to hold an aligned huge page or not starting on one.
func TestAdviseKeepsContents(t *testing.T) {
	for _, n := range []int{0, 1, 1000, MinBytes/4 - 1, MinBytes / 4, 3<<20 + 7} {
		s := make([]float32, n+5)
		for i := range s {
			s[i] = float32(i%1000) + 0.5
		}
		v := s[5:] // not 2 MiB aligned at either end
		Advise(v)
		for i := range s {
			if want := float32(i%1000) + 0.5; s[i] != want {
				t.Fatalf("n=%d: element %d = %g after Advise, want %g", n, i, s[i], want)
			}
		}
	}
	s := Floats(5 << 20)
	for i, v := range s {
		if v != 0 {
			t.Fatalf("Floats: element %d = %g, want 0", i, v)
		}
	}
}

// TestHighWater: a buffer with the capacity is resliced in place; one too
// small is reallocated at the largest size the HighWater has made (or
// least, or n, whichever is largest), so that a buffer that first meets a
// small request and then the large one is reallocated only once.
func TestHighWater(t *testing.T) {
	var h HighWater
	a := h.Grow(nil, 100, 10)
	if len(a) != 100 || cap(a) != 100 {
		t.Fatalf("first Grow(nil, 100, 10): len %d cap %d, want 100 100", len(a), cap(a))
	}
	a[0] = 7
	if b := h.Grow(a, 60, 0); &b[0] != &a[0] || len(b) != 60 {
		t.Fatalf("Grow within capacity reallocated or gave len %d", len(b))
	}
	// Another buffer of the kind, met first with a small request, gets the
	// high-water capacity at once.
	c := h.Grow(nil, 5, 0)
	if len(c) != 5 || cap(c) != 100 {
		t.Fatalf("Grow(nil, 5, 0) after 100: len %d cap %d, want 5 100", len(c), cap(c))
	}
	if d := h.Grow(c, 100, 0); &d[0] != &c[0] {
		t.Fatal("Grow to the high-water mark reallocated the buffer made at it")
	}
	// least and n above the mark raise it.
	if e := h.Grow(nil, 20, 300); cap(e) != 300 || len(e) != 20 {
		t.Fatalf("Grow(nil, 20, 300): len %d cap %d, want 20 300", len(e), cap(e))
	}
	if f := h.Grow(nil, 400, 0); cap(f) != 400 {
		t.Fatalf("Grow(nil, 400, 0): cap %d, want 400", cap(f))
	}
	if g := h.Grow(nil, 1, 0); cap(g) != 400 {
		t.Fatalf("Grow(nil, 1, 0) after 400: cap %d, want 400", cap(g))
	}
	// Settle brings a buffer to the mark ahead of use, and keeps one at it.
	if s := h.Settle(a); cap(s) != 400 || len(s) != 0 {
		t.Fatalf("Settle of a 100-float buffer at mark 400: len %d cap %d, want 0 400", len(s), cap(s))
	} else if s2 := h.Settle(s); &s2[:1][0] != &s[:1][0] {
		t.Fatal("Settle reallocated a buffer at the mark")
	}
	// Concurrent growth leaves the largest size as the mark.
	var h2 HighWater
	done := make(chan struct{})
	for i := 1; i <= 8; i++ {
		go func() { h2.Grow(nil, i*1000, 0); done <- struct{}{} }()
	}
	for range 8 {
		<-done
	}
	if g := h2.Grow(nil, 1, 0); cap(g) != 8000 {
		t.Fatalf("after concurrent Grows up to 8000: cap %d, want 8000", cap(g))
	}
}

// A Pool hands out buffers of the length asked, and keeps the ones put
// back at the largest size any has had, so that a buffer first met with a
// small request is not reallocated when the large one comes.
func TestPool(t *testing.T) {
	p := NewPool()
	a, b := p.Get(10), p.Get(500) // two at once: the pool's two values
	if len(a.S) != 10 || len(b.S) != 500 {
		t.Fatalf("Get(10), Get(500): lengths %d %d", len(a.S), len(b.S))
	}
	p.Put(a)
	p.Put(b)
	for range 2 {
		c := p.Get(1)
		if len(c.S) != 1 || cap(c.S) < 500 {
			t.Fatalf("Get(1) after a 500-float buffer: len %d cap %d, want 1 ≥ 500", len(c.S), cap(c.S))
		}
		defer p.Put(c)
	}
}
