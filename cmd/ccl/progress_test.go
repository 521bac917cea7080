package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/counter-current/ccl/internal/train"
)

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	bar := &progressBar{w: &buf}
	s := train.Progress{Epoch: 2, Epochs: 30, Batch: 50, Batches: 200, Samples: 12800, Seconds: 2, RunningLoss: 0.75}
	line := bar.format(s)
	for _, w := range []string{"epoch 2/30", "[======                  ]", "50/200 batches", "6400 samples/s", "loss 0.7500", "ETA 6s"} {
		if !strings.Contains(line, w) {
			t.Errorf("status line %q lacks %q", line, w)
		}
	}
	bar.update(s)
	if !strings.HasPrefix(buf.String(), "\r\033[K") {
		t.Errorf("update does not redraw in place: %q", buf.String())
	}
	buf.Reset()
	fmt.Fprintln(bar, "epoch 2/30: train loss 0.7")
	if buf.String() != "\r\033[Kepoch 2/30: train loss 0.7\n" {
		t.Errorf("a line after the bar = %q, want the bar cleared first", buf.String())
	}
	buf.Reset()
	fmt.Fprintln(bar, "next")
	if buf.String() != "next\n" {
		t.Errorf("a line with no bar shown = %q", buf.String())
	}
	if isTerminal(&buf) {
		t.Error("a buffer is not a terminal")
	}
}
