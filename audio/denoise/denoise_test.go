package denoise

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

const rate = 48000

func newT(t *testing.T, r int) *Suppressor {
	t.Helper()
	s, err := New(r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run feeds x through s frame by frame and returns the output.
func run(t *testing.T, s Denoiser, x []float32) []float32 {
	t.Helper()
	out := append([]float32(nil), x...)
	n := s.FrameSize()
	for off := 0; off+n <= len(out); off += n {
		if err := s.Process(out[off : off+n]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func energy(x []float32) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return e
}

func white(n int, sigma float64, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 99))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(sigma * rng.NormFloat64())
	}
	return x
}

// voiced is a speech-like test signal: harmonics of a gliding pitch with a
// syllabic (about 4 Hz) envelope and pauses, peak about -12 dBFS.
func voiced(n, r int) []float32 {
	x := make([]float32, n)
	phase := 0.0
	for i := range x {
		t := float64(i) / float64(r)
		f0 := 130 + 40*math.Sin(2*math.Pi*0.5*t)
		phase += 2 * math.Pi * f0 / float64(r)
		env := math.Max(0, math.Sin(2*math.Pi*3.3*t))
		var v float64
		for h := 1; float64(h)*f0 < 4000 && float64(h)*f0 < float64(r)/2.5; h++ {
			v += math.Sin(float64(h)*phase) / float64(h)
		}
		x[i] = float32(0.12 * env * v)
	}
	return x
}

func TestNewRates(t *testing.T) {
	for _, r := range []int{48000, 32000, 24000, 16000, 8000, 44100} {
		s := newT(t, r)
		if s.FrameSize() != r/100 || s.SampleRate() != r {
			t.Fatalf("rate %d: frame %d", r, s.FrameSize())
		}
		if s.Latency() != 10*time.Millisecond {
			t.Fatalf("rate %d: latency %v", r, s.Latency())
		}
	}
	for _, r := range []int{0, -48000, 7999, 96000, 12345} {
		if _, err := New(r); !errors.Is(err, ErrRate) {
			t.Fatalf("rate %d: err %v", r, err)
		}
	}
}

func TestFrameSizeError(t *testing.T) {
	s := newT(t, rate)
	if err := s.Process(make([]float32, 100)); !errors.Is(err, ErrFrameSize) {
		t.Fatalf("got %v", err)
	}
	if err := s.ProcessPCM16(make([]int16, 481)); !errors.Is(err, ErrFrameSize) {
		t.Fatalf("got %v", err)
	}
	// Several frames at once are fine.
	if err := s.Process(make([]float32, 960)); err != nil {
		t.Fatal(err)
	}
}

func TestSilenceStaysSilence(t *testing.T) {
	for _, r := range []int{48000, 16000, 8000} {
		s := newT(t, r)
		out := run(t, s, make([]float32, r*2))
		for i, v := range out {
			if v != 0 {
				t.Fatalf("rate %d: sample %d = %g", r, i, v)
			}
		}
	}
}

func TestSpeechLikeSignalPasses(t *testing.T) {
	for _, r := range []int{48000, 16000} {
		s := newT(t, r)
		x := voiced(3*r, r)
		y := run(t, s, x)
		d := s.FrameSize() // the algorithmic delay
		// Compare after the first half second against the delayed input.
		var sig, errE float64
		for i := r / 2; i < len(x); i++ {
			e := float64(y[i]) - float64(x[i-d])
			sig += float64(x[i-d]) * float64(x[i-d])
			errE += e * e
		}
		snr := 10 * math.Log10(sig/errE)
		if snr < 15 {
			t.Fatalf("rate %d: clean speech-like signal distorted: SNR %.1f dB", r, snr)
		}
		t.Logf("rate %d: clean signal SNR after processing %.1f dB", r, snr)
	}
}

func TestWhiteNoiseReduced(t *testing.T) {
	for _, r := range []int{48000, 44100, 32000, 16000, 8000} {
		s := newT(t, r)
		x := white(4*r, 0.03, uint64(r))
		y := run(t, s, x)
		tail := len(x) / 2 // after the estimate has settled
		red := 10 * math.Log10(energy(x[tail:])/energy(y[tail:]))
		if red < 15 {
			t.Fatalf("rate %d: white noise reduced by %.1f dB, want ≥ 15", r, red)
		}
		t.Logf("rate %d: white noise reduced by %.1f dB", r, red)
	}
}

func TestSpeechInNoiseImproves(t *testing.T) {
	s := newT(t, rate)
	clean := voiced(4*rate, rate)
	noise := white(len(clean), 0.02, 5)
	noisy := make([]float32, len(clean))
	for i := range noisy {
		noisy[i] = clean[i] + noise[i]
	}
	y := run(t, s, noisy)
	d := s.FrameSize()
	snr := func(est []float32, delay int) float64 {
		var se, ee float64
		for i := rate; i < len(clean); i++ {
			c := float64(clean[i-delay])
			e := float64(est[i]) - c
			se += c * c
			ee += e * e
		}
		return 10 * math.Log10(se/ee)
	}
	in, out := snr(noisy, 0), snr(y, d)
	if out < in+6 {
		t.Fatalf("SNR %.1f dB -> %.1f dB, want ≥ 6 dB better", in, out)
	}
	t.Logf("SNR %.1f dB -> %.1f dB", in, out)
}

func TestKeyClicksSuppressed(t *testing.T) {
	s := newT(t, rate)
	rng := rand.New(rand.NewPCG(8, 8))
	x := white(4*rate, 0.001, 9)
	var clickAt []int
	for at := rate / 2; at < len(x)-rate/10; at += rate/6 + rng.IntN(rate/10) {
		clickAt = append(clickAt, at)
		for i := range 400 {
			x[at+i] += float32(0.4 * math.Exp(-float64(i)/80) * rng.NormFloat64())
		}
	}
	y := run(t, s, x)
	var in, out float64
	for _, at := range clickAt[3:] {
		in += energy(x[at : at+600])
		out += energy(y[at : at+600+s.FrameSize()])
	}
	red := 10 * math.Log10(in/out)
	if red < 10 {
		t.Fatalf("key clicks reduced by %.1f dB, want ≥ 10", red)
	}
	t.Logf("key clicks reduced by %.1f dB", red)
}

func TestRandomInputStaysFiniteAndInRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	for _, r := range []int{48000, 16000, 8000} {
		s := newT(t, r)
		frame := make([]float32, s.FrameSize())
		for f := range 3000 {
			kind := rng.IntN(7)
			for i := range frame {
				switch kind {
				case 0:
					frame[i] = float32(rng.Float64()*2 - 1)
				case 1:
					frame[i] = 0
				case 2:
					frame[i] = 1
				case 3:
					frame[i] = float32(rng.NormFloat64() * 1e-6)
				case 4:
					if rng.IntN(50) == 0 {
						frame[i] = float32(rng.Float64()*2 - 1)
					} else {
						frame[i] = 0
					}
				case 5:
					frame[i] = float32(math.Copysign(1, rng.NormFloat64()))
				default:
					frame[i] = float32([]float64{math.NaN(), math.Inf(1), math.Inf(-1), 3e38, -5}[rng.IntN(5)])
				}
			}
			if err := s.Process(frame); err != nil {
				t.Fatal(err)
			}
			for i, v := range frame {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || v > 1 || v < -1 {
					t.Fatalf("rate %d frame %d kind %d sample %d: %g", r, f, kind, i, v)
				}
			}
		}
		// It still works afterwards: silence in gives silence out soon.
		for range 50 {
			clear(frame)
			if err := s.Process(frame); err != nil {
				t.Fatal(err)
			}
		}
		for _, v := range frame {
			if v != 0 {
				t.Fatalf("rate %d: not silent after garbage: %g", r, v)
			}
		}
	}
}

