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

DATA plusOne<>+0(SB)/4, $0x3f800000
DATA plusOne<>+4(SB)/4, $0x3f800000
DATA plusOne<>+8(SB)/4, $0x3f800000
DATA plusOne<>+12(SB)/4, $0x3f800000
GLOBL plusOne<>(SB), RODATA|NOPTR, $16

DATA minusOne<>+0(SB)/4, $0xbf800000
DATA minusOne<>+4(SB)/4, $0xbf800000
DATA minusOne<>+8(SB)/4, $0xbf800000
DATA minusOne<>+12(SB)/4, $0xbf800000
GLOBL minusOne<>(SB), RODATA|NOPTR, $16

// CLAMP1(v): v limited to [−1, 1] in X6 (X7 scratch): 1 where 1 < v,
// −1 where −1 > v, else v itself (NaN included: MINPS and MAXPS give their
// second operand when either is NaN).
#define CLAMP1(v) \
	MOVUPS plusOne<>(SB), X7; MINPS v, X7; \
	MOVUPS minusOne<>(SB), X6; MAXPS X7, X6

// func addScaleClampSSE(dst, a, b *float32, s float32, n int)
// dst[i] = clamp((a[i] + b[i])·s), four a step (n a multiple of 4).
TEXT ·addScaleClampSSE(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVSS s+24(FP), X4
	SHUFPS $0, X4, X4
	MOVQ n+32(FP), CX
	SHRQ $2, CX
	JEQ acdone
acloop:
	MOVUPS (SI), X0
	MOVUPS (DX), X1
	ADDPS X1, X0
	MULPS X4, X0
	CLAMP1(X0)
	MOVUPS X6, (DI)
	ADDQ $16, SI
	ADDQ $16, DX
	ADDQ $16, DI
	DECQ CX
	JNE acloop
acdone:
	RET

// func mixClampSSE(out, r, d, o *float32, b, mu float32, n int)
// out[i] = clamp((d[i]−r[i])·b + r[i] + (o[i]−r[i])·mu), four a step (n
// a multiple of 4): the hybrid mix's operations in the operand order its
// compiled Go loop has.
TEXT ·mixClampSSE(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ r+8(FP), SI
	MOVQ d+16(FP), DX
	MOVQ o+24(FP), R8
	MOVSS b+32(FP), X4
	SHUFPS $0, X4, X4
	MOVSS mu+36(FP), X5
	SHUFPS $0, X5, X5
	MOVQ n+40(FP), CX
	SHRQ $2, CX
	JEQ mxdone
mxloop:
	MOVUPS (SI), X0 // r
	MOVUPS (DX), X1
	SUBPS X0, X1
	MULPS X4, X1
	ADDPS X0, X1 // v = (d − r)·b + r
	MOVUPS (R8), X2
	SUBPS X0, X2
	MULPS X5, X2
	ADDPS X2, X1 // v + (o − r)·mu
	CLAMP1(X1)
	MOVUPS X6, (DI)
	ADDQ $16, SI
	ADDQ $16, DX
	ADDQ $16, R8
	ADDQ $16, DI
	DECQ CX
	JNE mxloop
mxdone:
	RET
