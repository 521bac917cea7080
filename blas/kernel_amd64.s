//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"
#include "zmm_amd64.h"

// PREFETCHC2(r): prefetch the two lines at r, r+64 (one row of a C tile);
// r += ldc (DX).
#define PREFETCHC2(r) \
	PREFETCHT0 (r)   \
	PREFETCHT0 64(r) \
	ADDQ       DX, r

// ---------------------------------------------------------------------
// AVX-512 12×32 micro-kernels. A is a packed sliver (12 floats per k
// step: sgemmPacked*), 12 rows read in place (rs floats apart, k steps
// adjacent: sgemmRows*), or 12 adjacent floats of kc stored rows cs apart
// (op(A) = Aᵀ read in place: sgemmCols*); B is a packed sliver (32 floats
// per k step) or, in the *RowsB forms, 32 columns of a row-major B read in
// place (ldb floats from one k step to the next). All unroll the k loop
// four times with immediate offsets or scaled index registers, so that few
// scalar µops compete with the FMAs. The kernel bodies differ only in
// their addressing: they are written out from the STEP512/STEP256 and
// STORE macros below, in the same order, with one comment per block.
// Z0..Z23: accumulators, row i in Z(2i) (columns 0-15) and Z(2i+1)
// (columns 16-31). Z24, Z25: the B row of the step. Z26..Z31: broadcasts
// of A in the register form of the step (below); Z30 and Z31 then hold
// alpha and beta for the store.

// STORE512(lo, hi): C[row][0:32] = alpha·acc + beta·C[row]; next row.
#define STORE512(lo, hi) \
	VMULPS      Z30, lo, lo     \
	VFMADD231PS (DI), Z31, lo   \
	VMOVUPS     lo, (DI)        \
	VMULPS      Z30, hi, hi     \
	VFMADD231PS 64(DI), Z31, hi \
	VMOVUPS     hi, 64(DI)      \
	ADDQ        DX, DI

// STORENT(alpha, lo, hi, half): C[row] = alpha·acc with non-temporal
// stores (C neither read nor brought into the caches; the row aligned to
// the register width), lo at (DI) and hi at half(DI); next row. Both
// widths use it: zmm (half = 64) and ymm (half = 32).
#define STORENT(alpha, lo, hi, half) \
	VMULPS   alpha, lo, lo \
	VMOVNTPS lo, (DI)      \
	VMULPS   alpha, hi, hi \
	VMOVNTPS hi, half(DI)  \
	ADDQ     DX, DI

// STORETILE512NT: the 12 rows of the 12×32 tile with STORENT.
#define STORETILE512NT \
	STORENT(Z30, Z0, Z1, 64) \
	STORENT(Z30, Z2, Z3, 64) \
	STORENT(Z30, Z4, Z5, 64) \
	STORENT(Z30, Z6, Z7, 64) \
	STORENT(Z30, Z8, Z9, 64) \
	STORENT(Z30, Z10, Z11, 64) \
	STORENT(Z30, Z12, Z13, 64) \
	STORENT(Z30, Z14, Z15, 64) \
	STORENT(Z30, Z16, Z17, 64) \
	STORENT(Z30, Z18, Z19, 64) \
	STORENT(Z30, Z20, Z21, 64) \
	STORENT(Z30, Z22, Z23, 64)

// STORE512Z(lo, hi): C[row][0:32] = alpha·acc (C not read); next row.
#define STORE512Z(lo, hi) \
	VMULPS  Z30, lo, lo \
	VMOVUPS lo, (DI)    \
	VMULPS  Z30, hi, hi \
	VMOVUPS hi, 64(DI)  \
	ADDQ    DX, DI

// NEXTTILE(tiles, c, b, rowbytes, done, top): after a tile of a call for
// several (the tiles argument), go on to the next one if any: C one tile
// width (rowbytes) on, B at the next packed sliver (where BX now points),
// the same A sliver.
#define NEXTTILE(tiles, c, b, rowbytes, done, top) \
	DECQ tiles          \
	JZ   done           \
	ADDQ $rowbytes, c   \
	MOVQ BX, b          \
	JMP  top

// STEP512(a0..a11, b0, b1): one k step, A[i, p] at address ai, B[p, 0:32]
// at addresses b0, b1 (16 floats each):
// for i < 12: acc[i][0:16] += A[i, p]·B[p, 0:16]; acc[i][16:32] += A[i, p]·B[p, 16:32]
// It comes in two forms, each assembled into its own set of the six
// kernels (kernel512_amd64.h), and the CPU picks one at start-up
// (avx512Embedded in kernels.go). The same products, the same bits.
// PREFB(addr), the software prefetch of the packed B sliver 1 KiB ahead,
// goes with the form.
//
// The register form broadcasts each A element into a register
// (VBROADCASTSS, a pure load on Intel) for its two FMAs: 38 instructions
// per step, 14 loads for 24 FMAs. It names the kernels sgemm*AVX512, and
// leaves out the prefetch of B: on Ice Lake, alternated in one process,
// the micro-kernel on slivers in L1 went 162 → 170 GFLOP/s without it,
// and in alternated runs of the products on one thread 256×1024×3072
// (A·Bᵀ) about 108 → 118, 1024×3072×256 (Aᵀ·B) 131 → 141, 2048³ level;
// on two threads level within the noise.
#define STEP512(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, b0, b1) \
	VMOVUPS      b0, Z24 \
	VMOVUPS      b1, Z25 \
	VBROADCASTSS a0, Z26 \
	VFMADD231PS  Z24, Z26, Z0 \
	VFMADD231PS  Z25, Z26, Z1 \
	VBROADCASTSS a1, Z27 \
	VFMADD231PS  Z24, Z27, Z2 \
	VFMADD231PS  Z25, Z27, Z3 \
	VBROADCASTSS a2, Z28 \
	VFMADD231PS  Z24, Z28, Z4 \
	VFMADD231PS  Z25, Z28, Z5 \
	VBROADCASTSS a3, Z29 \
	VFMADD231PS  Z24, Z29, Z6 \
	VFMADD231PS  Z25, Z29, Z7 \
	VBROADCASTSS a4, Z30 \
	VFMADD231PS  Z24, Z30, Z8 \
	VFMADD231PS  Z25, Z30, Z9 \
	VBROADCASTSS a5, Z31 \
	VFMADD231PS  Z24, Z31, Z10 \
	VFMADD231PS  Z25, Z31, Z11 \
	VBROADCASTSS a6, Z26 \
	VFMADD231PS  Z24, Z26, Z12 \
	VFMADD231PS  Z25, Z26, Z13 \
	VBROADCASTSS a7, Z27 \
	VFMADD231PS  Z24, Z27, Z14 \
	VFMADD231PS  Z25, Z27, Z15 \
	VBROADCASTSS a8, Z28 \
	VFMADD231PS  Z24, Z28, Z16 \
	VFMADD231PS  Z25, Z28, Z17 \
	VBROADCASTSS a9, Z29 \
	VFMADD231PS  Z24, Z29, Z18 \
	VFMADD231PS  Z25, Z29, Z19 \
	VBROADCASTSS a10, Z30 \
	VFMADD231PS  Z24, Z30, Z20 \
	VFMADD231PS  Z25, Z30, Z21 \
	VBROADCASTSS a11, Z31 \
	VFMADD231PS  Z24, Z31, Z22 \
	VFMADD231PS  Z25, Z31, Z23

#define PREFB(x)
#define PACKED512 ·sgemmPackedAVX512
#define ROWS512 ·sgemmRowsAVX512
#define PACKEDROWSB512 ·sgemmPackedRowsBAVX512
#define ROWSROWSB512 ·sgemmRowsRowsBAVX512
#define COLS512 ·sgemmColsAVX512
#define COLSROWSB512 ·sgemmColsRowsBAVX512
#include "kernel512_amd64.h"
#undef PACKED512
#undef ROWS512
#undef PACKEDROWSB512
#undef ROWSROWSB512
#undef COLS512
#undef COLSROWSB512
#undef STEP512
#undef PREFB

