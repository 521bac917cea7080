package blas

import (
	"testing"

	"github.com/counter-current/ccl/internal/gemmtrace"
)

// TestTraceCalls checks that Sgemm and SgemmSym pass their arguments to the
// gemmtrace recorder unchanged (bench's BenchmarkStepGEMMs replays them).
func TestTraceCalls(t *testing.T) {
	var got []gemmtrace.Call
	prev := gemmtrace.Set(func(c gemmtrace.Call) { got = append(got, c) })
	defer gemmtrace.Set(prev)
	a, b, c := make([]float32, 64), make([]float32, 64), make([]float32, 64)
	Sgemm(Trans, NoTrans, 3, 4, 5, 0.5, a, 7, b, 6, 0.25, c, 9)
	Sgemm(NoTrans, Trans, 2, 3, 4, -1, a, 5, b, 4, 1, c, 3)
	SgemmSym(4, 3, 2, a, 5, c, 6)
	want := []gemmtrace.Call{
		{TransA: true, M: 3, N: 4, K: 5, Lda: 7, Ldb: 6, Ldc: 9, Alpha: 0.5, Beta: 0.25},
		{TransB: true, M: 2, N: 3, K: 4, Lda: 5, Ldb: 4, Ldc: 3, Alpha: -1, Beta: 1},
		{Sym: true, TransB: true, M: 4, N: 4, K: 3, Lda: 5, Ldb: 5, Ldc: 6, Alpha: 2},
	}
	if len(got) != len(want) {
		t.Fatalf("recorded %d calls, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("call %d recorded as %+v, want %+v", i, got[i], want[i])
		}
	}
}
