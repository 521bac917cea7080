//go:build !amd64 || !gc || purego || noasm

package bench

// No FMA loop in this build: Peak reports 0.
var fmaLoops []fmaLoop
