package blas

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/counter-current/ccl/internal/hugepage"
	"github.com/counter-current/ccl/internal/parallel"
)

// The product follows the Goto/BLIS structure. For every block of KC steps
// of the reduction dimension, a KC×NC panel of op(B) is packed into
// NR-wide column slivers (NR floats per k step, contiguous) and an MC×KC
// block of op(A) into MR-tall row slivers (MR floats per k step). A
// register-blocked micro-kernel then computes each MR×NR tile of C from
// one A sliver and one B sliver:
//
//	for jc := 0; jc < n; jc += NC        // B panel, KC×NC: L2
//	  for pc := 0; pc < k; pc += KC      // reduction blocks, fixed order
//	    pack B[pc:pc+KC, jc:jc+NC]
//	    for ic := 0; ic < m; ic += MC    // A block, MC×KC
//	      pack A[ic:ic+MC, pc:pc+KC]     // (or read A in place, or reuse
//	                                     // the first panel's packing: keepA;
//	                                     // a Gather operand is packed from
//	                                     // the blocks it writes)
//	      for ir := 0; ir < MC; ir += MR // A sliver, MR×KC: L1
//	        for jr := 0; jr < NC; jr += NR // B slivers stream from L2
//	          C[ir:ir+MR, jr:jr+NR] (+)= A sliver · B sliver  (registers)
//
// A task with a small op(B) and a large C (kInner: the convolutions'
// forward products) runs the same steps in another order: all of op(B)
// packed first, then for each block of kInnerRows rows of C every
// reduction block in turn, so that C is not swept once per reduction
// block. Each element of C sees the same operations in the same order:
// the same bits.
//
// The operand broadcast by the micro-kernel (A, MR floats per k step)
// stays in L1 and the one loaded as vectors (B, NR floats per k step)
// streams from L2, as BLIS does on Skylake-X with the roles mirrored.
// Block sizes, chosen by measurement on two machines: Sapphire Rapids (48
// KiB L1d, 2 MiB L2 per core; session 1) and AMD family 26, Zen 5 (48 KiB
// L1d, 1 MiB L2 per core; interleaved A/B runs of bench's SGEMM shapes):
//   - KC (kernel.kc) = 384 for AVX-512 and NEON: the A sliver kept in L1
//     is KC·MR·4 bytes, 18 KiB for MR = 12 (AVX-512); each B sliver
//     streamed through L1 is KC·NR·4 bytes, 48 KiB for NR = 32. On Zen 5,
//     KC = 384 beat 256 by 2-5 % on 2048³, the 256×1024×K and the first
//     im2col shapes (2 threads), one C tile update per 384 steps instead
//     of 256; on Zen 4 (session 8) 512 measured within ±2 % of it. AVX2:
//     KC = 512 (a 12 KiB A sliver for MR = 6, whose 6×16 tile takes a
//     quarter of the k step of the 12×32 one, so that 384 steps left its
//     per-tile store and reload a larger share): on Zen 4, alternated
//     runs of the benchmark shapes measured 2048³ 182.3 → 192.4 GFLOP/s,
//     32768×128×1152 177.7 → 192.9, and none slower. The reduction is cut
//     into ceil(k/KC) blocks of nearly equal depth, a function of k and
//     the kernel alone, never of the thread count.
//   - NC (kernel.nc): the packed B panel, KC·NC·4 bytes. AVX-512: NC = 640,
//     960 KiB (better than 1024 with KC = 384 on Zen 5, whose 1 MiB L2
//     the panel would overflow); AVX2: NC = 1024 (1.5 MiB).
//   - MC (kernel.mc): the A block, MC·KC·4 bytes (1.4 MiB) when
//     packed, is read once per panel, sliver by sliver; it bounds the
//     packing buffer.
//
// Packing is skipped where it does not pay, with the kernels that have a
// general form (amd64: every layout below; NEON: A rows): when op(A) = A, the A sliver is read in place (MR
// rows, lda apart); when op(A) = Aᵀ and lda ≤ directColsLd, likewise (KC
// stored rows of MR floats); when op(B) = B and a task has at most
// directBRows rows, the B sliver is read in place (KC rows, ldb apart).
// The hardware prefetchers follow such rows; a software prefetch of the
// next A sliver measured slower.
//
// Edge tiles: packed slivers are zero-padded to MR rows and NR columns, so
// the micro-kernel always runs on full tiles; a partial tile of C is
// computed into a small scratch tile and copied out. Only the last tile
// row and column of C are partial.
//
// Large outputs written once (beta == 0, k ≤ KC, C beyond the last-level
// cache: the first convolution's product, the input gradients of the
// others) are written with non-temporal stores where the kernel has them
// (streams), which skip reading C's memory before overwriting it.
//
// Determinism: C is scaled by beta in the first reduction block and
// accumulates alpha·(block product) in the later ones, always in
// increasing block order; within a block, the micro-kernel reduces over k
// in increasing order. Threads own disjoint sets of C tiles aligned to the
// MR×NR grid, so each element of C sees exactly the same operations
// whatever the number of threads.

// kcMax is the largest depth KC of a reduction block of any kernel
// (kernel.kc).
const kcMax = 512

// microKernel computes, for a packed MR×kc sliver a (a[p*MR+i] holds
// op(A)[i, p]) and a packed kc×NR sliver b (b[p*NR+j] holds op(B)[p, j]),
// the full tile
//
//	C[i*ldc+j] = alpha·Σ_p a[p*MR+i]·b[p*NR+j] + beta·C[i*ldc+j]
//
// for i < MR, j < NR, summing over p in increasing order. When beta == 0,
// C is not read. kc ≥ 1.
type microKernel func(kc int, a, b, c []float32, ldc int, alpha, beta float32)