// The embedded form takes each A element as an embedded broadcast of its
// two FMAs' memory operand (VFMADD231PS.BCST): 26 instructions per step.
// On Zen 4 (means of 90 calls alternated in one process, two threads),
// 2048³ measured 178.3 → 182.5 and 177.3 → 181.5 GFLOP/s against the
// register form, 256×1024×3072 173.7 → 177.5, 1024³ 196.9 → 198.8,
// 256×1024×1024 164.6 → 162.9. On Ice Lake (family 6 model 106) it is
// half as fast: the micro-kernel alone, its slivers in L1, 68–91 against
// 148–163 GFLOP/s on one core, alternated in one process. It names the
// kernels sgemm*AVX512Embedded.
#define STEP512(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, b0, b1) \
	VMOVUPS          b0, Z24 \
	VMOVUPS          b1, Z25 \
	VFMADD231PS.BCST a0, Z24, Z0 \
	VFMADD231PS.BCST a0, Z25, Z1 \
	VFMADD231PS.BCST a1, Z24, Z2 \
	VFMADD231PS.BCST a1, Z25, Z3 \
	VFMADD231PS.BCST a2, Z24, Z4 \
	VFMADD231PS.BCST a2, Z25, Z5 \
	VFMADD231PS.BCST a3, Z24, Z6 \
	VFMADD231PS.BCST a3, Z25, Z7 \
	VFMADD231PS.BCST a4, Z24, Z8 \
	VFMADD231PS.BCST a4, Z25, Z9 \
	VFMADD231PS.BCST a5, Z24, Z10 \
	VFMADD231PS.BCST a5, Z25, Z11 \
	VFMADD231PS.BCST a6, Z24, Z12 \
	VFMADD231PS.BCST a6, Z25, Z13 \
	VFMADD231PS.BCST a7, Z24, Z14 \
	VFMADD231PS.BCST a7, Z25, Z15 \
	VFMADD231PS.BCST a8, Z24, Z16 \
	VFMADD231PS.BCST a8, Z25, Z17 \
	VFMADD231PS.BCST a9, Z24, Z18 \
	VFMADD231PS.BCST a9, Z25, Z19 \
	VFMADD231PS.BCST a10, Z24, Z20 \
	VFMADD231PS.BCST a10, Z25, Z21 \
	VFMADD231PS.BCST a11, Z24, Z22 \
	VFMADD231PS.BCST a11, Z25, Z23

#define PREFB(x) PREFETCHT0 x
#define PACKED512 ·sgemmPackedAVX512Embedded
#define ROWS512 ·sgemmRowsAVX512Embedded
#define PACKEDROWSB512 ·sgemmPackedRowsBAVX512Embedded
#define ROWSROWSB512 ·sgemmRowsRowsBAVX512Embedded
#define COLS512 ·sgemmColsAVX512Embedded
#define COLSROWSB512 ·sgemmColsRowsBAVX512Embedded
#include "kernel512_amd64.h"
#undef PACKED512
#undef ROWS512
#undef PACKEDROWSB512
#undef ROWSROWSB512
#undef COLS512
#undef COLSROWSB512
#undef STEP512
#undef PREFB
// ---------------------------------------------------------------------
// AVX2 6×16 micro-kernels, in the same forms as the AVX-512 ones (A packed,
// 6 rows or Aᵀ columns in place; B packed or rows in place), unrolled four
// times.
// Y0..Y11: accumulators, row i in Y(2i) (columns 0-7) and Y(2i+1)
// (columns 8-15). Y12, Y13: the B row of the step. Y14, Y15: broadcasts
// of A, then alpha and beta for the store.

// ZEROY12: Y0..Y11 = 0 (the accumulators of a 6×16 tile).
#define ZEROY12 \
	VXORPS Y0, Y0, Y0    \
	VXORPS Y1, Y1, Y1    \
	VXORPS Y2, Y2, Y2    \
	VXORPS Y3, Y3, Y3    \
	VXORPS Y4, Y4, Y4    \
	VXORPS Y5, Y5, Y5    \
	VXORPS Y6, Y6, Y6    \
	VXORPS Y7, Y7, Y7    \
	VXORPS Y8, Y8, Y8    \
	VXORPS Y9, Y9, Y9    \
	VXORPS Y10, Y10, Y10 \
	VXORPS Y11, Y11, Y11

// STEP256(a0..a5, b0, b1): one k step, A[i, p] at address ai, B[p, 0:16]
// at addresses b0, b1 (8 floats each):
// for i < 6: acc[i][0:8] += A[i, p]·B[p, 0:8]; acc[i][8:16] += A[i, p]·B[p, 8:16]
#define STEP256(a0, a1, a2, a3, a4, a5, b0, b1) \
	VMOVUPS      b0, Y12       \
	VMOVUPS      b1, Y13       \
	VBROADCASTSS a0, Y14       \
	VFMADD231PS  Y12, Y14, Y0  \
	VFMADD231PS  Y13, Y14, Y1  \
	VBROADCASTSS a1, Y15       \
	VFMADD231PS  Y12, Y15, Y2  \
	VFMADD231PS  Y13, Y15, Y3  \
	VBROADCASTSS a2, Y14       \
	VFMADD231PS  Y12, Y14, Y4  \
	VFMADD231PS  Y13, Y14, Y5  \
	VBROADCASTSS a3, Y15       \
	VFMADD231PS  Y12, Y15, Y6  \
	VFMADD231PS  Y13, Y15, Y7  \
	VBROADCASTSS a4, Y14       \
	VFMADD231PS  Y12, Y14, Y8  \
	VFMADD231PS  Y13, Y14, Y9  \
	VBROADCASTSS a5, Y15       \
	VFMADD231PS  Y12, Y15, Y10 \
	VFMADD231PS  Y13, Y15, Y11

// STORE256(lo, hi): C[row][0:16] = alpha·acc + beta·C[row]; next row.
#define STORE256(lo, hi) \
	VMULPS      Y14, lo, lo     \
	VFMADD231PS (DI), Y15, lo   \
	VMOVUPS     lo, (DI)        \
	VMULPS      Y14, hi, hi     \
	VFMADD231PS 32(DI), Y15, hi \
	VMOVUPS     hi, 32(DI)      \
	ADDQ        DX, DI

// STORETILE256NT: the 6 rows of the 6×16 tile with STORENT.
#define STORETILE256NT \
	STORENT(Y14, Y0, Y1, 32) \
	STORENT(Y14, Y2, Y3, 32) \
	STORENT(Y14, Y4, Y5, 32) \
	STORENT(Y14, Y6, Y7, 32) \
	STORENT(Y14, Y8, Y9, 32) \
	STORENT(Y14, Y10, Y11, 32)

// STORE256Z(lo, hi): C[row][0:16] = alpha·acc (C not read); next row.
#define STORE256Z(lo, hi) \
	VMULPS  Y14, lo, lo \
	VMOVUPS lo, (DI)    \
	VMULPS  Y14, hi, hi \
	VMOVUPS hi, 32(DI)  \
	ADDQ    DX, DI

// func sgemmPackedAVX2(kc int, a *float32, b *float32, c *float32, ldc int, alpha, beta float32, nt int, tiles int)
// A: packed sliver at AX (6 floats per step). B: packed sliver at BX (16 floats per step).
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT ·sgemmPackedAVX2(SB), NOSPLIT, $0-64
sgemmPackedAVX2_tile:
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+24(FP), DI
	MOVQ ldc+32(FP), DX
	SHLQ $2, DX

	// Prefetch the C tile (two lines per row) while the loop runs,
	// unless it is to be written with non-temporal stores.
	MOVQ  nt+48(FP), R13
	TESTQ R13, R13
	JNZ   sgemmPackedAVX2_acc
	MOVQ  DI, R13
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)

sgemmPackedAVX2_acc:
	// acc = 0
	ZEROY12

	// R12 = kc / 4 groups, CX = kc % 4 single steps.
	MOVQ  CX, R12
	SHRQ  $2, R12
	ANDQ  $3, CX
	TESTQ R12, R12
	JZ    sgemmPackedAVX2_tail

sgemmPackedAVX2_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	PREFETCHT0 512(BX)
	PREFETCHT0 576(BX)
	STEP256(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 0(BX), 32(BX))
	STEP256(24(AX), 28(AX), 32(AX), 36(AX), 40(AX), 44(AX), 64(BX), 96(BX))
	PREFETCHT0 640(BX)
	PREFETCHT0 704(BX)
	STEP256(48(AX), 52(AX), 56(AX), 60(AX), 64(AX), 68(AX), 128(BX), 160(BX))
	STEP256(72(AX), 76(AX), 80(AX), 84(AX), 88(AX), 92(AX), 192(BX), 224(BX))
	ADDQ $96, AX
	ADDQ $256, BX
	DECQ R12
	JNZ  sgemmPackedAVX2_loop4

sgemmPackedAVX2_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmPackedAVX2_store

