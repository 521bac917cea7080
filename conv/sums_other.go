//go:build !amd64 || !gc || purego || noasm

package conv

// No assembly column sums in this build: columnSums runs its Go loop.
var sumsAsm, cpuHasSums = false, false

func columnSumsVec(s, a []float32, m, n int) int { return 0 }
