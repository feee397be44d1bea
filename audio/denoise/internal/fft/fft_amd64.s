#include "textflag.h"

DATA negRe<>+0(SB)/4, $0x80000000
DATA negRe<>+4(SB)/4, $0
DATA negRe<>+8(SB)/4, $0x80000000
DATA negRe<>+12(SB)/4, $0
GLOBL negRe<>(SB), RODATA|NOPTR, $16

DATA negIm<>+0(SB)/4, $0
DATA negIm<>+4(SB)/4, $0x80000000
DATA negIm<>+8(SB)/4, $0
DATA negIm<>+12(SB)/4, $0x80000000
GLOBL negIm<>(SB), RODATA|NOPTR, $16

// func bfly4SSE(x *complex64, tw *float32, m int)
// bfly4 two butterflies (u, u+1) a step; m even. tw: per pair of u, the
// twiddles k = 1, 2, 3 as [re re re' re'] [im im im' im'] vectors.
// A complex product a·w is a·re(w) + swap(a)·im(w) with the real lanes of
// the second term negated: (ar·wr + -(ai·wi), ai·wr + ar·wi), the same
// roundings as cmul's ar·wr − ai·wi and ar·wi + ai·wr.
TEXT ·bfly4SSE(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), DI
	MOVQ tw+8(FP), SI
	MOVQ m+16(FP), CX
	MOVQ CX, AX
	SHLQ $3, AX
	LEAQ (DI)(AX*1), R8
	LEAQ (R8)(AX*1), R9
	LEAQ (R9)(AX*1), R10
	SHRQ $1, CX
	JEQ done
	MOVUPS negRe<>(SB), X14
	MOVUPS negIm<>(SB), X13
loop:
	MOVUPS (R8), X0
	MOVAPS X0, X1
	SHUFPS $0xB1, X1, X1
	MOVUPS 0(SI), X2
	MULPS X2, X0
	MOVUPS 16(SI), X3
	MULPS X3, X1
	XORPS X14, X1
	ADDPS X1, X0 // s0 = x1·w1

	MOVUPS (R9), X4
	MOVAPS X4, X5
	SHUFPS $0xB1, X5, X5
	MOVUPS 32(SI), X2
	MULPS X2, X4
	MOVUPS 48(SI), X3
	MULPS X3, X5
	XORPS X14, X5
	ADDPS X5, X4 // s1 = x2·w2

	MOVUPS (R10), X6
	MOVAPS X6, X7
	SHUFPS $0xB1, X7, X7
	MOVUPS 64(SI), X2
	MULPS X2, X6
	MOVUPS 80(SI), X3
	MULPS X3, X7
	XORPS X14, X7
	ADDPS X7, X6 // s2 = x3·w3

	MOVUPS (DI), X8
	MOVAPS X8, X9
	SUBPS X4, X9 // s5 = x0 − s1
	ADDPS X4, X8 // a = x0 + s1
	MOVAPS X0, X10
	ADDPS X6, X10 // s3 = s0 + s2
	SUBPS X6, X0 // s4 = s0 − s2
	MOVAPS X8, X11
	SUBPS X10, X11 // a − s3
	ADDPS X10, X8 // a + s3
	SHUFPS $0xB1, X0, X0
	XORPS X13, X0 // (im s4, −re s4)
	MOVAPS X9, X12
	ADDPS X0, X12 // (re s5 + im s4, im s5 − re s4)
	SUBPS X0, X9 // (re s5 − im s4, im s5 + re s4)
	MOVUPS X8, (DI)
	MOVUPS X12, (R8)
	MOVUPS X11, (R9)
	MOVUPS X9, (R10)
	ADDQ $16, DI
	ADDQ $16, R8
	ADDQ $16, R9
	ADDQ $16, R10
	ADDQ $96, SI
	DECQ CX
	JNE loop
done:
	RET
