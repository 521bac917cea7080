package blas

import "testing"

// BenchmarkMicro measures each micro-kernel alone on L1-resident slivers
// (kc = kcMax), reporting GFLOP/s of one core.
func BenchmarkMicro(b *testing.B) {
	for _, kn := range availableKernels() {
		b.Run(kn.name, func(b *testing.B) {
			const kc = kcMax
			a := make([]float32, kn.mr*kc)
			bb := make([]float32, kn.nr*kc)
			c := make([]float32, kn.mr*kn.nr)
			for b.Loop() {
				kn.micro(kc, a, bb, c, kn.nr, 1, 1)
			}
			b.ReportMetric(2*float64(kn.mr*kn.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		if kn.general == nil {
			continue
		}
		b.Run(kn.name+"/rows", func(b *testing.B) {
			const kc = kcMax
			a := make([]float32, kn.mr*kc)
			bb := make([]float32, kn.nr*kc)
			c := make([]float32, kn.mr*kn.nr)
			for b.Loop() {
				kn.general(kc, a, kc, 0, bb, 0, c, kn.nr, 1, 1)
			}
			b.ReportMetric(2*float64(kn.mr*kn.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
