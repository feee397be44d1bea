package audio_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/internal/cputime"
)

// residualDB fits a sine at freq to s (least squares) and returns the power
// of what is left relative to the sine, in dB. Clicks, distortion and noise
// all show up in the residual.
func residualDB(s audio.PCM16, rate int, freq float64) float64 {
	w := 2 * math.Pi * freq / float64(rate)
	var ss, sc, cc, ys, yc float64
	for i, v := range s {
		si, ci := math.Sin(w*float64(i)), math.Cos(w*float64(i))
		ss += si * si
		cc += ci * ci
		sc += si * ci
		ys += float64(v) * si
		yc += float64(v) * ci
	}
	det := ss*cc - sc*sc
	a := (ys*cc - yc*sc) / det
	b := (yc*ss - ys*sc) / det
	var res, sig float64
	for i, v := range s {
		fit := a*math.Sin(w*float64(i)) + b*math.Cos(w*float64(i))
		res += (float64(v) - fit) * (float64(v) - fit)
		sig += fit * fit
	}
	return 10 * math.Log10(res/sig)
}

var ratePairs = [][2]int{
	{8000, 48000}, {48000, 8000}, {16000, 48000}, {48000, 16000},
	{44100, 48000}, {48000, 44100}, {8000, 16000}, {22050, 8000}, {11025, 48000}, {44100, 8000},
	{48000, 44101}, // no useful common divisor: interpolated phase table
}

// streamed converts in through a streaming Resampler fed 20 ms frames and
// returns the output with the filter delay cut off.
func streamed(in audio.PCM16, from, to int) audio.PCM16 {
	buf := audio.NewBuffer(to)
	r := audio.NewResampler(buf, from)
	for rest := in; len(rest) > 0; {
		n := min(len(rest), from/50)
		_ = r.WriteSample(rest[:n])
		rest = rest[n:]
	}
	return buf.Samples()[r.(*audio.Resampler).Delay()*to/from:]
}

func TestResamplePreservesFrequency(t *testing.T) {
	for _, p := range ratePairs {
		from, to := p[0], p[1]
		for _, f := range []float64{300, 1000, 3000} {
			in := audiotest.Tone(from, f, 0.5, from/2)
			whole := audio.Resample(in, from, to)
			if want := (len(in)*to + from - 1) / from; len(whole) != want {
				t.Fatalf("%d->%d: %d samples out, want %d", from, to, len(whole), want)
			}
			for kind, out := range map[string]audio.PCM16{"whole": whole, "streaming": streamed(in, from, to)} {
				mid := out[len(out)/4 : 3*len(out)/4]
				if got := audiotest.DominantFreq(mid, to); math.Abs(got-f) > 3 {
					t.Errorf("%s %d->%d %v Hz: dominant %v Hz", kind, from, to, f, got)
				}
				rms, _ := audio.Level(mid)
				if want := 20*math.Log10(0.5) - 3.01; math.Abs(rms-want) > 0.2 {
					t.Errorf("%s %d->%d %v Hz: level %.2f dBFS, want %.2f", kind, from, to, f, rms, want)
				}
				// Clicks at frame boundaries, distortion and noise all land in the residual.
				if r := residualDB(mid, to, f); r > -60 {
					t.Errorf("%s %d->%d %v Hz: residual %.1f dB, want < -60", kind, from, to, f, r)
				}
			}
		}
	}
}

// TestResamplerStreamingMatchesWhole feeds frames of random sizes and checks
// the result is exactly the whole-buffer conversion delayed by the filter
// delay: frame boundaries leave no trace.
func TestResamplerStreamingMatchesWhole(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range [][2]int{{8000, 48000}, {48000, 8000}, {16000, 48000}, {44100, 48000}, {48000, 44100}} {
		from, to := p[0], p[1]
		in := audiotest.Mix(audiotest.Tone(from, 700, 0.3, from), audiotest.Noise(from, 0.05, 9))
		oneShot := audio.NewBuffer(to)
		r := audio.NewResampler(oneShot, from)
		if err := r.WriteSample(in); err != nil {
			t.Fatal(err)
		}
		framed := audio.NewBuffer(to)
		r2 := audio.NewResampler(framed, from)
		for rest := in; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(500))
			if err := r2.WriteSample(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		a, b := oneShot.Samples(), framed.Samples()
		if len(a) != len(b) {
			t.Fatalf("%d->%d: %d vs %d samples", from, to, len(a), len(b))
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%d->%d: sample %d differs: %d vs %d", from, to, i, a[i], b[i])
			}
		}
		if want := len(in) * to / from; abs(len(a)-want) > 1 {
			t.Fatalf("%d->%d: %d samples for %d in, want %d", from, to, len(a), len(in), want)
		}
	}
}

