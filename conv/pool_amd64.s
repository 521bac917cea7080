//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// Lane numbers 0 … 15.
DATA lanes<>+0(SB)/4, $0
DATA lanes<>+4(SB)/4, $1
DATA lanes<>+8(SB)/4, $2
DATA lanes<>+12(SB)/4, $3
DATA lanes<>+16(SB)/4, $4
DATA lanes<>+20(SB)/4, $5
DATA lanes<>+24(SB)/4, $6
DATA lanes<>+28(SB)/4, $7
DATA lanes<>+32(SB)/4, $8
DATA lanes<>+36(SB)/4, $9
DATA lanes<>+40(SB)/4, $10
DATA lanes<>+44(SB)/4, $11
DATA lanes<>+48(SB)/4, $12
DATA lanes<>+52(SB)/4, $13
DATA lanes<>+56(SB)/4, $14
DATA lanes<>+60(SB)/4, $15
GLOBL lanes<>(SB), RODATA|NOPTR, $64

// CHALLENGE folds candidate value V (indices I) into the best value Z0
// (indices Z1): V wins where V > Z0 (ordered: false for NaNs, −0 = +0) or
// V is a NaN.
#define CHALLENGE(V, I) \
	VCMPPS $0x1e, Z0, V, K2; \
	VCMPPS $3, V, V, K3; \
	KORW K2, K3, K2; \
	VMOVAPS V, K2, Z0; \
	VMOVDQA32 I, K2, Z1

// func pool4AVX512(out *float32, am *int32, a, b, d, e *float32, n int, i0, i1, i2, i3 int32)
TEXT ·pool4AVX512(SB), NOSPLIT, $0-72
	MOVQ out+0(FP), DI
	MOVQ am+8(FP), R8
	MOVQ a+16(FP), SI
	MOVQ b+24(FP), BX
	MOVQ d+32(FP), DX
	MOVQ e+40(FP), R9
	MOVQ n+48(FP), CX
	VMOVDQU32 lanes<>(SB), Z24
	MOVL i0+56(FP), AX
	VPBROADCASTD AX, Z20
	MOVL i1+60(FP), AX
	VPBROADCASTD AX, Z21
	MOVL i2+64(FP), AX
	VPBROADCASTD AX, Z22
	MOVL i3+68(FP), AX
	VPBROADCASTD AX, Z23
	VPADDD Z24, Z20, Z20
	VPADDD Z24, Z21, Z21
	VPADDD Z24, Z22, Z22
	VPADDD Z24, Z23, Z23
	MOVL $16, AX
	VPBROADCASTD AX, Z25
	MOVL $0xffff, AX
	KMOVW AX, K1

loop:
	CMPQ CX, $16
	JGE body
	TESTQ CX, CX
	JLE done
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1

body:
	VMOVUPS.Z (SI), K1, Z0
	VMOVDQA32 Z20, Z1
	VMOVUPS.Z (BX), K1, Z2
	CHALLENGE(Z2, Z21)
	VMOVUPS.Z (DX), K1, Z3
	CHALLENGE(Z3, Z22)
	VMOVUPS.Z (R9), K1, Z4
	CHALLENGE(Z4, Z23)
	VMOVUPS Z0, K1, (DI)
	VMOVDQU32 Z1, K1, (R8)
	ADDQ $64, SI
	ADDQ $64, BX
	ADDQ $64, DX
	ADDQ $64, R9
	ADDQ $64, DI
	ADDQ $64, R8
	VPADDD Z25, Z20, Z20
	VPADDD Z25, Z21, Z21
	VPADDD Z25, Z22, Z22
	VPADDD Z25, Z23, Z23
	SUBQ $16, CX
	JMP loop

done:
	VZEROUPPER
	RET

// func gather32AVX512(dst *float32, src *float32, offs *int, n int)
// For p < n: dst[32p : 32p+32] = src[offs[p] : offs[p]+32], or zeros when
// offs[p] < 0.
TEXT ·gather32AVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ offs+16(FP), BX
	MOVQ n+24(FP), CX
	VPXORD Z2, Z2, Z2
	TESTQ CX, CX
	JEQ gdone

gloop:
	MOVQ (BX), AX
	TESTQ AX, AX
	JS gzero
	VMOVUPS (SI)(AX*4), Z0
	VMOVUPS 64(SI)(AX*4), Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	JMP gnext

gzero:
	VMOVUPS Z2, (DI)
	VMOVUPS Z2, 64(DI)

gnext:
	ADDQ $8, BX
	ADDQ $128, DI
	DECQ CX
	JNE gloop

gdone:
	VZEROUPPER
	RET

// ROUTE stores Z5 (the window's gradients) where the arg-max indices Z1
// equal the position's indices I, and zero elsewhere, to the n (K1) lanes
// at P.
#define ROUTE(I, P) \
	VPCMPEQD I, Z1, K1, K2; \
	VMOVUPS.Z Z5, K2, Z6; \
	VMOVUPS Z6, K1, (P)

// func poolBack4AVX512(a, b, d, e, grad *float32, am *int32, n int, i0, i1, i2, i3 int32)
TEXT ·poolBack4AVX512(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), BX
	MOVQ d+16(FP), DX
	MOVQ e+24(FP), R9
	MOVQ grad+32(FP), DI
	MOVQ am+40(FP), R8
	MOVQ n+48(FP), CX
	VMOVDQU32 lanes<>(SB), Z24
	MOVL i0+56(FP), AX
	VPBROADCASTD AX, Z20
	MOVL i1+60(FP), AX
	VPBROADCASTD AX, Z21
	MOVL i2+64(FP), AX
	VPBROADCASTD AX, Z22
	MOVL i3+68(FP), AX
	VPBROADCASTD AX, Z23
	VPADDD Z24, Z20, Z20
	VPADDD Z24, Z21, Z21
	VPADDD Z24, Z22, Z22
	VPADDD Z24, Z23, Z23
	MOVL $16, AX
	VPBROADCASTD AX, Z25
	VPXORD Z26, Z26, Z26
	MOVL $0xffff, AX
	KMOVW AX, K1

bloop:
	CMPQ CX, $16
	JGE bbody
	TESTQ CX, CX
	JLE bdone
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1

bbody:
	VMOVUPS.Z (DI), K1, Z5
	VADDPS Z26, Z5, Z5 // g + 0: −0 becomes +0, as 0 + g did
	VMOVDQU32.Z (R8), K1, Z1
	ROUTE(Z20, SI)
	ROUTE(Z21, BX)
	ROUTE(Z22, DX)
	ROUTE(Z23, R9)
	ADDQ $64, SI
	ADDQ $64, BX
	ADDQ $64, DX
	ADDQ $64, R9
	ADDQ $64, DI
	ADDQ $64, R8
	VPADDD Z25, Z20, Z20
	VPADDD Z25, Z21, Z21
	VPADDD Z25, Z22, Z22
	VPADDD Z25, Z23, Z23
	SUBQ $16, CX
	JMP bloop

bdone:
	VZEROUPPER
	RET
