package denoise

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/denoise/rnnoise"
	"github.com/meet-dev/meet/internal/cputime"
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

// BenchmarkHybrid48k measures the default suppressor (Hybrid: RNNoise in
// Go beside ours) on one 10 ms frame at 48 kHz of a speech-like signal in
// noise, the float path BenchmarkNS times in nseval.
func BenchmarkHybrid48k(b *testing.B) {
	h, err := NewEngine(EngineHybrid, 48000)
	if err != nil {
		if errors.Is(err, rnnoise.ErrNotFound) && os.Getenv("CI") == "" {
			b.Skip(err)
		}
		b.Fatal(err)
	}
	src := goldenSignal()
	frame := make([]float32, 480)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	var cpu0 time.Duration
	n := 0
	for i := 0; b.Loop(); i++ {
		if i == 0 {
			cpu0 = cputime.Thread()
		}
		off := (i % (len(src)/480 - 1)) * 480
		copy(frame, src[off:off+480])
		if err := h.Process(frame); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(cputime.Thread()-cpu0)/float64(n), "cpu-ns/op")
}

// goldenSignal is 8 s at 48 kHz: voiced (a speech-like harmonic signal with
// pauses) over pink-ish noise whose level changes, a stretch of digital
// silence, a noise-only stretch, a few clicks and 100 ms with NaN,
// infinities and absurd values mixed in, so every path of RNNoise
// (silence, pitch search, pitch filter) and of ours (transients) runs.
func goldenSignal() []float32 {
	const n = 8 * 48000
	x := voiced(n, 48000)
	rng := rand.New(rand.NewPCG(16, 30))
	var b0, b1 float64
	for i := range x {
		t := float64(i) / 48000
		w := rng.NormFloat64()
		b0 = 0.99*b0 + 0.1*w
		b1 = 0.9*b1 + 0.3*w
		noise := 0.02 * (b0 + b1 + 0.3*w) * (1 + 0.5*math.Sin(2*math.Pi*0.3*t))
		switch {
		case t >= 3 && t < 3.5: // digital silence
			x[i] = 0
			continue
		case t >= 5 && t < 6: // noise only
			x[i] = 0
		}
		if i%19200 < 48 { // a click every 400 ms
			noise += 0.3 * rng.NormFloat64()
		}
		x[i] += float32(noise)
	}
	// A stretch of garbage: NaN, infinities and absurd values, which
	// every stage treats as silence, between ordinary samples.
	bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 3e38, -1e30, 1e30, 1.5e30, -5}
	for i := 7 * 48000; i < 7*48000+4800; i += 7 {
		x[i] = bad[(i/7)%len(bad)]
	}
	return x
}
