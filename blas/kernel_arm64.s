//go:build arm64 && gc && !purego && !noasm

#include "textflag.h"

// NEON 8×12 micro-kernel.
// Registers: R0 = a sliver (8 floats per k), R1 = b sliver (12 floats per
// k), R2 = k steps left, R3 = C row, R4 = ldc in bytes.
// V8..V31: accumulators, row i in V(8+3i), V(9+3i), V(10+3i) (columns
// 0-3, 4-7, 8-11). V0..V2: B row. V3..V7: broadcasts of A.

// ROW(bc, x, y, z): bc = a[i] in every lane (a advances); acc[i] += bc·b.
#define ROW(bc, x, y, z) \
	VLD1R.P 4(R0), [bc.S4]  \
	VFMLA   V0.S4, bc.S4, x.S4 \
	VFMLA   V1.S4, bc.S4, y.S4 \
	VFMLA   V2.S4, bc.S4, z.S4

// STORE(x, y, z): C[row][0:12] = alpha·acc + beta·C[row]; next row.
// V6 = alpha, V7 = beta. alpha·acc is formed as 0 + alpha·acc, which
// rounds once like a multiplication.
#define STORE(x, y, z) \
	VLD1  (R3), [V0.S4, V1.S4, V2.S4] \
	VEOR  V3.B16, V3.B16, V3.B16 \
	VEOR  V4.B16, V4.B16, V4.B16 \
	VEOR  V5.B16, V5.B16, V5.B16 \
	VFMLA V6.S4, x.S4, V3.S4 \
	VFMLA V6.S4, y.S4, V4.S4 \
	VFMLA V6.S4, z.S4, V5.S4 \
	VFMLA V7.S4, V0.S4, V3.S4 \
	VFMLA V7.S4, V1.S4, V4.S4 \
	VFMLA V7.S4, V2.S4, V5.S4 \
	VST1  [V3.S4, V4.S4, V5.S4], (R3) \
	ADD   R4, R3, R3

// STOREZ(x, y, z): C[row][0:12] = alpha·acc (C not read); next row.
#define STOREZ(x, y, z) \
	VEOR  V3.B16, V3.B16, V3.B16 \
	VEOR  V4.B16, V4.B16, V4.B16 \
	VEOR  V5.B16, V5.B16, V5.B16 \
	VFMLA V6.S4, x.S4, V3.S4 \
	VFMLA V6.S4, y.S4, V4.S4 \
	VFMLA V6.S4, z.S4, V5.S4 \
	VST1  [V3.S4, V4.S4, V5.S4], (R3) \
	ADD   R4, R3, R3

// func sgemmKernelNEON(kc int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernelNEON(SB), NOSPLIT, $0-48
	MOVD kc+0(FP), R2
	MOVD a+8(FP), R0
	MOVD b+16(FP), R1
	MOVD c+24(FP), R3
	MOVD ldc+32(FP), R4
	LSL  $2, R4, R4

	// acc = 0
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V28.B16, V28.B16, V28.B16
	VEOR V29.B16, V29.B16, V29.B16
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16

loop:
	// for p in 0..kc: b = B[p, 0:12]; for i < 8: acc[i] += A[i, p]·b
	VLD1.P 48(R1), [V0.S4, V1.S4, V2.S4]
	ROW(V3, V8, V9, V10)
	ROW(V4, V11, V12, V13)
	ROW(V5, V14, V15, V16)
	ROW(V6, V17, V18, V19)
	ROW(V7, V20, V21, V22)
	ROW(V3, V23, V24, V25)
	ROW(V4, V26, V27, V28)
	ROW(V5, V29, V30, V31)
	SUBS $1, R2, R2
	BNE  loop

	// V6 = alpha, V7 = beta in every lane.
	MOVD  $alpha+40(FP), R5
	VLD1R (R5), [V6.S4]
	MOVD  $beta+44(FP), R5
	VLD1R (R5), [V7.S4]
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVWU beta+44(FP), R5
	LSLW  $1, R5, R5
	CBZW  R5, storezero

	// else: C = alpha·acc + beta·C, row by row.
	STORE(V8, V9, V10)
	STORE(V11, V12, V13)
	STORE(V14, V15, V16)
	STORE(V17, V18, V19)
	STORE(V20, V21, V22)
	STORE(V23, V24, V25)
	STORE(V26, V27, V28)
	STORE(V29, V30, V31)
	RET