// generalKernel is a microKernel that can also read its operands in
// place, saving their packing: with cs != 0, element (i, p) of the A
// sliver is a[p*cs+i] (MR columns of a row-major A stored transposed);
// else with rs != 0 it is a[i*rs+p] (MR rows of a row-major A); else a is
// a packed sliver. With ldb != 0, element (p, j) of the B sliver is
// b[p*ldb+j] (NR columns of a row-major B), else b is a packed sliver.
type generalKernel func(kc int, a []float32, rs, cs int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// inPlaceLayouts lists the operand layouts a generalKernel reads in place.
type inPlaceLayouts uint8

const (
	rowsA inPlaceLayouts = 1 << iota // rs != 0: MR rows of A
	colsA                            // cs != 0: kc stored rows of Aᵀ
	rowsB                            // ldb != 0: kc rows of B
)

// directColsLd is the largest leading dimension of a transposed A read in
// place: each k step of an A sliver reads from the next stored row, so the
// row stride must stay well under a 4 KiB page for the TLB's sake. On
// Intel (every amd64 CPU not from AMD) it is 0, set at start-up in
// kernel_amd64.go: Aᵀ is always packed.
// There the sliver's kc rows, 512 or 1024 bytes apart, fall in a few L1
// sets and do not stay in L1 while the B slivers stream past; on Ice Lake,
// alternated in one process, packing ran cnn_pool's weight gradients
// (dOutᵀ·im2col) 17-41 % faster on one thread and 11-27 % on two, and the
// cnn_pool step faster: CCL 273 → 258 and 309 → 303 ms (medians), BP 387
// → 341. On Zen 4 packing made the products 0-5 % faster but the CCL step
// slower (session 8), so AMD reads Aᵀ in place.
var directColsLd = 512

// directBRows is the largest number of rows of C in a task for which a
// non-transposed B is read in place rather than packed: each B panel then
// serves at most directBRows/MR A slivers, too few to repay a packing
// pass. Reading B in place walks a new 4 KiB page per k step (a TLB miss
// each time without huge pages), so above a few slivers packing wins:
// measured on 60..256-row products with N = K = 1024.
const directBRows = 96

// kernel describes one implementation of the micro-kernel with the block
// sizes tuned for it.
type kernel struct {
	name   string
	mr, nr int // register tile
	mc, nc int // A block rows (packing buffer), B panel columns in L2 (multiples of mr, nr)
	kc     int // depth KC of a reduction block, at most kcMax
	micro  microKernel
	// general, if not nil, is the same kernel reading A or B in place, in
	// the layouts listed by inPlace.
	general generalKernel
	inPlace inPlaceLayouts
	// pack and packCols, if not nil, replace packRows and packCols for
	// this kernel's tile sizes.
	pack, packCols func(dst, src []float32, ld, r, kc, w int)
	// stream, if not nil, is general writing C with non-temporal stores
	// (beta == 0, every row of the tile 64-byte aligned), and fence orders
	// those stores before the job reports its tasks done (see streams).
	stream generalKernel
	fence  func()
	// tiles, if not nil, computes n ≥ 1 adjacent full tiles of C in one
	// call, from one A sliver (packed, or MR rows rs apart when rs != 0)
	// and the n consecutive packed B slivers of a panel, written as
	// stream does when stream is set: the same bits as n calls of micro
	// (or stream), without their per-call overhead (about 8 % of the
	// kernel time of a product as shallow as the first convolution's, K =
	// 27).
	tiles func(kc int, a []float32, rs int, b, c []float32, ldc int, alpha, beta float32, stream bool, n int)
	// transpose16, if not nil, transposes a 16×16 block (dst[i*ldd+j] =
	// src[j*lds+i]) and enables the swapped form of A·Bᵀ (see swapPays).
	transpose16 func(dst []float32, ldd int, src []float32, lds int)
	// dot, if not nil, computes products op(A)·Bᵀ of at most dotRows rows
	// as dot products (see dotPays).
	dot dotKernel
	// edge, if not nil, computes only the first rows (4 or 8) of a tile
	// from a packed A sliver and a B sliver (packed: ldb == 0, or read in
	// place) into scratch (row stride NR), as alpha times the sum: the
	// cheaper form of partial tiles of at most 8 rows.
	edge func(kc int, a []float32, rows int, b []float32, ldb int, c []float32, alpha float32)
	// packPtrs, if not nil, packs 12 rows given as slices (MR = 12):
	// dst[p*12+i] = rows[i][p] for p < n, n a multiple of 16 (see
	// gatherRunsA).
	packPtrs func(dst []float32, rows *[12][]float32, n int)
	// wide, if not nil, replaces this kernel for the products of stored
	// matrices, Sgemm and SgemmSym (see plain): on Intel, the AVX-512 6×64
	// tiles (avx512Wide) instead of the 12×32 ones. The Gather forms keep
	// the 12×32 tiles: their gathered-A packing (packPtrs) is 12 rows, and
	// a gathered op(B) (the convolutions' weight gradients) measured no
	// faster in 64-wide slivers, the cnn_pool CCL step 1-8 % slower.
	wide *kernel
}

// plain returns the kernel for a product of stored matrices: kn.wide
// when it is set, else kn.
func (kn *kernel) plain() *kernel {
	if kn.wide != nil {
		return kn.wide
	}
	return kn
}

// alias4KCheap is set on CPUs where reading A in place costs no more than
// packing it even when its rows are a multiple of 4 KiB apart (see block).
// alias4KRows is the tallest A sliver read in place there on the other
// CPUs (0: none; set at start-up in kernel_amd64.go).
var (
	alias4KCheap bool
	alias4KRows  int
)

// readsAInPlace reports whether block reads full A slivers of op(A) in
// place rather than packing them.
func (kn *kernel) readsAInPlace(tA Transpose, lda int) bool {
	if tA == NoTrans {
		return kn.inPlace&rowsA != 0 && (lda%1024 != 0 || alias4KCheap || kn.mr <= alias4KRows)
	}
	return kn.inPlace&colsA != 0 && lda <= directColsLd
}

// keepABytes bounds the packed op(A) of a task kept for all its B panels
// (see block): 2048³ split into two row bands keeps 8.1 MiB per thread.
var keepABytes = 9 << 20

// parallelFlops is the smallest product (2·m·n·k) that is split across
// threads: below it, waking the workers costs more than it saves.
const parallelFlops = 1 << 22

// Task sizes: up to bandsPerThread bands per thread, row bands of at
// least minBandRows rows, over which packing op(B) again costs little
// (about 1/(2·minBandRows) of the flops in packed elements), and column
// bands of at least minBandCols columns, over which streaming op(A) again
// costs little (narrower bands measured slower on 256×1024×3072).
const (
	bandsPerThread = 4
	minBandRows    = 1024
	minBandCols    = 1024
)

// gemmBuf holds the packing buffers of one participant of a job. They only
// grow, so a job that has seen a shape once never allocates for it again.
type gemmBuf struct {
	a, b []float32     // packed A block, packed B panel
	aAll []float32     // every packed A block of a task, when kept (keepA)
	tmp  []float32     // one MR×NR tile for edge tiles
	rows []float32     // MR gathered rows of op(A), KC wide (SgemmGatherA)
	runs [12][]float32 // the rows' current runs (gatherRunsA)
}

// The packing and scratch buffers of jobs grow to their kind's
// high-water mark (hugepage.HighWater), at least as large as the kernel's
// blocks allow: jobs and participants' buffers change hands from call to
// call (the free list gives a caller whichever job is free, a
// participant's number is the order it joined in), and growing each to
// its own largest request only, the cnn_pool CCL step still reallocated
// buffers 8 times between its 4th and its 120th step.
var hwA, hwB, hwAAll, hwBAll, hwRows, hwTmp, hwDotX hugepage.HighWater

// gemmJob is one call of Sgemm, shared by the caller and the workers
// helping it. Tasks are disjoint bands of C: row bands (splitM) or column
// bands, each a multiple of the tile size, taken in turn by the
// participants. Participant s (the caller or a worker, in the order they
// start) packs into bufs[s], so the buffers belong to the job, whichever
// goroutine runs it.
type gemmJob struct {
	tA, tB      Transpose
	m, n, k     int
	alpha, beta float32
	a, b, c     []float32
	lda, ldb    int
	ldc         int
	kern        *kernel
	ga, gb      Gather    // op(A), op(B) when gathered (SgemmGatherA, SgemmGatherB)
	gr          RunGather // op(A) when gathered from runs (SgemmRunsA; ga is nil then)
	splitM      bool
	stream      bool // full tiles written with kern.stream (see streams)
	band        int  // rows (splitM) or columns per task
	ntasks      int
	// sharedB: op(B) is packed once for all row bands, into bAll (see
	// run), panel jc (NC columns, all of k) at jc·k, its block at pc
	// within the panel at pc·roundUp(ncur, NR). packing: the tasks being
	// run are that packing's (panel, block) pairs, not bands.
	sharedB, packing bool
	bAll             []float32
	// lower: only the tiles of C that hold elements on or below the
	// diagonal are computed (SgemmSym), in row bands of equal areas.
	lower bool
	g     parallel.Group
	bufs  []gemmBuf // one per participant
}

// Free list of jobs, last in first out, so that a caller gets back the job
// (and buffers) of its previous call: once as many jobs exist as
// concurrent callers, Sgemm allocates nothing. It starts with
// parallel.Spares jobs (see parallel.FreeList), kept settled (see settle)
// while idle.
var (
	jobMu   sync.Mutex
	jobFree = func() []*gemmJob {
		s := make([]*gemmJob, parallel.Spares)
		for i := range s {
			s[i] = preparedJob()
		}
		return s
	}()
)

func getJob() *gemmJob {
	jobMu.Lock()
	defer jobMu.Unlock()
	if n := len(jobFree); n > 0 {
		j := jobFree[n-1]
		jobFree = jobFree[:n-1]
		return j
	}
	return preparedJob()
}

// preparedJob makes a job whose Group is prepared (see parallel.Group.Prepare).
func preparedJob() *gemmJob {
	j := new(gemmJob)
	j.g.Prepare()
	return j
}

func putJob(j *gemmJob) {
	j.settle()
	j.a, j.b, j.c, j.kern, j.ga, j.gb, j.gr = nil, nil, nil, nil, nil, nil, nil
	j.sharedB, j.lower = false, false
	jobMu.Lock()
	for _, idle := range jobFree {
		idle.settle() // nothing to do unless a mark rose
	}
	jobFree = append(jobFree, j)
	jobMu.Unlock()
}

// mostThreads is the most participants any job has had.
var mostThreads atomic.Int64

// settle grows j's buffers, outside the calls that need them, to what a
// later call may need: every kind of buffer any job has used, at its
// kind's mark (the HighWaters), for as many participants as any job has
// had. Which participant of a job packs with which buffers varies from
// call to call (workers join in any order), and a second job is taken
// only when two products overlap, which in a Fashion-MNIST MLP step can
// first happen dozens of steps in: growing buffers only in the calls that
// need them, the cnn_pool CCL step grew a 2 MB packing buffer 23 steps
// after its warm-up, and the Fashion-MNIST MLP's a 1.4 MB one 4 to 59
// steps after (five runs of 300). With
// every job settled whenever one is put back, a product allocates only
// when it raises a mark or when more products overlap than ever before.
func (j *gemmJob) settle() {
	if t := int(mostThreads.Load()); len(j.bufs) < t {
		j.bufs = append(j.bufs, make([]gemmBuf, t-len(j.bufs))...)
	}
	for i := range j.bufs {
		u := &j.bufs[i]
		u.a, u.b, u.aAll = hwA.Settle(u.a), hwB.Settle(u.b), hwAAll.Settle(u.aAll)
		u.tmp, u.rows = hwTmp.Settle(u.tmp), hwRows.Settle(u.rows)
	}
	j.bAll = hwBAll.Settle(j.bAll)
}

// Do runs tasks [lo, hi) as participant w, with w's packing buffers
// (parallel.Task). Tasks are claimed one at a time, so a thread slowed by
// another process simply takes fewer.
func (j *gemmJob) Do(w, lo, hi int) {
	if j.packing {
		nb, _ := j.kern.kBlocks(j.k)
		for t := lo; t < hi; t++ {
			j.packShared(t/nb, t%nb)
		}
		return
	}
	buf := &j.bufs[w]
	for t := lo; t < hi; t++ {
		i0, i1, j0, j1 := 0, j.m, 0, j.n
		switch {
		case j.lower:
			i0, i1 = j.lowerCut(t), j.lowerCut(t+1)
		case j.splitM:
			i0, i1 = t*j.band, min(j.m, (t+1)*j.band)
		default:
			j0, j1 = t*j.band, min(j.n, (t+1)*j.band)
		}
		j.block(buf, i0, i1, j0, j1)
	}
	if j.stream {
		j.kern.fence()
	}
}

// sgemm is the product behind Sgemm; arguments are already checked, m,
// n, k > 0 and alpha ≠ 0 (see begin).
func sgemm(tA, tB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	kern := currentKernel().plain()
	if dotPays(kern, tB, m) {
		sgemmDot(kern.dot, tA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if tB == Trans && beta == 0 && kern.transpose16 != nil && swapPays(kern, tA, m, n, k, lda, ldb) {
		sgemmSwapped(kern, tA, m, n, k, alpha, a, lda, b, ldb, c, ldc)
		return
	}
	sgemmDirect(kern, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmDirect computes the product with the blocked algorithm on kern.
func sgemmDirect(kern *kernel, tA, tB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	j := newJob(kern, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	j.run()
}

// newJob returns a job for the product, from the free list.
func newJob(kern *kernel, tA, tB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) *gemmJob {
	j := getJob()
	j.tA, j.tB, j.m, j.n, j.k = tA, tB, m, n, k
	j.alpha, j.beta = alpha, beta
	j.a, j.b, j.c = a, b, c
	j.lda, j.ldb, j.ldc = lda, ldb, ldc
	j.kern = kern
	return j
}

// directA reports whether the job reads full slivers of op(A) in place.
func (j *gemmJob) directA() bool { return !j.gathersA() && j.kern.readsAInPlace(j.tA, j.lda) }

// gathersA reports whether op(A) is gathered (SgemmGatherA, SgemmRunsA).
func (j *gemmJob) gathersA() bool { return j.ga != nil || j.gr != nil }

// run splits the job into tasks, runs them on the worker pool and returns
// the job to the free list.
func (j *gemmJob) run() {
	kern, m, n, k := j.kern, j.m, j.n, j.k
	j.stream = streams(kern, m, n, k, j.beta, j.c, j.ldc)

	// Split the larger of m and n into bands: the tasks then each pack
	// all of the smaller operand, which is the cheaper duplication. When A
	// is read in place, row bands would each pack all of op(B) while column
	// bands only read A again, which the kernel does as it goes: then rows
	// are split only when m ≥ 2n (square products: 2048³ measured 1-2 %
	// faster split by columns, within the noise of the machine). There
	// are more bands than threads where that duplication is cheap, so that
	// a thread slowed by another process gets fewer of them.
	threads := runtime.GOMAXPROCS(0)
	if float64(m)*float64(n)*float64(k)*2 < parallelFlops {
		threads = 1
	}
	j.splitM = m >= n
	if j.directA() && !j.lower {
		j.splitM = m >= 2*n
	}
	tile, dim := kern.nr, n
	if j.splitM {
		tile, dim = kern.mr, m
	}
	tiles := (dim + tile - 1) / tile
	ntasks := threads
	switch {
	case threads == 1:
	case j.splitM:
		// Each row band packs op(B) again: keep bands of minBandRows.
		ntasks = max(threads, min(bandsPerThread*threads, m/minBandRows))
	default:
		// Each column band reads (or packs) all of op(A) again.
		ntasks = max(threads, min(bandsPerThread*threads, n/minBandCols))
	}
	// Equal bands in a multiple of the thread count: three bands on two
	// threads leave one thread idle for a third of the product (the CIFAR-10
	// MLP's weight gradient 1024×3072×256 ran at 138 GFLOP/s split in three).
	ntasks -= ntasks % threads
	// Row bands of a product whose packed op(B) fits in shareBBytes share
	// one packing of it, done first by all participants: then bands cost
	// nothing extra and are made finer, bandsShared per thread, so that a
	// helper that joins late (in the training steps, the thread pool's
	// other thread finishing work of its own) still takes a fair share.
	// Before, the CIFAR-10 MLP's first layer (1024×256×3072 swapped) ran
	// as two bands, and the helper joining 4.5 ms into the caller's band
	// left the caller idle for the last 5 ms.
	nPad := roundUp(n, kern.nr)
	j.sharedB = threads > 1 && j.splitM && 4*nPad*k <= shareBBytes && !j.lower
	if j.sharedB {
		ntasks = max(ntasks, bandsShared*threads)
	}
	if j.lower {
		// One band per thread, of equal areas of the lower triangle (see
		// lowerCut); each packs op(B) only up to its last row.
		ntasks = threads
	}
	ntasks = min(ntasks, tiles)
	j.band = (tiles + ntasks - 1) / ntasks * tile
	j.ntasks = (dim + j.band - 1) / j.band
	threads = parallel.Threads(j.ntasks)
	if len(j.bufs) < threads {
		j.bufs = append(j.bufs, make([]gemmBuf, threads-len(j.bufs))...)
	}
	for most := mostThreads.Load(); int64(threads) > most && !mostThreads.CompareAndSwap(most, int64(threads)); {
		most = mostThreads.Load()
	}

	// The caller and up to threads−1 idle workers of the shared pool
	// (internal/parallel) take the tasks one at a time.
	if j.sharedB {
		j.bAll = hwBAll.Grow(j.bAll, nPad*k, nPad*k)
		nb, _ := kern.kBlocks(k)
		npack := (n + kern.nc - 1) / kern.nc * nb
		j.packing = true
		parallel.Run(j, &j.g, npack, npack, 1)
		j.packing = false
	}
	parallel.Run(j, &j.g, j.ntasks, j.ntasks, 1)
	putJob(j)
}

// lowerCut returns the first row of band b of a lower (SgemmSym) job:
// row bands of about equal areas of the lower triangle, band b starting at
// n·sqrt(b/ntasks) rounded to the tile height.
func (j *gemmJob) lowerCut(b int) int {
	if b >= j.ntasks {
		return j.m
	}
	r := int(float64(j.m) * math.Sqrt(float64(b)/float64(j.ntasks)))
	return min(j.m, roundUp(r, j.kern.mr))
}

// kInnerBBytes bounds the packed op(B) of a task whose reduction blocks
// block runs innermost (kInner): for each block of kInnerRows rows of
// C, every reduction block in turn, against all of op(B) packed once (or
// shared), so that those C rows stay in L1 from one reduction block to
// the next. In the usual order a task sweeps its whole C once per
// reduction block, which comes back from memory when C is larger than L2
// (kInnerMinCBytes). That pays where C is large and op(B) small: the
// convolutions' forward products (M = N·H·W rows, N = Cout ≤ 256 columns,
// K = 9·Cin in a few blocks). Alternated in one process (best of 20
// calls, 2 threads, AVX-512): 32768×128×1152 191 → 200 GFLOP/s stored and
// 188 → 203 gathered (cnn_pool's second convolution), 8192×256×1152
// gathered 197 → 211; 1.25 MiB lets in that last one, whose op(B) is
// 1.1 MiB.
var kInnerBBytes = 1280 << 10

// kInnerMinCBytes is the least C of a task for the k-inner order (a
// variable for the tests).
var kInnerMinCBytes = 1 << 20

// kInnerRows is the number of rows of C per A block in that order,
// rounded up to a multiple of MR: 4 slivers of the 12×32 tiles, 8 of the
// 6×64 and 6×16 ones, 6 of NEON's 8×12. It was 4 slivers of any height;
// for the 6-row tiles, 8 measured faster (alternated in one process,
// medians of 16-20 calls, 2 threads): 6×64 32768×128×1152 170 → 181
// GFLOP/s and 8192×256×1152 177 → 199, AVX2 85 → 92 and 109 → 113.
const kInnerRows = 48

// kInner reports whether a task of rows × cols with nb reduction blocks
// runs with the reduction blocks innermost (see kInnerBBytes): one B
// panel, several reduction blocks, op(B) small and C large.
func (j *gemmJob) kInner(rows, cols, nb int) bool {
	kn := j.kern
	return nb > 1 && !j.lower && cols <= kn.nc && 4*roundUp(cols, kn.nr)*j.k <= kInnerBBytes && 4*rows*cols >= kInnerMinCBytes
}

// shareBBytes bounds the packed op(B) shared by a product's row bands
// (see run): 2048³ shares 16 MiB.
var shareBBytes = 16 << 20

// bandsShared is the number of row bands per thread when op(B) is shared.
const bandsShared = 4

// packShared packs block blk of panel p of op(B) into j.bAll.
func (j *gemmJob) packShared(p, blk int) {
	_, kcb := j.kern.kBlocks(j.k)
	nc := j.kern.nc
	jc := p * nc
	ncur := min(nc, j.n-jc)
	pc := blk * kcb
	kc := min(kcb, j.k-pc)
	j.packB(j.bAll[jc*j.k+pc*roundUp(ncur, j.kern.nr):], pc, kc, jc, ncur)
}

// packB packs op(B)[pc:pc+kc, jc:jc+ncur] into NR-wide slivers at dst
// (zero-padded to a whole sliver).
func (j *gemmJob) packB(dst []float32, pc, kc, jc, ncur int) {
	kn := j.kern
	switch {
	case j.gb != nil:
		gatherB(dst, j.gb, pc, kc, jc, ncur, kn.nr)
	case j.tB == NoTrans:
		kn.packColsFunc()(dst, j.b[pc*j.ldb+jc:], j.ldb, ncur, kc, kn.nr)
	default:
		kn.packFunc()(dst, j.b[jc*j.ldb+pc:], j.ldb, ncur, kc, kn.nr)
	}
}

// packFunc and packColsFunc return the kernel's packing of rows and of
// columns, or the generic ones.
func (kn *kernel) packFunc() func(dst, src []float32, ld, r, kc, w int) {
	if kn.pack != nil {
		return kn.pack
	}
	return packRows
}

func (kn *kernel) packColsFunc() func(dst, src []float32, ld, r, kc, w int) {
	if kn.packCols != nil {
		return kn.packCols
	}
	return packCols
}

// streamMinBytes is the smallest C (in bytes) written with non-temporal
// stores: large enough that C would be evicted to memory before it is
// read again anyway, so that bringing its lines into the caches first (a
// read of memory per line written) is pure cost. In the training steps
// the last-level cache (32 MiB on the Zen 4 host) is shared with the
// weights, activations and the other stream's products, so 4 MiB: the
// CIFAR-10 MLP's weight gradients (12 and 4 MiB, read again only by the
// optimiser after the other pairs) then stream, and its CCL step measured
// 1.5 % faster (36.97 → 36.43 ms, medians of 30 alternated blocks in one
// process; BP 2 %; cnn_pool level). It was 32 MiB, the cache's size.
var streamMinBytes = 4 << 20 // a variable for the tests

// streams reports whether C is written with the kernel's non-temporal
// stores: when C is larger than streamMinBytes, each element is written
// once (beta == 0, a single reduction block: k ≤ KC) and every tile row is
// 64-byte aligned. Then the products of the first convolution layer (K =
// 27), the input gradients of the others, whose C (131072×128,
// 32768×1152 at batch 128) dwarfs the caches, and the MLPs' weight
// gradients skip reading C's memory before writing it. The results are
// the same bits.
func streams(kern *kernel, m, n, k int, beta float32, c []float32, ldc int) bool {
	return kern.stream != nil && beta == 0 && k <= kern.kc && 4*m*n >= streamMinBytes &&
		ldc%16 == 0 && uintptr(unsafe.Pointer(&c[0]))%64 == 0
}

// swapPays reports whether C = op(A)·Bᵀ (m×n, depth k, beta = 0) costs
// less as Cᵀ = B·op(A)ᵀ followed by a transposition of the result, on
// kernel kn. The direct form packs op(B) = Bᵀ (n·k values) and op(A) when
// it cannot read it in place (m·k), and computes roundUp(m, MR)·roundUp(n,
// NR) products per k step (edge tiles are computed whole); the swapped
// form packs op(A)ᵀ (m·k values) and B when it cannot read it in place as
// its A operand (n·k), computes roundUp(n, MR)·roundUp(m, NR) products per
// step and transposes the m·n result. Packing a value is counted as
// packFlops flops. So linear layers' forward products X·Wᵀ with fewer
// samples than weights (256×1024×3072; on AMD, see swapMinGain) and products with a narrow result
// (256×10, in the CCL steps of the MLPs: one column per class) are
// swapped, while those with few rows (10×256: C would become 10 columns of
// 32-wide tiles) are not: on Zen 4 the swapped 10×256×256 product took 52
// µs and the direct one 23, the direct 256×10×256 45 µs and the swapped
// one 26. Both forms compute every element with the same products, summed
// in the same order: the results are the same bits.
func swapPays(kn *kernel, tA Transpose, m, n, k, lda, ldb int) bool {
	fm, fn, fk := float64(m), float64(n), float64(k)
	direct := 2*float64(roundUp(m, kn.mr))*float64(roundUp(n, kn.nr))*fk + packFlops*fn*fk
	if !kn.readsAInPlace(tA, lda) {
		direct += packFlops * fm * fk
	}
	swapped := 2*float64(roundUp(n, kn.mr))*float64(roundUp(m, kn.nr))*fk + packFlops*fm*(fk+fn)
	if !kn.readsAInPlace(NoTrans, ldb) {
		swapped += packFlops * fn * fk
	}
	return swapped < direct*(1-swapMinGain)
}

// swapMinGain is the least fraction of the direct form's cost that the
// swapped form must save to be chosen (0, set at start-up in
// kernel_amd64.go). The cost model is only an estimate: on Intel, with the
// linear layers' inputs read in place, it put the swapped 256×1024×1024
// and 256×1024×3072 products (Cᵀ = W·Xᵀ) 2 % ahead of the direct ones,
// which measured 11 and 9 % faster.
var swapMinGain float64

// packFlops is the cost of packing (or transposing) one value, in flops of
// the micro-kernel: a 256×256 transposing pack took about 10 µs on one Zen 4
// core, the time of about 1 MFLOP of products.
const packFlops = 15

// swapBufs holds the n×m scratch results of sgemmSwapped.
var swapBufs = hugepage.NewPool()

// sgemmSwapped computes C = alpha·op(A)·Bᵀ as T = alpha·B·op(A)ᵀ (n×m, into
// scratch) and C = Tᵀ.
func sgemmSwapped(kern *kernel, tA Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	flip := Trans
	if tA == Trans {
		flip = NoTrans
	}
	bp := swapBufs.Get(n * m)
	t := bp.S
	sgemmDirect(kern, NoTrans, flip, n, m, k, alpha, b, ldb, a, lda, 0, t, m)
	transposeInto(c, ldc, t, m, n, kern.transpose16)
	swapBufs.Put(bp)
}

// transposeInto writes C[i*ldc+j] = t[j*m+i] for i < m, j < n: full 16×16
// blocks with tr, the edges element by element.
func transposeInto(c []float32, ldc int, t []float32, m, n int, tr func(dst []float32, ldd int, src []float32, lds int)) {
	m16, n16 := m/16*16, n/16*16
	for j0 := 0; j0 < n16; j0 += 16 {
		for i0 := 0; i0 < m16; i0 += 16 {
			tr(c[i0*ldc+j0:], ldc, t[j0*m+i0:], m)
		}
	}
	for i := range m {
		ci := c[i*ldc : i*ldc+n]
		j0 := n16
		if i >= m16 {
			j0 = 0
		}
		for j := j0; j < n; j++ {
			ci[j] = t[j*m+i]
		}
	}
}

// kBlocks returns the number of reduction blocks for depth k and their
// depth (the last may be shallower): a function of k and the kernel alone.
func (kn *kernel) kBlocks(k int) (nb, kc int) {
	nb = (k + kn.kc - 1) / kn.kc
	kc = (k + nb - 1) / nb
	return nb, kc
}

// block computes C[i0:i1, j0:j1] with the blocked algorithm.
func (j *gemmJob) block(buf *gemmBuf, i0, i1, j0, j1 int) {
	kn := j.kern
	mr, nr := kn.mr, kn.nr
	nb, kcb := kn.kBlocks(j.k)
	mc := min(kn.mc, roundUp(i1-i0, mr))
	nc := min(kn.nc, roundUp(j1-j0, nr))
	if j.tA == Trans && j.directA() && !j.sharedB && j1-j0 > nc {
		// op(A) = Aᵀ read in place (a weight gradient dOutᵀ·X): every
		// panel reads A again, and the first tile of each sliver row
		// waits for it, so the columns go in the fewest panels of at
		// most 2·NC. Alternated in one process, one thread (AVX-512):
		// cnn_pool's second convolution (128×1152×32768, gathered B)
		// 85.4 → 91.0 GFLOP/s in one panel instead of two, its fourth
		// (256×2304×2048) 82.4 → 87.6 in two instead of four; forced
		// AVX2 level.
		panels := (j1 - j0 + 2*kn.nc - 1) / (2 * kn.nc)
		nc = roundUp((j1-j0+panels-1)/panels, nr)
	}
	buf.a = hwA.Grow(buf.a, mc*kcb, kn.mc*kn.kc)
	buf.tmp = hwTmp.Grow(buf.tmp, mr*nr, mr*nr)
	if j.gathersA() {
		buf.rows = hwRows.Grow(buf.rows, mr*kcb, mr*kn.kc)
	}
	p := blockPlan{pack: kn.packFunc(), packC: kn.packColsFunc()}
	// Read A in place when it is not transposed. Packing it costs a pass
	// over A per B panel; reading 12 rows in place costs at worst some L2
	// reloads when some rows share L1 sets, which measured cheaper on
	// Sapphire Rapids. Not when the rows are a multiple of 4 KiB apart
	// (lda a multiple of 1024 floats: the CIFAR MLP's 3072- and 1024-wide
	// layers) on CPUs where that costs (alias4KCheap false): then all MR
	// rows fall in one L1 set and evict each other and the B sliver;
	// packed, the 256×1024×3072 product measured about 1.3× faster (one
	// and two threads, family 6 model 207, 12×32 tiles). Slivers of at
	// most alias4KRows rows are read in place all the same: 6 rows take
	// half of the 12 ways of an Intel L1 set (see kernel_amd64.go).
	// A transposed with short stored rows (weight gradients: dOutᵀ·X) is
	// read in place too, a sliver being MR adjacent floats per k step.
	p.directA = j.tA == NoTrans && j.directA()
	p.directAT = j.tA == Trans && j.directA()
	// Read B in place when it is not transposed and few A slivers reuse
	// each B panel: packing B then costs as much as a good part of the
	// products (see directBRows).
	p.directB = !j.sharedB && j.gb == nil && kn.inPlace&rowsB != 0 && j.tB == NoTrans && i1-i0 <= directBRows
	// A packed op(A) is packed again for every B panel, unless the task's
	// whole packed op(A) fits in keepABytes: then the first panel packs it
	// into buf.aAll, block (pc, ic) at pc·mPad + (ic−i0)·kc, and the later
	// panels read it back.
	p.mPad = roundUp(i1-i0, mr)
	p.keepA = !p.directA && !p.directAT && j1-j0 > nc && p.mPad*j.k*4 <= keepABytes
	if p.keepA {
		buf.aAll = hwAAll.Grow(buf.aAll, p.mPad*j.k, p.mPad*j.k)
	}

	if j.kInner(i1-i0, j1-j0, nb) && !p.directB {
		// One panel, all of op(B) packed (or shared), and the reduction
		// blocks innermost: see kInnerBBytes.
		nPad := roundUp(j1-j0, nr)
		bAll := j.bAll
		if !j.sharedB {
			buf.b = hwB.Grow(buf.b, nPad*j.k, kn.nc*kn.kc)
			bAll = buf.b
			for blk := range nb {
				pc := blk * kcb
				j.packB(bAll[pc*nPad:], pc, min(kcb, j.k-pc), j0, j1-j0)
			}
		}
		step := roundUp(kInnerRows, mr)
		for ic := i0; ic < i1; ic += step {
			mcur := min(step, i1-ic)
			for blk := range nb {
				pc := blk * kcb
				j.rowBlock(buf, &p, i0, ic, mcur, pc, min(kcb, j.k-pc), blk, j0, j1-j0, bAll[pc*nPad:], false)
			}
		}
		return
	}

	if !j.sharedB {
		buf.b = hwB.Grow(buf.b, nc*kcb, kn.nc*kn.kc)
	}
	// With lower, columns past the band's last row hold nothing wanted.
	jEnd := j1
	if j.lower {
		jEnd = min(j1, i1)
	}
	for jc := j0; jc < jEnd; jc += nc {
		ncur := min(nc, j1-jc)
		for blk := range nb {
			pc := blk * kcb
			kc := min(kcb, j.k-pc)
			// Pack op(B)[pc:pc+kc, jc:jc+ncur] into NR-wide slivers, or
			// only the partial last sliver when B is read in place; or
			// find it packed for all bands (sharedB).
			bpan := buf.b
			switch full := ncur / nr * nr; {
			case j.sharedB:
				bpan = j.bAll[jc*j.k+pc*roundUp(ncur, nr):]
			case p.directB && full < ncur:
				p.packC(buf.b[full*kc:], j.b[pc*j.ldb+jc+full:], j.ldb, ncur-full, kc, nr)
			case p.directB:
			default:
				j.packB(buf.b, pc, kc, jc, ncur)
			}
			for ic := i0; ic < i1; ic += mc {
				j.rowBlock(buf, &p, i0, ic, min(mc, i1-ic), pc, kc, blk, jc, ncur, bpan, jc > j0)
			}
		}
	}
}

// blockPlan is what block decided for a task: how op(A) and op(B) are
// read, and the packing functions.
type blockPlan struct {
	directA, directAT, directB, keepA bool
	mPad                              int // the task's rows, rounded up to MR
	pack, packC                       func(dst, src []float32, ld, r, kc, w int)
}

// rowBlock computes the product of rows [ic, ic+mcur) of op(A) and the
// packed B panel bpan (columns [jc, jc+ncur) of reduction block blk, at
// depth pc, kc deep) into C: it packs (or gathers, or finds) the A block,
// then runs the micro-kernel over its slivers and the panel's. i0 is the
// task's first row; reuseA: the A block is in buf.aAll already (keepA,
// packed for the task's first panel).
func (j *gemmJob) rowBlock(buf *gemmBuf, p *blockPlan, i0, ic, mcur, pc, kc, blk, jc, ncur int, bpan []float32, reuseA bool) {
	kn := j.kern
	mr, nr := kn.mr, kn.nr
	beta := j.beta
	if blk > 0 {
		beta = 1
	}
	ablk := buf.a
	if p.keepA {
		ablk = buf.aAll[pc*p.mPad+(ic-i0)*kc:]
	}
	switch {
	case p.directA:
		// Read full slivers of A in place; pack only the last,
		// partial one (zero-padded to MR rows).
		if full := mcur / mr * mr; full < mcur {
			packRows(buf.a, j.a[(ic+full)*j.lda+pc:], j.lda, mcur-full, kc, mr)
		}
	case p.directAT:
		// Likewise, reading op(A) = Aᵀ by stored rows.
		if full := mcur / mr * mr; full < mcur {
			p.packC(buf.a, j.a[pc*j.lda+ic+full:], j.lda, mcur-full, kc, mr)
		}
	case p.keepA && reuseA:
		// Packed for the first B panel.
	case j.gathersA():
		gatherA(ablk, j.ga, j.gr, buf, ic, mcur, pc, kc, mr, p.pack, kn.packPtrs)
	case j.tA == NoTrans:
		// Pack op(A)[ic:ic+mcur, pc:pc+kc] into MR-tall slivers.
		p.pack(ablk, j.a[ic*j.lda+pc:], j.lda, mcur, kc, mr)
	default:
		p.packC(ablk, j.a[pc*j.lda+ic:], j.lda, mcur, kc, mr)
	}
	for ir := 0; ir < mcur; ir += mr {
		mm := min(mr, mcur-ir)
		// The A sliver, in L1 while the B slivers stream past:
		// packed (rs == cs == 0), MR rows rs apart, or kc stored
		// rows of Aᵀ cs apart.
		as, rs, cs := ablk[ir*kc:(ir+mr)*kc], 0, 0
		switch {
		case p.directA && mm == mr:
			as, rs = j.a[(ic+ir)*j.lda+pc:], j.lda
		case p.directAT && mm == mr:
			as, cs = j.a[pc*j.lda+ic+ir:], j.lda
		case p.directA || p.directAT:
			as = buf.a[:mr*kc]
		}
		for jr := 0; jr < ncur; jr += nr {
			if j.lower && jc+jr > ic+ir+mm-1 {
				break // this tile and the rest of the row are above the diagonal
			}
			nn := min(nr, ncur-jr)
			// The B sliver: packed (ldb == 0) or kc rows of B.
			bs, ldb := bpan[jr*kc:(jr+nr)*kc], 0
			if p.directB && nn == nr {
				bs, ldb = j.b[pc*j.ldb+jc+jr:], j.ldb
			}
			off := (ic+ir)*j.ldc + jc + jr
			full := mm == mr && nn == nr
			if full && kn.tiles != nil && ldb == 0 && cs == 0 && !j.lower {
				// This tile and the full ones right of it.
				n := (ncur - jr) / nr
				kn.tiles(kc, as, rs, bpan[jr*kc:(jr+n*nr)*kc], j.c[off:], j.ldc, j.alpha, beta, j.stream, n)
				jr += (n - 1) * nr
				continue
			}
			switch {
			case full && j.stream:
				kn.stream(kc, as, rs, cs, bs, ldb, j.c[off:], j.ldc, j.alpha, beta)
			case full && kn.general != nil:
				kn.general(kc, as, rs, cs, bs, ldb, j.c[off:], j.ldc, j.alpha, beta)
			case full:
				kn.micro(kc, as, bs, j.c[off:], j.ldc, j.alpha, beta)
			case mm <= 8 && kn.edge != nil && rs == 0 && cs == 0:
				kn.edge(kc, as, roundUp(mm, 4), bs, ldb, buf.tmp, j.alpha)
				storeEdge(j.c[off:], j.ldc, buf.tmp, nr, mm, nn, beta)
			case kn.general != nil:
				kn.general(kc, as, rs, cs, bs, ldb, buf.tmp, nr, j.alpha, 0)
				storeEdge(j.c[off:], j.ldc, buf.tmp, nr, mm, nn, beta)
			default:
				kn.micro(kc, as, bs, buf.tmp, nr, j.alpha, 0)
				storeEdge(j.c[off:], j.ldc, buf.tmp, nr, mm, nn, beta)
			}
		}
	}
}

// storeEdge writes the mm×nn corner of the tile t (leading dimension ldt)
// into C: C = t + beta·C, or C = t when beta == 0.
func storeEdge(c []float32, ldc int, t []float32, ldt, mm, nn int, beta float32) {
	for i := range mm {
		ci := c[i*ldc : i*ldc+nn]
		ti := t[i*ldt : i*ldt+nn]
		if beta == 0 {
			copy(ci, ti)
			continue
		}
		for jj, v := range ti {
			ci[jj] = v + beta*ci[jj]
		}
	}
}

// gatherA packs rows [i0, i0+r) × columns [p0, p0+kc) of the gathered
// op(A) into w-tall slivers, as pack does from a stored A: straight from
// the runs of rg (when not nil; g is nil then) when the kernel has packPtrs
// (gatherRunsA), else each sliver's rows gathered into buf.rows (w × kc,
// row-major: it stays in L1), then packed from there.
func gatherA(dst []float32, g Gather, rg RunGather, buf *gemmBuf, i0, r, p0, kc, w int, pack func(dst, src []float32, ld, r, kc, w int), packPtrs func([]float32, *[12][]float32, int)) {
	if rg != nil && packPtrs != nil && w == 12 {
		for s := 0; s < r; s += w {
			gatherRunsA(dst[s*kc:(s+w)*kc], rg, i0+s, min(w, r-s), p0, kc, &buf.runs, packPtrs)
		}
		return
	}
	rows := buf.rows
	for s := 0; s < r; s += w {
		h := min(w, r-s)
		blockA(g, rg, rows[:h*kc], kc, i0+s, h, p0, kc)
		pack(dst[s*kc:(s+w)*kc], rows, kc, h, kc, w)
	}
}

// zeroRun is the source of zero runs and of the rows past a partial
// sliver in gatherRunsA: at least kcMax long.
var zeroRun [kcMax]float32

// gatherRunsA packs the 12-row sliver of rows [i0, i0+h) × columns [p0,
// p0+kc) of a RunGather straight from its runs: the columns are cut where
// any row's run ends, and each piece is transposed from the rows' sources
// by packPtrs (whole blocks of 16 columns; the rest element by element).
// Rows h … 11 are zero.
func gatherRunsA(dst []float32, g RunGather, i0, h, p0, kc int, src *[12][]float32, packPtrs func([]float32, *[12][]float32, int)) {
	for p := p0; p < p0+kc; {
		n := p0 + kc - p
		for i := range 12 {
			if i >= h {
				src[i] = zeroRun[:]
				continue
			}
			s, ln := g.Run(i0+i, p)
			n = min(n, ln)
			if s == nil {
				s = zeroRun[:]
			}
			src[i] = s
		}
		d := dst[(p-p0)*12 : (p-p0+n)*12]
		full := n / 16 * 16
		packPtrs(d, src, full)
		for q := full; q < n; q++ {
			for i := range 12 {
				d[q*12+i] = src[i][q]
			}
		}
		p += n
	}
}

// gatherB packs rows [p0, p0+kc) × columns [j0, j0+nc) of the gathered
// op(B) into w-wide slivers (the layout packCols writes: sliver s holds kc
// rows of w values, row-major), gathered straight into place; columns past
// nc are zero.
func gatherB(dst []float32, g Gather, p0, kc, j0, nc, w int) {
	for s := 0; s < nc; s += w {
		d := dst[s*kc : (s+w)*kc]
		cw := min(w, nc-s)
		g.Block(d, w, p0, kc, j0+s, cw)
		if cw < w {
			for p := range kc {
				clear(d[p*w+cw : (p+1)*w])
			}
		}
	}
}

// scaleC computes C = beta·C for an m×n C (C is cleared when beta == 0).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := range m {
		ci := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(ci)
			continue
		}
		for jj := range ci {
			ci[jj] *= beta
		}
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// packColsRows is the number of source rows packCols copies into every
// sliver before moving on (fewer than the 12 ways of the L1).
const packColsRows = 8

// packRows packs r rows of a row-major matrix, k-contiguous (element
// (i, p) at src[i*ld+p]), into slivers of w rows: sliver s holds, for
// p < kc, the w values of rows s*w .. s*w+w-1 at dst[s*w*kc + p*w + i].
// Rows past r are zero. This is the layout of op(A) = A and op(B) = Bᵀ.
func packRows(dst, src []float32, ld, r, kc, w int) {
	for s := 0; s < r; s += w {
		d := dst[s*kc : (s+w)*kc]
		h := min(w, r-s)
		i := 0
		// Four rows at a time: four sequential reads, one 16-byte write.
		for ; i+4 <= h; i += 4 {
			r0 := src[(s+i)*ld : (s+i)*ld+kc]
			r1 := src[(s+i+1)*ld : (s+i+1)*ld+kc]
			r2 := src[(s+i+2)*ld : (s+i+2)*ld+kc]
			r3 := src[(s+i+3)*ld : (s+i+3)*ld+kc]
			r1, r2, r3 = r1[:len(r0)], r2[:len(r0)], r3[:len(r0)]
			dd := d[i:]
			for p := range r0 {
				q := (*[4]float32)(dd[p*w : p*w+4])
				q[0], q[1], q[2], q[3] = r0[p], r1[p], r2[p], r3[p]
			}
		}
		for ; i < h; i++ {
			row := src[(s+i)*ld : (s+i)*ld+kc]
			for p, v := range row {
				d[p*w+i] = v
			}
		}
		// The sliver's rows past the matrix: zero, cleared step by step
		// (contiguous), not row by row (one store every w floats).
		if i < w {
			for p := range kc {
				clear(d[p*w+i : p*w+w])
			}
		}
	}
}

// packCols packs r columns of a row-major matrix, r-contiguous (element
// (p, i) at src[p*ld+i]), into the same sliver layout as packRows: the w
// values of columns s*w .. s*w+w-1 at step p go to dst[s*w*kc + p*w ..].
// Columns past r are zero. This is the layout of op(B) = B and op(A) = Aᵀ.
// Steps are taken packColsRows at a time, sliver by sliver: those source
// rows stay in L1 (at most packColsRows lines per cache set even when ld is
// a multiple of 1024) while every sliver reads its part of them.
func packCols(dst, src []float32, ld, r, kc, w int) {
	full := r / w * w
	for p0 := 0; p0 < kc; p0 += packColsRows {
		p1 := min(kc, p0+packColsRows)
		for s := 0; s < full; s += w {
			d := dst[s*kc : (s+w)*kc]
			switch w {
			case 32:
				for p := p0; p < p1; p++ {
					*(*[32]float32)(d[p*32:]) = *(*[32]float32)(src[p*ld+s:])
				}
			case 16:
				for p := p0; p < p1; p++ {
					*(*[16]float32)(d[p*16:]) = *(*[16]float32)(src[p*ld+s:])
				}
			case 12:
				for p := p0; p < p1; p++ {
					*(*[12]float32)(d[p*12:]) = *(*[12]float32)(src[p*ld+s:])
				}
			default:
				for p := p0; p < p1; p++ {
					copy(d[p*w:p*w+w], src[p*ld+s:p*ld+s+w])
				}
			}
		}
	}
	if full == r {
		return
	}
	// The partial last sliver, element by element (a copy call per row
	// would cost more than the row).
	d := dst[full*kc : (full+w)*kc]
	h := r - full
	for p := range kc {
		dp := d[p*w : p*w+w]
		sp := src[p*ld+full : p*ld+r]
		for i, v := range sp {
			dp[i] = v
		}
		for i := h; i < w; i++ {
			dp[i] = 0
		}
	}
}
