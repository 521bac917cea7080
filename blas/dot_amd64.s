//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"
#include "zmm_amd64.h"

// ---------------------------------------------------------------------
// AVX-512 dot-product kernel for products A·Bᵀ with a short side (see
// dot.go). X is at most 12 stored rows, interleaved by 16-float chunks:
// chunk c of row i at x[(c*12+i)*16 : +16], zero beyond k. Y is two rows
// read in place. Z0..Z11 accumulate x_i·y0 lane-wise, Z12..Z23 x_i·y1;
// Z24, Z25 hold the chunk of y0, y1; Z26..Z29 chunks of X, rotated.

// DOTX(off, xr, acc0, acc1): load the X chunk at off(SI) into xr and
// accumulate it times y0 (Z24) into acc0 and times y1 (Z25) into acc1.
#define DOTX(off, xr, acc0, acc1) \
	VMOVUPS     off(SI), xr    \
	VFMADD231PS xr, Z24, acc0  \
	VFMADD231PS xr, Z25, acc1

// DOTCHUNK: the 12 rows of X for one chunk of y0, y1 (in Z24, Z25).
#define DOTCHUNK \
	DOTX(0, Z26, Z0, Z12)    \
	DOTX(64, Z27, Z1, Z13)   \
	DOTX(128, Z28, Z2, Z14)  \
	DOTX(192, Z29, Z3, Z15)  \
	DOTX(256, Z26, Z4, Z16)  \
	DOTX(320, Z27, Z5, Z17)  \
	DOTX(384, Z28, Z6, Z18)  \
	DOTX(448, Z29, Z7, Z19)  \
	DOTX(512, Z26, Z8, Z20)  \
	DOTX(576, Z27, Z9, Z21)  \
	DOTX(640, Z28, Z10, Z22) \
	DOTX(704, Z29, Z11, Z23)

// HALVE(z, y): y = lanes 0..7 + lanes 8..15 of z (y is z's low half).
#define HALVE(z, y) \
	VEXTRACTF64X4 $1, z, Y30 \
	VADDPS        Y30, y, y

// HADD(b, a, d): d = the pairwise sums of a and b within each 128-bit
// lane, [a0+a1, a2+a3, b0+b1, b2+b3] (VHADDPS, which has no EVEX form for
// Y16..Y31): two shuffles and an add. Clobbers Y28, Y29.
#define HADD(b, a, d) \
	VSHUFPS $0x88, b, a, Y28 \
	VSHUFPS $0xDD, b, a, Y29 \
	VADDPS  Y29, Y28, d

// SUM4(y0, y1, y2, y3, x0, off): the four 8-lane vectors summed
// horizontally, stored as 4 floats at off(DI): pairwise sums within each
// 128-bit lane twice, then the two lanes added.
#define SUM4(y0, y1, y2, y3, x0, off) \
	HADD(y1, y0, y0)             \
	HADD(y3, y2, y2)             \
	HADD(y2, y0, y0)             \
	VEXTRACTF32X4 $1, y0, X30    \
	VADDPS        X30, x0, x0    \
	VMOVUPS       x0, off(DI)

// func dotAVX512(k int, x, y0, y1, n0, n1, out *float32)
TEXT ·dotAVX512(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ x+8(FP), SI
	MOVQ y0+16(FP), AX
	MOVQ y1+24(FP), BX
	MOVQ n0+32(FP), R9
	MOVQ n1+40(FP), R10
	MOVQ out+48(FP), DI

	ZERO24
	MOVQ CX, DX
	SHRQ $4, CX  // full chunks
	ANDQ $15, DX // tail floats
	TESTQ CX, CX
	JZ   dot_tail

dot_loop:
	PREFETCHT1 (R9)
	PREFETCHT1 (R10)
	VMOVUPS (AX), Z24
	VMOVUPS (BX), Z25
	DOTCHUNK
	ADDQ $64, AX
	ADDQ $64, BX
	ADDQ $64, R9
	ADDQ $64, R10
	ADDQ $768, SI
	DECQ CX
	JNZ  dot_loop

dot_tail:
	TESTQ DX, DX
	JZ    dot_reduce
	// The last k mod 16 floats of y0, y1, masked (the rest read as zero
	// and never touched in memory); X is zero-padded.
	MOVL  $1, R8
	MOVQ  DX, CX
	SHLL  CX, R8
	DECL  R8
	KMOVW R8, K1
	VMOVUPS.Z (AX), K1, Z24
	VMOVUPS.Z (BX), K1, Z25
	DOTCHUNK

dot_reduce:
	HALVE(Z0, Y0)
	HALVE(Z1, Y1)
	HALVE(Z2, Y2)
	HALVE(Z3, Y3)
	HALVE(Z4, Y4)
	HALVE(Z5, Y5)
	HALVE(Z6, Y6)
	HALVE(Z7, Y7)
	HALVE(Z8, Y8)
	HALVE(Z9, Y9)
	HALVE(Z10, Y10)
	HALVE(Z11, Y11)
	HALVE(Z12, Y12)
	HALVE(Z13, Y13)
	HALVE(Z14, Y14)
	HALVE(Z15, Y15)
	HALVE(Z16, Y16)
	HALVE(Z17, Y17)
	HALVE(Z18, Y18)
	HALVE(Z19, Y19)
	HALVE(Z20, Y20)
	HALVE(Z21, Y21)
	HALVE(Z22, Y22)
	HALVE(Z23, Y23)
	SUM4(Y0, Y1, Y2, Y3, X0, 0)
	SUM4(Y4, Y5, Y6, Y7, X4, 16)
	SUM4(Y8, Y9, Y10, Y11, X8, 32)
	SUM4(Y12, Y13, Y14, Y15, X12, 48)
	SUM4(Y16, Y17, Y18, Y19, X16, 64)
	SUM4(Y20, Y21, Y22, Y23, X20, 80)
	VZEROUPPER
	RET
