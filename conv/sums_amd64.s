//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// Column sums in float64: the AVX-512 versions of columnSums' inner loop
// for 16, 32 and 64 columns. Each adds, row after row, every column's
// value widened to float64 (VCVTPS2PD, exact) to its accumulator
// (VADDPD): the same additions in the same order as the Go loop, so the
// same bits. acc holds the w accumulators (in and out); a points at the
// first row's first column, rows lda floats apart; m ≥ 0 rows.

// func colSums16AVX512(acc *float64, a *float32, m, lda int)
TEXT ·colSums16AVX512(SB), NOSPLIT, $0-32
	MOVQ acc+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ m+16(FP), CX
	MOVQ lda+24(FP), DX
	SHLQ $2, DX
	VMOVUPD 0(DI), Z0
	VMOVUPD 64(DI), Z1
	TESTQ CX, CX
	JZ    colsums16_done

colsums16_row:
	// acc[j] += float64(a[j]) for j < 16
	VCVTPS2PD 0(SI), Z8
	VCVTPS2PD 32(SI), Z9
	VADDPD    Z8, Z0, Z0
	VADDPD    Z9, Z1, Z1
	ADDQ DX, SI
	DECQ CX
	JNZ  colsums16_row

colsums16_done:
	VMOVUPD Z0, 0(DI)
	VMOVUPD Z1, 64(DI)
	VZEROUPPER
	RET

// func colSums32AVX512(acc *float64, a *float32, m, lda int)
TEXT ·colSums32AVX512(SB), NOSPLIT, $0-32
	MOVQ acc+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ m+16(FP), CX
	MOVQ lda+24(FP), DX
	SHLQ $2, DX
	VMOVUPD 0(DI), Z0
	VMOVUPD 64(DI), Z1
	VMOVUPD 128(DI), Z2
	VMOVUPD 192(DI), Z3
	TESTQ CX, CX
	JZ    colsums32_done

colsums32_row:
	// acc[j] += float64(a[j]) for j < 32
	VCVTPS2PD 0(SI), Z8
	VCVTPS2PD 32(SI), Z9
	VCVTPS2PD 64(SI), Z10
	VCVTPS2PD 96(SI), Z11
	VADDPD    Z8, Z0, Z0
	VADDPD    Z9, Z1, Z1
	VADDPD    Z10, Z2, Z2
	VADDPD    Z11, Z3, Z3
	ADDQ DX, SI
	DECQ CX
	JNZ  colsums32_row

colsums32_done:
	VMOVUPD Z0, 0(DI)
	VMOVUPD Z1, 64(DI)
	VMOVUPD Z2, 128(DI)
	VMOVUPD Z3, 192(DI)
	VZEROUPPER
	RET

// func colSums64AVX512(acc *float64, a *float32, m, lda int)
TEXT ·colSums64AVX512(SB), NOSPLIT, $0-32
	MOVQ acc+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ m+16(FP), CX
	MOVQ lda+24(FP), DX
	SHLQ $2, DX
	VMOVUPD 0(DI), Z0
	VMOVUPD 64(DI), Z1
	VMOVUPD 128(DI), Z2
	VMOVUPD 192(DI), Z3
	VMOVUPD 256(DI), Z4
	VMOVUPD 320(DI), Z5
	VMOVUPD 384(DI), Z6
	VMOVUPD 448(DI), Z7
	TESTQ CX, CX
	JZ    colsums64_done

colsums64_row:
	// acc[j] += float64(a[j]) for j < 64
	VCVTPS2PD 0(SI), Z8
	VCVTPS2PD 32(SI), Z9
	VCVTPS2PD 64(SI), Z10
	VCVTPS2PD 96(SI), Z11
	VCVTPS2PD 128(SI), Z12
	VCVTPS2PD 160(SI), Z13
	VCVTPS2PD 192(SI), Z14
	VCVTPS2PD 224(SI), Z15
	VADDPD    Z8, Z0, Z0
	VADDPD    Z9, Z1, Z1
	VADDPD    Z10, Z2, Z2
	VADDPD    Z11, Z3, Z3
	VADDPD    Z12, Z4, Z4
	VADDPD    Z13, Z5, Z5
	VADDPD    Z14, Z6, Z6
	VADDPD    Z15, Z7, Z7
	ADDQ DX, SI
	DECQ CX
	JNZ  colsums64_row

colsums64_done:
	VMOVUPD Z0, 0(DI)
	VMOVUPD Z1, 64(DI)
	VMOVUPD Z2, 128(DI)
	VMOVUPD Z3, 192(DI)
	VMOVUPD Z4, 256(DI)
	VMOVUPD Z5, 320(DI)
	VMOVUPD Z6, 384(DI)
	VMOVUPD Z7, 448(DI)
	VZEROUPPER
	RET