func TestPCM16(t *testing.T) {
	s := newT(t, rate)
	x := white(2*rate, 0.03, 3)
	pcm := make([]int16, len(x))
	for i, v := range x {
		pcm[i] = int16(v * 32767)
	}
	in := append([]int16(nil), pcm...)
	for off := 0; off < len(pcm); off += 480 {
		if err := s.ProcessPCM16(pcm[off : off+480]); err != nil {
			t.Fatal(err)
		}
	}
	var ein, eout float64
	for i := rate; i < len(pcm); i++ {
		ein += float64(in[i]) * float64(in[i])
		eout += float64(pcm[i]) * float64(pcm[i])
	}
	if red := 10 * math.Log10(ein/eout); red < 15 {
		t.Fatalf("PCM16 white noise reduced by %.1f dB", red)
	}
	// Full-scale input saturates instead of wrapping.
	full := make([]int16, 480*20)
	for i := range full {
		full[i] = []int16{32767, -32768}[i%2]
	}
	if err := s.ProcessPCM16(full); err != nil {
		t.Fatal(err)
	}
}

func TestBypassIsBitExact(t *testing.T) {
	s := newT(t, rate)
	s.SetEnabled(false)
	if s.Enabled() {
		t.Fatal("still enabled")
	}
	x := white(rate, 0.2, 1)
	y := run(t, s, x)
	for i := range x {
		if x[i] != y[i] {
			t.Fatalf("sample %d changed in bypass: %g -> %g", i, x[i], y[i])
		}
	}
	var pcm [480]int16
	for i := range pcm {
		pcm[i] = int16(i*137 - 30000)
	}
	want := pcm
	if err := s.ProcessPCM16(pcm[:]); err != nil || pcm != want {
		t.Fatalf("PCM16 bypass changed samples (err %v)", err)
	}
}

