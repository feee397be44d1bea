package fft

import "testing"

func BenchmarkZZReal(b *testing.B) {
	f, _ := NewReal(960)
	in := make([]float32, 960)
	for i := range in {
		in[i] = float32(i%17) - 8
	}
	out := make([]complex64, 481)
	for b.Loop() {
		f.Forward(out, in)
		f.Inverse(in, out)
	}
}