sgemmPackedAVX2_loop1:
	STEP256(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 0(BX), 32(BX))
	ADDQ $24, AX
	ADDQ $64, BX
	DECQ CX
	JNZ  sgemmPackedAVX2_loop1

sgemmPackedAVX2_store:
	// Y14 = alpha, Y15 = beta in every lane.
	VBROADCASTSS alpha+40(FP), Y14
	VBROADCASTSS beta+44(FP), Y15
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+44(FP), R8
	SHLL $1, R8
	JZ   sgemmPackedAVX2_zero

	// else: C = alpha·acc + beta·C, row by row.
	STORE256(Y0, Y1)
	STORE256(Y2, Y3)
	STORE256(Y4, Y5)
	STORE256(Y6, Y7)
	STORE256(Y8, Y9)
	STORE256(Y10, Y11)
	JMP sgemmPackedAVX2_next

sgemmPackedAVX2_zero:
	MOVQ  nt+48(FP), R8
	TESTQ R8, R8
	JNZ   sgemmPackedAVX2_nt
	STORE256Z(Y0, Y1)
	STORE256Z(Y2, Y3)
	STORE256Z(Y4, Y5)
	STORE256Z(Y6, Y7)
	STORE256Z(Y8, Y9)
	STORE256Z(Y10, Y11)
	JMP sgemmPackedAVX2_next

sgemmPackedAVX2_nt:
	STORETILE256NT

sgemmPackedAVX2_next:
	NEXTTILE(tiles+56(FP), c+24(FP), b+16(FP), 64, sgemmPackedAVX2_done, sgemmPackedAVX2_tile)

sgemmPackedAVX2_done:
	VZEROUPPER
	RET

// func sgemmRowsAVX2(kc int, a *float32, rs int, b *float32, c *float32, ldc int, alpha, beta float32, nt int, tiles int)
// A: rows in place, AX/R10 = rows 0/4 at step p, row i at +(i%4)·rs (R8 = rs·4, R9 = 3·rs·4). B: packed sliver at BX (16 floats per step).
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT ·sgemmRowsAVX2(SB), NOSPLIT, $0-72
sgemmRowsAVX2_tile:
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+24(FP), BX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), DX
	SHLQ $2, DX
	MOVQ rs+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9   // 3·rs
	LEAQ (AX)(R8*4), R10  // row 4

	// Prefetch the C tile (two lines per row) while the loop runs,
	// unless it is to be written with non-temporal stores.
	MOVQ  nt+56(FP), R13
	TESTQ R13, R13
	JNZ   sgemmRowsAVX2_acc
	MOVQ  DI, R13
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)

sgemmRowsAVX2_acc:
	// acc = 0
	ZEROY12

	// R12 = kc / 4 groups, CX = kc % 4 single steps.
	MOVQ  CX, R12
	SHRQ  $2, R12
	ANDQ  $3, CX
	TESTQ R12, R12
	JZ    sgemmRowsAVX2_tail

sgemmRowsAVX2_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	PREFETCHT0 512(BX)
	PREFETCHT0 576(BX)
	STEP256(0(AX), 0(AX)(R8*1), 0(AX)(R8*2), 0(AX)(R9*1), 0(R10), 0(R10)(R8*1), 0(BX), 32(BX))
	STEP256(4(AX), 4(AX)(R8*1), 4(AX)(R8*2), 4(AX)(R9*1), 4(R10), 4(R10)(R8*1), 64(BX), 96(BX))
	PREFETCHT0 640(BX)
	PREFETCHT0 704(BX)
	STEP256(8(AX), 8(AX)(R8*1), 8(AX)(R8*2), 8(AX)(R9*1), 8(R10), 8(R10)(R8*1), 128(BX), 160(BX))
	STEP256(12(AX), 12(AX)(R8*1), 12(AX)(R8*2), 12(AX)(R9*1), 12(R10), 12(R10)(R8*1), 192(BX), 224(BX))
	ADDQ $16, AX
	ADDQ $16, R10
	ADDQ $256, BX
	DECQ R12
	JNZ  sgemmRowsAVX2_loop4

sgemmRowsAVX2_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmRowsAVX2_store

sgemmRowsAVX2_loop1:
	STEP256(0(AX), 0(AX)(R8*1), 0(AX)(R8*2), 0(AX)(R9*1), 0(R10), 0(R10)(R8*1), 0(BX), 32(BX))
	ADDQ $4, AX
	ADDQ $4, R10
	ADDQ $64, BX
	DECQ CX
	JNZ  sgemmRowsAVX2_loop1

sgemmRowsAVX2_store:
	// Y14 = alpha, Y15 = beta in every lane.
	VBROADCASTSS alpha+48(FP), Y14
	VBROADCASTSS beta+52(FP), Y15
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+52(FP), R8
	SHLL $1, R8
	JZ   sgemmRowsAVX2_zero

	// else: C = alpha·acc + beta·C, row by row.
	STORE256(Y0, Y1)
	STORE256(Y2, Y3)
	STORE256(Y4, Y5)
	STORE256(Y6, Y7)
	STORE256(Y8, Y9)
	STORE256(Y10, Y11)
	JMP sgemmRowsAVX2_next

sgemmRowsAVX2_zero:
	MOVQ  nt+56(FP), R8
	TESTQ R8, R8
	JNZ   sgemmRowsAVX2_nt
	STORE256Z(Y0, Y1)
	STORE256Z(Y2, Y3)
	STORE256Z(Y4, Y5)
	STORE256Z(Y6, Y7)
	STORE256Z(Y8, Y9)
	STORE256Z(Y10, Y11)
	JMP sgemmRowsAVX2_next

sgemmRowsAVX2_nt:
	STORETILE256NT

sgemmRowsAVX2_next:
	NEXTTILE(tiles+64(FP), c+32(FP), b+24(FP), 64, sgemmRowsAVX2_done, sgemmRowsAVX2_tile)

sgemmRowsAVX2_done:
	VZEROUPPER
	RET

// func sgemmPackedRowsBAVX2(kc int, a *float32, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
// A: packed sliver at AX (6 floats per step). B: rows in place at BX, step p+j at +j·ldb (R14 = ldb·4, R15 = 3·ldb·4, SI = 4·ldb·4), R13 = BX + 8 rows for prefetch.
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT ·sgemmPackedRowsBAVX2(SB), NOSPLIT, $0-56
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), DX
	SHLQ $2, DX

	// Prefetch the C tile (two lines per row) while the loop runs.
	MOVQ DI, R13
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)

	// B row strides; R13 runs eight rows ahead of BX for prefetching.
	MOVQ ldb+24(FP), R14
	SHLQ $2, R14
	LEAQ (R14)(R14*2), R15 // 3·ldb
	LEAQ (R14*4), SI        // 4·ldb
	LEAQ (BX)(SI*2), R13    // row 8

	// acc = 0
	ZEROY12

	// R12 = kc / 4 groups, CX = kc % 4 single steps.
	MOVQ  CX, R12
	SHRQ  $2, R12
	ANDQ  $3, CX
	TESTQ R12, R12
	JZ    sgemmPackedRowsBAVX2_tail

sgemmPackedRowsBAVX2_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	PREFETCHT0 (R13)
	PREFETCHT0 (R13)(R14*1)
	STEP256(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 0(BX), 32(BX))
	STEP256(24(AX), 28(AX), 32(AX), 36(AX), 40(AX), 44(AX), 0(BX)(R14*1), 32(BX)(R14*1))
	PREFETCHT0 (R13)(R14*2)
	PREFETCHT0 (R13)(R15*1)
	STEP256(48(AX), 52(AX), 56(AX), 60(AX), 64(AX), 68(AX), 0(BX)(R14*2), 32(BX)(R14*2))
	STEP256(72(AX), 76(AX), 80(AX), 84(AX), 88(AX), 92(AX), 0(BX)(R15*1), 32(BX)(R15*1))
	ADDQ $96, AX
	ADDQ SI, BX
	ADDQ SI, R13
	DECQ R12
	JNZ  sgemmPackedRowsBAVX2_loop4

sgemmPackedRowsBAVX2_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmPackedRowsBAVX2_store

sgemmPackedRowsBAVX2_loop1:
	STEP256(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 0(BX), 32(BX))
	ADDQ $24, AX
	ADDQ R14, BX
	DECQ CX
	JNZ  sgemmPackedRowsBAVX2_loop1

