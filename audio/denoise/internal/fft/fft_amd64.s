#include "textflag.h"

// CMUL(src, a, b, wre, wim): a = the two complex values at src times the
// twiddles whose lane-ordered factors are at wre and wim (X14 flips the
// signs that make it ar·wr − ai·wi, ar·wi + ai·wr, rounded as cmul does);
// b, X2 and X3 are scratch.
#define CMUL(src, a, b, wre, wim) \
	MOVUPS src, a; MOVAPS a, b; SHUFPS $0xB1, b, b; \
	MOVUPS wre, X2; MULPS X2, a; MOVUPS wim, X3; MULPS X3, b; \
	XORPS X14, b; ADDPS b, a

// PAIR(x): x = the complex64 at SI (low lanes) and the one at R8 (high
// lanes), leaf5x2SSE's two leaves side by side.
#define PAIR(x) MOVSD (SI), x; MOVHPS (R8), x

// SPLIT(x, lo, hi): the low complex of x to lo(DI), the high one to hi(DI).
#define SPLIT(x, lo, hi) MOVLPS x, lo(DI); MOVHPS x, hi(DI)

// B2REST: bfly2's sum and difference of x0 (in X4) and t = x1·w (in X0):
// x0 + t to X4, x0 − t to X5.
#define B2REST MOVAPS X4, X5; SUBPS X0, X5; ADDPS X0, X4

// B3REST(x0src): bfly3 after its two products s1 (X0) and s2 (X4), with
// X11 the halves, X12 epi and X13 negIm: x0's new value to X7, x1's to X9,
// x2's to X10.
#define B3REST(x0src) \
	MOVAPS X0, X6; ADDPS X4, X6; SUBPS X4, X0; \
	MOVUPS x0src, X7; MOVAPS X6, X8; MULPS X11, X8; MOVAPS X7, X9; SUBPS X8, X9; \
	MULPS X12, X0; ADDPS X6, X7; \
	SHUFPS $0xB1, X0, X0; XORPS X13, X0; \
	MOVAPS X9, X10; ADDPS X0, X10; SUBPS X0, X9


// BFLY4ARGS: bfly4SSE's and bfly4AVX's x0 .. x3 to DI, R8, R9, R10 (m
// bins apart) and their twiddles to SI.
#define BFLY4ARGS \
	MOVQ x+0(FP), DI; MOVQ tw+8(FP), SI; \
	MOVQ m+16(FP), AX; SHLQ $3, AX; \
	LEAQ (DI)(AX*1), R8; LEAQ (R8)(AX*1), R9; LEAQ (R9)(AX*1), R10

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

// func bfly4SSE(x *complex64, tw *float32, m, pairs int)
// bfly4 two butterflies (u, u+1) a step, pairs steps. tw: per pair of u, the
// twiddles k = 1, 2, 3 as [re re re' re'] [im im im' im'] vectors.
// A complex product a·w is a·re(w) + swap(a)·im(w) with the real lanes of
// the second term negated: (ar·wr + -(ai·wi), ai·wr + ar·wi), the same
// roundings as cmul's ar·wr − ai·wi and ar·wi + ai·wr.
TEXT ·bfly4SSE(SB), NOSPLIT, $0-32
	BFLY4ARGS
	MOVQ pairs+24(FP), CX
	TESTQ CX, CX
	JEQ done
	MOVUPS negRe<>(SB), X14
	MOVUPS negIm<>(SB), X13
loop:
	CMUL((R8), X0, X1, 0(SI), 16(SI)) // s0 = x1·w1

	CMUL((R9), X4, X5, 32(SI), 48(SI)) // s1 = x2·w2

	CMUL((R10), X6, X7, 64(SI), 80(SI)) // s2 = x3·w3

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

DATA halves<>+0(SB)/4, $0x3f000000
DATA halves<>+4(SB)/4, $0x3f000000
DATA halves<>+8(SB)/4, $0x3f000000
DATA halves<>+12(SB)/4, $0x3f000000
GLOBL halves<>(SB), RODATA|NOPTR, $16

