package denoise

import (
	"math/rand/v2"
	"testing"

	"github.com/meet-dev/meet/audio"
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

// BenchmarkProcess16k measures one 10 ms frame at 16 kHz.
func BenchmarkProcess16k(b *testing.B) {
	s, err := New(16000)
	if err != nil {
		b.Fatal(err)
	}
	frame := white(160, 0.05, 1)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Process(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStage48k measures the audio.Writer stage on 10 ms PCM16 writes.
func BenchmarkStage48k(b *testing.B) {
	st, err := NewStage(audio.Discard(48000))
	if err != nil {
		b.Fatal(err)
	}
	frame := toPCM(white(480, 0.05, 1))
	b.ReportAllocs()
	for b.Loop() {
		if err := st.WriteSample(frame); err != nil {
			b.Fatal(err)
		}
	}
}