storezero:
	STOREZ(V8, V9, V10)
	STOREZ(V11, V12, V13)
	STOREZ(V14, V15, V16)
	STOREZ(V17, V18, V19)
	STOREZ(V20, V21, V22)
	STOREZ(V23, V24, V25)
	STOREZ(V26, V27, V28)
	STOREZ(V29, V30, V31)
	RET

// ROWR(r, bc, x, y, z): bc = A[i, p] in every lane, read through row
// pointer r (which advances one float); acc[i] += bc·b.
#define ROWR(r, bc, x, y, z) \
	VLD1R.P 4(r), [bc.S4]  \
	VFMLA   V0.S4, bc.S4, x.S4 \
	VFMLA   V1.S4, bc.S4, y.S4 \
	VFMLA   V2.S4, bc.S4, z.S4

// func sgemmRowsNEON(kc int, a *float32, rs int, b, c *float32, ldc int, alpha, beta float32)
// As sgemmKernelNEON, with the 8 rows of A read in place: R5..R12 = row
// i of A at step p (row i at a + i·rs), each advanced by one float per step.
TEXT ·sgemmRowsNEON(SB), NOSPLIT, $0-56
	MOVD kc+0(FP), R2
	MOVD a+8(FP), R5
	MOVD rs+16(FP), R13
	MOVD b+24(FP), R1
	MOVD c+32(FP), R3
	MOVD ldc+40(FP), R4
	LSL  $2, R4, R4
	LSL  $2, R13, R13

	// R5..R12 = rows 0..7 of A
	ADD R13, R5, R6
	ADD R13, R6, R7
	ADD R13, R7, R8
	ADD R13, R8, R9
	ADD R13, R9, R10
	ADD R13, R10, R11
	ADD R13, R11, R12

	// acc = 0
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V28.B16, V28.B16, V28.B16
	VEOR V29.B16, V29.B16, V29.B16
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16

rowsloop:
	// for p in 0..kc: b = B[p, 0:12]; for i < 8: acc[i] += A[i, p]·b,
	// A[i, p] read from row pointer i, which advances
	VLD1.P 48(R1), [V0.S4, V1.S4, V2.S4]
	ROWR(R5, V3, V8, V9, V10)
	ROWR(R6, V4, V11, V12, V13)
	ROWR(R7, V5, V14, V15, V16)
	ROWR(R8, V6, V17, V18, V19)
	ROWR(R9, V7, V20, V21, V22)
	ROWR(R10, V3, V23, V24, V25)
	ROWR(R11, V4, V26, V27, V28)
	ROWR(R12, V5, V29, V30, V31)
	SUBS $1, R2, R2
	BNE  rowsloop

	// V6 = alpha, V7 = beta in every lane.
	MOVD  $alpha+48(FP), R5
	VLD1R (R5), [V6.S4]
	MOVD  $beta+52(FP), R5
	VLD1R (R5), [V7.S4]
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVWU beta+52(FP), R5
	LSLW  $1, R5, R5
	CBZW  R5, rowsstorezero

	// else: C = alpha·acc + beta·C, row by row.
	STORE(V8, V9, V10)
	STORE(V11, V12, V13)
	STORE(V14, V15, V16)
	STORE(V17, V18, V19)
	STORE(V20, V21, V22)
	STORE(V23, V24, V25)
	STORE(V26, V27, V28)
	STORE(V29, V30, V31)
	RET

rowsstorezero:
	STOREZ(V8, V9, V10)
	STOREZ(V11, V12, V13)
	STOREZ(V14, V15, V16)
	STOREZ(V17, V18, V19)
	STOREZ(V20, V21, V22)
	STOREZ(V23, V24, V25)
	STOREZ(V26, V27, V28)
	STOREZ(V29, V30, V31)
	RET
