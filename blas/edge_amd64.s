//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"
#include "zmm_amd64.h"

// AVX-512 edge kernels: the first 4 or 8 rows of a 12-row tile (see
// sgemmEdgeAVX512 in kernel_amd64.go). A is a packed 12-row sliver (12
// floats per k step, rows beyond the tile's zero); B is a packed sliver
// (32 floats per step) or 32 floats of a row-major B read in place. The
// tile goes to a 12×32 scratch (row stride 128 bytes), alpha·acc.
// Z0..Z15: accumulators, row i in Z(2i) and Z(2i+1). Z24, Z25: the B row.
// Z26..Z29: broadcasts of A.

// EDGE4(o0..o3, z0..z7): four rows of one k step, with the B row in Z24,
// Z25: for r < 4, acc z(2r) += A[or(AX)]·Z24 and z(2r+1) += A[or(AX)]·Z25.
#define EDGE4(o0, o1, o2, o3, z0, z1, z2, z3, z4, z5, z6, z7) \
	VBROADCASTSS o0(AX), Z26 \
	VFMADD231PS  Z24, Z26, z0 \
	VFMADD231PS  Z25, Z26, z1 \
	VBROADCASTSS o1(AX), Z27 \
	VFMADD231PS  Z24, Z27, z2 \
	VFMADD231PS  Z25, Z27, z3 \
	VBROADCASTSS o2(AX), Z28 \
	VFMADD231PS  Z24, Z28, z4 \
	VFMADD231PS  Z25, Z28, z5 \
	VBROADCASTSS o3(AX), Z29 \
	VFMADD231PS  Z24, Z29, z6 \
	VFMADD231PS  Z25, Z29, z7

// EDGESTEP4: rows 0..3 of one k step (loads the B row).
#define EDGESTEP4 \
	VMOVUPS (BX), Z24   \
	VMOVUPS 64(BX), Z25 \
	EDGE4(0, 4, 8, 12, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)

// EDGESTEP8: rows 4..7 of the same k step (after EDGESTEP4).
#define EDGESTEP8 \
	EDGE4(16, 20, 24, 28, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15)

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

	ZERO16
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
