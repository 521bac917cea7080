//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// ---------------------------------------------------------------------
// AVX-512 12×32 micro-kernel.
// Registers: AX, R10, R11 = A rows 0, 4, 8 at step p (row i at
// +(i%4)·rs), R8 = rs·4, R9 = 3·rs·4, R12 = cs·4 (bytes from step p to
// p+1), BX = b sliver (32 floats per k), CX = k steps left, DI = C row,
// DX = ldc in bytes.
// Z0..Z23: accumulators, row i in Z(2i) (columns 0-15) and Z(2i+1)
// (columns 16-31). Z24, Z25: B row. Z26..Z31: broadcasts of A, rotated so
// that the loads of consecutive rows are independent.

// ROW512(addr, bc, lo, hi): bc = A[i, p] (at addr) in every lane;
// acc[i][0:16] += bc·b[0:16]; acc[i][16:32] += bc·b[16:32].
#define ROW512(addr, bc, lo, hi) \
	VBROADCASTSS addr, bc \
	VFMADD231PS  Z24, bc, lo \
	VFMADD231PS  Z25, bc, hi

// STORE512(lo, hi): C[row][0:32] = alpha·acc + beta·C[row]; next row.
#define STORE512(lo, hi) \
	VMULPS      Z30, lo, lo  \
	VFMADD231PS (DI), Z31, lo \
	VMOVUPS     lo, (DI)      \
	VMULPS      Z30, hi, hi   \
	VFMADD231PS 64(DI), Z31, hi \
	VMOVUPS     hi, 64(DI)    \
	ADDQ        DX, DI

// STORE512Z(lo, hi): C[row][0:32] = alpha·acc (C not read); next row.
#define STORE512Z(lo, hi) \
	VMULPS  Z30, lo, lo \
	VMOVUPS lo, (DI)    \
	VMULPS  Z30, hi, hi \
	VMOVUPS hi, 64(DI)  \
	ADDQ    DX, DI

// PREFETCHC2(r): prefetch the two lines at r, r+64 (a row of the C tile);
// r += ldc.
#define PREFETCHC2(r) \
	PREFETCHT0 (r)   \
	PREFETCHT0 64(r) \
	ADDQ       DX, r

// func sgemmKernelAVX512(kc int, a *float32, rs, cs int, b, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernelAVX512(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ rs+16(FP), R8
	MOVQ cs+24(FP), R12
	MOVQ b+32(FP), BX
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), DX
	SHLQ $2, DX
	SHLQ $2, R8
	SHLQ $2, R12
	LEAQ (R8)(R8*2), R9   // 3·rs
	LEAQ (AX)(R8*4), R10  // row 4
	LEAQ (R10)(R8*4), R11 // row 8

	// Prefetch the C tile (12 rows of two lines) while the loop runs.
	MOVQ        DI, R13
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)
	PREFETCHC2(R13)

	// acc = 0
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
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
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23

loop512:
	// for p in 0..kc: b = B[p, 0:32]; for i < 12: acc[i] += A[i, p]·b
	VMOVUPS    (BX), Z24
	VMOVUPS    64(BX), Z25
	PREFETCHT0 1024(BX)
	PREFETCHT0 1088(BX)
	ROW512((AX), Z26, Z0, Z1)
	ROW512((AX)(R8*1), Z27, Z2, Z3)
	ROW512((AX)(R8*2), Z28, Z4, Z5)
	ROW512((AX)(R9*1), Z29, Z6, Z7)
	ROW512((R10), Z30, Z8, Z9)
	ROW512((R10)(R8*1), Z31, Z10, Z11)
	ROW512((R10)(R8*2), Z26, Z12, Z13)
	ROW512((R10)(R9*1), Z27, Z14, Z15)
	ROW512((R11), Z28, Z16, Z17)
	ROW512((R11)(R8*1), Z29, Z18, Z19)
	ROW512((R11)(R8*2), Z30, Z20, Z21)
	ROW512((R11)(R9*1), Z31, Z22, Z23)
	ADDQ R12, AX
	ADDQ R12, R10
	ADDQ R12, R11
	ADDQ $128, BX
	DECQ CX
	JNZ  loop512

	// Z30 = alpha, Z31 = beta in every lane.
	VBROADCASTSS alpha+56(FP), Z30
	VBROADCASTSS beta+60(FP), Z31
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+60(FP), R8
	SHLL $1, R8
	JZ   store512zero

	// else: C = alpha·acc + beta·C, row by row.
	STORE512(Z0, Z1)
	STORE512(Z2, Z3)
	STORE512(Z4, Z5)
	STORE512(Z6, Z7)
	STORE512(Z8, Z9)
	STORE512(Z10, Z11)
	STORE512(Z12, Z13)
	STORE512(Z14, Z15)
	STORE512(Z16, Z17)
	STORE512(Z18, Z19)
	STORE512(Z20, Z21)
	STORE512(Z22, Z23)
	VZEROUPPER
	RET

