#include "textflag.h"

// Offsets of omlsaConsts' rows (32 bytes each), in gain_amd64.go's order.
#define K_ONE 0
#define K_80 32
#define K_LOG2E 64
#define K_M125 96
#define K_F128 128
#define K_I128 160
#define K_P1 192
#define K_P2 224
#define K_P3 256
#define K_P4 288
#define K_P5 320
#define K_TINY 352
#define K_MANT 384
#define K_ONEBITS 416
#define K_I127 448
#define K_L2 480
#define K_L23 512
#define K_L25 544
#define K_L27 576
#define K_HALF 608
#define K_VMIN 640
#define K_E0 672
#define K_E1 704
#define K_E2 736
#define K_E3 768
#define K_E4 800
#define K_E5 832
#define K_40 864
#define K_B1 896
#define K_B2 928
#define K_B3 960
#define K_B4 992
#define K_ZMIN 1024
#define K_ZMAX 1056
#define K_TEN 1088
#define K_PSCALE 1120
#define K_QMAX 1152
#define K_PLO 1184
#define K_PHI 1216
#define K_FLOOR 1248
#define K_LNFLOOR 1280
#define K_SIGN 1312

#define K_SPPC 1344
#define K_SPP1K 1376
#define K_09 1408
#define K_01 1440
#define K_STUCK 1472
#define K_NALPHA 1504
#define K_1MNALPHA 1536
#define K_DOWNCAP 1568
#define K_MINNP 1600

#define K_NBIAS 1632
#define K_DDA 1664
#define K_1MDDA 1696
#define K_XIMIN 1728
#define K_ZA 1760
#define K_1MZA 1792
#define K_THREE 1824

// Stack slots (32 bytes each).
#define S_1XI 0
#define S_EV 32
#define S_LOGR 64
#define S_LNG 96
#define S_GH1 128

// GOMIN: out = Go's min(a, b) (b may be memory): MINSS both ways, the
// results ORed, so NaN and the sign of zero come out as Go's do. t and out
// must differ from a.
#define GOMIN(a, b, t, out) \
	VMINPS b, a, t; \
	VMINPS a, t, out; \
	VORPS t, out, out

// GOMAX: out = Go's max(a, b): GOMIN of the negations, negated (ta, tb, t
// scratch).
#define GOMAX(a, b, ta, tb, t, out) \
	VXORPS K_SIGN(CX), a, ta; \
	VMOVUPS K_SIGN(CX), tb; \
	VXORPS b, tb, tb; \
	GOMIN(ta, tb, t, out); \
	VXORPS K_SIGN(CX), out, out

// FASTEXP: out = fastExp(in) in eight lanes; in is kept, t1-t4 are
// clobbered. As fastExp: t = min(in, 0)·log2e; 0 where t < -125; else
// i = int32(t+128) - 128, f = t - float32(i), the polynomial p, and the
// bits of p plus i<<23.
#define FASTEXP(in, out, t1, t2, t3, t4) \
	VXORPS t2, t2, t2; \
	GOMIN(in, t2, t3, t1); \
	VMULPS K_LOG2E(CX), t1, t1; \
	VCMPPS $1, K_M125(CX), t1, t2; \
	VADDPS K_F128(CX), t1, out; \
	VCVTTPS2DQ out, out; \
	VPSUBD K_I128(CX), out, out; \
	VCVTDQ2PS out, t3; \
	VSUBPS t3, t1, t3; \
	VMULPS K_P5(CX), t3, t4; \
	VADDPS K_P4(CX), t4, t4; \
	VMULPS t3, t4, t4; \
	VADDPS K_P3(CX), t4, t4; \
	VMULPS t3, t4, t4; \
	VADDPS K_P2(CX), t4, t4; \
	VMULPS t3, t4, t4; \
	VADDPS K_P1(CX), t4, t4; \
	VMULPS t3, t4, t4; \
	VADDPS K_ONE(CX), t4, t4; \
	VPSLLD $23, out, out; \
	VPADDD out, t4, t4; \
	VANDNPS t4, t2, out

