// The six AVX-512 12×32 kernels, assembled twice by kernel_amd64.s: once
// with each form of STEP512 and PREFB, under the names that PACKED512 …
// COLSROWSB512 stand for (sgemm*AVX512, sgemm*AVX512Embedded). See
// kernel_amd64.s for the macros they use. go vet's asmdecl check reads
// only .s files, so it does not see these bodies: their argument offsets
// follow the Go declarations in kernel_amd64.go, and the kernel tests,
// which run both forms (not under -short), would fail on a wrong one.

// func sgemmPackedAVX512(kc int, a *float32, b *float32, c *float32, ldc int, alpha, beta float32, nt int, tiles int)
// A: packed sliver at AX (12 floats per step). B: packed sliver at BX (32 floats per step).
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT PACKED512(SB), NOSPLIT, $0-64
sgemmPackedAVX512_tile:
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+24(FP), DI
	MOVQ ldc+32(FP), DX
	SHLQ $2, DX

	// Prefetch the C tile (two lines per row) while the loop runs,
	// unless it is to be written with non-temporal stores.
	MOVQ  nt+48(FP), R13
	TESTQ R13, R13
	JNZ   sgemmPackedAVX512_acc
	MOVQ  DI, R13
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

sgemmPackedAVX512_acc:
	// acc = 0
	ZERO24

	// R12 = kc / 4 groups, CX = kc % 4 single steps.
	MOVQ  CX, R12
	SHRQ  $2, R12
	ANDQ  $3, CX
	TESTQ R12, R12
	JZ    sgemmPackedAVX512_tail

sgemmPackedAVX512_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	PREFB(1024(BX))
	PREFB(1088(BX))
	PREFB(1152(BX))
	PREFB(1216(BX))
	STEP512(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 24(AX), 28(AX), 32(AX), 36(AX), 40(AX), 44(AX), 0(BX), 64(BX))
	STEP512(48(AX), 52(AX), 56(AX), 60(AX), 64(AX), 68(AX), 72(AX), 76(AX), 80(AX), 84(AX), 88(AX), 92(AX), 128(BX), 192(BX))
	PREFB(1280(BX))
	PREFB(1344(BX))
	PREFB(1408(BX))
	PREFB(1472(BX))
	STEP512(96(AX), 100(AX), 104(AX), 108(AX), 112(AX), 116(AX), 120(AX), 124(AX), 128(AX), 132(AX), 136(AX), 140(AX), 256(BX), 320(BX))
	STEP512(144(AX), 148(AX), 152(AX), 156(AX), 160(AX), 164(AX), 168(AX), 172(AX), 176(AX), 180(AX), 184(AX), 188(AX), 384(BX), 448(BX))
	ADDQ $192, AX
	ADDQ $512, BX
	DECQ R12
	JNZ  sgemmPackedAVX512_loop4

sgemmPackedAVX512_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmPackedAVX512_store

sgemmPackedAVX512_loop1:
	STEP512(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 24(AX), 28(AX), 32(AX), 36(AX), 40(AX), 44(AX), 0(BX), 64(BX))
	ADDQ $48, AX
	ADDQ $128, BX
	DECQ CX
	JNZ  sgemmPackedAVX512_loop1

sgemmPackedAVX512_store:
	// Z30 = alpha, Z31 = beta in every lane.
	VBROADCASTSS alpha+40(FP), Z30
	VBROADCASTSS beta+44(FP), Z31
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+44(FP), R8
	SHLL $1, R8
	JZ   sgemmPackedAVX512_zero

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
	JMP sgemmPackedAVX512_next

sgemmPackedAVX512_zero:
	MOVQ  nt+48(FP), R8
	TESTQ R8, R8
	JNZ   sgemmPackedAVX512_nt
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
	JMP sgemmPackedAVX512_next

sgemmPackedAVX512_nt:
	STORETILE512NT