store512zero:
	STORE512Z(Z0, Z1)
	STORE512Z(Z2, Z3)
	STORE512Z(Z4, Z5)
	STORE512Z(Z6, Z7)
	STORE512Z(Z8, Z9)
	STORE512Z(Z10, Z11)
	STORE512Z(Z12, Z13)
	STORE512Z(Z14, Z15)
	STORE512Z(Z16, Z17)
	STORE512Z(Z18, Z19)
	STORE512Z(Z20, Z21)
	STORE512Z(Z22, Z23)
	VZEROUPPER
	RET

// ---------------------------------------------------------------------
// AVX2 6×16 micro-kernel.
// Registers: AX, R10 = A rows 0, 4 at step p (row i at +(i%4)·rs),
// R8 = rs·4, R9 = 3·rs·4, R12 = cs·4, BX = b sliver (16 floats per k),
// CX = k steps left, DI = C row, DX = ldc in bytes.
// Y0..Y11: accumulators, row i in Y(2i) (columns 0-7) and Y(2i+1)
// (columns 8-15). Y12, Y13: B row. Y14, Y15: broadcasts of A.

// ROW256(addr, bc, lo, hi): bc = A[i, p] (at addr) in every lane;
// acc[i][0:8] += bc·b[0:8]; acc[i][8:16] += bc·b[8:16].
#define ROW256(addr, bc, lo, hi) \
	VBROADCASTSS addr, bc \
	VFMADD231PS  Y12, bc, lo \
	VFMADD231PS  Y13, bc, hi

// STORE256(lo, hi): C[row][0:16] = alpha·acc + beta·C[row]; next row.
#define STORE256(lo, hi) \
	VMULPS      Y14, lo, lo   \
	VFMADD231PS (DI), Y15, lo \
	VMOVUPS     lo, (DI)      \
	VMULPS      Y14, hi, hi   \
	VFMADD231PS 32(DI), Y15, hi \
	VMOVUPS     hi, 32(DI)    \
	ADDQ        DX, DI

// STORE256Z(lo, hi): C[row][0:16] = alpha·acc (C not read); next row.
#define STORE256Z(lo, hi) \
	VMULPS  Y14, lo, lo \
	VMOVUPS lo, (DI)    \
	VMULPS  Y14, hi, hi \
	VMOVUPS hi, 32(DI)  \
	ADDQ    DX, DI

// func sgemmKernelAVX2(kc int, a *float32, rs, cs int, b, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernelAVX2(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ rs+16(FP), R8
	MOVQ cs+24(FP), R12
	MOVQ b+32(FP), BX
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), DX
	SHLQ $2, DX
	SHLQ $2, R8
	SHLQ $2, R12
	LEAQ (R8)(R8*2), R9  // 3·rs
	LEAQ (AX)(R8*4), R10 // row 4

	// acc = 0
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

loop256:
	// for p in 0..kc: b = B[p, 0:16]; for i < 6: acc[i] += A[i, p]·b
	VMOVUPS (BX), Y12
	VMOVUPS 32(BX), Y13
	ROW256((AX), Y14, Y0, Y1)
	ROW256((AX)(R8*1), Y15, Y2, Y3)
	ROW256((AX)(R8*2), Y14, Y4, Y5)
	ROW256((AX)(R9*1), Y15, Y6, Y7)
	ROW256((R10), Y14, Y8, Y9)
	ROW256((R10)(R8*1), Y15, Y10, Y11)
	ADDQ R12, AX
	ADDQ R12, R10
	ADDQ $64, BX
	DECQ CX
	JNZ  loop256

	// Y14 = alpha, Y15 = beta in every lane.
	VBROADCASTSS alpha+56(FP), Y14
	VBROADCASTSS beta+60(FP), Y15
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+60(FP), R8
	SHLL $1, R8
	JZ   store256zero

	// else: C = alpha·acc + beta·C, row by row.
	STORE256(Y0, Y1)
	STORE256(Y2, Y3)
	STORE256(Y4, Y5)
	STORE256(Y6, Y7)
	STORE256(Y8, Y9)
	STORE256(Y10, Y11)
	VZEROUPPER
	RET

store256zero:
	STORE256Z(Y0, Y1)
	STORE256Z(Y2, Y3)
	STORE256Z(Y4, Y5)
	STORE256Z(Y6, Y7)
	STORE256Z(Y8, Y9)
	STORE256Z(Y10, Y11)
	VZEROUPPER
	RET

// func prefetchRowsAsm(a *float32, ld, rows, n int)
// for i < rows { for off < n*4 step 64 { PREFETCHT1 row_i + off } }
TEXT ·prefetchRowsAsm(SB), NOSPLIT, $0-32
	MOVQ  a+0(FP), AX
	MOVQ  ld+8(FP), DX
	MOVQ  rows+16(FP), CX
	MOVQ  n+24(FP), BX
	SHLQ  $2, DX
	SHLQ  $2, BX
	TESTQ CX, CX
	JLE   done
	TESTQ BX, BX
	JLE   done

row:
	// for off := 0; off < n*4; off += 64: prefetch row + off
	XORQ SI, SI

line:
	PREFETCHT1 (AX)(SI*1)
	ADDQ       $64, SI
	CMPQ       SI, BX
	JLT        line
	ADDQ       DX, AX
	DECQ       CX
	JNZ        row

done:
	RET
