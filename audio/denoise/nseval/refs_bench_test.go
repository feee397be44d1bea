//go:build nseval

package nseval

import "testing"

// benchFrames runs p over 2 s of pink noise frame by frame.
func benchFrames(b *testing.B, p processor) {
	x := Pink(evalRate*2, 1)
	hop := evalRate / 100
	buf := make([]float32, len(x))
	for i, v := range x {
		buf[i] = float32(0.02 * v)
	}
	frame := make([]float32, hop)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		off := (i * hop) % (len(buf) - hop)
		copy(frame, buf[off:off+hop])
		if err := p.Process(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNS compares one 10 ms frame at 48 kHz: ours, speexdsp, webrtc,
// the hybrid (the default) and RNNoise alone (wazero).
func BenchmarkNS(b *testing.B) {
	for _, a := range algos {
		b.Run(a.name, func(b *testing.B) {
			p, err := a.make()
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			benchFrames(b, p)
		})
	}
}