// func realPostSSE(X, Z *complex64, w *float32, m, pairs int)
// Real.Forward's untangling for bins k = 1 .. 2·pairs, two a step: with
// a = Z[k], bc = conj(Z[m−k]), e = (a+bc)/2, d = (a−bc)/2, o = d/i,
// X[k] = e + w[k]·o. w: per pair [wr wr wr' wr'] [wi wi wi' wi'].
TEXT ·realPostSSE(SB), NOSPLIT, $0-40
	MOVQ X+0(FP), DI
	MOVQ Z+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ m+24(FP), AX
	MOVQ pairs+32(FP), CX
	LEAQ (SI)(AX*8), R8
	SUBQ $16, R8 // &Z[m−2]: Z[m−k−1], Z[m−k] for k = 1
	ADDQ $8, SI // &Z[1]
	ADDQ $8, DI // &X[1]
	TESTQ CX, CX
	JEQ pdone
	MOVUPS negRe<>(SB), X14
	MOVUPS negIm<>(SB), X13
	MOVUPS halves<>(SB), X12
ploop:
	MOVUPS (SI), X0 // a
	MOVUPS (R8), X1
	SHUFPS $0x4E, X1, X1 // Z[m−k], Z[m−k−1]
	XORPS X13, X1 // bc
	MOVAPS X0, X2
	ADDPS X1, X2
	MULPS X12, X2 // e
	SUBPS X1, X0
	MULPS X12, X0 // d
	SHUFPS $0xB1, X0, X0
	XORPS X13, X0 // o = (im d, −re d)
	MOVAPS X0, X3
	SHUFPS $0xB1, X3, X3
	MOVUPS 0(DX), X4
	MULPS X4, X0
	MOVUPS 16(DX), X5
	MULPS X5, X3
	XORPS X14, X3
	ADDPS X3, X0 // w·o
	ADDPS X0, X2
	MOVUPS X2, (DI)
	ADDQ $16, SI
	SUBQ $16, R8
	ADDQ $16, DI
	ADDQ $32, DX
	DECQ CX
	JNE ploop
pdone:
	RET

// func realPreSSE(Z, X *complex64, wc *float32, pairs int)
// Real.Inverse's tangling for k = 0 .. 2·pairs−1, two a step (m = 2·pairs
// or more; X has m+1 bins): with a = X[k], bc = conj(X[m−k]),
// e = (a+bc)/2, o = ((a−bc)/2)·conj(w[k]), Z[k] = conj(e + i·o).
// wc: per pair [wr wr wr' wr'] [−wi −wi −wi' −wi'].
TEXT ·realPreSSE(SB), NOSPLIT, $0-40
	MOVQ Z+0(FP), DI
	MOVQ X+8(FP), SI
	MOVQ wc+16(FP), DX
	MOVQ m+24(FP), AX
	MOVQ pairs+32(FP), CX
	LEAQ -8(SI)(AX*8), R8 // &X[m−1]: X[m−k−1], X[m−k] for k = 0
	TESTQ CX, CX
	JEQ qdone
	MOVUPS negRe<>(SB), X14
	MOVUPS negIm<>(SB), X13
	MOVUPS halves<>(SB), X12
qloop:
	MOVUPS (SI), X0 // a
	MOVUPS (R8), X1
	SHUFPS $0x4E, X1, X1
	XORPS X13, X1 // bc
	MOVAPS X0, X2
	ADDPS X1, X2
	MULPS X12, X2 // e
	SUBPS X1, X0
	MULPS X12, X0 // h = (a−bc)/2
	MOVAPS X0, X3
	SHUFPS $0xB1, X3, X3
	MOVUPS 0(DX), X4
	MULPS X4, X0
	MOVUPS 16(DX), X5
	MULPS X5, X3
	XORPS X14, X3
	ADDPS X3, X0 // o = h·conj(w)
	SHUFPS $0xB1, X0, X0
	XORPS X14, X0 // i·o = (−im o, re o)
	ADDPS X0, X2
	XORPS X13, X2 // conj
	MOVUPS X2, (DI)
	ADDQ $16, SI
	SUBQ $16, R8
	ADDQ $16, DI
	ADDQ $32, DX
	DECQ CX
	JNE qloop
qdone:
	RET

// func bfly2StageSSE(x *complex64, tw *float32, m, blocks int)
// bfly2 for u < m rounded down to even, two a step, in each of blocks
// consecutive blocks of 2m bins from x; tw per pair [re re re' re']
// [im im im' im'].
TEXT ·bfly2StageSSE(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), R10
	MOVQ m+16(FP), BX
	SHLQ $3, BX // m bins in bytes
	LEAQ (BX)(BX*1), R12 // a block in bytes
	MOVQ blocks+24(FP), R11
	TESTQ R11, R11
	JEQ s2done
	MOVUPS negRe<>(SB), X14
