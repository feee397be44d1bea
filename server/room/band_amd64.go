package room

import "golang.org/x/sys/cpu"

// useBandAVX picks bandFIRAVX, which gives bandFIRGo's bits: the same
// multiply, then add, per lane and tap in the same order, 32 outputs at a
// time instead of 8. Band(8000) runs for every two-party call every tick
// (BenchmarkBand: 1.8 µs in Go, a few per cent of meetd's CPU per call).
var useBandAVX = cpu.X86.HasAVX

// bandFIRAVX: out[j] = Σ_{i<32} rev[i]·x[j+i] for j < n, n a multiple of 32.
//
//go:noescape
func bandFIRAVX(out, x, rev *float32, n int)

func bandFIR(y *[CallerFrame]float32, x *[bandTaps - 1 + CallerFrame]float32) {
	if useBandAVX {
		bandFIRAVX(&y[0], &x[0], &bandRev[0], CallerFrame)
		return
	}
	bandFIRGo(y, x)
}