// FASTLOG: out = fastLog(in) in eight lanes; in is kept, t1-t5 are
// clobbered. As fastLog: b = bits(max(in, 1e-30)), m its mantissa in
// [1, 2), s = (m-1)/(m+1), the exponent times ln 2 plus s times the
// polynomial in s².
#define FASTLOG(in, out, t1, t2, t3, t4, t5) \
	GOMAX(in, K_TINY(CX), t2, t3, t4, t1); \
	VANDPS K_MANT(CX), t1, t2; \
	VORPS K_ONEBITS(CX), t2, t2; \
	VSUBPS K_ONE(CX), t2, t3; \
	VADDPS K_ONE(CX), t2, t2; \
	VDIVPS t2, t3, t3; \
	VMULPS t3, t3, t2; \
	VMULPS K_L27(CX), t2, out; \
	VADDPS K_L25(CX), out, out; \
	VMULPS t2, out, out; \
	VADDPS K_L23(CX), out, out; \
	VMULPS t2, out, out; \
	VADDPS K_L2(CX), out, out; \
	VMULPS t3, out, out; \
	VPSRLD $23, t1, t1; \
	VPSUBD K_I127(CX), t1, t1; \
	VCVTDQ2PS t1, t1; \
	VMULPS K_P1(CX), t1, t1; \
	VADDPS out, t1, out

// func omlsaGainsAVX2(gain, clean, xi, gamma, bv, local, pow *float32, n int, k *[omlsaNConst][8]float32)
TEXT ·omlsaGainsAVX2(SB), NOSPLIT, $160-72
	MOVQ gain+0(FP), DI
	MOVQ clean+8(FP), SI
	MOVQ xi+16(FP), R8
	MOVQ gamma+24(FP), R9
	MOVQ bv+32(FP), R10
	MOVQ local+40(FP), R11
	MOVQ pow+48(FP), R12
	MOVQ n+56(FP), BX
	MOVQ k+64(FP), CX
	XORQ AX, AX
	TESTQ BX, BX
	JEQ done