s2block:
	MOVQ R10, DI
	LEAQ (DI)(BX*1), R8
	MOVQ tw+8(FP), SI
	MOVQ m+16(FP), CX
	SHRQ $1, CX
	JEQ s2next
s2pair:
	CMUL((R8), X0, X1, 0(SI), 16(SI))
	MOVUPS (DI), X4
	B2REST
	MOVUPS X5, (R8)
	MOVUPS X4, (DI)
	ADDQ $16, DI
	ADDQ $16, R8
	ADDQ $32, SI
	DECQ CX
	JNE s2pair
s2next:
	ADDQ R12, R10
	DECQ R11
	JNE s2block
s2done:
	RET

// func bfly3StageSSE(x *complex64, tw *float32, m, blocks int, epi float32)
// bfly3 as bfly2StageSSE, in blocks of 3m bins; tw per pair the twiddles
// k = 1, 2 as in bfly4SSE.
TEXT ·bfly3StageSSE(SB), NOSPLIT, $0-36
	MOVQ x+0(FP), R10
	MOVQ m+16(FP), BX
	SHLQ $3, BX
	LEAQ (BX)(BX*2), R12
	MOVQ blocks+24(FP), R11
	TESTQ R11, R11
	JEQ s3done
	MOVSS epi+32(FP), X12
	SHUFPS $0, X12, X12
	MOVUPS negRe<>(SB), X14
	MOVUPS negIm<>(SB), X13
	MOVUPS halves<>(SB), X11
s3block:
	MOVQ R10, DI
	LEAQ (DI)(BX*1), R8
	LEAQ (R8)(BX*1), R9
	MOVQ tw+8(FP), SI
	MOVQ m+16(FP), CX
	SHRQ $1, CX
	JEQ s3next
s3pair:
	CMUL((R8), X0, X1, 0(SI), 16(SI))
	CMUL((R9), X4, X5, 32(SI), 48(SI))
	B3REST((DI))
	MOVUPS X7, (DI)
	MOVUPS X10, (R9)
	MOVUPS X9, (R8)
	ADDQ $16, DI
	ADDQ $16, R8
	ADDQ $16, R9
	ADDQ $64, SI
	DECQ CX
	JNE s3pair
s3next:
	ADDQ R12, R10
	DECQ R11
	JNE s3block
s3done:
	RET

// func leaf5RunSSE(out, in *complex64, idx *int, pairs, stride int, ya, yb complex64)
// Radix-5 leaves (FFT.leaf's radix-5 case) two at a time, pairs pairs:
// pair k writes out at byte offset idx[3k] (leaf A out[0..4], leaf B
// out[5..9]) from in at byte offsets idx[3k+1] (A) and idx[3k+2] (B),
// each leaf's inputs stride bytes apart. Lane pair 0-1 is A, 2-3 is B,
// each the same operations in the same order as leaf.
TEXT ·leaf5RunSSE(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), R11
	MOVQ in+8(FP), R12
	MOVQ idx+16(FP), R9
	MOVQ pairs+24(FP), R10
	MOVSS ya_real+40(FP), X8
	SHUFPS $0, X8, X8
	MOVSS ya_imag+44(FP), X9
	SHUFPS $0, X9, X9
	MOVSS yb_real+48(FP), X10
	SHUFPS $0, X10, X10
	MOVSS yb_imag+52(FP), X11
	SHUFPS $0, X11, X11
	MOVUPS negRe<>(SB), X14
	MOVUPS negIm<>(SB), X13
	TESTQ R10, R10
	JEQ l5done
