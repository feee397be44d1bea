package room

import (
	"math"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
)

func TestUp6(t *testing.T) {
	var u up6
	var out audio.PCM16
	for i := range 10 {
		in := audiotest.ToneAt(8000, 1000, 0.5, i*160, 160)
		o := make(audio.PCM16, 960)
		u.process(in, o)
		out = append(out, o...)
	}
	steady := out[960:]
	if a := amp(steady, 48000, 1000); math.Abs(a-0.5) > 0.01 {
		t.Fatalf("1 kHz amplitude %.3f, want 0.5", a)
	}
	for _, img := range []float64{7000, 9000, 15000, 17000} {
		if a := amp(steady, 48000, img); a > 0.5*math.Pow(10, -60.0/20) {
			t.Errorf("image at %v Hz: %.1f dB", img, 20*math.Log10(a/0.5))
		}
	}
}

func TestDown6(t *testing.T) {
	var d down6
	var out audio.PCM16
	for i := range 10 {
		in := audiotest.Mix(audiotest.ToneAt(48000, 1000, 0.4, i*960, 960), audiotest.ToneAt(48000, 6000, 0.4, i*960, 960))
		o := make(audio.PCM16, 160)
		d.process(in, o)
		out = append(out, o...)
	}
	steady := out[160:]
	if a := amp(steady, 8000, 1000); math.Abs(a-0.4) > 0.01 {
		t.Fatalf("1 kHz amplitude %.3f, want 0.4", a)
	}
	if a := amp(steady, 8000, 2000); a > 0.4*math.Pow(10, -60.0/20) { // 6 kHz aliases to 2 kHz
		t.Errorf("alias at 2 kHz: %.1f dB", 20*math.Log10(a/0.4))
	}
}

func TestResample6RoundTripDelay(t *testing.T) {
	var u up6
	var d down6
	var out audio.PCM16
	in := make(audio.PCM16, 160*5)
	in[400] = 16000 // an impulse
	for i := range 5 {
		up := make(audio.PCM16, 960)
		u.process(in[i*160:(i+1)*160], up)
		o := make(audio.PCM16, 160)
		d.process(up, o)
		out = append(out, o...)
	}
	peak := 0
	for i, v := range out {
		if v > out[peak] {
			peak = i
		}
	}
	if delay := peak - 400; delay < 8 || delay > 17 {
		t.Fatalf("round trip delay %d samples at 8 kHz, want about 16 (2 ms)", delay)
	}
}

func BenchmarkUp6(b *testing.B) {
	var u up6
	in, out := audiotest.Tone(8000, 440, 0.3, 160), make(audio.PCM16, 960)
	for b.Loop() {
		u.process(in, out)
	}
}

func BenchmarkDown6(b *testing.B) {
	var d down6
	in, out := audiotest.Tone(48000, 440, 0.3, 960), make(audio.PCM16, 160)
	for b.Loop() {
		d.process(in, out)
	}
}

func BenchmarkAudioResampler8kTo48k(b *testing.B) {
	w := audio.NewResampler(audio.Discard(48000), 8000)
	in := audiotest.Tone(8000, 440, 0.3, 160)
	for b.Loop() {
		_ = w.WriteSample(in)
	}
}

func BenchmarkAudioResampler48kTo8k(b *testing.B) {
	w := audio.NewResampler(audio.Discard(8000), 48000)
	in := audiotest.Tone(48000, 440, 0.3, 960)
	for b.Loop() {
		_ = w.WriteSample(in)
	}
}

func TestCallerLegPipeline(t *testing.T) {
	fc := newFakeCaller(440)
	c := newCallerLeg(fc)
	want := "Trunk(8000) -> Resample(8000->48000) -> Mixer(48000) -> Resample(48000->8000) -> Trunk(8000)"
	if got := c.String(); got != want {
		t.Fatalf("pipeline %q, want %q", got, want)
	}
	// And it carries the tone both ways at the right rates.
	dst := make([]int16, 960)
	for range 5 {
		if !c.ReadFrame(dst) {
			t.Fatal("no frame")
		}
	}
	if a := amp(dst, 48000, 440); math.Abs(a-toneAmp) > 0.01 {
		t.Fatalf("upsampled caller tone amplitude %.3f, want %.2f", a, toneAmp)
	}
	for i := range 5 {
		if err := c.WriteFrame(audiotest.ToneAt(48000, 1000, toneAmp, i*960, 960)); err != nil {
			t.Fatal(err)
		}
	}
	got := fc.rec.last(20 * time.Millisecond)
	if len(got) != 160 || math.Abs(amp(got, 8000, 1000)-toneAmp) > 0.01 {
		t.Fatalf("caller got %d samples, 1 kHz amplitude %.3f", len(got), amp(got, 8000, 1000))
	}
}