loop:
	VMOVUPS (R8)(AX*1), Y0            // xi
	VMOVUPS (R9)(AX*1), Y1            // g
	VADDPS K_ONE(CX), Y0, Y2          // 1 + xi
	VMOVUPS Y2, S_1XI(SP)
	VDIVPS Y2, Y0, Y2                 // r = xi / (1 + xi)
	VMULPS Y1, Y2, Y10                // r·g
	GOMIN(Y10, K_80(CX), Y4, Y3)      // v = min(r·g, 80)
	VXORPS K_SIGN(CX), Y3, Y4         // -v
	FASTEXP(Y4, Y5, Y6, Y7, Y8, Y9)   // ev
	VMOVUPS Y5, S_EV(SP)
	FASTLOG(Y2, Y6, Y7, Y8, Y9, Y10, Y11)       // fastLog(r)
	VMOVUPS Y6, S_LOGR(SP)

	// expint(v, ev). v < 1: -fastLog(v') + poly(v'), v' = max(v, 1e-10).
	GOMAX(Y3, K_VMIN(CX), Y8, Y9, Y10, Y7)
	FASTLOG(Y7, Y8, Y9, Y10, Y11, Y12, Y13)
	VXORPS K_SIGN(CX), Y8, Y8
	VMULPS K_E5(CX), Y7, Y9
	VADDPS K_E4(CX), Y9, Y9
	VMULPS Y7, Y9, Y9
	VADDPS K_E3(CX), Y9, Y9
	VMULPS Y7, Y9, Y9
	VADDPS K_E2(CX), Y9, Y9
	VMULPS Y7, Y9, Y9
	VADDPS K_E1(CX), Y9, Y9
	VMULPS Y7, Y9, Y9
	VADDPS K_E0(CX), Y9, Y9
	VADDPS Y9, Y8, Y8                 // the v < 1 value
	// v < 40: ev / v · (v² + 2.334733v + 0.250621) / (v² + 3.330657v + 1.681534).
	VMULPS Y3, Y3, Y9                 // v·v
	VMULPS K_B1(CX), Y3, Y10
	VADDPS Y10, Y9, Y10
	VADDPS K_B2(CX), Y10, Y10         // numerator
	VMULPS K_B3(CX), Y3, Y11
	VADDPS Y11, Y9, Y11
	VADDPS K_B4(CX), Y11, Y11         // denominator
	VDIVPS Y3, Y5, Y9                 // ev / v
	VMULPS Y10, Y9, Y9
	VDIVPS Y11, Y9, Y9                // the v < 40 value
	VCMPPS $1, K_40(CX), Y3, Y10      // v < 40
	VANDPS Y9, Y10, Y9                // else 0
	VCMPPS $1, K_ONE(CX), Y3, Y10     // v < 1
	VBLENDVPS Y10, Y8, Y9, Y9         // expint

	VMULPS K_HALF(CX), Y9, Y9
	VADDPS S_LOGR(SP), Y9, Y9         // fastLog(r) + 0.5·expint
	VXORPS Y10, Y10, Y10
	GOMIN(Y9, Y10, Y11, Y12)          // lnG = min(…, 0)
	VMOVUPS Y12, S_LNG(SP)
	FASTEXP(Y12, Y6, Y7, Y8, Y10, Y11) // gh1
	VMOVUPS Y6, S_GH1(SP)
	VMULPS Y6, Y6, Y7
	VMULPS (R12)(AX*1), Y7, Y7        // gh1·gh1·pow
	VMOVUPS Y7, (SI)(AX*1)

	// pa = presence(local)·bv where bv > 0, else 0.
	VMOVUPS (R11)(AX*1), Y7           // z = local
	VMULPS K_TEN(CX), Y7, Y8          // z·(1/zetaMin)
	FASTLOG(Y8, Y9, Y10, Y11, Y12, Y13, Y14)
	VMULPS K_PSCALE(CX), Y9, Y9
	VCMPPS $13, K_ZMAX(CX), Y7, Y10   // z >= zetaMax: 1
	VBLENDVPS Y10, K_ONE(CX), Y9, Y9
	VCMPPS $2, K_ZMIN(CX), Y7, Y10    // z <= zetaMin: 0
	VANDNPS Y9, Y10, Y9
	VMOVUPS (R10)(AX*1), Y8           // bv
	VMULPS Y8, Y9, Y9
	VXORPS Y10, Y10, Y10
	VCMPPS $14, Y10, Y8, Y11          // bv > 0
	VANDPS Y9, Y11, Y9                // pa

	VMOVUPS K_ONE(CX), Y10
	VSUBPS Y9, Y10, Y10               // 1 - pa
	GOMIN(Y10, K_QMAX(CX), Y11, Y13)  // q = min(1 - pa, qMax)
	VMOVAPS Y13, Y10
	VMOVUPS K_ONE(CX), Y11
	VSUBPS Y10, Y11, Y11              // 1 - q
	VMULPS S_1XI(SP), Y10, Y12        // q·(1 + xi)
	VMULPS S_EV(SP), Y12, Y12         // ·ev
	VADDPS Y12, Y11, Y12
	VDIVPS Y12, Y11, Y12              // ppres

	VMULPS S_LNG(SP), Y12, Y13        // ppres·lnG
	VMOVUPS K_ONE(CX), Y14
	VSUBPS Y12, Y14, Y14              // 1 - ppres
	VMULPS K_LNFLOOR(CX), Y14, Y14
	VADDPS Y14, Y13, Y13
	FASTEXP(Y13, Y14, Y6, Y7, Y8, Y9)
	VCMPPS $1, K_PLO(CX), Y12, Y15    // ppres < 0.005: the floor
	VBLENDVPS Y15, K_FLOOR(CX), Y14, Y14
	VCMPPS $14, K_PHI(CX), Y12, Y15   // ppres > 0.995: gh1
	VBLENDVPS Y15, S_GH1(SP), Y14, Y14
	VMOVUPS Y14, (DI)(AX*1)

	ADDQ $32, AX
	SUBQ $8, BX
	JNE loop
	VZEROUPPER

done:
	RET