func TestResamplerFrameSizes(t *testing.T) {
	cases := []struct{ from, to, in, out int }{
		{8000, 48000, 160, 960}, {48000, 8000, 960, 160}, {44100, 48000, 441, 480}, {48000, 16000, 480, 160},
	}
	for _, c := range cases {
		var sizes []int
		r := audio.NewResampler(audio.NewFunc("sizes", c.to, func(s audio.PCM16) error {
			sizes = append(sizes, len(s))
			return nil
		}), c.from)
		for i := 0; i < 10; i++ {
			if err := r.WriteSample(audiotest.ToneAt(c.from, 440, 0.3, i*c.in, c.in)); err != nil {
				t.Fatal(err)
			}
		}
		for i, n := range sizes {
			if n != c.out {
				t.Fatalf("%d->%d: frame %d has %d samples, want %d (%v)", c.from, c.to, i, n, c.out, sizes)
			}
		}
		if len(sizes) != 10 {
			t.Fatalf("%d->%d: %d frames", c.from, c.to, len(sizes))
		}
	}
}

// TestResamplerRejectsAliases plays tones above the output Nyquist frequency:
// they must not fold back into the band.
func TestResamplerRejectsAliases(t *testing.T) {
	cases := []struct {
		from, to int
		f        float64
	}{
		{48000, 8000, 5000}, {48000, 8000, 6000}, {48000, 8000, 12000}, {48000, 16000, 9000},
		{48000, 44100, 23000}, {44100, 8000, 4500},
	}
	for _, c := range cases {
		in := audiotest.Tone(c.from, c.f, 0.9, c.from/2)
		for kind, out := range map[string]audio.PCM16{"whole": audio.Resample(in, c.from, c.to), "streaming": streamed(in, c.from, c.to)} {
			mid := out[len(out)/4 : 3*len(out)/4]
			if rms, _ := audio.Level(mid); rms > -70 {
				t.Errorf("%s %d->%d: %v Hz tone leaks at %.1f dBFS (aliasing)", kind, c.from, c.to, c.f, rms)
			}
		}
	}
	// Images: upsampling 8k→48k a 3 kHz tone must not create 5 kHz, 11 kHz… images.
	out := streamed(audiotest.Tone(8000, 3000, 0.9, 4000), 8000, 48000)
	mid := out[6000:18000] // a whole number of cycles: no leakage in the measurement
	for _, img := range []float64{5000, 11000, 13000} {
		if p := audiotest.Goertzel(mid, 48000, img); 10*math.Log10(p/audiotest.Goertzel(mid, 48000, 3000)) > -70 {
			t.Errorf("image at %v Hz: %.1f dB", img, 10*math.Log10(p/audiotest.Goertzel(mid, 48000, 3000)))
		}
	}
}

func TestResamplerString(t *testing.T) {
	r := audio.NewResampler(audio.NewBuffer(48000), 8000)
	if got := r.String(); got != "Resample(8000->48000) -> Buffer(48000)" {
		t.Fatalf("String() = %q", got)
	}
	if r.SampleRate() != 8000 {
		t.Fatalf("SampleRate() = %d", r.SampleRate())
	}
	b := audio.NewBuffer(8000)
	if audio.NewResampler(b, 8000) != audio.Writer(b) {
		t.Fatal("equal rates should return dst itself")
	}
	bad := audio.NewResampler(b, 0)
	if err := bad.WriteSample(audio.PCM16{1}); err == nil {
		t.Fatal("rate 0 accepted")
	}
	if audio.Resample(audio.PCM16{1, 2}, -1, 8000) != nil {
		t.Fatal("Resample with a negative rate returned samples")
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func BenchmarkResampler(b *testing.B) {
	for _, p := range [][2]int{{8000, 48000}, {48000, 8000}, {44100, 48000}, {16000, 48000}} {
		from, to := p[0], p[1]
		b.Run(fmt.Sprintf("%dto%d_20ms", from, to), func(b *testing.B) {
			frame := audiotest.Tone(from, 440, 0.5, from/50)
			r := audio.NewResampler(audio.Discard(to), from)
			b.ReportAllocs()
			b.ResetTimer()
			cputime.PerOp(b, func() {
				for b.Loop() {
					_ = r.WriteSample(frame)
				}
			})
		})
	}
}
