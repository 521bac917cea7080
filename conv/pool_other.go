//go:build !amd64 || !gc || purego || noasm

package conv

var poolAsm = false

func pool4(out []float32, am []int32, a, b, d, e []float32, i0, i1, i2, i3 int) bool { return false }

func poolBack4(a, b, d, e, g []float32, am []int32, i0, i1, i2, i3 int) bool { return false }

func gather32(dst, src []float32, offs []int) bool { return false }