// func trackNoiseAVX2(pow, noise, sppAvg, smooth *float32, n int, k *[omlsaNConst][8]float32)
TEXT ·trackNoiseAVX2(SB), NOSPLIT, $0-48
	MOVQ pow+0(FP), DI
	MOVQ noise+8(FP), SI
	MOVQ sppAvg+16(FP), R8
	MOVQ smooth+24(FP), R9
	MOVQ n+32(FP), BX
	MOVQ k+40(FP), CX
	XORQ AX, AX
	TESTQ BX, BX
	JEQ tdone

tloop:
	VMOVUPS (DI)(AX*1), Y0              // p
	VMOVUPS (SI)(AX*1), Y1
	GOMAX(Y1, K_MINNP(CX), Y2, Y3, Y4, Y5) // n = max(noise, minNoisePow)
	VDIVPS Y5, Y0, Y2                   // p / n
	GOMIN(Y2, K_80(CX), Y3, Y6)         // g = min(p/n, 80)
	VXORPS K_SIGN(CX), Y6, Y6           // -g
	VMULPS K_SPPC(CX), Y6, Y6           // ·c
	FASTEXP(Y6, Y7, Y8, Y9, Y10, Y11)
	VMULPS K_SPP1K(CX), Y7, Y7          // (1+prior)·exp
	VADDPS K_ONE(CX), Y7, Y7            // 1 + …
	VMOVUPS K_ONE(CX), Y8
	VDIVPS Y7, Y8, Y8                   // spp = 1 / (…)
	VMOVUPS (R8)(AX*1), Y9
	VMULPS K_09(CX), Y9, Y9             // 0.9·sppAvg
	VMULPS K_01(CX), Y8, Y10            // 0.1·spp
	VADDPS Y10, Y9, Y9
	VMOVUPS Y9, (R8)(AX*1)
	GOMIN(Y8, K_STUCK(CX), Y10, Y11)    // min(spp, sppStuck)
	VCMPPS $14, K_STUCK(CX), Y9, Y12    // where sppAvg > sppStuck
	VBLENDVPS Y12, Y11, Y8, Y8
	VMOVUPS K_ONE(CX), Y10
	VSUBPS Y8, Y10, Y10                 // 1 - spp
	VMULPS Y0, Y10, Y10                 // ·p
	VMULPS Y5, Y8, Y11                  // spp·n
	VADDPS Y11, Y10, Y10                // est
	VMULPS K_NALPHA(CX), Y5, Y11        // noiseAlpha·n
	VMULPS K_1MNALPHA(CX), Y10, Y10     // (1-noiseAlpha)·est
	VADDPS Y10, Y11, Y11
	VMOVUPS (R9)(AX*1), Y12
	VMULPS K_DOWNCAP(CX), Y12, Y12      // downCap·smooth
	GOMIN(Y11, Y12, Y13, Y14)
	GOMAX(Y14, K_MINNP(CX), Y2, Y3, Y4, Y15)
	VMOVUPS Y15, (SI)(AX*1)

	ADDQ $32, AX
	SUBQ $8, BX
	JNE tloop
	VZEROUPPER

tdone:
	RET

// func omlsaSNRAVX2(pow, noise, trNoise, prevClean, gamma, xi, zeta *float32, n int, k *[omlsaNConst][8]float32)
TEXT ·omlsaSNRAVX2(SB), NOSPLIT, $0-72
	MOVQ pow+0(FP), DI
	MOVQ noise+8(FP), SI
	MOVQ trNoise+16(FP), R8
	MOVQ prevClean+24(FP), R9
	MOVQ gamma+32(FP), R10
	MOVQ xi+40(FP), R11
	MOVQ zeta+48(FP), R12
	MOVQ n+56(FP), BX
	MOVQ k+64(FP), CX
	XORQ AX, AX
	TESTQ BX, BX
	JEQ sdone