sgemmPackedRowsBAVX2_store:
	// Y14 = alpha, Y15 = beta in every lane.
	VBROADCASTSS alpha+48(FP), Y14
	VBROADCASTSS beta+52(FP), Y15
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+52(FP), R8
	SHLL $1, R8
	JZ   sgemmPackedRowsBAVX2_zero

	// else: C = alpha·acc + beta·C, row by row.
	STORE256(Y0, Y1)
	STORE256(Y2, Y3)
	STORE256(Y4, Y5)
	STORE256(Y6, Y7)
	STORE256(Y8, Y9)
	STORE256(Y10, Y11)
	VZEROUPPER
	RET

sgemmPackedRowsBAVX2_zero:
	STORE256Z(Y0, Y1)
	STORE256Z(Y2, Y3)
	STORE256Z(Y4, Y5)
	STORE256Z(Y6, Y7)
	STORE256Z(Y8, Y9)
	STORE256Z(Y10, Y11)
	VZEROUPPER
	RET

// func sgemmRowsRowsBAVX2(kc int, a *float32, rs int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
// A: rows in place, AX/R10 = rows 0/4 at step p, row i at +(i%4)·rs (R8 = rs·4, R9 = 3·rs·4). B: rows in place at BX, step p+j at +j·ldb (R14 = ldb·4, R15 = 3·ldb·4, SI = 4·ldb·4), R13 = BX + 8 rows for prefetch.
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT ·sgemmRowsRowsBAVX2(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+24(FP), BX
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), DX
	SHLQ $2, DX
	MOVQ rs+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9   // 3·rs
	LEAQ (AX)(R8*4), R10  // row 4

	// Prefetch the C tile (two lines per row) while the loop runs.
	MOVQ DI, R13
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)

	// B row strides; R13 runs eight rows ahead of BX for prefetching.
	MOVQ ldb+32(FP), R14
	SHLQ $2, R14
	LEAQ (R14)(R14*2), R15 // 3·ldb
	LEAQ (R14*4), SI        // 4·ldb
	LEAQ (BX)(SI*2), R13    // row 8

	// acc = 0
	ZEROY12

	// R12 = kc / 4 groups, CX = kc % 4 single steps.
	MOVQ  CX, R12
	SHRQ  $2, R12
	ANDQ  $3, CX
	TESTQ R12, R12
	JZ    sgemmRowsRowsBAVX2_tail

sgemmRowsRowsBAVX2_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	PREFETCHT0 (R13)
	PREFETCHT0 (R13)(R14*1)
	STEP256(0(AX), 0(AX)(R8*1), 0(AX)(R8*2), 0(AX)(R9*1), 0(R10), 0(R10)(R8*1), 0(BX), 32(BX))
	STEP256(4(AX), 4(AX)(R8*1), 4(AX)(R8*2), 4(AX)(R9*1), 4(R10), 4(R10)(R8*1), 0(BX)(R14*1), 32(BX)(R14*1))
	PREFETCHT0 (R13)(R14*2)
	PREFETCHT0 (R13)(R15*1)
	STEP256(8(AX), 8(AX)(R8*1), 8(AX)(R8*2), 8(AX)(R9*1), 8(R10), 8(R10)(R8*1), 0(BX)(R14*2), 32(BX)(R14*2))
	STEP256(12(AX), 12(AX)(R8*1), 12(AX)(R8*2), 12(AX)(R9*1), 12(R10), 12(R10)(R8*1), 0(BX)(R15*1), 32(BX)(R15*1))
	ADDQ $16, AX
	ADDQ $16, R10
	ADDQ SI, BX
	ADDQ SI, R13
	DECQ R12
	JNZ  sgemmRowsRowsBAVX2_loop4

sgemmRowsRowsBAVX2_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmRowsRowsBAVX2_store

sgemmRowsRowsBAVX2_loop1:
	STEP256(0(AX), 0(AX)(R8*1), 0(AX)(R8*2), 0(AX)(R9*1), 0(R10), 0(R10)(R8*1), 0(BX), 32(BX))
	ADDQ $4, AX
	ADDQ $4, R10
	ADDQ R14, BX
	DECQ CX
	JNZ  sgemmRowsRowsBAVX2_loop1

sgemmRowsRowsBAVX2_store:
	// Y14 = alpha, Y15 = beta in every lane.
	VBROADCASTSS alpha+56(FP), Y14
	VBROADCASTSS beta+60(FP), Y15
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+60(FP), R8
	SHLL $1, R8
	JZ   sgemmRowsRowsBAVX2_zero

	// else: C = alpha·acc + beta·C, row by row.
	STORE256(Y0, Y1)
	STORE256(Y2, Y3)
	STORE256(Y4, Y5)
	STORE256(Y6, Y7)
	STORE256(Y8, Y9)
	STORE256(Y10, Y11)
	VZEROUPPER
	RET

sgemmRowsRowsBAVX2_zero:
	STORE256Z(Y0, Y1)
	STORE256Z(Y2, Y3)
	STORE256Z(Y4, Y5)
	STORE256Z(Y6, Y7)
	STORE256Z(Y8, Y9)
	STORE256Z(Y10, Y11)
	VZEROUPPER
	RET

// func sgemmColsAVX2(kc int, a *float32, cs int, b *float32, c *float32, ldc int, alpha, beta float32)
// A: columns in place (op(A) = Aᵀ), AX = step p, row i at +4i, step p+j at +j·cs (R8 = cs·4, R9 = 3·cs·4). B: packed sliver at BX (16 floats per step).
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT ·sgemmColsAVX2(SB), NOSPLIT, $0-56
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+24(FP), BX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), DX
	SHLQ $2, DX
	MOVQ cs+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9   // 3·cs
	LEAQ (R8*4), R10      // 4·cs

	// Prefetch the C tile (two lines per row) while the loop runs.
	MOVQ DI, R13
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)

	// acc = 0
	ZEROY12

	// R12 = kc / 4 groups, CX = kc % 4 single steps.
	MOVQ  CX, R12
	SHRQ  $2, R12
	ANDQ  $3, CX
	TESTQ R12, R12
	JZ    sgemmColsAVX2_tail

sgemmColsAVX2_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	PREFETCHT0 512(BX)
	PREFETCHT0 576(BX)
	STEP256(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 0(BX), 32(BX))
	STEP256(0(AX)(R8*1), 4(AX)(R8*1), 8(AX)(R8*1), 12(AX)(R8*1), 16(AX)(R8*1), 20(AX)(R8*1), 64(BX), 96(BX))
	PREFETCHT0 640(BX)
	PREFETCHT0 704(BX)
	STEP256(0(AX)(R8*2), 4(AX)(R8*2), 8(AX)(R8*2), 12(AX)(R8*2), 16(AX)(R8*2), 20(AX)(R8*2), 128(BX), 160(BX))
	STEP256(0(AX)(R9*1), 4(AX)(R9*1), 8(AX)(R9*1), 12(AX)(R9*1), 16(AX)(R9*1), 20(AX)(R9*1), 192(BX), 224(BX))
	ADDQ R10, AX
	ADDQ $256, BX
	DECQ R12
	JNZ  sgemmColsAVX2_loop4

sgemmColsAVX2_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmColsAVX2_store

sgemmColsAVX2_loop1:
	STEP256(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 0(BX), 32(BX))
	ADDQ R8, AX
	ADDQ $64, BX
	DECQ CX
	JNZ  sgemmColsAVX2_loop1

sgemmColsAVX2_store:
	// Y14 = alpha, Y15 = beta in every lane.
	VBROADCASTSS alpha+48(FP), Y14
	VBROADCASTSS beta+52(FP), Y15
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+52(FP), R8
	SHLL $1, R8
	JZ   sgemmColsAVX2_zero

	// else: C = alpha·acc + beta·C, row by row.
	STORE256(Y0, Y1)
	STORE256(Y2, Y3)
	STORE256(Y4, Y5)
	STORE256(Y6, Y7)
	STORE256(Y8, Y9)
	STORE256(Y10, Y11)
	VZEROUPPER
	RET

sgemmColsAVX2_zero:
	STORE256Z(Y0, Y1)
	STORE256Z(Y2, Y3)
	STORE256Z(Y4, Y5)
	STORE256Z(Y6, Y7)
	STORE256Z(Y8, Y9)
	STORE256Z(Y10, Y11)
	VZEROUPPER
	RET

