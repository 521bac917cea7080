//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"
#include "zmm_amd64.h"

// ---------------------------------------------------------------------
// AVX-512 6×64 micro-kernels: the tile of the AVX-512 kernel on Intel
// (see avx512Tile64 in kernel_amd64.go). A is a packed sliver (6 floats
// per k step: sgemmPacked664, sgemmPackedRowsB664) or 6 rows read in
// place (rs floats apart, k steps adjacent: sgemmRows664,
// sgemmRowsRowsB664); B is a packed sliver (64 floats per k step) or, in
// the *RowsB forms, 64 columns of a row-major B read in place (ldb floats
// from one k step to the next). The k loop is unrolled four times, as in
// the 12×32 kernels (kernel_amd64.s).
// Z0..Z23: accumulators, row i in Z(4i)..Z(4i+3) (columns 16q..16q+15 in
// Z(4i+q)). Z24..Z27: the B row of the step. Z28..Z31: broadcasts of A;
// Z30 and Z31 then hold alpha and beta for the store.
// Per k step: 4 vector loads and 6 broadcasts for 24 FMAs, against 2 and 12
// in the 12×32 tile.

// PREFETCHC4(r): prefetch the four lines at r (one row of a C tile);
// r += ldc (DX).
#define PREFETCHC4(r) \
	PREFETCHT0 (r)    \
	PREFETCHT0 64(r)  \
	PREFETCHT0 128(r) \
	PREFETCHT0 192(r) \
	ADDQ       DX, r

// FMA4(a, i0, i1, i2, i3): acc row += a·B row (Z24..Z27).
#define FMA4(a, i0, i1, i2, i3) \
	VFMADD231PS Z24, a, i0 \
	VFMADD231PS Z25, a, i1 \
	VFMADD231PS Z26, a, i2 \
	VFMADD231PS Z27, a, i3

// STEP664(a0..a5, b0..b3): one k step, A[i, p] at address ai, B[p, 16q:16q+16]
// at address bq: for i < 6, q < 4: acc[i][16q:16q+16] += A[i, p]·B[p, 16q:16q+16]
#define STEP664(a0, a1, a2, a3, a4, a5, b0, b1, b2, b3) \
	VMOVUPS      b0, Z24               \
	VMOVUPS      b1, Z25               \
	VMOVUPS      b2, Z26               \
	VMOVUPS      b3, Z27               \
	VBROADCASTSS a0, Z28               \
	FMA4(Z28, Z0, Z1, Z2, Z3)          \
	VBROADCASTSS a1, Z29               \
	FMA4(Z29, Z4, Z5, Z6, Z7)          \
	VBROADCASTSS a2, Z30               \
	FMA4(Z30, Z8, Z9, Z10, Z11)        \
	VBROADCASTSS a3, Z31               \
	FMA4(Z31, Z12, Z13, Z14, Z15)      \
	VBROADCASTSS a4, Z28               \
	FMA4(Z28, Z16, Z17, Z18, Z19)      \
	VBROADCASTSS a5, Z29               \
	FMA4(Z29, Z20, Z21, Z22, Z23)

// STORE1(r, off): C[row][off/4 : off/4+16] = alpha·r + beta·C (Z30 = alpha, Z31 = beta).
#define STORE1(r, off) \
	VMULPS      Z30, r, r     \
	VFMADD231PS off(DI), Z31, r \
	VMOVUPS     r, off(DI)

// STORE664(r0, r1, r2, r3): one row of the tile, C = alpha·acc + beta·C; next row.
#define STORE664(r0, r1, r2, r3) \
	STORE1(r0, 0)   \
	STORE1(r1, 64)  \
	STORE1(r2, 128) \
	STORE1(r3, 192) \
	ADDQ DX, DI

// STORE664Z(r0, r1, r2, r3): one row, C = alpha·acc (C not read); next row.
#define STORE664Z(r0, r1, r2, r3) \
	VMULPS  Z30, r0, r0  \
	VMOVUPS r0, (DI)     \
	VMULPS  Z30, r1, r1  \
	VMOVUPS r1, 64(DI)   \
	VMULPS  Z30, r2, r2  \
	VMOVUPS r2, 128(DI)  \
	VMULPS  Z30, r3, r3  \
	VMOVUPS r3, 192(DI)  \
	ADDQ    DX, DI