l5loop:
	MOVQ stride+32(FP), CX
	MOVQ 0(R9), DI
	ADDQ R11, DI
	MOVQ 8(R9), SI
	ADDQ R12, SI
	MOVQ 16(R9), R8
	ADDQ R12, R8
	PAIR(X0) // s0
	ADDQ CX, SI
	ADDQ CX, R8
	PAIR(X1) // s1
	ADDQ CX, SI
	ADDQ CX, R8
	PAIR(X2) // s2
	ADDQ CX, SI
	ADDQ CX, R8
	PAIR(X3) // s3
	ADDQ CX, SI
	ADDQ CX, R8
	PAIR(X4) // s4

	MOVAPS X1, X5
	ADDPS X4, X5 // s7 = s1 + s4
	SUBPS X4, X1 // s10 = s1 − s4
	MOVAPS X2, X6
	ADDPS X3, X6 // s8 = s2 + s3
	SUBPS X3, X2 // s9 = s2 − s3

	MOVAPS X0, X7
	ADDPS X5, X7
	ADDPS X6, X7 // s0 + s7 + s8
	SPLIT(X7, 0, 40)

	MOVAPS X5, X3
	MULPS X8, X3
	ADDPS X0, X3
	MOVAPS X6, X4
	MULPS X10, X4
	ADDPS X4, X3 // s5 = s0 + s7·re ya + s8·re yb
	MOVAPS X1, X4
	SHUFPS $0xB1, X4, X4
	MULPS X9, X4
	MOVAPS X2, X7
	SHUFPS $0xB1, X7, X7
	MULPS X11, X7
	ADDPS X7, X4
	XORPS X13, X4 // s6
	MOVAPS X3, X7
	SUBPS X4, X7 // s5 − s6
	SPLIT(X7, 8, 48)
	ADDPS X4, X3 // s5 + s6
	SPLIT(X3, 32, 72)

	MOVAPS X5, X3
	MULPS X10, X3
	ADDPS X0, X3
	MOVAPS X6, X4
	MULPS X8, X4
	ADDPS X4, X3 // s11 = s0 + s7·re yb + s8·re ya
	MOVAPS X1, X4
	SHUFPS $0xB1, X4, X4
	MULPS X11, X4
	XORPS X14, X4 // (−im s10·im yb, re s10·im yb)
	MOVAPS X2, X7
	SHUFPS $0xB1, X7, X7
	MULPS X9, X7
	XORPS X13, X7 // (im s9·im ya, −re s9·im ya)
	ADDPS X7, X4 // s12
	MOVAPS X3, X7
	ADDPS X4, X7 // s11 + s12
	SPLIT(X7, 16, 56)
	SUBPS X4, X3 // s11 − s12
	SPLIT(X3, 24, 64)
	ADDQ $24, R9
	DECQ R10
	JNE l5loop
l5done:
	RET

// VCMUL is CMUL on four complex values in Y registers, the same operations
// in the same operand order lane by lane (Y14: negRe twice); the twiddles
// are read by the multiplies.
#define VCMUL(src, a, b, wre, wim) \
	VMOVUPS src, a; VSHUFPS $0xB1, a, a, b; \
	VMULPS wre, a, a; VMULPS wim, b, b; \
	VXORPS Y14, b, b; VADDPS b, a, a

// func bfly4AVX(x *complex64, tw *float32, m, quads int)
// bfly4SSE four butterflies (u to u+3) a step, quads steps: each SSE2
// instruction's AVX form with the same operands, so the same bits lane by
// lane. tw: per quad of u, for k = 1, 2, 3, the four twiddles' real parts
// each twice, then their imaginary parts each twice.
TEXT ·bfly4AVX(SB), NOSPLIT, $0-32
	BFLY4ARGS
	MOVQ quads+24(FP), CX
	TESTQ CX, CX
	JEQ a4done
	VBROADCASTF128 negRe<>(SB), Y14
	VBROADCASTF128 negIm<>(SB), Y13
a4loop:
	VCMUL((R8), Y0, Y1, 0(SI), 32(SI)) // s0 = x1·w1
	VCMUL((R9), Y4, Y5, 64(SI), 96(SI)) // s1 = x2·w2
	VCMUL((R10), Y6, Y7, 128(SI), 160(SI)) // s2 = x3·w3
	VMOVUPS (DI), Y8
	VSUBPS Y4, Y8, Y9 // s5 = x0 − s1
	VADDPS Y4, Y8, Y8 // a = x0 + s1
	VADDPS Y6, Y0, Y10 // s3 = s0 + s2
	VSUBPS Y6, Y0, Y0 // s4 = s0 − s2
	VSUBPS Y10, Y8, Y11 // a − s3
	VADDPS Y10, Y8, Y8 // a + s3
	VSHUFPS $0xB1, Y0, Y0, Y0
	VXORPS Y13, Y0, Y0 // (im s4, −re s4)
	VADDPS Y0, Y9, Y12
	VSUBPS Y0, Y9, Y9
	VMOVUPS Y8, (DI)
	VMOVUPS Y12, (R8)
	VMOVUPS Y11, (R9)
	VMOVUPS Y9, (R10)
	ADDQ $32, DI
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $192, SI
	DECQ CX
	JNE a4loop
	VZEROUPPER