sgemmPackedAVX512_next:
	NEXTTILE(tiles+56(FP), c+24(FP), b+16(FP), 128, sgemmPackedAVX512_done, sgemmPackedAVX512_tile)

sgemmPackedAVX512_done:
	VZEROUPPER
	RET

// func sgemmRowsAVX512(kc int, a *float32, rs int, b *float32, c *float32, ldc int, alpha, beta float32, nt int, tiles int)
// A: rows in place, AX/R10/R11 = rows 0/4/8 at step p, row i at +(i%4)·rs (R8 = rs·4, R9 = 3·rs·4). B: packed sliver at BX (32 floats per step).
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT ROWS512(SB), NOSPLIT, $0-72
sgemmRowsAVX512_tile:
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
	LEAQ (R10)(R8*4), R11 // row 8

	// Prefetch the C tile (two lines per row) while the loop runs,
	// unless it is to be written with non-temporal stores.
	MOVQ  nt+56(FP), R13
	TESTQ R13, R13
	JNZ   sgemmRowsAVX512_acc
	MOVQ  DI, R13
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

sgemmRowsAVX512_acc:
	// acc = 0
	ZERO24

	// R12 = kc / 4 groups, CX = kc % 4 single steps.
	MOVQ  CX, R12
	SHRQ  $2, R12
	ANDQ  $3, CX
	TESTQ R12, R12
	JZ    sgemmRowsAVX512_tail

sgemmRowsAVX512_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	PREFB(1024(BX))
	PREFB(1088(BX))
	PREFB(1152(BX))
	PREFB(1216(BX))
	STEP512(0(AX), 0(AX)(R8*1), 0(AX)(R8*2), 0(AX)(R9*1), 0(R10), 0(R10)(R8*1), 0(R10)(R8*2), 0(R10)(R9*1), 0(R11), 0(R11)(R8*1), 0(R11)(R8*2), 0(R11)(R9*1), 0(BX), 64(BX))
	STEP512(4(AX), 4(AX)(R8*1), 4(AX)(R8*2), 4(AX)(R9*1), 4(R10), 4(R10)(R8*1), 4(R10)(R8*2), 4(R10)(R9*1), 4(R11), 4(R11)(R8*1), 4(R11)(R8*2), 4(R11)(R9*1), 128(BX), 192(BX))
	PREFB(1280(BX))
	PREFB(1344(BX))
	PREFB(1408(BX))
	PREFB(1472(BX))
	STEP512(8(AX), 8(AX)(R8*1), 8(AX)(R8*2), 8(AX)(R9*1), 8(R10), 8(R10)(R8*1), 8(R10)(R8*2), 8(R10)(R9*1), 8(R11), 8(R11)(R8*1), 8(R11)(R8*2), 8(R11)(R9*1), 256(BX), 320(BX))
	STEP512(12(AX), 12(AX)(R8*1), 12(AX)(R8*2), 12(AX)(R9*1), 12(R10), 12(R10)(R8*1), 12(R10)(R8*2), 12(R10)(R9*1), 12(R11), 12(R11)(R8*1), 12(R11)(R8*2), 12(R11)(R9*1), 384(BX), 448(BX))
	ADDQ $16, AX
	ADDQ $16, R10
	ADDQ $16, R11
	ADDQ $512, BX
	DECQ R12
	JNZ  sgemmRowsAVX512_loop4

sgemmRowsAVX512_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmRowsAVX512_store

sgemmRowsAVX512_loop1:
	STEP512(0(AX), 0(AX)(R8*1), 0(AX)(R8*2), 0(AX)(R9*1), 0(R10), 0(R10)(R8*1), 0(R10)(R8*2), 0(R10)(R9*1), 0(R11), 0(R11)(R8*1), 0(R11)(R8*2), 0(R11)(R9*1), 0(BX), 64(BX))
	ADDQ $4, AX
	ADDQ $4, R10
	ADDQ $4, R11
	ADDQ $128, BX
	DECQ CX
	JNZ  sgemmRowsAVX512_loop1