// STORE664NT(r0, r1, r2, r3): one row, C = alpha·acc with non-temporal
// stores (the row 64-byte aligned); next row.
#define STORE664NT(r0, r1, r2, r3) \
	VMULPS   Z30, r0, r0 \
	VMOVNTPS r0, (DI)    \
	VMULPS   Z30, r1, r1 \
	VMOVNTPS r1, 64(DI)  \
	VMULPS   Z30, r2, r2 \
	VMOVNTPS r2, 128(DI) \
	VMULPS   Z30, r3, r3 \
	VMOVNTPS r3, 192(DI) \
	ADDQ     DX, DI

#define STORETILE664 \
	STORE664(Z0, Z1, Z2, Z3)     \
	STORE664(Z4, Z5, Z6, Z7)     \
	STORE664(Z8, Z9, Z10, Z11)   \
	STORE664(Z12, Z13, Z14, Z15) \
	STORE664(Z16, Z17, Z18, Z19) \
	STORE664(Z20, Z21, Z22, Z23)

#define STORETILE664Z \
	STORE664Z(Z0, Z1, Z2, Z3)     \
	STORE664Z(Z4, Z5, Z6, Z7)     \
	STORE664Z(Z8, Z9, Z10, Z11)   \
	STORE664Z(Z12, Z13, Z14, Z15) \
	STORE664Z(Z16, Z17, Z18, Z19) \
	STORE664Z(Z20, Z21, Z22, Z23)

#define STORETILE664NT \
	STORE664NT(Z0, Z1, Z2, Z3)     \
	STORE664NT(Z4, Z5, Z6, Z7)     \
	STORE664NT(Z8, Z9, Z10, Z11)   \
	STORE664NT(Z12, Z13, Z14, Z15) \
	STORE664NT(Z16, Z17, Z18, Z19) \
	STORE664NT(Z20, Z21, Z22, Z23)

// NEXTTILE(tiles, c, b, rowbytes, done, top), as in kernel_amd64.s: after a
// tile of a call for several, go on to the next one if any: C one tile
// width (rowbytes) on, B at the next packed sliver (where BX now points),
// the same A sliver.
#define NEXTTILE(tiles, c, b, rowbytes, done, top) \
	DECQ tiles          \
	JZ   done           \
	ADDQ $rowbytes, c   \
	MOVQ BX, b          \
	JMP  top

// func sgemmPacked664(kc int, a, b, c *float32, ldc int, alpha, beta float32, nt, tiles int)
// A: packed sliver at AX (6 floats per step). B: packed sliver at BX (64 floats per step).
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT ·sgemmPacked664(SB), NOSPLIT, $0-64
sgemmPacked664_tile:
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+24(FP), DI
	MOVQ ldc+32(FP), DX
	SHLQ $2, DX

	// Prefetch the C tile (four lines per row) while the loop runs,
	// unless it is to be written with non-temporal stores.
	MOVQ  nt+48(FP), R13
	TESTQ R13, R13
	JNZ   sgemmPacked664_acc
	MOVQ  DI, R13
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)

sgemmPacked664_acc:
	// acc = 0
	ZERO24

	// R12 = kc / 4 groups, CX = kc % 4 single steps.
	MOVQ  CX, R12
	SHRQ  $2, R12
	ANDQ  $3, CX
	TESTQ R12, R12
	JZ    sgemmPacked664_tail

sgemmPacked664_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	STEP664(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 0(BX), 64(BX), 128(BX), 192(BX))
	STEP664(24(AX), 28(AX), 32(AX), 36(AX), 40(AX), 44(AX), 256(BX), 320(BX), 384(BX), 448(BX))
	STEP664(48(AX), 52(AX), 56(AX), 60(AX), 64(AX), 68(AX), 512(BX), 576(BX), 640(BX), 704(BX))
	STEP664(72(AX), 76(AX), 80(AX), 84(AX), 88(AX), 92(AX), 768(BX), 832(BX), 896(BX), 960(BX))
	ADDQ $96, AX
	ADDQ $1024, BX
	DECQ R12
	JNZ  sgemmPacked664_loop4

sgemmPacked664_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmPacked664_store

