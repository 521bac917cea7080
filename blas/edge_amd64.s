//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// AVX-512 edge kernels: the first 4 or 8 rows of a 12-row tile (see
// sgemmEdgeAVX512 in kernel_amd64.go). A is a packed 12-row sliver (12
// floats per k step, rows beyond the tile's zero); B is a packed sliver
// (32 floats per step) or 32 floats of a row-major B read in place. The
// tile goes to a 12×32 scratch (row stride 128 bytes), alpha·acc.
// Z0..Z15: accumulators, row i in Z(2i) and Z(2i+1). Z24, Z25: the B row.
// Z26..Z29: broadcasts of A.

// EDGESTEP4: rows 0..3 of one k step.
#define EDGESTEP4 \
	VMOVUPS      (BX), Z24    \
	VMOVUPS      64(BX), Z25  \
	VBROADCASTSS (AX), Z26    \
	VFMADD231PS  Z24, Z26, Z0 \
	VFMADD231PS  Z25, Z26, Z1 \
	VBROADCASTSS 4(AX), Z27   \
	VFMADD231PS  Z24, Z27, Z2 \
	VFMADD231PS  Z25, Z27, Z3 \
	VBROADCASTSS 8(AX), Z28   \
	VFMADD231PS  Z24, Z28, Z4 \
	VFMADD231PS  Z25, Z28, Z5 \
	VBROADCASTSS 12(AX), Z29  \
	VFMADD231PS  Z24, Z29, Z6 \
	VFMADD231PS  Z25, Z29, Z7

// EDGESTEP8: rows 4..7 of the same k step (after EDGESTEP4).
#define EDGESTEP8 \
	VBROADCASTSS 16(AX), Z26   \
	VFMADD231PS  Z24, Z26, Z8  \
	VFMADD231PS  Z25, Z26, Z9  \
	VBROADCASTSS 20(AX), Z27   \
	VFMADD231PS  Z24, Z27, Z10 \
	VFMADD231PS  Z25, Z27, Z11 \
	VBROADCASTSS 24(AX), Z28   \
	VFMADD231PS  Z24, Z28, Z12 \
	VFMADD231PS  Z25, Z28, Z13 \
	VBROADCASTSS 28(AX), Z29   \
	VFMADD231PS  Z24, Z29, Z14 \
	VFMADD231PS  Z25, Z29, Z15

// EDGEOUT(lo, hi, off): scratch row at off(DI) = alpha (Z30) · acc.
#define EDGEOUT(lo, hi, off) \
	VMULPS  Z30, lo, lo       \
	VMOVUPS lo, off(DI)       \
	VMULPS  Z30, hi, hi       \
	VMOVUPS hi, off+64(DI)

// func sgemmEdgeAVX512(kc int, a *float32, rows int, b *float32, ldb int, c *float32, alpha float32)
TEXT ·sgemmEdgeAVX512(SB), NOSPLIT, $0-52
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ rows+16(FP), R8
	MOVQ b+24(FP), BX
	MOVQ ldb+32(FP), DX
	MOVQ c+40(FP), DI
	SHLQ $2, DX
	MOVQ $128, R9
	TESTQ DX, DX
	CMOVQEQ R9, DX // packed B: 32 floats per step

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
	CMPQ R8, $4
	JGT  edge8_loop

edge4_loop:
	EDGESTEP4
	ADDQ $48, AX
	ADDQ DX, BX
	DECQ CX
	JNZ  edge4_loop
	JMP  edge_store

edge8_loop:
	EDGESTEP4
	EDGESTEP8
	ADDQ $48, AX
	ADDQ DX, BX
	DECQ CX
	JNZ  edge8_loop

edge_store:
	VBROADCASTSS alpha+48(FP), Z30
	EDGEOUT(Z0, Z1, 0)
	EDGEOUT(Z2, Z3, 128)
	EDGEOUT(Z4, Z5, 256)
	EDGEOUT(Z6, Z7, 384)
	CMPQ R8, $4
	JLE  edge_done
	EDGEOUT(Z8, Z9, 512)
	EDGEOUT(Z10, Z11, 640)
	EDGEOUT(Z12, Z13, 768)
	EDGEOUT(Z14, Z15, 896)

edge_done:
	VZEROUPPER
	RET
