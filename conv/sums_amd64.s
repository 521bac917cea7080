//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// func colSumsAVX512(acc *float64, a *float32, m, lda, blocks int)
//
// Column sums in float64: the AVX-512 version of columnSums' inner loop
// for 16·blocks columns (blocks = 1, 2 or 4). Row after row, every
// column's value is widened to float64 (VCVTPS2PD, exact) and added to its
// accumulator (VADDPD): the same additions in the same order as the Go
// loop, so the same bits. acc holds the 16·blocks accumulators (in and
// out); a points at the first row's first column, rows lda floats apart;
// m ≥ 0 rows. Z0..Z7 hold the accumulators, Z8..Z15 a row widened; the
// branches on blocks, the same for every row, are predicted.
TEXT ·colSumsAVX512(SB), NOSPLIT, $0-40
	MOVQ acc+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ m+16(FP), CX
	MOVQ lda+24(FP), DX
	SHLQ $2, DX
	MOVQ blocks+32(FP), BX
	VMOVUPD 0(DI), Z0
	VMOVUPD 64(DI), Z1
	CMPQ BX, $2
	JLT  load_done
	VMOVUPD 128(DI), Z2
	VMOVUPD 192(DI), Z3
	CMPQ BX, $4
	JLT  load_done
	VMOVUPD 256(DI), Z4
	VMOVUPD 320(DI), Z5
	VMOVUPD 384(DI), Z6
	VMOVUPD 448(DI), Z7

load_done:
	TESTQ CX, CX
	JZ    store

row:
	// acc[j] += float64(a[j]) for j < 16·blocks
	VCVTPS2PD 0(SI), Z8
	VCVTPS2PD 32(SI), Z9
	VADDPD    Z8, Z0, Z0
	VADDPD    Z9, Z1, Z1
	CMPQ BX, $2
	JLT  next
	VCVTPS2PD 64(SI), Z10
	VCVTPS2PD 96(SI), Z11
	VADDPD    Z10, Z2, Z2
	VADDPD    Z11, Z3, Z3
	CMPQ BX, $4
	JLT  next
	VCVTPS2PD 128(SI), Z12
	VCVTPS2PD 160(SI), Z13
	VCVTPS2PD 192(SI), Z14
	VCVTPS2PD 224(SI), Z15
	VADDPD    Z12, Z4, Z4
	VADDPD    Z13, Z5, Z5
	VADDPD    Z14, Z6, Z6
	VADDPD    Z15, Z7, Z7

next:
	ADDQ DX, SI
	DECQ CX
	JNZ  row

store:
	VMOVUPD Z0, 0(DI)
	VMOVUPD Z1, 64(DI)
	CMPQ BX, $2
	JLT  done
	VMOVUPD Z2, 128(DI)
	VMOVUPD Z3, 192(DI)
	CMPQ BX, $4
	JLT  done
	VMOVUPD Z4, 256(DI)
	VMOVUPD Z5, 320(DI)
	VMOVUPD Z6, 384(DI)
	VMOVUPD Z7, 448(DI)

done:
	VZEROUPPER
	RET
