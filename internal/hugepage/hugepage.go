// Package hugepage allocates the large float32 buffers of training and of
// the matrix products (activations and their gradients, parameters, packed
// operands) so that the OS may back them with 2 MiB pages.
//
// With 4 KiB pages, a 64 MiB activation spans 16384 pages, four times what
// a Zen 4 core's second-level TLB holds: every tile of the first
// convolution's product (131072×128×27, batch 128) then walks the page
// tables for the rows of C it writes. On 2 MiB pages that product
// measured 3–6 % faster (149.8 → 154.4, 163.8 → 173.5 and 130.4 → 136.6
// GFLOP/s on two threads, calls alternated in one process; 2048³ and
// 32768×128×1152 within ±5 % either way). NumPy does the same for its
// arrays of 4 MiB or more (madvise(MADV_HUGEPAGE)), so the OpenBLAS
// figures of bench/peers are taken on huge pages too.
//
// On Linux, Floats asks for transparent huge pages on the buffer's 2 MiB
// aligned interior (madvise MADV_HUGEPAGE, honoured when
// /sys/kernel/mm/transparent_hugepage/enabled is "always" or "madvise"),
// and collapses the pages already present (MADV_COLLAPSE, Linux 6.1 and
// later: memory the Go heap reuses was faulted in with small pages). Both
// are hints: errors are ignored, and the buffer is an ordinary Go slice
// either way. Elsewhere Floats is make.
package hugepage

import (
	"sync/atomic"
	"unsafe"

	"github.com/counter-current/ccl/internal/parallel"
)

// MinBytes is the smallest buffer that Floats advises: smaller ones hold
// at most one aligned 2 MiB page.
const MinBytes = 4 << 20

// pageBytes is the size of a huge page (x86-64 and arm64 with 4 KiB base
// pages).
const pageBytes = 2 << 20

// Floats returns a zeroed []float32 of length n, asking the OS to back it
// with huge pages when it spans at least MinBytes.
func Floats(n int) []float32 {
	s := make([]float32, n)
	Advise(s)
	return s
}

// Advise asks the OS to back the whole 2 MiB pages within s with huge
// pages, when s spans at least MinBytes; the contents are unchanged.
func Advise(s []float32) {
	if 4*len(s) < MinBytes {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 4*len(s))
	lo := (pageBytes - int(uintptr(unsafe.Pointer(&b[0]))%pageBytes)) % pageBytes
	hi := lo + (len(b)-lo)/pageBytes*pageBytes
	if hi > lo {
		advise(b[lo:hi])
	}
}

// A HighWater sizes the reusable scratch buffers of one kind (a field of
// a job descriptor taken from a free list, say): Grow reallocates a buffer
// that is too small at the largest size it has handed out for the kind so
// far. Descriptors change hands from call to call, so with plain growth a
// buffer can meet a larger shape for the first time many training steps
// after the first; with a HighWater the first step shows every shape, and
// each buffer is reallocated at most once after it. The zero HighWater is
// ready to use and safe for concurrent use.
type HighWater struct{ v atomic.Int64 }

// Grow returns s[:n] when s has the capacity, else a new buffer (Floats)
// of length n and capacity max(n, least, the largest capacity Grow has
// made for h).
func (h *HighWater) Grow(s []float32, n, least int) []float32 {
	if cap(s) >= n {
		return s[:n]
	}
	size := max(n, least, int(h.v.Load()))
	for {
		old := h.v.Load()
		if int64(size) <= old || h.v.CompareAndSwap(old, int64(size)) {
			break
		}
	}
	return Floats(size)[:n]
}

// Mark returns the largest capacity Grow has made for h.
func (h *HighWater) Mark() int { return int(h.v.Load()) }

// Settle returns s when its capacity is at least the largest Grow has
// made for h, else a new empty buffer of that capacity: a buffer grown
// ahead of its next use, outside the calls that need it.
func (h *HighWater) Settle(s []float32) []float32 {
	if mark := h.Mark(); cap(s) < mark {
		return Floats(mark)[:0]
	}
	return s
}

// A Pool keeps the reusable scratch buffers of one kind for concurrent
// calls: a parallel.FreeList of buffers sized by a HighWater. Get grows a
// buffer that is too small to the kind's mark; Put brings a buffer to the
// mark before keeping it. The list hands its buffers out in turn, so each
// is at its final size after its uses in the first training steps, not
// when it first meets the largest request many steps later.
type Pool struct {
	free *parallel.FreeList[Buf]
	hw   HighWater
}

// Buf is a buffer of a Pool.
type Buf struct{ S []float32 }

// NewPool returns an empty pool.
func NewPool() *Pool { return &Pool{free: parallel.NewFreeList[Buf](nil)} }

// Get returns a buffer b with len(b.S) == n; release it with Put.
func (p *Pool) Get(n int) *Buf {
	b := p.free.Get()
	b.S = p.hw.Grow(b.S, n, n)
	return b
}

// Put returns b to the pool.
func (p *Pool) Put(b *Buf) {
	b.S = p.hw.Settle(b.S)
	p.free.Put(b)
}
