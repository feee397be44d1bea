package denoise

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkProcess48k measures one 10 ms frame at 48 kHz (aim ≤ 50 µs).
func BenchmarkProcess48k(b *testing.B) {
	s, err := New(48000)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	frames := make([][]float32, 64)
	for i := range frames {
		frames[i] = make([]float32, 480)
		for j := range frames[i] {
			frames[i][j] = float32(rng.NormFloat64() * 0.05)
		}
	}
	buf := make([]float32, 480)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		copy(buf, frames[i%len(frames)])
		if err := s.Process(buf); err != nil {
			b.Fatal(err)
		}
	}
}
