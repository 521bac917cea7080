//go:build !amd64 || !gc || purego || noasm

package net

// No assembly kernels on this platform or build: the portable Go loops.
const maxKernelLevel = levelGo

func archKernel(o op, a, b, c, d []float32, s1, s2, s3 float32, mode int64) bool { return false }

func archSumLanes(x []float32, square bool, acc *lanes) bool { return false }
