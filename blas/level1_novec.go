//go:build !amd64 || !gc || purego || noasm

package blas

// saxpyVec and sscalVec have no vector form in this build: the Go loops
// of Saxpy and Sscal do all the work.
func saxpyVec(alpha float32, x, y []float32) int { return 0 }

func sscalVec(alpha float32, x []float32) int { return 0 }