// func sgemmColsRowsBAVX2(kc int, a *float32, cs int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
// A: columns in place (op(A) = Aᵀ), AX = step p, row i at +4i, step p+j at +j·cs (R8 = cs·4, R9 = 3·cs·4). B: rows in place at BX, step p+j at +j·ldb (R14 = ldb·4, R15 = 3·ldb·4, SI = 4·ldb·4), R13 = BX + 8 rows for prefetch.
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT ·sgemmColsRowsBAVX2(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+24(FP), BX
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), DX
	SHLQ $2, DX
	MOVQ cs+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9   // 3·cs
	LEAQ (R8*4), R10      // 4·cs

	// Prefetch the C tile (two lines per row) while the loop runs.
	MOVQ DI, R13
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)

	// B row strides; R13 runs eight rows ahead of BX for prefetching.
	MOVQ ldb+32(FP), R14
	SHLQ $2, R14
	LEAQ (R14)(R14*2), R15 // 3·ldb
	LEAQ (R14*4), SI        // 4·ldb
	LEAQ (BX)(SI*2), R13    // row 8

	// acc = 0
	ZEROY12

	// R12 = kc / 4 groups, CX = kc % 4 single steps.
	MOVQ  CX, R12
	SHRQ  $2, R12
	ANDQ  $3, CX
	TESTQ R12, R12
	JZ    sgemmColsRowsBAVX2_tail

sgemmColsRowsBAVX2_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	PREFETCHT0 (R13)
	PREFETCHT0 (R13)(R14*1)
	STEP256(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 0(BX), 32(BX))
	STEP256(0(AX)(R8*1), 4(AX)(R8*1), 8(AX)(R8*1), 12(AX)(R8*1), 16(AX)(R8*1), 20(AX)(R8*1), 0(BX)(R14*1), 32(BX)(R14*1))
	PREFETCHT0 (R13)(R14*2)
	PREFETCHT0 (R13)(R15*1)
	STEP256(0(AX)(R8*2), 4(AX)(R8*2), 8(AX)(R8*2), 12(AX)(R8*2), 16(AX)(R8*2), 20(AX)(R8*2), 0(BX)(R14*2), 32(BX)(R14*2))
	STEP256(0(AX)(R9*1), 4(AX)(R9*1), 8(AX)(R9*1), 12(AX)(R9*1), 16(AX)(R9*1), 20(AX)(R9*1), 0(BX)(R15*1), 32(BX)(R15*1))
	ADDQ R10, AX
	ADDQ SI, BX
	ADDQ SI, R13
	DECQ R12
	JNZ  sgemmColsRowsBAVX2_loop4

sgemmColsRowsBAVX2_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmColsRowsBAVX2_store

sgemmColsRowsBAVX2_loop1:
	STEP256(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 0(BX), 32(BX))
	ADDQ R8, AX
	ADDQ R14, BX
	DECQ CX
	JNZ  sgemmColsRowsBAVX2_loop1

sgemmColsRowsBAVX2_store:
	// Y14 = alpha, Y15 = beta in every lane.
	VBROADCASTSS alpha+56(FP), Y14
	VBROADCASTSS beta+60(FP), Y15
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+60(FP), R8
	SHLL $1, R8
	JZ   sgemmColsRowsBAVX2_zero

	// else: C = alpha·acc + beta·C, row by row.
	STORE256(Y0, Y1)
	STORE256(Y2, Y3)
	STORE256(Y4, Y5)
	STORE256(Y6, Y7)
	STORE256(Y8, Y9)
	STORE256(Y10, Y11)
	VZEROUPPER
	RET

sgemmColsRowsBAVX2_zero:
	STORE256Z(Y0, Y1)
	STORE256Z(Y2, Y3)
	STORE256Z(Y4, Y5)
	STORE256Z(Y6, Y7)
	STORE256Z(Y8, Y9)
	STORE256Z(Y10, Y11)
	VZEROUPPER
	RET

