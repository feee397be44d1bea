#include "textflag.h"

// MULADD16: X0..X3 (16 sums) += X4 (a broadcast scalar) × the 16 floats at
// R8, each lane one multiply then one add, as the Go code does.
#define MULADD16 \
	MOVUPS 0(R8), X5; MULPS X4, X5; ADDPS X5, X0; \
	MOVUPS 16(R8), X6; MULPS X4, X6; ADDPS X6, X1; \
	MOVUPS 32(R8), X7; MULPS X4, X7; ADDPS X7, X2; \
	MOVUPS 48(R8), X8; MULPS X4, X8; ADDPS X8, X3

// STORE16 writes the 16 sums X0..X3 to DI.
#define STORE16 \
	MOVUPS X0, 0(DI); MOVUPS X1, 16(DI); MOVUPS X2, 32(DI); MOVUPS X3, 48(DI)

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
	MULADD16
	ADDQ $64, R8
	ADDQ $4, R9
	DECQ CX
	JNE loop
done:
	STORE16
	RET

// func xcorr16SSE(out, x, y *float32, n int)
// out[k] = Σ_{j<n} x[j]·y[j+k] for k < 16, each in order of j: X0..X3
// hold lags 0-3, 4-7, 8-11, 12-15; per j, x[j] is broadcast and
// multiplied with y[j..j+15].
TEXT ·xcorr16SSE(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), R8
	MOVQ n+24(FP), CX
	XORPS X0, X0
	XORPS X1, X1
	XORPS X2, X2
	XORPS X3, X3
	TESTQ CX, CX
	JEQ xdone
xloop:
	MOVSS (SI), X4
	SHUFPS $0, X4, X4
	MULADD16
	ADDQ $4, R8
	ADDQ $4, SI
	DECQ CX
	JNE xloop
xdone:
	STORE16
	RET

// func xcorr4SSE(out, x, y *float32, n int): xcorr16SSE for 4 lags.
TEXT ·xcorr4SSE(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), R8
	MOVQ n+24(FP), CX
	XORPS X0, X0
	TESTQ CX, CX
	JEQ x4done
x4loop:
	MOVSS (SI), X4
	SHUFPS $0, X4, X4
	MOVUPS 0(R8), X5
	MULPS X4, X5
	ADDPS X5, X0
	ADDQ $4, R8
	ADDQ $4, SI
	DECQ CX
	JNE x4loop
x4done:
	MOVUPS X0, 0(DI)
	RET
