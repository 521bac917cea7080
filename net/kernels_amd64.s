//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// Element-wise kernels of the training step (see kernels_amd64.go for the
// Go loop each one is equivalent to).
//
// expm1 (x ≤ 0 is what the callers need; any x works): with a = max(x, −104)
// (NaN stays NaN) and k = round(a/ln2) (nearest even), r = a − k·ln2 by two
// fused multiply-adds (ln2 = hi + lo, hi = float32(ln2)), so |r| ≤ ln2/2;
// p = e^r − 1 = r + r²·(1/2! + r/3! + … + r⁶/8!) (Taylor; the truncation
// error is < 6e-10 relative for |r| ≤ ln2/2); then
//
//	e^a − 1 = 2^k·(e^r − 1) + (2^k − 1) = fma(2^k, p, 2^k − 1).
//
// For |a| < ln2/2, k = 0, r = a exactly and the result is the polynomial
// itself: near 0 there is no cancellation (the "Taylor branch" needs no
// separate path). Otherwise 2^k − 1 is exact (k ≥ −24) or rounds to −1
// (k < −24, where the result is −1 anyway), and the only roundings are those
// of p and of the final fused multiply-add, so the error stays below 1e-6
// relative (measured in kernels_test.go against math.Expm1). At a ≤ −104,
// 2^k = 0 (AVX-512: VSCALEFPS underflows to 0) and the result is exactly −1.
// The AVX2 version builds 2^k from the exponent bits and clamps at −87
// instead (k ≥ −126 stays a normal number; e^−87 − 1 rounds to −1).

// ---------------------------------------------------------------------
// AVX-512. Every loop runs on 16 lanes under the mask K1: all ones while 16
// or more elements remain, then the low n mod 16 bits for the last partial
// vector (masked loads do not fault on the masked-off elements, masked
// stores leave them untouched).

#define BCAST(imm, Z) MOVL $imm, AX; VPBROADCASTD AX, Z

// Z16..Z28: expm1 constants; Z28 = 0.
#define EXPM1_CONSTS \
	BCAST(0xc2d00000, Z16); \
	BCAST(0x3fb8aa3b, Z17); \
	BCAST(0xbf317218, Z18); \
	BCAST(0x3102e308, Z19); \
	BCAST(0x3f800000, Z20); \
	BCAST(0x37d00d01, Z21); \
	BCAST(0x39500d01, Z22); \
	BCAST(0x3ab60b61, Z23); \
	BCAST(0x3c088889, Z24); \
	BCAST(0x3d2aaaab, Z25); \
	BCAST(0x3e2aaaab, Z26); \
	BCAST(0x3f000000, Z27); \
	VPXORD Z28, Z28, Z28

// Q = expm1(X); A, K, T are scratch (X may be A).
#define EXPM1_512(X, A, K, Q, T) \
	VMAXPS X, Z16, A; \
	VMULPS Z17, A, K; \
	VRNDSCALEPS $0, K, K; \
	VFMADD231PS Z18, K, A; \
	VFMADD231PS Z19, K, A; \
	VMOVAPS Z21, Q; \
	VFMADD213PS Z22, A, Q; \
	VFMADD213PS Z23, A, Q; \
	VFMADD213PS Z24, A, Q; \
	VFMADD213PS Z25, A, Q; \
	VFMADD213PS Z26, A, Q; \
	VFMADD213PS Z27, A, Q; \
	VMULPS A, A, T; \
	VFMADD213PS A, T, Q; \
	VSCALEFPS K, Z20, T; \
	VSUBPS Z20, T, K; \
	VFMADD213PS K, T, Q

// Loop control: CX = elements left. At the top of each iteration, K1 gets
// the tail mask when fewer than 16 remain; the loop ends at CX ≤ 0.
#define MASK_INIT \
	MOVL $0xffff, AX; \
	KMOVW AX, K1

#define MASK_TAIL(label, done) \
	CMPQ CX, $16; \
	JGE label; \
	TESTQ CX, CX; \
	JLE done; \
	MOVL $1, AX; \
	SHLL CX, AX; \
	DECL AX; \
	KMOVW AX, K1