// func saxpyAVX2(alpha float32, x, y *float32, n int)
// Y0 = alpha; for i := 0; i < n; i += 32: y[i:i+32] += alpha·x[i:i+32]
// (product rounded, then sum rounded: VMULPS, VADDPS).
TEXT ·saxpyAVX2(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Y0
	MOVQ         x+8(FP), SI
	MOVQ         y+16(FP), DI
	MOVQ         n+24(FP), CX
	SHRQ         $5, CX

saxpyloop:
	// four vectors of eight: t = alpha·x; y = y + t
	VMULPS  (SI), Y0, Y1
	VMULPS  32(SI), Y0, Y2
	VMULPS  64(SI), Y0, Y3
	VMULPS  96(SI), Y0, Y4
	VADDPS  (DI), Y1, Y1
	VADDPS  32(DI), Y2, Y2
	VADDPS  64(DI), Y3, Y3
	VADDPS  96(DI), Y4, Y4
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	VMOVUPS Y3, 64(DI)
	VMOVUPS Y4, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	DECQ    CX
	JNZ     saxpyloop
	VZEROUPPER
	RET

// func sscalAVX2(alpha float32, x *float32, n int)
// Y0 = alpha; for i := 0; i < n; i += 32: x[i:i+32] *= alpha
TEXT ·sscalAVX2(SB), NOSPLIT, $0-24
	VBROADCASTSS alpha+0(FP), Y0
	MOVQ         x+8(FP), DI
	MOVQ         n+16(FP), CX
	SHRQ         $5, CX

sscalloop:
	// four vectors of eight: x = alpha·x
	VMULPS  (DI), Y0, Y1
	VMULPS  32(DI), Y0, Y2
	VMULPS  64(DI), Y0, Y3
	VMULPS  96(DI), Y0, Y4
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	VMOVUPS Y3, 64(DI)
	VMOVUPS Y4, 96(DI)
	ADDQ    $128, DI
	DECQ    CX
	JNZ     sscalloop
	VZEROUPPER
	RET

// ROWPTRS(base, ld4, ld12, r4, r8, r12): ld12 = 3·ld4, and r4, r8, r12 =
// base + 4, 8, 12 rows of ld4 bytes (for LOADROWS4 and STOREROWS4).
#define ROWPTRS(base, ld4, ld12, r4, r8, r12) \
	LEAQ (ld4)(ld4*2), ld12 \
	LEAQ (base)(ld4*4), r4  \
	LEAQ (r4)(ld4*4), r8    \
	LEAQ (r8)(ld4*4), r12

// LOADROWS4(base, z0, z1, z2, z3): z(j) = 16 floats of row j at base +
// j·ld (DX = ld·4, R8 = 3·ld·4).
#define LOADROWS4(base, z0, z1, z2, z3) \
	VMOVUPS (base), z0       \
	VMOVUPS (base)(DX*1), z1 \
	VMOVUPS (base)(DX*2), z2 \
	VMOVUPS (base)(R8*1), z3

// STOREROWS4(base, z0, z1, z2, z3): 16 floats of z(j) to row j at base +
// j·ldd (BX = ldd·4, R12 = 3·ldd·4).
#define STOREROWS4(base, z0, z1, z2, z3) \
	VMOVUPS z0, (base)       \
	VMOVUPS z1, (base)(BX*1) \
	VMOVUPS z2, (base)(BX*2) \
	VMOVUPS z3, (base)(R12*1)

// TRANSPOSE16: Z0..Z15 hold rows 0..15 of a 16×16 block; afterwards Z(t)
// holds column t of the block (element i = row i). Z16..Z31 are clobbered.
// Four stages: interleave row pairs by element (unpack ps), pairs of pairs
// (unpack pd: four rows per 128-bit lane), then gather 128-bit lanes twice
// (shuff32x4).
#define TRANSPOSE16 \
	VUNPCKLPS Z1, Z0, Z16 \
	VUNPCKHPS Z1, Z0, Z17 \
	VUNPCKLPS Z3, Z2, Z18 \
	VUNPCKHPS Z3, Z2, Z19 \
	VUNPCKLPS Z5, Z4, Z20 \
	VUNPCKHPS Z5, Z4, Z21 \
	VUNPCKLPS Z7, Z6, Z22 \
	VUNPCKHPS Z7, Z6, Z23 \
	VUNPCKLPS Z9, Z8, Z24 \
	VUNPCKHPS Z9, Z8, Z25 \
	VUNPCKLPS Z11, Z10, Z26 \
	VUNPCKHPS Z11, Z10, Z27 \
	VUNPCKLPS Z13, Z12, Z28 \
	VUNPCKHPS Z13, Z12, Z29 \
	VUNPCKLPS Z15, Z14, Z30 \
	VUNPCKHPS Z15, Z14, Z31 \
	VUNPCKLPD Z18, Z16, Z0 \
	VUNPCKHPD Z18, Z16, Z1 \
	VUNPCKLPD Z19, Z17, Z2 \
	VUNPCKHPD Z19, Z17, Z3 \
	VUNPCKLPD Z22, Z20, Z4 \
	VUNPCKHPD Z22, Z20, Z5 \
	VUNPCKLPD Z23, Z21, Z6 \
	VUNPCKHPD Z23, Z21, Z7 \
	VUNPCKLPD Z26, Z24, Z8 \
	VUNPCKHPD Z26, Z24, Z9 \
	VUNPCKLPD Z27, Z25, Z10 \
	VUNPCKHPD Z27, Z25, Z11 \
	VUNPCKLPD Z30, Z28, Z12 \
	VUNPCKHPD Z30, Z28, Z13 \
	VUNPCKLPD Z31, Z29, Z14 \
	VUNPCKHPD Z31, Z29, Z15 \
	VSHUFF32X4 $0x88, Z4, Z0, Z16 \
	VSHUFF32X4 $0xdd, Z4, Z0, Z17 \
	VSHUFF32X4 $0x88, Z12, Z8, Z18 \
	VSHUFF32X4 $0xdd, Z12, Z8, Z19 \
	VSHUFF32X4 $0x88, Z5, Z1, Z20 \
	VSHUFF32X4 $0xdd, Z5, Z1, Z21 \
	VSHUFF32X4 $0x88, Z13, Z9, Z22 \
	VSHUFF32X4 $0xdd, Z13, Z9, Z23 \
	VSHUFF32X4 $0x88, Z6, Z2, Z24 \
	VSHUFF32X4 $0xdd, Z6, Z2, Z25 \
	VSHUFF32X4 $0x88, Z14, Z10, Z26 \
	VSHUFF32X4 $0xdd, Z14, Z10, Z27 \
	VSHUFF32X4 $0x88, Z7, Z3, Z28 \
	VSHUFF32X4 $0xdd, Z7, Z3, Z29 \
	VSHUFF32X4 $0x88, Z15, Z11, Z30 \
	VSHUFF32X4 $0xdd, Z15, Z11, Z31 \
	VSHUFF32X4 $0x88, Z18, Z16, Z0 \
	VSHUFF32X4 $0xdd, Z18, Z16, Z8 \
	VSHUFF32X4 $0x88, Z19, Z17, Z4 \
	VSHUFF32X4 $0xdd, Z19, Z17, Z12 \
	VSHUFF32X4 $0x88, Z22, Z20, Z1 \
	VSHUFF32X4 $0xdd, Z22, Z20, Z9 \
	VSHUFF32X4 $0x88, Z23, Z21, Z5 \
	VSHUFF32X4 $0xdd, Z23, Z21, Z13 \
	VSHUFF32X4 $0x88, Z26, Z24, Z2 \
	VSHUFF32X4 $0xdd, Z26, Z24, Z10 \
	VSHUFF32X4 $0x88, Z27, Z25, Z6 \
	VSHUFF32X4 $0xdd, Z27, Z25, Z14 \
	VSHUFF32X4 $0x88, Z30, Z28, Z3 \
	VSHUFF32X4 $0xdd, Z30, Z28, Z11 \
	VSHUFF32X4 $0x88, Z31, Z29, Z7 \
	VSHUFF32X4 $0xdd, Z31, Z29, Z15

// SLIVER12: Z0..Z11 hold 16 columns of 12 rows; writes them as 16 rows of
// a packed 12-row sliver, dst[p*12 : p*12+12] = column p (K1 = 0xfff),
// at DI. Rows 12..15 of the 16×16 transpose are zero.
#define SLIVER12 \
	VPXORD Z12, Z12, Z12 \
	VPXORD Z13, Z13, Z13 \
	VPXORD Z14, Z14, Z14 \
	VPXORD Z15, Z15, Z15 \
	TRANSPOSE16 \
	VMOVUPS Z0, K1, 0(DI) \
	VMOVUPS Z1, K1, 48(DI) \
	VMOVUPS Z2, K1, 96(DI) \
	VMOVUPS Z3, K1, 144(DI) \
	VMOVUPS Z4, K1, 192(DI) \
	VMOVUPS Z5, K1, 240(DI) \
	VMOVUPS Z6, K1, 288(DI) \
	VMOVUPS Z7, K1, 336(DI) \
	VMOVUPS Z8, K1, 384(DI) \
	VMOVUPS Z9, K1, 432(DI) \
	VMOVUPS Z10, K1, 480(DI) \
	VMOVUPS Z11, K1, 528(DI) \
	VMOVUPS Z12, K1, 576(DI) \
	VMOVUPS Z13, K1, 624(DI) \
	VMOVUPS Z14, K1, 672(DI) \
	VMOVUPS Z15, K1, 720(DI)

// func transposeBlocksAVX512(dst, src *float32, ld, ldd, nb int)
// For nb blocks of 16 columns: dst[p*ldd+i] = src[i*ld+p] for i < 16,
// p < 16, then src += 16 floats and dst += 16·ldd floats (ldd: the width
// of the sliver, 32 or 64). Each row line is read whole (one zmm), so rows
// whose stride aliases in L1 cost nothing more. Registers: SI, R9, R10,
// R11 = rows 0, 4, 8, 12 (row i at +(i%4)·ld: DX = ld·4, R8 = 3·ld·4), DI
// = dst, R13 = its row 4j (BX = ldd·4, R12 = 3·ldd·4), CX = blocks left.
TEXT ·transposeBlocksAVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), DX
	MOVQ ldd+24(FP), BX
	MOVQ nb+32(FP), CX
	SHLQ $2, DX
	SHLQ $2, BX
	LEAQ (BX)(BX*2), R12
	ROWPTRS(SI, DX, R8, R9, R10, R11)
	TESTQ CX, CX
	JLE  transpose_done

transpose_loop:
	// Z(i) = row i, columns 0..15 of the block
	LOADROWS4(SI, Z0, Z1, Z2, Z3)
	LOADROWS4(R9, Z4, Z5, Z6, Z7)
	LOADROWS4(R10, Z8, Z9, Z10, Z11)
	LOADROWS4(R11, Z12, Z13, Z14, Z15)
	TRANSPOSE16
	// row p of the sliver: dst[p*ldd : p*ldd+16] = Z(p)
	STOREROWS4(DI, Z0, Z1, Z2, Z3)
	LEAQ (DI)(BX*4), R13
	STOREROWS4(R13, Z4, Z5, Z6, Z7)
	LEAQ (R13)(BX*4), R13
	STOREROWS4(R13, Z8, Z9, Z10, Z11)
	LEAQ (R13)(BX*4), R13
	STOREROWS4(R13, Z12, Z13, Z14, Z15)
	LEAQ (R13)(BX*4), DI
	ADDQ $64, SI
	ADDQ $64, R9
	ADDQ $64, R10
	ADDQ $64, R11
	DECQ CX
	JNZ  transpose_loop
	VZEROUPPER

transpose_done:
	RET

// func transposeRows12AVX512(dst, src *float32, ld, nb int)
// For nb blocks of 16 columns: dst[p*12+i] = src[i*ld+p] for i < 12,
// p < 16, then src += 16 floats and dst += 16·12 floats: the 16×16
// transpose of transposeBlocksAVX512 with rows 12..15 zero, each column
// stored as 12 lanes (mask K1). Registers: SI, R9, R10 = rows 0, 4, 8 (row
// i at +(i%4)·ld: DX = ld·4, R8 = 3·ld·4), DI = dst, CX = blocks left.
TEXT ·transposeRows12AVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), DX
	MOVQ nb+24(FP), CX
	SHLQ $2, DX
	ROWPTRS(SI, DX, R8, R9, R10, R11) // R11 unused: 12 rows
	MOVL $0xfff, AX
	KMOVW AX, K1
	TESTQ CX, CX
	JLE  transpose12_done

transpose12_loop:
	// Z(i) = row i, columns 0..15 of the block
	LOADROWS4(SI, Z0, Z1, Z2, Z3)
	LOADROWS4(R9, Z4, Z5, Z6, Z7)
	LOADROWS4(R10, Z8, Z9, Z10, Z11)
	SLIVER12
	ADDQ $64, SI
	ADDQ $64, R9
	ADDQ $64, R10
	ADDQ $768, DI
	DECQ CX
	JNZ  transpose12_loop
	VZEROUPPER

transpose12_done:
	RET

