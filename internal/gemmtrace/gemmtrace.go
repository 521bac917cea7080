// Package gemmtrace lets a benchmark record the matrix products that code
// under test makes through package blas, shape by shape, so that it can
// time them again on their own: bench's BenchmarkStepGEMMs replays the
// products of one training step to measure the step's GEMM work apart from
// everything else the step does.
//
// Recording costs an atomic load per product when no recorder is set.
package gemmtrace

import "sync/atomic"

// Call is one product C = alpha·op(A)·op(B) + beta·C as blas.Sgemm takes
// it (TransA, TransB: op(X) = Xᵀ), or, with Sym set, the Gram product
// C = alpha·A·Aᵀ of blas.SgemmSym (M = N rows of C, depth K, A's leading
// dimension Lda).
type Call struct {
	Sym            bool
	TransA, TransB bool
	M, N, K        int
	Lda, Ldb, Ldc  int
	Alpha, Beta    float32
}

// Recorder receives the products; it is called concurrently when products
// are made concurrently.
type Recorder func(Call)

var recorder atomic.Pointer[Recorder]

// Set installs r (nil: none) and returns the previous recorder.
func Set(r Recorder) Recorder {
	var p *Recorder
	if r != nil {
		p = &r
	}
	if old := recorder.Swap(p); old != nil {
		return *old
	}
	return nil
}

// Record passes c to the installed recorder, if any.
func Record(c Call) {
	if r := recorder.Load(); r != nil {
		(*r)(c)
	}
}