sgemmRowsAVX512_store:
	// Z30 = alpha, Z31 = beta in every lane.
	VBROADCASTSS alpha+48(FP), Z30
	VBROADCASTSS beta+52(FP), Z31
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+52(FP), R8
	SHLL $1, R8
	JZ   sgemmRowsAVX512_zero

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
	JMP sgemmRowsAVX512_next

sgemmRowsAVX512_zero:
	MOVQ  nt+56(FP), R8
	TESTQ R8, R8
	JNZ   sgemmRowsAVX512_nt
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
	JMP sgemmRowsAVX512_next

sgemmRowsAVX512_nt:
	STORETILE512NT

sgemmRowsAVX512_next:
	NEXTTILE(tiles+64(FP), c+32(FP), b+24(FP), 128, sgemmRowsAVX512_done, sgemmRowsAVX512_tile)

sgemmRowsAVX512_done:
	VZEROUPPER
	RET

// func sgemmPackedRowsBAVX512(kc int, a *float32, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
// A: packed sliver at AX (12 floats per step). B: rows in place at BX, step p+j at +j·ldb (R14 = ldb·4, R15 = 3·ldb·4, SI = 4·ldb·4), R13 = BX + 8 rows for prefetch.
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT PACKEDROWSB512(SB), NOSPLIT, $0-56
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), DX
	SHLQ $2, DX

	// Prefetch the C tile (two lines per row) while the loop runs.
	MOVQ DI, R13
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
	JZ    sgemmPackedRowsBAVX512_tail

sgemmPackedRowsBAVX512_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	PREFETCHT0 (R13)
	PREFETCHT0 64(R13)
	PREFETCHT0 (R13)(R14*1)
	PREFETCHT0 64(R13)(R14*1)
	STEP512(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 24(AX), 28(AX), 32(AX), 36(AX), 40(AX), 44(AX), 0(BX), 64(BX))
	STEP512(48(AX), 52(AX), 56(AX), 60(AX), 64(AX), 68(AX), 72(AX), 76(AX), 80(AX), 84(AX), 88(AX), 92(AX), 0(BX)(R14*1), 64(BX)(R14*1))
	PREFETCHT0 (R13)(R14*2)
	PREFETCHT0 64(R13)(R14*2)
	PREFETCHT0 (R13)(R15*1)
	PREFETCHT0 64(R13)(R15*1)
	STEP512(96(AX), 100(AX), 104(AX), 108(AX), 112(AX), 116(AX), 120(AX), 124(AX), 128(AX), 132(AX), 136(AX), 140(AX), 0(BX)(R14*2), 64(BX)(R14*2))
	STEP512(144(AX), 148(AX), 152(AX), 156(AX), 160(AX), 164(AX), 168(AX), 172(AX), 176(AX), 180(AX), 184(AX), 188(AX), 0(BX)(R15*1), 64(BX)(R15*1))
	ADDQ $192, AX
	ADDQ SI, BX
	ADDQ SI, R13
	DECQ R12
	JNZ  sgemmPackedRowsBAVX512_loop4

sgemmPackedRowsBAVX512_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmPackedRowsBAVX512_store

sgemmPackedRowsBAVX512_loop1:
	STEP512(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 24(AX), 28(AX), 32(AX), 36(AX), 40(AX), 44(AX), 0(BX), 64(BX))
	ADDQ $48, AX
	ADDQ R14, BX
	DECQ CX
	JNZ  sgemmPackedRowsBAVX512_loop1

sgemmPackedRowsBAVX512_store:
	// Z30 = alpha, Z31 = beta in every lane.
	VBROADCASTSS alpha+48(FP), Z30
	VBROADCASTSS beta+52(FP), Z31
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+52(FP), R8
	SHLL $1, R8
	JZ   sgemmPackedRowsBAVX512_zero

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