// func transposeRows6AVX512(dst, src *float32, ld, nb int)
// For nb blocks of 16 columns: dst[p*6+i] = src[i*ld+p] for i < 6, p <
// 16, then src += 16 floats and dst += 16·6 floats: the 16×16 transpose
// with rows 6..15 zero, each column stored as 6 lanes (mask K1), for the A
// slivers of the 6×64 kernel. Registers: SI, R9 = rows 0, 4 (row i at
// +(i%4)·ld: DX = ld·4, R8 = 3·ld·4), DI = dst, CX = blocks left.
TEXT ·transposeRows6AVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), DX
	MOVQ nb+24(FP), CX
	SHLQ $2, DX
	ROWPTRS(SI, DX, R8, R9, R10, R11) // R10, R11 unused: 6 rows
	MOVL $0x3f, AX
	KMOVW AX, K1
	TESTQ CX, CX
	JLE  transpose6_done

transpose6_loop:
	// Z(i) = row i, columns 0..15 of the block; rows 6..15 zero
	LOADROWS4(SI, Z0, Z1, Z2, Z3)
	VMOVUPS (R9), Z4
	VMOVUPS (R9)(DX*1), Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	TRANSPOSE16
	VMOVUPS Z0, K1, 0(DI)
	VMOVUPS Z1, K1, 24(DI)
	VMOVUPS Z2, K1, 48(DI)
	VMOVUPS Z3, K1, 72(DI)
	VMOVUPS Z4, K1, 96(DI)
	VMOVUPS Z5, K1, 120(DI)
	VMOVUPS Z6, K1, 144(DI)
	VMOVUPS Z7, K1, 168(DI)
	VMOVUPS Z8, K1, 192(DI)
	VMOVUPS Z9, K1, 216(DI)
	VMOVUPS Z10, K1, 240(DI)
	VMOVUPS Z11, K1, 264(DI)
	VMOVUPS Z12, K1, 288(DI)
	VMOVUPS Z13, K1, 312(DI)
	VMOVUPS Z14, K1, 336(DI)
	VMOVUPS Z15, K1, 360(DI)
	ADDQ $64, SI
	ADDQ $64, R9
	ADDQ $384, DI
	DECQ CX
	JNZ  transpose6_loop
	VZEROUPPER

transpose6_done:
	RET

// func transposeRows6PairAVX512(dst, src *float32, ld, nb, kc int)
// transposeRows6AVX512 for two adjacent 6-row slivers at once, at the
// cost of one 12-row transpose: for nb blocks of 16 columns, dst[p*6+i] =
// src[i*ld+p] and dst[6*kc+p*6+i] = src[(6+i)*ld+p] for i < 6, p < 16,
// then src += 16 floats and both slivers on 16·6 floats. Column p of the
// transposed block goes out as lanes 0..5 (mask K1) to the first sliver
// and lanes 6..11 (mask K2, from 24 bytes before its place) to the second.
// Registers: SI, R9, R10 = rows 0, 4, 8 (row i at +(i%4)·ld: DX = ld·4,
// R8 = 3·ld·4), DI, R13 = the two slivers, CX = blocks left.
TEXT ·transposeRows6PairAVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), DX
	MOVQ nb+24(FP), CX
	MOVQ kc+32(FP), R13
	SHLQ $2, DX
	LEAQ (R13)(R13*2), R13 // 3·kc
	SHLQ $3, R13           // 6·kc floats, in bytes
	ADDQ DI, R13
	ROWPTRS(SI, DX, R8, R9, R10, R11) // R11 unused: 12 rows
	MOVL $0x3f, AX
	KMOVW AX, K1
	MOVL $0xfc0, AX
	KMOVW AX, K2
	TESTQ CX, CX
	JLE  transpose6p_done

transpose6p_loop:
	// Z(i) = row i, columns 0..15 of the block; rows 12..15 zero
	LOADROWS4(SI, Z0, Z1, Z2, Z3)
	LOADROWS4(R9, Z4, Z5, Z6, Z7)
	LOADROWS4(R10, Z8, Z9, Z10, Z11)
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	TRANSPOSE16
	VMOVUPS Z0, K1, 0(DI)
	VMOVUPS Z0, K2, -24(R13)
	VMOVUPS Z1, K1, 24(DI)
	VMOVUPS Z1, K2, 0(R13)
	VMOVUPS Z2, K1, 48(DI)
	VMOVUPS Z2, K2, 24(R13)
	VMOVUPS Z3, K1, 72(DI)
	VMOVUPS Z3, K2, 48(R13)
	VMOVUPS Z4, K1, 96(DI)
	VMOVUPS Z4, K2, 72(R13)
	VMOVUPS Z5, K1, 120(DI)
	VMOVUPS Z5, K2, 96(R13)
	VMOVUPS Z6, K1, 144(DI)
	VMOVUPS Z6, K2, 120(R13)
	VMOVUPS Z7, K1, 168(DI)
	VMOVUPS Z7, K2, 144(R13)
	VMOVUPS Z8, K1, 192(DI)
	VMOVUPS Z8, K2, 168(R13)
	VMOVUPS Z9, K1, 216(DI)
	VMOVUPS Z9, K2, 192(R13)
	VMOVUPS Z10, K1, 240(DI)
	VMOVUPS Z10, K2, 216(R13)
	VMOVUPS Z11, K1, 264(DI)
	VMOVUPS Z11, K2, 240(R13)
	VMOVUPS Z12, K1, 288(DI)
	VMOVUPS Z12, K2, 264(R13)
	VMOVUPS Z13, K1, 312(DI)
	VMOVUPS Z13, K2, 288(R13)
	VMOVUPS Z14, K1, 336(DI)
	VMOVUPS Z14, K2, 312(R13)
	VMOVUPS Z15, K1, 360(DI)
	VMOVUPS Z15, K2, 336(R13)
	ADDQ $64, SI
	ADDQ $64, R9
	ADDQ $64, R10
	ADDQ $384, DI
	ADDQ $384, R13
	DECQ CX
	JNZ  transpose6p_loop
	VZEROUPPER

transpose6p_done:
	RET

// func copyRows64AVX512(dst, src *float32, ld, kc int)
// for p < kc: dst[p*64 : p*64+64] = src[p*ld : p*ld+64], four zmm per row,
// prefetching the row eight steps ahead. DX = ld·4, CX = rows left.
TEXT ·copyRows64AVX512(SB), NOSPLIT, $0-32
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  ld+16(FP), DX
	MOVQ  kc+24(FP), CX
	SHLQ  $2, DX
	TESTQ CX, CX
	JLE   copy64_done

copy64_loop:
	// dst row p = src row p (256 bytes); prefetch src row p+8
	PREFETCHT0 (SI)(DX*8)
	PREFETCHT0 64(SI)(DX*8)
	PREFETCHT0 128(SI)(DX*8)
	PREFETCHT0 192(SI)(DX*8)
	VMOVUPS    (SI), Z0
	VMOVUPS    64(SI), Z1
	VMOVUPS    128(SI), Z2
	VMOVUPS    192(SI), Z3
	VMOVUPS    Z0, (DI)
	VMOVUPS    Z1, 64(DI)
	VMOVUPS    Z2, 128(DI)
	VMOVUPS    Z3, 192(DI)
	ADDQ       DX, SI
	ADDQ       $256, DI
	DECQ       CX
	JNZ        copy64_loop
	VZEROUPPER

copy64_done:
	RET

// func copyRows32AVX512(dst, src *float32, ld, kc int)
// for p < kc: dst[p*32 : p*32+32] = src[p*ld : p*ld+32], two zmm per row,
// prefetching the row eight steps ahead. DX = ld·4, CX = rows left.
TEXT ·copyRows32AVX512(SB), NOSPLIT, $0-32
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  ld+16(FP), DX
	MOVQ  kc+24(FP), CX
	SHLQ  $2, DX
	TESTQ CX, CX
	JLE   copy32_done

copy32_loop:
	// dst row p = src row p (128 bytes); prefetch src row p+8
	PREFETCHT0 (SI)(DX*8)
	PREFETCHT0 64(SI)(DX*8)
	VMOVUPS    (SI), Z0
	VMOVUPS    64(SI), Z1
	VMOVUPS    Z0, (DI)
	VMOVUPS    Z1, 64(DI)
	ADDQ       DX, SI
	ADDQ       $128, DI
	DECQ       CX
	JNZ        copy32_loop
	VZEROUPPER

copy32_done:
	RET

// func copyRows16AVX2(dst, src *float32, ld, kc int)
// for p < kc: dst[p*16 : p*16+16] = src[p*ld : p*ld+16], two ymm per row.
TEXT ·copyRows16AVX2(SB), NOSPLIT, $0-32
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  ld+16(FP), DX
	MOVQ  kc+24(FP), CX
	SHLQ  $2, DX
	TESTQ CX, CX
	JLE   copy16_done

