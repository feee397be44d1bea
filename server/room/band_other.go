//go:build !amd64

package room

func bandFIR(y *[CallerFrame]float32, x *[bandTaps - 1 + CallerFrame]float32) { bandFIRGo(y, x) }