sgemmPackedRowsBAVX512_zero:
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

// func sgemmRowsRowsBAVX512(kc int, a *float32, rs int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
// A: rows in place, AX/R10/R11 = rows 0/4/8 at step p, row i at +(i%4)·rs (R8 = rs·4, R9 = 3·rs·4). B: rows in place at BX, step p+j at +j·ldb (R14 = ldb·4, R15 = 3·ldb·4, SI = 4·ldb·4), R13 = BX + 8 rows for prefetch.
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT ROWSROWSB512(SB), NOSPLIT, $0-64
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
	LEAQ (R10)(R8*4), R11 // row 8

	// Prefetch the C tile (two lines per row) while the loop runs.
	MOVQ DI, R13
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
	JZ    sgemmRowsRowsBAVX512_tail

sgemmRowsRowsBAVX512_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	PREFETCHT0 (R13)
	PREFETCHT0 64(R13)
	PREFETCHT0 (R13)(R14*1)
	PREFETCHT0 64(R13)(R14*1)
	STEP512(0(AX), 0(AX)(R8*1), 0(AX)(R8*2), 0(AX)(R9*1), 0(R10), 0(R10)(R8*1), 0(R10)(R8*2), 0(R10)(R9*1), 0(R11), 0(R11)(R8*1), 0(R11)(R8*2), 0(R11)(R9*1), 0(BX), 64(BX))
	STEP512(4(AX), 4(AX)(R8*1), 4(AX)(R8*2), 4(AX)(R9*1), 4(R10), 4(R10)(R8*1), 4(R10)(R8*2), 4(R10)(R9*1), 4(R11), 4(R11)(R8*1), 4(R11)(R8*2), 4(R11)(R9*1), 0(BX)(R14*1), 64(BX)(R14*1))
	PREFETCHT0 (R13)(R14*2)
	PREFETCHT0 64(R13)(R14*2)
	PREFETCHT0 (R13)(R15*1)
	PREFETCHT0 64(R13)(R15*1)
	STEP512(8(AX), 8(AX)(R8*1), 8(AX)(R8*2), 8(AX)(R9*1), 8(R10), 8(R10)(R8*1), 8(R10)(R8*2), 8(R10)(R9*1), 8(R11), 8(R11)(R8*1), 8(R11)(R8*2), 8(R11)(R9*1), 0(BX)(R14*2), 64(BX)(R14*2))
	STEP512(12(AX), 12(AX)(R8*1), 12(AX)(R8*2), 12(AX)(R9*1), 12(R10), 12(R10)(R8*1), 12(R10)(R8*2), 12(R10)(R9*1), 12(R11), 12(R11)(R8*1), 12(R11)(R8*2), 12(R11)(R9*1), 0(BX)(R15*1), 64(BX)(R15*1))
	ADDQ $16, AX
	ADDQ $16, R10
	ADDQ $16, R11
	ADDQ SI, BX
	ADDQ SI, R13
	DECQ R12
	JNZ  sgemmRowsRowsBAVX512_loop4

sgemmRowsRowsBAVX512_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmRowsRowsBAVX512_store

sgemmRowsRowsBAVX512_loop1:
	STEP512(0(AX), 0(AX)(R8*1), 0(AX)(R8*2), 0(AX)(R9*1), 0(R10), 0(R10)(R8*1), 0(R10)(R8*2), 0(R10)(R9*1), 0(R11), 0(R11)(R8*1), 0(R11)(R8*2), 0(R11)(R9*1), 0(BX), 64(BX))
	ADDQ $4, AX
	ADDQ $4, R10
	ADDQ $4, R11
	ADDQ R14, BX
	DECQ CX
	JNZ  sgemmRowsRowsBAVX512_loop1