a4done:
	RET

// REV4(y): the four complex values of y in reverse order (halves swapped,
// then the two in each half).
#define REV4(y) VPERM2F128 $0x01, y, y, y; VSHUFPS $0x4E, y, y, y

// VREALCONSTS: realPostAVX's and realPreAVX's constants, each 16 bytes
// twice: negRe to Y14, negIm to Y13, halves to Y12.
#define VREALCONSTS \
	VBROADCASTF128 negRe<>(SB), Y14; VBROADCASTF128 negIm<>(SB), Y13; \
	VBROADCASTF128 halves<>(SB), Y12

// VHALVES: with a the four bins at SI and bc the conjugates of the four
// at R8 read backwards, e = (a+bc)/2 to Y2 and (a−bc)/2 to Y0 (Y1: bc).
#define VHALVES \
	VMOVUPS (SI), Y0; VMOVUPS (R8), Y1; REV4(Y1); VXORPS Y13, Y1, Y1; \
	VADDPS Y1, Y0, Y2; VMULPS Y12, Y2, Y2; \
	VSUBPS Y1, Y0, Y0; VMULPS Y12, Y0, Y0

// func realPostAVX(X, Z *complex64, w *float32, m, quads int)
// realPostSSE four bins a step (k = 1 .. 4·quads): each SSE2 instruction's
// AVX form with the same operands, Z[m−k] for four k at once read
// backwards. w: per quad, the four twiddles' real parts each twice, then
// their imaginary parts each twice.
TEXT ·realPostAVX(SB), NOSPLIT, $0-40
	MOVQ X+0(FP), DI
	MOVQ Z+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ m+24(FP), AX
	MOVQ quads+32(FP), CX
	LEAQ (SI)(AX*8), R8
	SUBQ $32, R8 // &Z[m−4]: Z[m−k−3] .. Z[m−k] for k = 1
	ADDQ $8, SI // &Z[1]
	ADDQ $8, DI // &X[1]
	TESTQ CX, CX
	JEQ pvdone
	VREALCONSTS
pvloop:
	VHALVES // e to Y2, d = (a−bc)/2 to Y0
	VSHUFPS $0xB1, Y0, Y0, Y0
	VXORPS Y13, Y0, Y0 // o = (im d, −re d)
	VCMUL(Y0, Y0, Y3, 0(DX), 32(DX)) // w·o
	VADDPS Y0, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	SUBQ $32, R8
	ADDQ $32, DI
	ADDQ $64, DX
	DECQ CX
	JNE pvloop
	VZEROUPPER
pvdone:
	RET

// func realPreAVX(Z, X *complex64, wc *float32, m, quads int)
// realPreSSE four bins a step (k = 0 .. 4·quads−1), as realPostAVX.
TEXT ·realPreAVX(SB), NOSPLIT, $0-40
	MOVQ Z+0(FP), DI
	MOVQ X+8(FP), SI
	MOVQ wc+16(FP), DX
	MOVQ m+24(FP), AX
	MOVQ quads+32(FP), CX
	LEAQ -24(SI)(AX*8), R8 // &X[m−3]: X[m−k−3] .. X[m−k] for k = 0
	TESTQ CX, CX
	JEQ qvdone
	VREALCONSTS
qvloop:
	VHALVES // e to Y2, h = (a−bc)/2 to Y0
	VCMUL(Y0, Y0, Y3, 0(DX), 32(DX)) // o = h·conj(w)
	VSHUFPS $0xB1, Y0, Y0, Y0
	VXORPS Y14, Y0, Y0 // i·o = (−im o, re o)
	VADDPS Y0, Y2, Y2
	VXORPS Y13, Y2, Y2 // conj
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	SUBQ $32, R8
	ADDQ $32, DI
	ADDQ $64, DX
	DECQ CX
	JNE qvloop
	VZEROUPPER
qvdone:
	RET