sgemmPacked664_loop1:
	STEP664(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 0(BX), 64(BX), 128(BX), 192(BX))
	ADDQ $24, AX
	ADDQ $256, BX
	DECQ CX
	JNZ  sgemmPacked664_loop1

sgemmPacked664_store:
	// Z30 = alpha, Z31 = beta in every lane.
	VBROADCASTSS alpha+40(FP), Z30
	VBROADCASTSS beta+44(FP), Z31
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+44(FP), R8
	SHLL $1, R8
	JZ   sgemmPacked664_zero

	// else: C = alpha·acc + beta·C, row by row.
	STORETILE664
	JMP sgemmPacked664_next

sgemmPacked664_zero:
	MOVQ  nt+48(FP), R8
	TESTQ R8, R8
	JNZ   sgemmPacked664_nt
	STORETILE664Z
	JMP sgemmPacked664_next

sgemmPacked664_nt:
	STORETILE664NT

sgemmPacked664_next:
	NEXTTILE(tiles+56(FP), c+24(FP), b+16(FP), 256, sgemmPacked664_done, sgemmPacked664_tile)

sgemmPacked664_done:
	VZEROUPPER
	RET

// func sgemmRows664(kc int, a *float32, rs int, b, c *float32, ldc int, alpha, beta float32, nt, tiles int)
// A: rows in place, AX/R10 = rows 0/4 at step p, row i at +(i%4)·rs (R8 = rs·4, R9 = 3·rs·4). B: packed sliver at BX (64 floats per step).
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT ·sgemmRows664(SB), NOSPLIT, $0-72
sgemmRows664_tile:
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

	// Prefetch the C tile (four lines per row) while the loop runs,
	// unless it is to be written with non-temporal stores.
	MOVQ  nt+56(FP), R13
	TESTQ R13, R13
	JNZ   sgemmRows664_acc
	MOVQ  DI, R13
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)

sgemmRows664_acc:
	// acc = 0
	ZERO24

	// R12 = kc / 4 groups, CX = kc % 4 single steps.
	MOVQ  CX, R12
	SHRQ  $2, R12
	ANDQ  $3, CX
	TESTQ R12, R12
	JZ    sgemmRows664_tail

sgemmRows664_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	STEP664(0(AX), 0(AX)(R8*1), 0(AX)(R8*2), 0(AX)(R9*1), 0(R10), 0(R10)(R8*1), 0(BX), 64(BX), 128(BX), 192(BX))
	STEP664(4(AX), 4(AX)(R8*1), 4(AX)(R8*2), 4(AX)(R9*1), 4(R10), 4(R10)(R8*1), 256(BX), 320(BX), 384(BX), 448(BX))
	STEP664(8(AX), 8(AX)(R8*1), 8(AX)(R8*2), 8(AX)(R9*1), 8(R10), 8(R10)(R8*1), 512(BX), 576(BX), 640(BX), 704(BX))
	STEP664(12(AX), 12(AX)(R8*1), 12(AX)(R8*2), 12(AX)(R9*1), 12(R10), 12(R10)(R8*1), 768(BX), 832(BX), 896(BX), 960(BX))
	ADDQ $16, AX
	ADDQ $16, R10
	ADDQ $1024, BX
	DECQ R12
	JNZ  sgemmRows664_loop4

sgemmRows664_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmRows664_store

sgemmRows664_loop1:
	STEP664(0(AX), 0(AX)(R8*1), 0(AX)(R8*2), 0(AX)(R9*1), 0(R10), 0(R10)(R8*1), 0(BX), 64(BX), 128(BX), 192(BX))
	ADDQ $4, AX
	ADDQ $4, R10
	ADDQ $256, BX
	DECQ CX
	JNZ  sgemmRows664_loop1

sgemmRows664_store:
	// Z30 = alpha, Z31 = beta in every lane.
	VBROADCASTSS alpha+48(FP), Z30
	VBROADCASTSS beta+52(FP), Z31
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+52(FP), R8
	SHLL $1, R8
	JZ   sgemmRows664_zero

	// else: C = alpha·acc + beta·C, row by row.
	STORETILE664
	JMP sgemmRows664_next

sgemmRows664_zero:
	MOVQ  nt+56(FP), R8
	TESTQ R8, R8
	JNZ   sgemmRows664_nt
	STORETILE664Z
	JMP sgemmRows664_next