sgemmRowsRowsBAVX512_store:
	// Z30 = alpha, Z31 = beta in every lane.
	VBROADCASTSS alpha+56(FP), Z30
	VBROADCASTSS beta+60(FP), Z31
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+60(FP), R8
	SHLL $1, R8
	JZ   sgemmRowsRowsBAVX512_zero

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

sgemmRowsRowsBAVX512_zero:
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

// func sgemmColsAVX512(kc int, a *float32, cs int, b *float32, c *float32, ldc int, alpha, beta float32)
// A: columns in place (op(A) = Aᵀ), AX = step p, row i at +4i, step p+j at +j·cs (R8 = cs·4, R9 = 3·cs·4). B: packed sliver at BX (32 floats per step).
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT COLS512(SB), NOSPLIT, $0-56
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+24(FP), BX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), DX
	SHLQ $2, DX
	MOVQ cs+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9   // 3·cs
	LEAQ (R8*4), R10      // 4·cs

	// Prefetch the C tile (two lines per row) while the loop runs.
	MOVQ DI, R13
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
	ZERO24

	// R12 = kc / 4 groups, CX = kc % 4 single steps.
	MOVQ  CX, R12
	SHRQ  $2, R12
	ANDQ  $3, CX
	TESTQ R12, R12
	JZ    sgemmColsAVX512_tail

sgemmColsAVX512_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	PREFB(1024(BX))
	PREFB(1088(BX))
	PREFB(1152(BX))
	PREFB(1216(BX))
	STEP512(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 24(AX), 28(AX), 32(AX), 36(AX), 40(AX), 44(AX), 0(BX), 64(BX))
	STEP512(0(AX)(R8*1), 4(AX)(R8*1), 8(AX)(R8*1), 12(AX)(R8*1), 16(AX)(R8*1), 20(AX)(R8*1), 24(AX)(R8*1), 28(AX)(R8*1), 32(AX)(R8*1), 36(AX)(R8*1), 40(AX)(R8*1), 44(AX)(R8*1), 128(BX), 192(BX))
	PREFB(1280(BX))
	PREFB(1344(BX))
	PREFB(1408(BX))
	PREFB(1472(BX))
	STEP512(0(AX)(R8*2), 4(AX)(R8*2), 8(AX)(R8*2), 12(AX)(R8*2), 16(AX)(R8*2), 20(AX)(R8*2), 24(AX)(R8*2), 28(AX)(R8*2), 32(AX)(R8*2), 36(AX)(R8*2), 40(AX)(R8*2), 44(AX)(R8*2), 256(BX), 320(BX))
	STEP512(0(AX)(R9*1), 4(AX)(R9*1), 8(AX)(R9*1), 12(AX)(R9*1), 16(AX)(R9*1), 20(AX)(R9*1), 24(AX)(R9*1), 28(AX)(R9*1), 32(AX)(R9*1), 36(AX)(R9*1), 40(AX)(R9*1), 44(AX)(R9*1), 384(BX), 448(BX))
	ADDQ R10, AX
	ADDQ $512, BX
	DECQ R12
	JNZ  sgemmColsAVX512_loop4

sgemmColsAVX512_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmColsAVX512_store

sgemmColsAVX512_loop1:
	STEP512(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 24(AX), 28(AX), 32(AX), 36(AX), 40(AX), 44(AX), 0(BX), 64(BX))
	ADDQ R8, AX
	ADDQ $128, BX
	DECQ CX
	JNZ  sgemmColsAVX512_loop1

sgemmColsAVX512_store:
	// Z30 = alpha, Z31 = beta in every lane.
	VBROADCASTSS alpha+48(FP), Z30
	VBROADCASTSS beta+52(FP), Z31
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+52(FP), R8
	SHLL $1, R8
	JZ   sgemmColsAVX512_zero

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

sgemmColsAVX512_zero:
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

