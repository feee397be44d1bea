#include "textflag.h"

// func matVecSSE(out, bias, w, x *float32, cols int)
// X0..X3: the 16 sums; per input: broadcast x[j] to X4, then for each
// group of four neurons load its four weights, multiply, add.
TEXT ·matVecSSE(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ bias+8(FP), SI
	MOVQ w+16(FP), R8
	MOVQ x+24(FP), R9
	MOVQ cols+32(FP), CX
	MOVUPS 0(SI), X0
	MOVUPS 16(SI), X1
	MOVUPS 32(SI), X2
	MOVUPS 48(SI), X3
	TESTQ CX, CX
	JEQ done
loop:
	MOVSS (R9), X4
	SHUFPS $0, X4, X4
	MOVUPS 0(R8), X5
	MULPS X4, X5
	ADDPS X5, X0
	MOVUPS 16(R8), X6
	MULPS X4, X6
	ADDPS X6, X1
	MOVUPS 32(R8), X7
	MULPS X4, X7
	ADDPS X7, X2
	MOVUPS 48(R8), X8
	MULPS X4, X8
	ADDPS X8, X3
	ADDQ $64, R8
	ADDQ $4, R9
	DECQ CX
	JNE loop
done:
	MOVUPS X0, 0(DI)
	MOVUPS X1, 16(DI)
	MOVUPS X2, 32(DI)
	MOVUPS X3, 48(DI)
	RET
