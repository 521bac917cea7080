//go:build unix

package main

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// The first SIGINT asks the run to stop (Stop reports true); a second one
// exits at once with status 130.
func TestSecondInterruptExits(t *testing.T) {
	exited := make(chan int, 1)
	exit = func(code int) { exited <- code }
	defer func() { exit = os.Exit }()
	stop, release := stopOnSignal()
	defer release()
	if stop() {
		t.Fatal("Stop is true before any signal")
	}
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	for deadline := time.Now().Add(10 * time.Second); !stop(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Stop still false 10 s after SIGINT")
		}
	}
	select {
	case code := <-exited:
		t.Fatalf("exited (%d) after one signal", code)
	default:
	}
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case code := <-exited:
		if code != 130 {
			t.Errorf("second signal: exit %d, want 130", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit 10 s after the second SIGINT")
	}
}
