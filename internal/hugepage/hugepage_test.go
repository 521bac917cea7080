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
