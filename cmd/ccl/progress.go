package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/counter-current/ccl/internal/train"
)

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar draws one status line on a terminal, redrawn in place at most
// ten times a second; every other line written through it first clears
// the status line, so epoch lines and the bar never mix.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	last  time.Time
	shown bool
}

const barWidth = 24

// format renders the status line of p.
func (p *progressBar) format(s train.Progress) string {
	frac := float64(s.Batch) / float64(max(s.Batches, 1))
	filled := int(frac * barWidth)
	eta := "-"
	if s.Batch > 0 && s.Seconds > 0 {
		left := s.Seconds / frac * (1 - frac)
		eta = (time.Duration(left) * time.Second).Round(time.Second).String()
	}
	rate := 0.0
	if s.Seconds > 0 {
		rate = float64(s.Samples) / s.Seconds
	}
	return fmt.Sprintf("epoch %d/%d [%s%s] %d/%d batches, %.0f samples/s, loss %.4f, ETA %s",
		s.Epoch, s.Epochs, strings.Repeat("=", filled), strings.Repeat(" ", barWidth-filled),
		s.Batch, s.Batches, rate, s.RunningLoss, eta)
}

// update redraws the status line (throttled; the last batch always shows).
func (p *progressBar) update(s train.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond || s.Batch == s.Batches {
		p.last = now
		fmt.Fprintf(p.w, "\r\033[K%s", p.format(s))
		p.shown = true
	}
}

// Write clears the status line, then writes b.
func (p *progressBar) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
	return p.w.Write(b)
}