// func eluFwd512(y, x *float32, n int)
TEXT ·eluFwd512(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	EXPM1_CONSTS
	MASK_INIT
loop:
	MASK_TAIL(body, done)
body:
	VMOVUPS.Z (SI), K1, Z0
	EXPM1_512(Z0, Z1, Z2, Z3, Z4)
	VCMPPS $2, Z28, Z0, K2 // x <= 0 (false for NaN)
	VMOVAPS Z3, K2, Z0
	VMOVUPS Z0, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func eluBwd512(dx, dy, x, y *float32, n int)
TEXT ·eluBwd512(SB), NOSPLIT, $0-40
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ x+16(FP), BX
	MOVQ y+24(FP), DX
	MOVQ n+32(FP), CX
	BCAST(0x3f800000, Z20)
	VPXORD Z28, Z28, Z28
	MASK_INIT
loop:
	MASK_TAIL(body, done)
body:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (BX), K1, Z1
	VMOVUPS.Z (DX), K1, Z2
	VCMPPS $2, Z28, Z1, K2
	VADDPS Z20, Z2, Z2
	VMULPS Z2, Z0, K2, Z0
	VMOVUPS Z0, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, BX
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func reluFwd512(y, x *float32, n int)
TEXT ·reluFwd512(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VPXORD Z28, Z28, Z28
	MASK_INIT
loop:
	MASK_TAIL(body, done)
body:
	VMOVUPS.Z (SI), K1, Z0
	VCMPPS $2, Z28, Z0, K2
	VMOVAPS Z28, K2, Z0 // +0 where x <= 0; NaN stays
	VMOVUPS Z0, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func reluBwd512(dx, dy, x *float32, n int)
TEXT ·reluBwd512(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ x+16(FP), BX
	MOVQ n+24(FP), CX
	VPXORD Z28, Z28, Z28
	MASK_INIT
loop:
	MASK_TAIL(body, done)
body:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (BX), K1, Z1
	VCMPPS $2, Z28, Z1, K2
	VMOVAPS Z28, K2, Z0
	VMOVUPS Z0, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, BX
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func tanhFwd512(y, x *float32, n int)
TEXT ·tanhFwd512(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	EXPM1_CONSTS
	BCAST(0x7fffffff, Z29) // |·| mask
	BCAST(0xc0000000, Z30) // −2
	MASK_INIT
loop:
	MASK_TAIL(body, done)
body:
	VMOVUPS.Z (SI), K1, Z0
	VPANDD Z29, Z0, Z1
	VMULPS Z30, Z1, Z1    // −2|x|
	EXPM1_512(Z1, Z1, Z2, Z3, Z4) // m = Z3 ∈ [−1, 0]
	VSUBPS Z30, Z3, Z4    // den = 2 + m ∈ [1, 2]
	VRCP14PS Z4, Z5       // r ≈ 1/den, relative error < 2⁻¹⁴
	VMOVAPS Z20, Z6
	VFNMADD231PS Z5, Z4, Z6 // e = 1 − den·r
	VFMADD213PS Z5, Z6, Z5  // r ← r + r·e (error ~2⁻²⁸)
	VMULPS Z5, Z3, Z7       // q = m·r
	VMOVAPS Z3, Z8
	VFNMADD231PS Z7, Z4, Z8 // m − den·q (exact in the fma)
	VFMADD231PS Z8, Z5, Z7  // q ← q + r·(m − den·q): m/den, ≤ 0
	VPANDD Z29, Z7, Z4    // |tanh x|
	VPANDND Z0, Z29, Z0   // sign of x
	VPORD Z0, Z4, Z0
	VMOVUPS Z0, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func tanhBwd512(dx, dy, y *float32, n int)
TEXT ·tanhBwd512(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	BCAST(0x3f800000, Z20)
	MASK_INIT
loop:
	MASK_TAIL(body, done)
body:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (DX), K1, Z2
	VMULPS Z2, Z2, Z3
	VSUBPS Z3, Z20, Z3
	VMULPS Z3, Z0, Z0
	VMOVUPS Z0, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func leakyFwd512(y, x *float32, n int)
TEXT ·leakyFwd512(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VPXORD Z28, Z28, Z28
	BCAST(0x3c23d70a, Z29) // 0.01
	MASK_INIT
loop:
	MASK_TAIL(body, done)
body:
	VMOVUPS.Z (SI), K1, Z0
	VCMPPS $2, Z28, Z0, K2
	VMULPS Z29, Z0, K2, Z0
	VMOVUPS Z0, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func leakyBwd512(dx, dy, x *float32, n int)
TEXT ·leakyBwd512(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ x+16(FP), BX
	MOVQ n+24(FP), CX
	VPXORD Z28, Z28, Z28
	BCAST(0x3c23d70a, Z29) // 0.01
	MASK_INIT
loop:
	MASK_TAIL(body, done)
body:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (BX), K1, Z1
	VCMPPS $2, Z28, Z1, K2
	VMULPS Z29, Z0, K2, Z0
	VMOVUPS Z0, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, BX
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func seluFwd512(y, x *float32, n int)
TEXT ·seluFwd512(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	EXPM1_CONSTS
	BCAST(0x3fe10966, Z29) // λα
	BCAST(0x3f867d5f, Z30) // λ
	MASK_INIT
loop:
	MASK_TAIL(body, done)
body:
	VMOVUPS.Z (SI), K1, Z0
	EXPM1_512(Z0, Z1, Z2, Z3, Z4)
	VCMPPS $2, Z28, Z0, K2
	VMULPS Z29, Z3, Z3
	VMULPS Z30, Z0, Z0
	VMOVAPS Z3, K2, Z0
	VMOVUPS Z0, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func seluBwd512(dx, dy, x, y *float32, n int)
TEXT ·seluBwd512(SB), NOSPLIT, $0-40
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ x+16(FP), BX
	MOVQ y+24(FP), DX
	MOVQ n+32(FP), CX
	VPXORD Z28, Z28, Z28
	BCAST(0x3fe10966, Z29) // λα
	BCAST(0x3f867d5f, Z30) // λ
	MASK_INIT
loop:
	MASK_TAIL(body, done)
body:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (BX), K1, Z1
	VMOVUPS.Z (DX), K1, Z2
	VCMPPS $2, Z28, Z1, K2
	VADDPS Z29, Z2, Z2
	VMULPS Z2, Z0, Z3
	VMULPS Z30, Z0, Z0
	VMOVAPS Z3, K2, Z0
	VMOVUPS Z0, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, BX
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func sgd512(w, grad, buf *float32, n int, lr, wd, m float32, mode int)
// mode bits: 1 buf ← g; 2 buf ← m·buf + g; 4 g ← g + wd·w first.
TEXT ·sgd512(SB), NOSPLIT, $0-56
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ buf+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS lr+32(FP), Z29
	VBROADCASTSS wd+36(FP), Z30
	VBROADCASTSS m+40(FP), Z31
	MOVQ mode+48(FP), R8
	MOVQ R8, R9
	SHRQ $32, R9
	VPBROADCASTD R9, Z28   // clip coefficient (float32 bits in mode's high half)
	MASK_INIT
loop:
	MASK_TAIL(body, done)
body:
	VMOVUPS.Z (SI), K1, Z0 // g
	VMOVUPS.Z (DI), K1, Z1 // w
	TESTQ $8, R8
	JZ noclip
	VMULPS Z28, Z0, Z0     // g·c
noclip:
	TESTQ $4, R8
	JZ nowd
	VMULPS Z1, Z30, Z2
	VADDPS Z2, Z0, Z0      // g + wd·w
nowd:
	TESTQ $1, R8
	JNZ copybuf
	TESTQ $2, R8
	JZ update
	VMOVUPS.Z (DX), K1, Z3
	VMULPS Z3, Z31, Z3
	VADDPS Z0, Z3, Z0      // m·buf + g
copybuf:
	VMOVUPS Z0, K1, (DX)
update:
	VMULPS Z0, Z29, Z2
	VSUBPS Z2, Z1, Z1      // w − lr·d
	VMOVUPS Z1, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func scale512(x *float32, n int, c float32)
TEXT ·scale512(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSS c+16(FP), Z29
	MASK_INIT
loop:
	MASK_TAIL(body, done)
body:
	VMOVUPS.Z (DI), K1, Z0
	VMULPS Z29, Z0, Z0
	VMOVUPS Z0, K1, (DI)
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func subConst512(x *float32, n int, c float32)
TEXT ·subConst512(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSS c+16(FP), Z29
	MASK_INIT
loop:
	MASK_TAIL(body, done)
body:
	VMOVUPS.Z (DI), K1, Z0
	VSUBPS Z29, Z0, Z0
	VMOVUPS Z0, K1, (DI)
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func sumLanes512(x *float32, n int, acc *lanes, square bool)
// Lanes 0..31 are Z0..Z3 (8 float64 each); 32 values per iteration.
TEXT ·sumLanes512(SB), NOSPLIT, $0-25
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ acc+16(FP), DI
	MOVBLZX square+24(FP), AX
	VMOVUPD (DI), Z0
	VMOVUPD 64(DI), Z1
	VMOVUPD 128(DI), Z2
	VMOVUPD 192(DI), Z3
	TESTQ AX, AX
	JNZ sqloop
sumloop:
	CMPQ CX, $32
	JL store
	VCVTPS2PD (SI), Z4
	VCVTPS2PD 32(SI), Z5
	VCVTPS2PD 64(SI), Z6
	VCVTPS2PD 96(SI), Z7
	VADDPD Z4, Z0, Z0
	VADDPD Z5, Z1, Z1
	VADDPD Z6, Z2, Z2
	VADDPD Z7, Z3, Z3
	ADDQ $128, SI
	SUBQ $32, CX
	JMP sumloop
sqloop:
	CMPQ CX, $32
	JL store
	VCVTPS2PD (SI), Z4
	VCVTPS2PD 32(SI), Z5
	VCVTPS2PD 64(SI), Z6
	VCVTPS2PD 96(SI), Z7
	VFMADD231PD Z4, Z4, Z0 // v² is exact: one rounding, as in Go
	VFMADD231PD Z5, Z5, Z1
	VFMADD231PD Z6, Z6, Z2
	VFMADD231PD Z7, Z7, Z3
	ADDQ $128, SI
	SUBQ $32, CX
	JMP sqloop
store:
	VMOVUPD Z0, (DI)
	VMOVUPD Z1, 64(DI)
	VMOVUPD Z2, 128(DI)
	VMOVUPD Z3, 192(DI)
	VZEROUPPER
	RET

// ---------------------------------------------------------------------
// AVX2 + FMA: 8 lanes, n a multiple of 8 (the Go caller does the rest).
// Constants as 8-lane vectors for memory operands.

DATA m878<>+0(SB)/4, $0xc2ae0000
DATA m878<>+4(SB)/4, $0xc2ae0000
DATA m878<>+8(SB)/4, $0xc2ae0000
DATA m878<>+12(SB)/4, $0xc2ae0000
DATA m878<>+16(SB)/4, $0xc2ae0000
DATA m878<>+20(SB)/4, $0xc2ae0000
DATA m878<>+24(SB)/4, $0xc2ae0000
DATA m878<>+28(SB)/4, $0xc2ae0000
GLOBL m878<>(SB), RODATA|NOPTR, $32

DATA log2e8<>+0(SB)/4, $0x3fb8aa3b
DATA log2e8<>+4(SB)/4, $0x3fb8aa3b
DATA log2e8<>+8(SB)/4, $0x3fb8aa3b
DATA log2e8<>+12(SB)/4, $0x3fb8aa3b
DATA log2e8<>+16(SB)/4, $0x3fb8aa3b
DATA log2e8<>+20(SB)/4, $0x3fb8aa3b
DATA log2e8<>+24(SB)/4, $0x3fb8aa3b
DATA log2e8<>+28(SB)/4, $0x3fb8aa3b
GLOBL log2e8<>(SB), RODATA|NOPTR, $32

DATA nln2hi8<>+0(SB)/4, $0xbf317218
DATA nln2hi8<>+4(SB)/4, $0xbf317218
DATA nln2hi8<>+8(SB)/4, $0xbf317218
DATA nln2hi8<>+12(SB)/4, $0xbf317218
DATA nln2hi8<>+16(SB)/4, $0xbf317218
DATA nln2hi8<>+20(SB)/4, $0xbf317218
DATA nln2hi8<>+24(SB)/4, $0xbf317218
DATA nln2hi8<>+28(SB)/4, $0xbf317218
GLOBL nln2hi8<>(SB), RODATA|NOPTR, $32

DATA nln2lo8<>+0(SB)/4, $0x3102e308
DATA nln2lo8<>+4(SB)/4, $0x3102e308
DATA nln2lo8<>+8(SB)/4, $0x3102e308
DATA nln2lo8<>+12(SB)/4, $0x3102e308
DATA nln2lo8<>+16(SB)/4, $0x3102e308
DATA nln2lo8<>+20(SB)/4, $0x3102e308
DATA nln2lo8<>+24(SB)/4, $0x3102e308
DATA nln2lo8<>+28(SB)/4, $0x3102e308
GLOBL nln2lo8<>(SB), RODATA|NOPTR, $32

DATA one8<>+0(SB)/4, $0x3f800000
DATA one8<>+4(SB)/4, $0x3f800000
DATA one8<>+8(SB)/4, $0x3f800000
DATA one8<>+12(SB)/4, $0x3f800000
DATA one8<>+16(SB)/4, $0x3f800000
DATA one8<>+20(SB)/4, $0x3f800000
DATA one8<>+24(SB)/4, $0x3f800000
DATA one8<>+28(SB)/4, $0x3f800000
GLOBL one8<>(SB), RODATA|NOPTR, $32

DATA c88<>+0(SB)/4, $0x37d00d01
DATA c88<>+4(SB)/4, $0x37d00d01
DATA c88<>+8(SB)/4, $0x37d00d01
DATA c88<>+12(SB)/4, $0x37d00d01
DATA c88<>+16(SB)/4, $0x37d00d01
DATA c88<>+20(SB)/4, $0x37d00d01
DATA c88<>+24(SB)/4, $0x37d00d01
DATA c88<>+28(SB)/4, $0x37d00d01
GLOBL c88<>(SB), RODATA|NOPTR, $32

DATA c78<>+0(SB)/4, $0x39500d01
DATA c78<>+4(SB)/4, $0x39500d01
DATA c78<>+8(SB)/4, $0x39500d01
DATA c78<>+12(SB)/4, $0x39500d01
DATA c78<>+16(SB)/4, $0x39500d01
DATA c78<>+20(SB)/4, $0x39500d01
DATA c78<>+24(SB)/4, $0x39500d01
DATA c78<>+28(SB)/4, $0x39500d01
GLOBL c78<>(SB), RODATA|NOPTR, $32

DATA c68<>+0(SB)/4, $0x3ab60b61
DATA c68<>+4(SB)/4, $0x3ab60b61
DATA c68<>+8(SB)/4, $0x3ab60b61
DATA c68<>+12(SB)/4, $0x3ab60b61
DATA c68<>+16(SB)/4, $0x3ab60b61
DATA c68<>+20(SB)/4, $0x3ab60b61
DATA c68<>+24(SB)/4, $0x3ab60b61
DATA c68<>+28(SB)/4, $0x3ab60b61
GLOBL c68<>(SB), RODATA|NOPTR, $32

DATA c58<>+0(SB)/4, $0x3c088889
DATA c58<>+4(SB)/4, $0x3c088889
DATA c58<>+8(SB)/4, $0x3c088889
DATA c58<>+12(SB)/4, $0x3c088889
DATA c58<>+16(SB)/4, $0x3c088889
DATA c58<>+20(SB)/4, $0x3c088889
DATA c58<>+24(SB)/4, $0x3c088889
DATA c58<>+28(SB)/4, $0x3c088889
GLOBL c58<>(SB), RODATA|NOPTR, $32

DATA c48<>+0(SB)/4, $0x3d2aaaab
DATA c48<>+4(SB)/4, $0x3d2aaaab
DATA c48<>+8(SB)/4, $0x3d2aaaab
DATA c48<>+12(SB)/4, $0x3d2aaaab
DATA c48<>+16(SB)/4, $0x3d2aaaab
DATA c48<>+20(SB)/4, $0x3d2aaaab
DATA c48<>+24(SB)/4, $0x3d2aaaab
DATA c48<>+28(SB)/4, $0x3d2aaaab
GLOBL c48<>(SB), RODATA|NOPTR, $32

DATA c38<>+0(SB)/4, $0x3e2aaaab
DATA c38<>+4(SB)/4, $0x3e2aaaab
DATA c38<>+8(SB)/4, $0x3e2aaaab
DATA c38<>+12(SB)/4, $0x3e2aaaab
DATA c38<>+16(SB)/4, $0x3e2aaaab
DATA c38<>+20(SB)/4, $0x3e2aaaab
DATA c38<>+24(SB)/4, $0x3e2aaaab
DATA c38<>+28(SB)/4, $0x3e2aaaab
GLOBL c38<>(SB), RODATA|NOPTR, $32

DATA c28<>+0(SB)/4, $0x3f000000
DATA c28<>+4(SB)/4, $0x3f000000
DATA c28<>+8(SB)/4, $0x3f000000
DATA c28<>+12(SB)/4, $0x3f000000
DATA c28<>+16(SB)/4, $0x3f000000
DATA c28<>+20(SB)/4, $0x3f000000
DATA c28<>+24(SB)/4, $0x3f000000
DATA c28<>+28(SB)/4, $0x3f000000
GLOBL c28<>(SB), RODATA|NOPTR, $32

DATA bias8<>+0(SB)/4, $0x0000007f
DATA bias8<>+4(SB)/4, $0x0000007f
DATA bias8<>+8(SB)/4, $0x0000007f
DATA bias8<>+12(SB)/4, $0x0000007f
DATA bias8<>+16(SB)/4, $0x0000007f
DATA bias8<>+20(SB)/4, $0x0000007f
DATA bias8<>+24(SB)/4, $0x0000007f
DATA bias8<>+28(SB)/4, $0x0000007f
GLOBL bias8<>(SB), RODATA|NOPTR, $32

DATA absmask8<>+0(SB)/4, $0x7fffffff
DATA absmask8<>+4(SB)/4, $0x7fffffff
DATA absmask8<>+8(SB)/4, $0x7fffffff
DATA absmask8<>+12(SB)/4, $0x7fffffff
DATA absmask8<>+16(SB)/4, $0x7fffffff
DATA absmask8<>+20(SB)/4, $0x7fffffff
DATA absmask8<>+24(SB)/4, $0x7fffffff
DATA absmask8<>+28(SB)/4, $0x7fffffff
GLOBL absmask8<>(SB), RODATA|NOPTR, $32

DATA mtwo8<>+0(SB)/4, $0xc0000000
DATA mtwo8<>+4(SB)/4, $0xc0000000
DATA mtwo8<>+8(SB)/4, $0xc0000000
DATA mtwo8<>+12(SB)/4, $0xc0000000
DATA mtwo8<>+16(SB)/4, $0xc0000000
DATA mtwo8<>+20(SB)/4, $0xc0000000
DATA mtwo8<>+24(SB)/4, $0xc0000000
DATA mtwo8<>+28(SB)/4, $0xc0000000
GLOBL mtwo8<>(SB), RODATA|NOPTR, $32

DATA two8<>+0(SB)/4, $0x40000000
DATA two8<>+4(SB)/4, $0x40000000
DATA two8<>+8(SB)/4, $0x40000000
DATA two8<>+12(SB)/4, $0x40000000
DATA two8<>+16(SB)/4, $0x40000000
DATA two8<>+20(SB)/4, $0x40000000
DATA two8<>+24(SB)/4, $0x40000000
DATA two8<>+28(SB)/4, $0x40000000
GLOBL two8<>(SB), RODATA|NOPTR, $32

DATA slope8<>+0(SB)/4, $0x3c23d70a
DATA slope8<>+4(SB)/4, $0x3c23d70a
DATA slope8<>+8(SB)/4, $0x3c23d70a
DATA slope8<>+12(SB)/4, $0x3c23d70a
DATA slope8<>+16(SB)/4, $0x3c23d70a
DATA slope8<>+20(SB)/4, $0x3c23d70a
DATA slope8<>+24(SB)/4, $0x3c23d70a
DATA slope8<>+28(SB)/4, $0x3c23d70a
GLOBL slope8<>(SB), RODATA|NOPTR, $32

DATA lam8<>+0(SB)/4, $0x3f867d5f
DATA lam8<>+4(SB)/4, $0x3f867d5f
DATA lam8<>+8(SB)/4, $0x3f867d5f
DATA lam8<>+12(SB)/4, $0x3f867d5f
DATA lam8<>+16(SB)/4, $0x3f867d5f
DATA lam8<>+20(SB)/4, $0x3f867d5f
DATA lam8<>+24(SB)/4, $0x3f867d5f
DATA lam8<>+28(SB)/4, $0x3f867d5f
GLOBL lam8<>(SB), RODATA|NOPTR, $32

DATA lamalpha8<>+0(SB)/4, $0x3fe10966
DATA lamalpha8<>+4(SB)/4, $0x3fe10966
DATA lamalpha8<>+8(SB)/4, $0x3fe10966
DATA lamalpha8<>+12(SB)/4, $0x3fe10966
DATA lamalpha8<>+16(SB)/4, $0x3fe10966
DATA lamalpha8<>+20(SB)/4, $0x3fe10966
DATA lamalpha8<>+24(SB)/4, $0x3fe10966
DATA lamalpha8<>+28(SB)/4, $0x3fe10966
GLOBL lamalpha8<>(SB), RODATA|NOPTR, $32

// Y8..Y13: expm1 constants kept in registers (the polynomial coefficients
// and the exponent bias are memory operands); Y13 = 0.
#define EXPM1_CONSTS_256 \
	VMOVUPS m878<>(SB), Y8; \
	VMOVUPS log2e8<>(SB), Y9; \
	VMOVUPS nln2hi8<>(SB), Y10; \
	VMOVUPS nln2lo8<>(SB), Y11; \
	VMOVUPS one8<>(SB), Y12; \
	VXORPS Y13, Y13, Y13

// Q = expm1(X); A, K, T are scratch (X may be A).
#define EXPM1_256(X, A, K, Q, T) \
	VMAXPS X, Y8, A; \
	VMULPS Y9, A, K; \
	VROUNDPS $0, K, K; \
	VFMADD231PS Y10, K, A; \
	VFMADD231PS Y11, K, A; \
	VMOVUPS c88<>(SB), Q; \
	VFMADD213PS c78<>(SB), A, Q; \
	VFMADD213PS c68<>(SB), A, Q; \
	VFMADD213PS c58<>(SB), A, Q; \
	VFMADD213PS c48<>(SB), A, Q; \
	VFMADD213PS c38<>(SB), A, Q; \
	VFMADD213PS c28<>(SB), A, Q; \
	VMULPS A, A, T; \
	VFMADD213PS A, T, Q; \
	VCVTPS2DQ K, K; \
	VPADDD bias8<>(SB), K, K; \
	VPSLLD $23, K, K; \
	VSUBPS Y12, K, T; \
	VFMADD213PS T, K, Q

// func eluFwd256(y, x *float32, n int)
TEXT ·eluFwd256(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	EXPM1_CONSTS_256
loop:
	CMPQ CX, $8
	JL done
	VMOVUPS (SI), Y0
	EXPM1_256(Y0, Y1, Y2, Y3, Y4)
	VCMPPS $2, Y13, Y0, Y5
	VBLENDVPS Y5, Y3, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func eluBwd256(dx, dy, x, y *float32, n int)
TEXT ·eluBwd256(SB), NOSPLIT, $0-40
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ x+16(FP), BX
	MOVQ y+24(FP), DX
	MOVQ n+32(FP), CX
	VMOVUPS one8<>(SB), Y12
	VXORPS Y13, Y13, Y13
loop:
	CMPQ CX, $8
	JL done
	VMOVUPS (SI), Y0
	VMOVUPS (BX), Y1
	VMOVUPS (DX), Y2
	VCMPPS $2, Y13, Y1, Y5
	VADDPS Y12, Y2, Y2
	VMULPS Y2, Y0, Y3
	VBLENDVPS Y5, Y3, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func reluFwd256(y, x *float32, n int)
TEXT ·reluFwd256(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y13, Y13, Y13
loop:
	CMPQ CX, $8
	JL done
	VMOVUPS (SI), Y0
	VCMPPS $2, Y13, Y0, Y5
	VANDNPS Y0, Y5, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func reluBwd256(dx, dy, x *float32, n int)
TEXT ·reluBwd256(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ x+16(FP), BX
	MOVQ n+24(FP), CX
	VXORPS Y13, Y13, Y13
loop:
	CMPQ CX, $8
	JL done
	VMOVUPS (SI), Y0
	VMOVUPS (BX), Y1
	VCMPPS $2, Y13, Y1, Y5
	VANDNPS Y0, Y5, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func tanhFwd256(y, x *float32, n int)
TEXT ·tanhFwd256(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	EXPM1_CONSTS_256
	VMOVUPS absmask8<>(SB), Y14
loop:
	CMPQ CX, $8
	JL done
	VMOVUPS (SI), Y0
	VANDPS Y14, Y0, Y1
	VMULPS mtwo8<>(SB), Y1, Y1
	EXPM1_256(Y1, Y1, Y2, Y3, Y4)
	VADDPS two8<>(SB), Y3, Y4
	VDIVPS Y4, Y3, Y4
	VANDPS Y14, Y4, Y4
	VANDNPS Y0, Y14, Y0
	VORPS Y0, Y4, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func tanhBwd256(dx, dy, y *float32, n int)
TEXT ·tanhBwd256(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	VMOVUPS one8<>(SB), Y12
loop:
	CMPQ CX, $8
	JL done
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y2
	VMULPS Y2, Y2, Y3
	VSUBPS Y3, Y12, Y3
	VMULPS Y3, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func leakyFwd256(y, x *float32, n int)
TEXT ·leakyFwd256(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y13, Y13, Y13
	VMOVUPS slope8<>(SB), Y14
loop:
	CMPQ CX, $8
	JL done
	VMOVUPS (SI), Y0
	VCMPPS $2, Y13, Y0, Y5
	VMULPS Y14, Y0, Y3
	VBLENDVPS Y5, Y3, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func leakyBwd256(dx, dy, x *float32, n int)
TEXT ·leakyBwd256(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ x+16(FP), BX
	MOVQ n+24(FP), CX
	VXORPS Y13, Y13, Y13
	VMOVUPS slope8<>(SB), Y14
loop:
	CMPQ CX, $8
	JL done
	VMOVUPS (SI), Y0
	VMOVUPS (BX), Y1
	VCMPPS $2, Y13, Y1, Y5
	VMULPS Y14, Y0, Y3
	VBLENDVPS Y5, Y3, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func seluFwd256(y, x *float32, n int)
TEXT ·seluFwd256(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	EXPM1_CONSTS_256
loop:
	CMPQ CX, $8
	JL done
	VMOVUPS (SI), Y0
	EXPM1_256(Y0, Y1, Y2, Y3, Y4)
	VCMPPS $2, Y13, Y0, Y5
	VMULPS lamalpha8<>(SB), Y3, Y3
	VMULPS lam8<>(SB), Y0, Y0
	VBLENDVPS Y5, Y3, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func seluBwd256(dx, dy, x, y *float32, n int)
TEXT ·seluBwd256(SB), NOSPLIT, $0-40
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ x+16(FP), BX
	MOVQ y+24(FP), DX
	MOVQ n+32(FP), CX
	VXORPS Y13, Y13, Y13
loop:
	CMPQ CX, $8
	JL done
	VMOVUPS (SI), Y0
	VMOVUPS (BX), Y1
	VMOVUPS (DX), Y2
	VCMPPS $2, Y13, Y1, Y5
	VADDPS lamalpha8<>(SB), Y2, Y2
	VMULPS Y2, Y0, Y3
	VMULPS lam8<>(SB), Y0, Y0
	VBLENDVPS Y5, Y3, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func sgd256(w, grad, buf *float32, n int, lr, wd, m float32, mode int)
TEXT ·sgd256(SB), NOSPLIT, $0-56
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ buf+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS lr+32(FP), Y9
	VBROADCASTSS wd+36(FP), Y10
	VBROADCASTSS m+40(FP), Y11
	MOVQ mode+48(FP), R8
	MOVQ R8, R9
	SHRQ $32, R9
	MOVQ R9, X12
	VPBROADCASTD X12, Y12  // clip coefficient (float32 bits in mode's high half)
loop:
	CMPQ CX, $8
	JL done
	VMOVUPS (SI), Y0
	VMOVUPS (DI), Y1
	TESTQ $8, R8
	JZ noclip
	VMULPS Y12, Y0, Y0     // g·c
noclip:
	TESTQ $4, R8
	JZ nowd
	VMULPS Y1, Y10, Y2
	VADDPS Y2, Y0, Y0
nowd:
	TESTQ $1, R8
	JNZ copybuf
	TESTQ $2, R8
	JZ update
	VMOVUPS (DX), Y3
	VMULPS Y3, Y11, Y3
	VADDPS Y0, Y3, Y0
copybuf:
	VMOVUPS Y0, (DX)
update:
	VMULPS Y0, Y9, Y2
	VSUBPS Y2, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func scale256(x *float32, n int, c float32)
TEXT ·scale256(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSS c+16(FP), Y9
loop:
	CMPQ CX, $8
	JL done
	VMULPS (DI), Y9, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func subConst256(x *float32, n int, c float32)
TEXT ·subConst256(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSS c+16(FP), Y9
loop:
	CMPQ CX, $8
	JL done
	VMOVUPS (DI), Y0
	VSUBPS Y9, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func sumLanes256(x *float32, n int, acc *lanes, square bool)
// Lanes 4j..4j+3 are Yj (j < 8); 32 values per iteration.
TEXT ·sumLanes256(SB), NOSPLIT, $0-25
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ acc+16(FP), DI
	MOVBLZX square+24(FP), AX
	VMOVUPD (DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVUPD 96(DI), Y3
	VMOVUPD 128(DI), Y4
	VMOVUPD 160(DI), Y5
	VMOVUPD 192(DI), Y6
	VMOVUPD 224(DI), Y7
	TESTQ AX, AX
	JNZ sqloop
sumloop:
	CMPQ CX, $32
	JL store
	VCVTPS2PD (SI), Y8
	VCVTPS2PD 16(SI), Y9
	VCVTPS2PD 32(SI), Y10
	VCVTPS2PD 48(SI), Y11
	VADDPD Y8, Y0, Y0
	VADDPD Y9, Y1, Y1
	VADDPD Y10, Y2, Y2
	VADDPD Y11, Y3, Y3
	VCVTPS2PD 64(SI), Y8
	VCVTPS2PD 80(SI), Y9
	VCVTPS2PD 96(SI), Y10
	VCVTPS2PD 112(SI), Y11
	VADDPD Y8, Y4, Y4
	VADDPD Y9, Y5, Y5
	VADDPD Y10, Y6, Y6
	VADDPD Y11, Y7, Y7
	ADDQ $128, SI
	SUBQ $32, CX
	JMP sumloop
sqloop:
	CMPQ CX, $32
	JL store
	VCVTPS2PD (SI), Y8
	VCVTPS2PD 16(SI), Y9
	VCVTPS2PD 32(SI), Y10
	VCVTPS2PD 48(SI), Y11
	VFMADD231PD Y8, Y8, Y0
	VFMADD231PD Y9, Y9, Y1
	VFMADD231PD Y10, Y10, Y2
	VFMADD231PD Y11, Y11, Y3
	VCVTPS2PD 64(SI), Y8
	VCVTPS2PD 80(SI), Y9
	VCVTPS2PD 96(SI), Y10
	VCVTPS2PD 112(SI), Y11
	VFMADD231PD Y8, Y8, Y4
	VFMADD231PD Y9, Y9, Y5
	VFMADD231PD Y10, Y10, Y6
	VFMADD231PD Y11, Y11, Y7
	ADDQ $128, SI
	SUBQ $32, CX
	JMP sqloop
store:
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	VMOVUPD Y4, 128(DI)
	VMOVUPD Y5, 160(DI)
	VMOVUPD Y6, 192(DI)
	VMOVUPD Y7, 224(DI)
	VZEROUPPER
	RET