// TestToggleHasNoClick switches suppression off and on during a steady tone
// and checks that the output never jumps more than the tone itself does.
func TestToggleHasNoClick(t *testing.T) { checkToggle(t, newT(t, rate), 2) }

// checkToggle runs d over a steady 440 Hz tone, switching it off at frames
// 40 and 120 and on at 80 and 160: while off the output must be the input
// bit for bit, and no sample may step by more than slack times the tone's
// own largest step.
func checkToggle(t *testing.T, d Denoiser, slack float32) {
	t.Helper()
	x := make([]float32, 3*rate)
	for i := range x {
		x[i] = float32(0.5 * math.Sin(2*math.Pi*440*float64(i)/rate))
	}
	maxStep := float32(2 * math.Pi * 440 / rate * 0.5 * 1.01)
	out := make([]float32, 0, len(x))
	frame := make([]float32, 480)
	for f := 0; f < len(x)/480; f++ {
		switch f {
		case 40, 120:
			d.SetEnabled(false)
		case 80, 160:
			d.SetEnabled(true)
		}
		copy(frame, x[f*480:])
		if err := d.Process(frame); err != nil {
			t.Fatal(err)
		}
		if f >= 121 && f < 160 {
			for i := range frame {
				if frame[i] != x[f*480+i] {
					t.Fatalf("frame %d not bit-exact after switching off", f)
				}
			}
		}
		out = append(out, frame...)
	}
	for i := 30 * 480; i < len(out); i++ {
		if d := out[i] - out[i-1]; d > slack*maxStep || d < -slack*maxStep {
			t.Fatalf("click at sample %d (frame %d): step %g", i, i/480, d)
		}
	}
}

func TestNoAllocationsPerFrame(t *testing.T) {
	s := newT(t, rate)
	frame := white(480, 0.1, 2)
	pcm := make([]int16, 480)
	allocs := testing.AllocsPerRun(200, func() {
		_ = s.Process(frame)
		_ = s.ProcessPCM16(pcm)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per frame", allocs)
	}
}
