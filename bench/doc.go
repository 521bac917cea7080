// Package bench measures the float32 FMA peak of the machine and the
// throughput of blas.Sgemm against it.
//
// Run the benchmarks with
//
//	go test -bench . ./bench
//
// BenchmarkPeak reports the measured peak in GFLOP/s (an assembly loop of
// independent FMAs, per instruction set, on one core and on all cores);
// BenchmarkSgemm reports, per kernel and shape, GFLOP/s and the percentage
// of the all-core peak of the kernel's instruction set. See README.md for
// the figures and peers/sgemm_numpy.py for the OpenBLAS comparison.
package bench
