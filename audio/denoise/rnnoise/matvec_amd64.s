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

// MULADD32: Y0..Y3 (32 sums) += Y4 (a broadcast scalar) × the 8 floats
// at each of m0..m3, each lane one multiply then one add (no fused
// multiply-add), as the Go code does.
#define MULADD32(m0, m1, m2, m3) \
	VMULPS m0, Y4, Y5; VMULPS m1, Y4, Y6; VMULPS m2, Y4, Y7; VMULPS m3, Y4, Y8; \
	VADDPS Y5, Y0, Y0; VADDPS Y6, Y1, Y1; VADDPS Y7, Y2, Y2; VADDPS Y8, Y3, Y3

// STORE32 writes the 32 sums Y0..Y3 to DI and leaves the AVX state clean.
#define STORE32 \
	VMOVUPS Y0, 0(DI); VMOVUPS Y1, 32(DI); VMOVUPS Y2, 64(DI); VMOVUPS Y3, 96(DI); \
	VZEROUPPER

// func matVec2AVX(out, bias, w, x *float32, cols, stride int)
// Two blocks of 16 neurons at once (the second block's weights stride
// bytes after the first's, its bias and outputs 16 floats on): Y0, Y1
// hold the first block's sums, Y2, Y3 the second's. Per input x[j] is
// broadcast and MULADD32 applied, so every neuron rounds exactly as
// matVecGeneric does; the four independent sums keep the adder busy where
// matVecSSE's waited on their latency.
TEXT ·matVec2AVX(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ bias+8(FP), SI
	MOVQ w+16(FP), R8
	MOVQ x+24(FP), R9
	MOVQ cols+32(FP), CX
	MOVQ stride+40(FP), R10
	ADDQ R8, R10
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	TESTQ CX, CX
	JEQ m2done
m2loop:
	VBROADCASTSS (R9), Y4
	MULADD32(0(R8), 32(R8), 0(R10), 32(R10))
	ADDQ $64, R8
	ADDQ $64, R10
	ADDQ $4, R9
	DECQ CX
	JNE m2loop
m2done:
	STORE32
	RET

// func matVec4AVX(out, bias, w, x *float32, cols, stride int)
// matVec2AVX for four blocks of 16 neurons (block q's weights q·stride
// bytes after the first's, its bias and outputs 16q floats on): eight
// independent sums Y0..Y7, so the adds of one input no longer wait on the
// previous input's; every neuron still multiplies then adds, input by
// input in order, as matVecGeneric does.
TEXT ·matVec4AVX(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ bias+8(FP), SI
	MOVQ w+16(FP), R8
	MOVQ x+24(FP), R9
	MOVQ cols+32(FP), CX
	MOVQ stride+40(FP), R10
	LEAQ (R8)(R10*2), R11
	ADDQ R8, R10
	MOVQ stride+40(FP), R12
	ADDQ R11, R12
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS 128(SI), Y4
	VMOVUPS 160(SI), Y5
	VMOVUPS 192(SI), Y6
	VMOVUPS 224(SI), Y7
	TESTQ CX, CX
	JEQ m4done
m4loop:
	VBROADCASTSS (R9), Y8
	VMULPS 0(R8), Y8, Y9
	VMULPS 32(R8), Y8, Y10
	VMULPS 0(R10), Y8, Y11
	VMULPS 32(R10), Y8, Y12
	VADDPS Y9, Y0, Y0
	VADDPS Y10, Y1, Y1
	VADDPS Y11, Y2, Y2
	VADDPS Y12, Y3, Y3
	VMULPS 0(R11), Y8, Y13
	VMULPS 32(R11), Y8, Y14
	VMULPS 0(R12), Y8, Y15
	VMULPS 32(R12), Y8, Y9
	VADDPS Y13, Y4, Y4
	VADDPS Y14, Y5, Y5
	VADDPS Y15, Y6, Y6
	VADDPS Y9, Y7, Y7
	ADDQ $64, R8
	ADDQ $64, R10
	ADDQ $64, R11
	ADDQ $64, R12
	ADDQ $4, R9
	DECQ CX
	JNE m4loop
m4done:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VZEROUPPER
	RET

// func xcorr32AVX(out, x, y *float32, n int)
// xcorr16SSE for 32 lags: Y0..Y3 hold lags 0-7, 8-15, 16-23, 24-31; per j,
// x[j] is broadcast and MULADD32 applied to y[j..j+31], each lag summing
// in order of j.
TEXT ·xcorr32AVX(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), R8
	MOVQ n+24(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	TESTQ CX, CX
	JEQ x32done
x32loop:
	VBROADCASTSS (SI), Y4
	MULADD32(0(R8), 32(R8), 64(R8), 96(R8))
	ADDQ $4, R8
	ADDQ $4, SI
	DECQ CX
	JNE x32loop
x32done:
	STORE32
	RET

#define T_8 0
#define T_M8 32
#define T_HALF 64
#define T_25 96
#define T_004 128
#define T_ONE 160
#define T_M1 192
#define T_SIGN 224
#define T_ABS 256

// func tansigAVX2(out, in *float32, n int, table *[201]float32, sig int, k *[tansigNConst][8]float32)
// Per lane as tansig: 1 where !(x < 8) (NaN too), -1 where !(x > -8);
// else on |x|: i = int(.5 + 25|x|), t = |x| - .04·i, y = table[i],
// y + t·(1 - y²)·(1 - y·t), with x's sign. sig = 1: .5 + .5·tansig(.5·x).
TEXT ·tansigAVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ in+8(FP), SI
	MOVQ n+16(FP), BX
	MOVQ table+24(FP), DX
	MOVQ sig+32(FP), R8
	MOVQ k+40(FP), CX
	XORQ AX, AX
	TESTQ BX, BX
	JEQ tsdone

tsloop:
	VMOVUPS (SI)(AX*1), Y0
	TESTQ R8, R8
	JEQ tsin
	VMULPS T_HALF(CX), Y0, Y0        // .5·x
tsin:
	VCMPPS $5, T_8(CX), Y0, Y1       // !(x < 8)
	VCMPPS $10, T_M8(CX), Y0, Y2     // !(x > -8)
	VORPS Y1, Y2, Y3
	VANDNPS Y0, Y3, Y4               // x where in range, else 0
	VANDPS T_SIGN(CX), Y4, Y5        // its sign
	VANDPS T_ABS(CX), Y4, Y4         // |x|
	VMULPS T_25(CX), Y4, Y6
	VADDPS T_HALF(CX), Y6, Y6
	VCVTTPS2DQ Y6, Y6                // i
	VCVTDQ2PS Y6, Y7
	VMULPS T_004(CX), Y7, Y7
	VSUBPS Y7, Y4, Y4                // t = |x| - .04·i
	VPCMPEQD Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VGATHERDPS Y8, (DX)(Y6*4), Y9    // y = table[i]
	VMULPS Y9, Y9, Y10
	VMOVUPS T_ONE(CX), Y11
	VSUBPS Y10, Y11, Y10             // dy = 1 - y·y
	VMULPS Y4, Y9, Y12
	VSUBPS Y12, Y11, Y12             // 1 - y·t
	VMULPS Y10, Y4, Y10              // t·dy
	VMULPS Y12, Y10, Y10
	VADDPS Y10, Y9, Y9
	VORPS Y5, Y9, Y9                 // the sign back
	VBLENDVPS Y2, T_M1(CX), Y9, Y9
	VBLENDVPS Y1, T_ONE(CX), Y9, Y9
	TESTQ R8, R8
	JEQ tsout
	VMULPS T_HALF(CX), Y9, Y9
	VADDPS T_HALF(CX), Y9, Y9        // .5 + .5·tansig
tsout:
	VMOVUPS Y9, (DI)(AX*1)
	ADDQ $32, AX
	SUBQ $8, BX
	JNE tsloop
	VZEROUPPER

tsdone:
	RET

DATA halves<>+0(SB)/4, $0x3f000000
DATA halves<>+4(SB)/4, $0x3f000000
DATA halves<>+8(SB)/4, $0x3f000000
DATA halves<>+12(SB)/4, $0x3f000000
GLOBL halves<>(SB), RODATA|NOPTR, $16

// func decimateSSE(lp, x *float32, groups int)
// Per group of four outputs lp[i..i+3], x pointing at x[2i-2]:
// A = x[2i-2..2i+1], B = x[2i+2..2i+5] give the odd samples before each
// centre (x[2i-1], x[2i+1], …), A' = x[2i..2i+3], B' = x[2i+4..2i+7] the
// centres and the odd samples after; .5·(.5·(before + after) + centre).
TEXT ·decimateSSE(SB), NOSPLIT, $0-24
	MOVQ lp+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ groups+16(FP), CX
	MOVUPS halves<>(SB), X7
	TESTQ CX, CX
	JEQ ddone
dloop:
	MOVUPS 0(SI), X0
	MOVUPS 16(SI), X1
	SHUFPS $0xDD, X1, X0              // x[2i-1], x[2i+1], x[2i+3], x[2i+5]
	MOVUPS 8(SI), X2
	MOVUPS 24(SI), X3
	MOVAPS X2, X4
	SHUFPS $0x88, X3, X2              // centres x[2i], …, x[2i+6]
	SHUFPS $0xDD, X3, X4              // x[2i+1], …, x[2i+7]
	ADDPS X4, X0                      // before + after
	MULPS X7, X0
	ADDPS X2, X0
	MULPS X7, X0
	MOVUPS X0, 0(DI)
	ADDQ $32, SI
	ADDQ $16, DI
	DECQ CX
	JNE dloop
ddone:
	RET

// func whitenSSE(top *float32, num *[5]float32, groups int)
// Per group of four outputs at DI (from the top group down): the input
// there plus num[k] times the input k+1 samples before, k = 0…4, in that
// order, all read before the group is written (the groups below are
// still unfiltered).
TEXT ·whitenSSE(SB), NOSPLIT, $0-24
	MOVQ top+0(FP), DI
	MOVQ num+8(FP), SI
	MOVQ groups+16(FP), CX
	MOVSS 0(SI), X8
	SHUFPS $0, X8, X8
	MOVSS 4(SI), X9
	SHUFPS $0, X9, X9
	MOVSS 8(SI), X10
	SHUFPS $0, X10, X10
	MOVSS 12(SI), X11
	SHUFPS $0, X11, X11
	MOVSS 16(SI), X12
	SHUFPS $0, X12, X12
	TESTQ CX, CX
	JEQ wdone
wloop:
	MOVUPS 0(DI), X0
	MOVUPS -4(DI), X1
	MULPS X8, X1
	ADDPS X1, X0
	MOVUPS -8(DI), X2
	MULPS X9, X2
	ADDPS X2, X0
	MOVUPS -12(DI), X3
	MULPS X10, X3
	ADDPS X3, X0
	MOVUPS -16(DI), X4
	MULPS X11, X4
	ADDPS X4, X0
	MOVUPS -20(DI), X5
	MULPS X12, X5
	ADDPS X5, X0
	MOVUPS X0, 0(DI)
	SUBQ $16, DI
	DECQ CX
	JNE wloop
wdone:
	RET

// func interpSSE(gains, band, omf, frac *float32, grp *int32, groups int)
TEXT ·interpSSE(SB), NOSPLIT, $0-48
	MOVQ gains+0(FP), DI
	MOVQ band+8(FP), SI
	MOVQ omf+16(FP), R8
	MOVQ frac+24(FP), R9
	MOVQ grp+32(FP), R10
	MOVQ groups+40(FP), CX
	TESTQ CX, CX
	JEQ idone
iloop:
	MOVLQSX (R10), AX
	MOVSS (SI)(AX*4), X0
	SHUFPS $0, X0, X0                 // a = band[i]
	MOVSS 4(SI)(AX*4), X1
	SHUFPS $0, X1, X1                 // b = band[i+1]
	MOVUPS (R8), X2
	MULPS X0, X2                      // (1-frac)·a
	MOVUPS (R9), X3
	MULPS X1, X3                      // frac·b
	ADDPS X3, X2
	MOVUPS X2, (DI)
	ADDQ $4, R10
	ADDQ $16, R8
	ADDQ $16, R9
	ADDQ $16, DI
	DECQ CX
	JNE iloop
idone:
	RET

// func dot4AVX(out *[4]float32, x, p0, p1, p2, p3 *float32, n int)
// out[i] = Σ x[j]·p_i[j] for j < n (a multiple of 8): eight partial sums
// per lag (one YMM lane each), added pairwise at the end, so not in order
// of j (removeDoubling's correlations, where that order is not kept).
TEXT ·dot4AVX(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ p0+16(FP), R8
	MOVQ p1+24(FP), R9
	MOVQ p2+32(FP), R10
	MOVQ p3+40(FP), R11
	MOVQ n+48(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ AX, AX
	SHRQ $3, CX
	JEQ d4done
d4loop:
	VMOVUPS (SI)(AX*1), Y4
	VMULPS (R8)(AX*1), Y4, Y5
	VADDPS Y5, Y0, Y0
	VMULPS (R9)(AX*1), Y4, Y6
	VADDPS Y6, Y1, Y1
	VMULPS (R10)(AX*1), Y4, Y7
	VADDPS Y7, Y2, Y2
	VMULPS (R11)(AX*1), Y4, Y8
	VADDPS Y8, Y3, Y3
	ADDQ $32, AX
	DECQ CX
	JNE d4loop
d4done:
	VEXTRACTF128 $1, Y0, X5
	VADDPS X5, X0, X0
	VEXTRACTF128 $1, Y1, X5
	VADDPS X5, X1, X1
	VEXTRACTF128 $1, Y2, X5
	VADDPS X5, X2, X2
	VEXTRACTF128 $1, Y3, X5
	VADDPS X5, X3, X3
	VHADDPS X1, X0, X0
	VHADDPS X3, X2, X2
	VHADDPS X2, X0, X0
	VMOVUPS X0, (DI)
	VZEROUPPER
	RET

// func xcorr2x8AVX(out1, out2, x, y1, y2 *float32, n int)
// xcorr16SSE for 8 lags at each of two places of y at once (the fine pitch
// search's two candidates): Y0 holds y1's lags 0-7, Y1 y2's; per j, x[j]
// is broadcast and each window of y multiplied by it, then added to its
// sums: xcorr16SSE's operations and operand order, lane by lane. Two
// chains of adds wait on each other's latency instead of four wider ones
// twice over.
TEXT ·xcorr2x8AVX(SB), NOSPLIT, $0-48
	MOVQ x+16(FP), SI
	MOVQ y1+24(FP), R8
	MOVQ y2+32(FP), R9
	MOVQ n+40(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	TESTQ CX, CX
	JEQ x2done
x2loop:
	VBROADCASTSS (SI), Y4
	VMOVUPS (R8), Y5
	VMULPS Y4, Y5, Y5
	VADDPS Y5, Y0, Y0
	VMOVUPS (R9), Y6
	VMULPS Y4, Y6, Y6
	VADDPS Y6, Y1, Y1
	ADDQ $4, SI
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNE x2loop
x2done:
	MOVQ out1+0(FP), DI
	VMOVUPS Y0, (DI)
	MOVQ out2+8(FP), DI
	VMOVUPS Y1, (DI)
	VZEROUPPER
	RET
