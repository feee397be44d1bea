#include "textflag.h"

// func bandFIRAVX(out, x, rev *float32, n int)
// Per block of 32 outputs, Y0..Y3 hold the sums of outputs j..j+31; per
// tap i, rev[i] is broadcast to Y4 and multiplied with x[j+i..j+i+31],
// then added: one multiply and one add per lane, as bandFIRGo.
TEXT ·bandFIRAVX(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ rev+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $5, CX
	JEQ done
block:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ SI, R8
	XORQ R9, R9
tap:
	VBROADCASTSS (DX)(R9*1), Y4
	VMULPS 0(R8), Y4, Y5
	VADDPS Y5, Y0, Y0
	VMULPS 32(R8), Y4, Y6
	VADDPS Y6, Y1, Y1
	VMULPS 64(R8), Y4, Y7
	VADDPS Y7, Y2, Y2
	VMULPS 96(R8), Y4, Y8
	VADDPS Y8, Y3, Y3
	ADDQ $4, R8
	ADDQ $4, R9
	CMPQ R9, $128
	JNE tap
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	DECQ CX
	JNE block
done:
	VZEROUPPER
	RET