copy16_loop:
	// dst row p = src row p (64 bytes)
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    DX, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     copy16_loop
	VZEROUPPER

copy16_done:
	RET

// func copyRows12AVX2(dst, src *float32, ld, kc int)
// for p < kc: dst[p*12 : p*12+12] = src[p*ld : p*ld+12], a ymm and an xmm
// per row.
TEXT ·copyRows12AVX2(SB), NOSPLIT, $0-32
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  ld+16(FP), DX
	MOVQ  kc+24(FP), CX
	SHLQ  $2, DX
	TESTQ CX, CX
	JLE   copy12_done

copy12_loop:
	// dst row p = src row p (48 bytes)
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), X1
	VMOVUPS Y0, (DI)
	VMOVUPS X1, 32(DI)
	ADDQ    DX, SI
	ADDQ    $48, DI
	DECQ    CX
	JNZ     copy12_loop
	VZEROUPPER

copy12_done:
	RET

// func transposeRows16AVX2(dst, src *float32, ld, nb int)
// For nb blocks of 8 columns: dst[p*16+i] = src[i*ld+p] for i < 8, p < 8,
// then src += 8 floats and dst += 8·16 floats (an 8×8 transpose in ymm
// registers). Registers: SI, R9 = rows 0, 4 (row i at +(i%4)·ld: DX =
// ld·4, R8 = 3·ld·4), DI = dst, CX = blocks left.
TEXT ·transposeRows16AVX2(SB), NOSPLIT, $0-32
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  ld+16(FP), DX
	MOVQ  nb+24(FP), CX
	SHLQ  $2, DX
	LEAQ  (DX)(DX*2), R8
	LEAQ  (SI)(DX*4), R9
	TESTQ CX, CX
	JLE   transpose8_done

transpose8_loop:
	// Y(i) = row i, columns 0..7 of the block
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(DX*1), Y1
	VMOVUPS (SI)(DX*2), Y2
	VMOVUPS (SI)(R8*1), Y3
	VMOVUPS (R9), Y4
	VMOVUPS (R9)(DX*1), Y5
	VMOVUPS (R9)(DX*2), Y6
	VMOVUPS (R9)(R8*1), Y7
	// interleave row pairs by element
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	// four rows per 128-bit lane
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xee, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xee, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xee, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xee, Y15, Y13, Y7
	// join the lanes of rows 0-3 and 4-7: Y(8+p) = column p
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	// row p of the sliver: dst[p*16 : p*16+8] = Y(8+p)
	VMOVUPS Y8, 0(DI)
	VMOVUPS Y9, 64(DI)
	VMOVUPS Y10, 128(DI)
	VMOVUPS Y11, 192(DI)
	VMOVUPS Y12, 256(DI)
	VMOVUPS Y13, 320(DI)
	VMOVUPS Y14, 384(DI)
	VMOVUPS Y15, 448(DI)
	ADDQ $32, SI
	ADDQ $32, R9
	ADDQ $512, DI
	DECQ CX
	JNZ  transpose8_loop
	VZEROUPPER

transpose8_done:
	RET

// func copyRowsMaskedAVX512(dst, src *float32, ld, kc int, lmask, smask uint32, w int)
// for p < kc: dst[p*w : p*w+w] = src[p*ld : p*ld+h] followed by zeros,
// h and w ≤ 32 given as lane masks: lanes of lmask are loaded (the others
// are zero and not read: masked loads do not fault), lanes of smask stored.
// K1, K2 = load masks of lanes 0-15, 16-31; K3, K4 = store masks;
// DX = ld·4, R8 = w·4, CX = rows left.
TEXT ·copyRowsMaskedAVX512(SB), NOSPLIT, $0-48
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  ld+16(FP), DX
	MOVQ  kc+24(FP), CX
	MOVL  lmask+32(FP), AX
	KMOVW AX, K1
	SHRL  $16, AX
	KMOVW AX, K2
	MOVL  smask+36(FP), AX
	KMOVW AX, K3
	SHRL  $16, AX
	KMOVW AX, K4
	MOVQ  w+40(FP), R8
	SHLQ  $2, DX
	SHLQ  $2, R8
	TESTQ CX, CX
	JLE   copym_done

copym_loop:
	// row p: load the h floats (zeros elsewhere), store the w floats
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z1
	VMOVUPS   Z0, K3, (DI)
	VMOVUPS   Z1, K4, 64(DI)
	ADDQ      DX, SI
	ADDQ      R8, DI
	DECQ      CX
	JNZ       copym_loop
	VZEROUPPER

copym_done:
	RET

// func transpose16AVX512(dst *float32, ldd int, src *float32, lds int)
// dst[i*ldd+j] = src[j*lds+i] for i, j < 16: one 16×16 block. Registers:
// SI, R9, R10, R11 = source rows 0, 4, 8, 12 (DX = lds·4, R8 = 3·lds·4);
// DI, R13, R14, R15 = destination rows 0, 4, 8, 12 (BX = ldd·4, R12 =
// 3·ldd·4).
TEXT ·transpose16AVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), BX
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), DX
	SHLQ $2, DX
	ROWPTRS(SI, DX, R8, R9, R10, R11)
	LOADROWS4(SI, Z0, Z1, Z2, Z3)
	LOADROWS4(R9, Z4, Z5, Z6, Z7)
	LOADROWS4(R10, Z8, Z9, Z10, Z11)
	LOADROWS4(R11, Z12, Z13, Z14, Z15)
	TRANSPOSE16
	SHLQ $2, BX
	ROWPTRS(DI, BX, R12, R13, R14, R15)
	STOREROWS4(DI, Z0, Z1, Z2, Z3)
	STOREROWS4(R13, Z4, Z5, Z6, Z7)
	STOREROWS4(R14, Z8, Z9, Z10, Z11)
	STOREROWS4(R15, Z12, Z13, Z14, Z15)
	VZEROUPPER
	RET

// func sfence()
// Orders the non-temporal stores issued before it with every later store.
TEXT ·sfence(SB), NOSPLIT, $0-0
	SFENCE
	RET

// func cpuid(leaf uint32) (eax, ebx, ecx, edx uint32)
// CPUID with EAX = leaf, ECX = 0.
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	XORL CX, CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func transposePtrs12AVX512(dst *float32, ptrs *[12]*float32, nb int)
// For nb blocks of 16 columns: dst[p*12+i] = ptrs[i][p] for i < 12, p <
// 16, then every row pointer += 16 floats and dst += 16·12 floats: the
// packed 12-row A sliver of rows given by their own pointers (gathered
// operands: RunGather). Row pointers in SI, AX, BX, DX, R8..R15.
TEXT ·transposePtrs12AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ ptrs+8(FP), CX
	MOVQ 0(CX), SI
	MOVQ 8(CX), AX
	MOVQ 16(CX), BX
	MOVQ 24(CX), DX
	MOVQ 32(CX), R8
	MOVQ 40(CX), R9
	MOVQ 48(CX), R10
	MOVQ 56(CX), R11
	MOVQ 64(CX), R12
	MOVQ 72(CX), R13
	MOVQ 80(CX), R14
	MOVQ 88(CX), R15
	MOVQ nb+16(FP), CX
	MOVL $0xfff, DI
	KMOVW DI, K1
	MOVQ dst+0(FP), DI
	TESTQ CX, CX
	JLE  ptrs12_done

ptrs12_loop:
	VMOVUPS (SI), Z0
	VMOVUPS (AX), Z1
	VMOVUPS (BX), Z2
	VMOVUPS (DX), Z3
	VMOVUPS (R8), Z4
	VMOVUPS (R9), Z5
	VMOVUPS (R10), Z6
	VMOVUPS (R11), Z7
	VMOVUPS (R12), Z8
	VMOVUPS (R13), Z9
	VMOVUPS (R14), Z10
	VMOVUPS (R15), Z11
	SLIVER12
	ADDQ $64, SI
	ADDQ $64, AX
	ADDQ $64, BX
	ADDQ $64, DX
	ADDQ $64, R8
	ADDQ $64, R9
	ADDQ $64, R10
	ADDQ $64, R11
	ADDQ $64, R12
	ADDQ $64, R13
	ADDQ $64, R14
	ADDQ $64, R15
	ADDQ $768, DI
	DECQ CX
	JNZ  ptrs12_loop
	VZEROUPPER

ptrs12_done:
	RET