// func sgemmColsRowsBAVX512(kc int, a *float32, cs int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
// A: columns in place (op(A) = Aᵀ), AX = step p, row i at +4i, step p+j at +j·cs (R8 = cs·4, R9 = 3·cs·4). B: rows in place at BX, step p+j at +j·ldb (R14 = ldb·4, R15 = 3·ldb·4, SI = 4·ldb·4), R13 = BX + 8 rows for prefetch.
// CX = single k steps left, R12 = groups of four steps, DI = C row, DX = ldc·4.
TEXT COLSROWSB512(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+24(FP), BX
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), DX
	SHLQ $2, DX
	MOVQ cs+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9   // 3·cs
	LEAQ (R8*4), R10      // 4·cs

	// Prefetch the C tile (two lines per row) while the loop runs.
	MOVQ DI, R13
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
	JZ    sgemmColsRowsBAVX512_tail

sgemmColsRowsBAVX512_loop4:
	// four k steps: for p in 0..3: acc[i] += A[i, p]·B[p, :] for every row i
	PREFETCHT0 (R13)
	PREFETCHT0 64(R13)
	PREFETCHT0 (R13)(R14*1)
	PREFETCHT0 64(R13)(R14*1)
	STEP512(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 24(AX), 28(AX), 32(AX), 36(AX), 40(AX), 44(AX), 0(BX), 64(BX))
	STEP512(0(AX)(R8*1), 4(AX)(R8*1), 8(AX)(R8*1), 12(AX)(R8*1), 16(AX)(R8*1), 20(AX)(R8*1), 24(AX)(R8*1), 28(AX)(R8*1), 32(AX)(R8*1), 36(AX)(R8*1), 40(AX)(R8*1), 44(AX)(R8*1), 0(BX)(R14*1), 64(BX)(R14*1))
	PREFETCHT0 (R13)(R14*2)
	PREFETCHT0 64(R13)(R14*2)
	PREFETCHT0 (R13)(R15*1)
	PREFETCHT0 64(R13)(R15*1)
	STEP512(0(AX)(R8*2), 4(AX)(R8*2), 8(AX)(R8*2), 12(AX)(R8*2), 16(AX)(R8*2), 20(AX)(R8*2), 24(AX)(R8*2), 28(AX)(R8*2), 32(AX)(R8*2), 36(AX)(R8*2), 40(AX)(R8*2), 44(AX)(R8*2), 0(BX)(R14*2), 64(BX)(R14*2))
	STEP512(0(AX)(R9*1), 4(AX)(R9*1), 8(AX)(R9*1), 12(AX)(R9*1), 16(AX)(R9*1), 20(AX)(R9*1), 24(AX)(R9*1), 28(AX)(R9*1), 32(AX)(R9*1), 36(AX)(R9*1), 40(AX)(R9*1), 44(AX)(R9*1), 0(BX)(R15*1), 64(BX)(R15*1))
	ADDQ R10, AX
	ADDQ SI, BX
	ADDQ SI, R13
	DECQ R12
	JNZ  sgemmColsRowsBAVX512_loop4

sgemmColsRowsBAVX512_tail:
	// the remaining k steps, one at a time
	TESTQ CX, CX
	JZ    sgemmColsRowsBAVX512_store

sgemmColsRowsBAVX512_loop1:
	STEP512(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), 24(AX), 28(AX), 32(AX), 36(AX), 40(AX), 44(AX), 0(BX), 64(BX))
	ADDQ R8, AX
	ADDQ R14, BX
	DECQ CX
	JNZ  sgemmColsRowsBAVX512_loop1

sgemmColsRowsBAVX512_store:
	// Z30 = alpha, Z31 = beta in every lane.
	VBROADCASTSS alpha+56(FP), Z30
	VBROADCASTSS beta+60(FP), Z31
	// if beta == ±0: C = alpha·acc, without reading C.
	MOVL beta+60(FP), R8
	SHLL $1, R8
	JZ   sgemmColsRowsBAVX512_zero

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

sgemmColsRowsBAVX512_zero:
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

