#include "textflag.h"

// func mulSSE(dst, a, b *float32, n int)
// dst[i] = a[i]·b[i], eight a step (n a multiple of 8).
TEXT ·mulSSE(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JEQ mdone
mloop:
	MOVUPS 0(SI), X0
	MOVUPS 16(SI), X1
	MOVUPS 0(DX), X2
	MOVUPS 16(DX), X3
	MULPS X2, X0
	MULPS X3, X1
	MOVUPS X0, 0(DI)
	MOVUPS X1, 16(DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNE mloop
mdone:
	RET

// func scaleSSE(x *float32, s float32, n int)
// x[i] *= s, eight a step (n a multiple of 8).
TEXT ·scaleSSE(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), DI
	MOVSS s+8(FP), X4
	SHUFPS $0, X4, X4
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JEQ sdone
sloop:
	MOVUPS 0(DI), X0
	MOVUPS 16(DI), X1
	MULPS X4, X0
	MULPS X4, X1
	MOVUPS X0, 0(DI)
	MOVUPS X1, 16(DI)
	ADDQ $32, DI
	DECQ CX
	JNE sloop
sdone:
	RET

// func mulBinsSSE(bins *complex64, gain *float32, n int)
// X[k] = (re·g[k], im·g[k]), four bins a step (n a multiple of 4): the
// four gains spread to (g0 g0 g1 g1) and (g2 g2 g3 g3).
TEXT ·mulBinsSSE(SB), NOSPLIT, $0-24
	MOVQ bins+0(FP), DI
	MOVQ gain+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $2, CX
	JEQ bdone
bloop:
	MOVUPS 0(SI), X2
	MOVAPS X2, X3
	UNPCKLPS X2, X2
	UNPCKHPS X3, X3
	MOVUPS 0(DI), X0
	MOVUPS 16(DI), X1
	MULPS X2, X0
	MULPS X3, X1
	MOVUPS X0, 0(DI)
	MOVUPS X1, 16(DI)
	ADDQ $16, SI
	ADDQ $32, DI
	DECQ CX
	JNE bloop
bdone:
	RET

DATA absMask<>+0(SB)/4, $0x7fffffff
DATA absMask<>+4(SB)/4, $0x7fffffff
DATA absMask<>+8(SB)/4, $0x7fffffff
DATA absMask<>+12(SB)/4, $0x7fffffff
GLOBL absMask<>(SB), RODATA|NOPTR, $16

DATA big<>+0(SB)/4, $0x7149f2ca
DATA big<>+4(SB)/4, $0x7149f2ca
DATA big<>+8(SB)/4, $0x7149f2ca
DATA big<>+12(SB)/4, $0x7149f2ca
GLOBL big<>(SB), RODATA|NOPTR, $16

// func finiteSSE(dst, src *float32, n int)
// dst[i] = src[i] where |src[i]| <= 1e30 (CMPPS LE is false for NaN), else
// +0; eight a step (n a multiple of 8).
TEXT ·finiteSSE(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVUPS absMask<>(SB), X6
	MOVUPS big<>(SB), X7
	SHRQ $3, CX
	JEQ fdone
floop:
	MOVUPS 0(SI), X0
	MOVUPS 16(SI), X1
	MOVAPS X0, X2
	MOVAPS X1, X3
	ANDPS X6, X2
	ANDPS X6, X3
	CMPPS X7, X2, 2 // |v| <= 1e30
	CMPPS X7, X3, 2
	ANDPS X2, X0
	ANDPS X3, X1
	MOVUPS X0, 0(DI)
	MOVUPS X1, 16(DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNE floop
fdone:
	RET

// func conjScaleSSE(x *float32, s float32, n int)
// x[2i] *= s, x[2i+1] = −x[2i+1]·s (the sign flipped first, as the Go loop
// does, so a NaN keeps the same sign bit), eight floats a step (n a
// multiple of 8).
TEXT ·conjScaleSSE(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), DI
	MOVSS s+8(FP), X4
	SHUFPS $0, X4, X4
	MOVQ $0x8000000000000000, AX
	MOVQ AX, X5
	PUNPCKLQDQ X5, X5 // (0, −0, 0, −0): the odd floats' sign bits
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JEQ cdone
cloop:
	MOVUPS 0(DI), X0
	MOVUPS 16(DI), X1
	XORPS X5, X0
	XORPS X5, X1
	MULPS X4, X0
	MULPS X4, X1
	MOVUPS X0, 0(DI)
	MOVUPS X1, 16(DI)
	ADDQ $32, DI
	DECQ CX
	JNE cloop
cdone:
	RET