sgemmRows664_nt:
	STORETILE664NT

sgemmRows664_next:
	NEXTTILE(tiles+64(FP), c+32(FP), b+24(FP), 256, sgemmRows664_done, sgemmRows664_tile)

sgemmRows664_done:
	VZEROUPPER
	RET

// func sgemmPackedRowsB664(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
// A: packed sliver at AX (6 floats per step). B: rows in place at BX, step p+j at +j·ldb (R14 = ldb·4, R15 = 3·ldb·4, SI = 4·ldb·4), R13 = BX + 8 rows for prefetch.
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT ·sgemmPackedRowsB664(SB), NOSPLIT, $0-56
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), DX
	SHLQ $2, DX

	// Prefetch the C tile (four lines per row) while the loop runs.
	MOVQ  DI, R13
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)

	// B row strides; R13 runs eight rows ahead of BX for prefetching.
	MOVQ ldb+24(FP), R14
	SHLQ $2, R14
	LEAQ (R14)(R14*2), R15 // 3·ldb
	LEAQ (R14*4), SI        // 4·ldb
	LEAQ (BX)(SI*2), R13    // row 8

	// acc = 0
	ZERO24

	// R12 = kc / 4 groups, CX = kc % 4 single steps.
	MOVQ  CX, R12
	SHRQ  $2, R12
	ANDQ  $3, CX
	TESTQ R12, R12
	JZ    sgemmPackedRowsB664_tail

sgemmPackedRowsB664_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	PREFETCHT0 0(R13)
	PREFETCHT0 64(R13)
	PREFETCHT0 128(R13)
	PREFETCHT0 192(R13)
	STEP664(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 0(BX), 64(BX), 128(BX), 192(BX))
	PREFETCHT0 0(R13)(R14*1)
	PREFETCHT0 64(R13)(R14*1)
	PREFETCHT0 128(R13)(R14*1)
	PREFETCHT0 192(R13)(R14*1)
	STEP664(24(AX), 28(AX), 32(AX), 36(AX), 40(AX), 44(AX), 0(BX)(R14*1), 64(BX)(R14*1), 128(BX)(R14*1), 192(BX)(R14*1))
	PREFETCHT0 0(R13)(R14*2)
	PREFETCHT0 64(R13)(R14*2)
	PREFETCHT0 128(R13)(R14*2)
	PREFETCHT0 192(R13)(R14*2)
	STEP664(48(AX), 52(AX), 56(AX), 60(AX), 64(AX), 68(AX), 0(BX)(R14*2), 64(BX)(R14*2), 128(BX)(R14*2), 192(BX)(R14*2))
	PREFETCHT0 0(R13)(R15*1)
	PREFETCHT0 64(R13)(R15*1)
	PREFETCHT0 128(R13)(R15*1)
	PREFETCHT0 192(R13)(R15*1)
	STEP664(72(AX), 76(AX), 80(AX), 84(AX), 88(AX), 92(AX), 0(BX)(R15*1), 64(BX)(R15*1), 128(BX)(R15*1), 192(BX)(R15*1))
	ADDQ $96, AX
	ADDQ SI, BX
	ADDQ SI, R13
	DECQ R12
	JNZ  sgemmPackedRowsB664_loop4

sgemmPackedRowsB664_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmPackedRowsB664_store

sgemmPackedRowsB664_loop1:
	STEP664(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 0(BX), 64(BX), 128(BX), 192(BX))
	ADDQ $24, AX
	ADDQ R14, BX
	DECQ CX
	JNZ  sgemmPackedRowsB664_loop1

sgemmPackedRowsB664_store:
	// Z30 = alpha, Z31 = beta in every lane.
	VBROADCASTSS alpha+48(FP), Z30
	VBROADCASTSS beta+52(FP), Z31
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+52(FP), R8
	SHLL $1, R8
	JZ   sgemmPackedRowsB664_zero

	// else: C = alpha·acc + beta·C, row by row.
	STORETILE664
	VZEROUPPER
	RET

sgemmPackedRowsB664_zero:
	STORETILE664Z
	VZEROUPPER
	RET