sloop:
	VMOVUPS (SI)(AX*1), Y0
	VMULPS K_NBIAS(CX), Y0, Y0
	VADDPS (R8)(AX*1), Y0, Y0           // n = noiseBias·noise + trNoise
	VMOVUPS (DI)(AX*1), Y1
	VDIVPS Y0, Y1, Y2                   // g = p / n
	VMOVUPS Y2, (R10)(AX*1)
	VMOVUPS (R9)(AX*1), Y3
	VMULPS K_DDA(CX), Y3, Y3
	VDIVPS Y0, Y3, Y3                   // ddAlpha·prevClean / n
	VSUBPS K_ONE(CX), Y2, Y4            // g - 1
	VXORPS Y5, Y5, Y5
	GOMAX(Y4, Y5, Y6, Y7, Y8, Y9)       // max(g-1, 0)
	VMULPS K_1MDDA(CX), Y9, Y9
	VADDPS Y9, Y3, Y3
	GOMAX(Y3, K_XIMIN(CX), Y6, Y7, Y8, Y10) // xi = max(…, xiMin)
	VMOVUPS Y10, (R11)(AX*1)
	VMOVUPS (R12)(AX*1), Y11
	VMULPS K_ZA(CX), Y11, Y11
	VMULPS K_1MZA(CX), Y10, Y12
	VADDPS Y12, Y11, Y11                // zetaAlpha·zeta + (1-zetaAlpha)·xi
	VMOVUPS Y11, (R12)(AX*1)

	ADDQ $32, AX
	SUBQ $8, BX
	JNE sloop
	VZEROUPPER

sdone:
	RET

// func localAVX2(local, zeta *float32, n int, k *[omlsaNConst][8]float32)
// local points at cell 1's, zeta at cell 0's.
TEXT ·localAVX2(SB), NOSPLIT, $0-32
	MOVQ local+0(FP), DI
	MOVQ zeta+8(FP), SI
	MOVQ n+16(FP), BX
	MOVQ k+24(FP), CX
	VMOVUPS K_THREE(CX), Y3
	TESTQ BX, BX
	JEQ ldone
lloop:
	VMOVUPS 0(SI), Y0                 // zeta[k-1]
	VADDPS 4(SI), Y0, Y0              // + zeta[k]
	VADDPS 8(SI), Y0, Y0              // + zeta[k+1]
	VDIVPS Y3, Y0, Y0
	VMOVUPS Y0, 0(DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, BX
	JNE lloop
	VZEROUPPER
ldone:
	RET

// func interpolateAVX2(bin, gain *float32, cell *int32, w *float32, n int, last int32)
TEXT ·interpolateAVX2(SB), NOSPLIT, $0-44
	MOVQ bin+0(FP), DI
	MOVQ gain+8(FP), SI
	MOVQ cell+16(FP), R8
	MOVQ w+24(FP), R9
	MOVQ n+32(FP), BX
	MOVL last+40(FP), AX
	MOVQ AX, X7
	VPBROADCASTD X7, Y7
	VPCMPEQD Y6, Y6, Y6               // all ones
	VPSRLD $31, Y6, Y5                // 1 in every lane
	TESTQ BX, BX
	JEQ ipdone
iploop:
	VMOVDQU (R8), Y0                  // a
	VMOVDQA Y6, Y8
	VXORPS Y1, Y1, Y1
	VGATHERDPS Y8, (SI)(Y0*4), Y1     // g = gain[a]
	VMOVUPS (R9), Y2                  // w
	VXORPS Y3, Y3, Y3
	VCMPPS $14, Y3, Y2, Y3            // w > 0
	VPCMPGTD Y0, Y7, Y4               // a < last
	VPAND Y4, Y3, Y3                  // both
	VPADDD Y5, Y0, Y0                 // a + 1
	VMOVDQA Y3, Y8
	VMOVAPS Y1, Y9
	VGATHERDPS Y8, (SI)(Y0*4), Y9     // gain[a+1] where both, else g
	VSUBPS Y1, Y9, Y9                 // next - g
	VMULPS Y9, Y2, Y9                 // w·(next - g)
	VADDPS Y9, Y1, Y9                 // g + …
	VBLENDVPS Y3, Y9, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, DI
	SUBQ $8, BX
	JNE iploop
	VZEROUPPER
ipdone:
	RET