// func sgemmRowsRowsB664(kc int, a *float32, rs int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
// A: rows in place, AX/R10 = rows 0/4 at step p, row i at +(i%4)·rs (R8 = rs·4, R9 = 3·rs·4). B: rows in place at BX, step p+j at +j·ldb (R14 = ldb·4, R15 = 3·ldb·4, SI = 4·ldb·4), R13 = BX + 8 rows for prefetch.
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT ·sgemmRowsRowsB664(SB), NOSPLIT, $0-64
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

	// Prefetch the C tile (four lines per row) while the loop runs.
	MOVQ  DI, R13
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)
	PREFETCHC4(R13)

	// B row strides; R13 runs eight rows ahead of BX for prefetching.
	MOVQ ldb+32(FP), R14
	SHLQ $2, R14
	LEAQ (R14)(R14*2), R15 // 3·ldb
	LEAQ (R14*4), SI        // 4·ldb
	LEAQ (BX)(SI*2), R13    // row 8

	// acc = 0
	ZERO24

	// R12 = kc / 4 groups, CX = kc % 4 single steps.
	MOVQ  CX, R12
	SHRQ  $2, R12
	ANDQ  $3, CX
	TESTQ R12, R12
	JZ    sgemmRowsRowsB664_tail

sgemmRowsRowsB664_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	PREFETCHT0 0(R13)
	PREFETCHT0 64(R13)
	PREFETCHT0 128(R13)
	PREFETCHT0 192(R13)
	STEP664(0(AX), 0(AX)(R8*1), 0(AX)(R8*2), 0(AX)(R9*1), 0(R10), 0(R10)(R8*1), 0(BX), 64(BX), 128(BX), 192(BX))
	PREFETCHT0 0(R13)(R14*1)
	PREFETCHT0 64(R13)(R14*1)
	PREFETCHT0 128(R13)(R14*1)
	PREFETCHT0 192(R13)(R14*1)
	STEP664(4(AX), 4(AX)(R8*1), 4(AX)(R8*2), 4(AX)(R9*1), 4(R10), 4(R10)(R8*1), 0(BX)(R14*1), 64(BX)(R14*1), 128(BX)(R14*1), 192(BX)(R14*1))
	PREFETCHT0 0(R13)(R14*2)
	PREFETCHT0 64(R13)(R14*2)
	PREFETCHT0 128(R13)(R14*2)
	PREFETCHT0 192(R13)(R14*2)
	STEP664(8(AX), 8(AX)(R8*1), 8(AX)(R8*2), 8(AX)(R9*1), 8(R10), 8(R10)(R8*1), 0(BX)(R14*2), 64(BX)(R14*2), 128(BX)(R14*2), 192(BX)(R14*2))
	PREFETCHT0 0(R13)(R15*1)
	PREFETCHT0 64(R13)(R15*1)
	PREFETCHT0 128(R13)(R15*1)
	PREFETCHT0 192(R13)(R15*1)
	STEP664(12(AX), 12(AX)(R8*1), 12(AX)(R8*2), 12(AX)(R9*1), 12(R10), 12(R10)(R8*1), 0(BX)(R15*1), 64(BX)(R15*1), 128(BX)(R15*1), 192(BX)(R15*1))
	ADDQ $16, AX
	ADDQ $16, R10
	ADDQ SI, BX
	ADDQ SI, R13
	DECQ R12
	JNZ  sgemmRowsRowsB664_loop4

sgemmRowsRowsB664_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmRowsRowsB664_store

sgemmRowsRowsB664_loop1:
	STEP664(0(AX), 0(AX)(R8*1), 0(AX)(R8*2), 0(AX)(R9*1), 0(R10), 0(R10)(R8*1), 0(BX), 64(BX), 128(BX), 192(BX))
	ADDQ $4, AX
	ADDQ $4, R10
	ADDQ R14, BX
	DECQ CX
	JNZ  sgemmRowsRowsB664_loop1

sgemmRowsRowsB664_store:
	// Z30 = alpha, Z31 = beta in every lane.
	VBROADCASTSS alpha+56(FP), Z30
	VBROADCASTSS beta+60(FP), Z31
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+60(FP), R8
	SHLL $1, R8
	JZ   sgemmRowsRowsB664_zero

	// else: C = alpha·acc + beta·C, row by row.
	STORETILE664
	VZEROUPPER
	RET

sgemmRowsRowsB664_zero:
	STORETILE664Z
	VZEROUPPER
	RET
