package rnnoise

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

func loadNative(t testing.TB) *NativeModel {
	t.Helper()
	m, err := DefaultNative()
	if err != nil {
		if errors.Is(err, ErrNotFound) && os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	return m
}

// testSignal is 6 s of a speech-like test signal: a voiced source whose
// pitch glides between 90 and 260 Hz with syllable-rate amplitude, formant
// shaped, in pink-ish noise that changes level, with a stretch of digital
// silence and a stretch of noise only.
func testSignal(seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 7))
	n := 6 * Rate
	x := make([]float32, n)
	phase := 0.0
	var b0, b1, b2 float64
	for i := range x {
		t := float64(i) / Rate
		f0 := 175 + 85*math.Sin(2*math.Pi*0.7*t+float64(seed))
		phase += 2 * math.Pi * f0 / Rate
		env := math.Max(0, math.Sin(2*math.Pi*3.1*t))
		var v float64
		for h := 1; float64(h)*f0 < 8000; h++ {
			fh := float64(h) * f0
			a := 1/(1+math.Pow((fh-700)/300, 2)) + 0.5/(1+math.Pow((fh-1800)/400, 2)) + 0.1
			v += 0.03 * a * math.Sin(float64(h)*phase)
		}
		w := rng.NormFloat64()
		b0 = 0.99*b0 + 0.1*w
		b1 = 0.9*b1 + 0.3*w
		b2 = w
		noise := 0.02 * (b0 + b1 + 0.3*b2) * (1 + 0.5*math.Sin(2*math.Pi*0.2*t))
		switch {
		case t >= 2 && t < 2.5: // digital silence
			v, noise = 0, 0
		case t >= 4 && t < 5: // noise only
			v = 0
		}
		x[i] = float32(v*env + noise)
	}
	return x
}

// TestNativeMatchesWASM runs the pure-Go RNNoise and the WebAssembly build
// side by side on the same frames: the outputs must agree to well below
// a few 16-bit steps (the two differ only in float
// rounding: FFT algorithm, summation order of a few products).
func TestNativeMatchesWASM(t *testing.T) {
	wm := model(t)
	nm := loadNative(t)
	for _, seed := range []uint64{1, 2} {
		w, err := wm.New()
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		g, err := nm.New()
		if err != nil {
			t.Fatal(err)
		}
		x := testSignal(seed)
		a, b := make([]float32, FrameSize), make([]float32, FrameSize)
		var maxDiff, maxVAD, sumD, sumS float64
		for off := 0; off+FrameSize <= len(x); off += FrameSize {
			copy(a, x[off:])
			copy(b, x[off:])
			va, err := w.Process(a)
			if err != nil {
				t.Fatal(err)
			}
			vb, err := g.Process(b)
			if err != nil {
				t.Fatal(err)
			}
			maxVAD = max(maxVAD, math.Abs(float64(va-vb)))
			for i := range a {
				d := float64(a[i] - b[i])
				maxDiff = max(maxDiff, math.Abs(d))
				sumD += d * d
				sumS += float64(a[i]) * float64(a[i])
			}
		}
		snr := 10 * math.Log10(sumS/max(sumD, 1e-30))
		t.Logf("seed %d: max |wasm−go| %.2e (%.2f LSB of 16 bit), difference %.0f dB below the output, max |Δvad| %.2e", seed, maxDiff, maxDiff*32768, snr, maxVAD)
		if maxDiff > 3e-4 || snr < 80 || maxVAD > 1e-3 {
			t.Errorf("seed %d: native RNNoise differs from the wasm build: max %.2e, %.0f dB, vad %.2e", seed, maxDiff, snr, maxVAD)
		}
	}
}

// BenchmarkNativeProcess48k is one 10 ms frame at 48 kHz in pure Go.
func BenchmarkNativeProcess48k(b *testing.B) {
	m := loadNative(b)
	d, err := m.New()
	if err != nil {
		b.Fatal(err)
	}
	src := testSignal(3)
	frame := make([]float32, FrameSize)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		off := (i % (len(src)/FrameSize - 1)) * FrameSize
		copy(frame, src[off:off+FrameSize])
		if _, err := d.Process(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNativeModelRejectsOtherModules: a module without RNNoise's model, or
// not WebAssembly at all, is a clear error, never a half-read network.
func TestNativeModelRejectsOtherModules(t *testing.T) {
	empty := []byte("\x00asm\x01\x00\x00\x00")
	if _, err := NewNativeModel(empty); !errors.Is(err, ErrModel) {
		t.Errorf("empty module: %v, want ErrModel", err)
	}
	// One data segment of 4 KiB of 0x18 (24) bytes: sizes but no pointers.
	seg := append([]byte{0x0b, 0x87, 0x20, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x80, 0x20}, make([]byte, 4096)...)
	for i := 10; i < len(seg); i++ {
		seg[i] = 24
	}
	if _, err := NewNativeModel(append(append([]byte{}, empty...), seg...)); !errors.Is(err, ErrModel) {
		t.Errorf("module without the model: %v, want ErrModel", err)
	}
	if _, err := NewNativeModel([]byte("RIFF....WAVE")); err == nil {
		t.Error("a WAV file accepted as rnnoise.wasm")
	}
	if _, err := NewNativeModel(append(append([]byte{}, empty...), 0x0b, 0xff, 0xff, 0xff)); err == nil {
		t.Error("truncated module accepted")
	}
	// A data section whose segment count is near 2⁶⁴ ends at once.
	huge := append(append([]byte{}, empty...), 0x0b, 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)
	if _, err := NewNativeModel(huge); err == nil {
		t.Error("a data section with 2⁶⁴ segments accepted")
	}
}

// TestBandSumsSameBits: bandSums gives the same bits as bandCross of X with
// X, of P with P and of X with P, one after another, on random
// spectra and on spectra with zeros, infinities and NaN.
func TestBandSumsSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	specials := []float32{0, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-30, 3e38}
	for trial := range 200 {
		var X, P [freqSize]complex64
		for i := range X {
			v := func() float32 {
				if trial%4 == 3 && rng.IntN(50) == 0 {
					return specials[rng.IntN(len(specials))]
				}
				return float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(8))-2))
			}
			X[i], P[i] = complex(v(), v()), complex(v(), v())
		}
		var ex, ep, exp, wx, wp, wxp [nbBands]float32
		bandSums(ex[:], ep[:], exp[:], X[:], P[:])
		bandCross(wx[:], X[:], X[:])
		bandCross(wp[:], P[:], P[:])
		bandCross(wxp[:], X[:], P[:])
		for i := range nbBands {
			for _, c := range []struct {
				name      string
				got, want float32
			}{{"ex", ex[i], wx[i]}, {"ep", ep[i], wp[i]}, {"exp", exp[i], wxp[i]}} {
				if math.Float32bits(c.got) != math.Float32bits(c.want) {
					t.Fatalf("trial %d band %d %s: %v (%#x), want %v (%#x)", trial, i, c.name, c.got, math.Float32bits(c.got), c.want, math.Float32bits(c.want))
				}
			}
		}
	}
}

// spectraTap keeps the magnitude of each frame's output spectrum.
type spectraTap struct{ mag [][]float64 }

func (s *spectraTap) PostSpectra(sp *Spectra) {
	m := make([]float64, len(sp.Out))
	for k, v := range sp.Out {
		m[k] = math.Hypot(float64(real(v)), float64(imag(v)))
	}
	s.mag = append(s.mag, m)
}

// TestGainHoldOff runs RNNoise with its gain hold and without it over the
// same signal. The network's gains and the pitch filter do not depend on
// the hold, so without it every bin of every frame comes out no louder,
// and quieter where the hold kept a falling gain up: by more than half in
// some frame after the syllables, which is the noise the hold let through.
func TestGainHoldOff(t *testing.T) {
	m := loadNative(t)
	x := testSignal(3)
	run := func(hold bool) *spectraTap {
		d, err := m.New()
		if err != nil {
			t.Fatal(err)
		}
		d.SetGainHold(hold)
		tap := &spectraTap{}
		frame := make([]float32, FrameSize)
		for off := 0; off+FrameSize <= len(x); off += FrameSize {
			copy(frame, x[off:off+FrameSize])
			if _, err := d.ProcessWith(frame, tap); err != nil {
				t.Fatal(err)
			}
		}
		return tap
	}
	on, off := run(true), run(false)
	var held int
	for f := range on.mag {
		var eOn, eOff float64
		for k, a := range on.mag[f] {
			b := off.mag[f][k]
			if b > a*(1+1e-5)+1e-9 {
				t.Fatalf("frame %d bin %d: %g without the hold, %g with it", f, k, b, a)
			}
			eOn += a * a
			eOff += b * b
		}
		if eOff < 0.5*eOn {
			held++
		}
	}
	if held == 0 {
		t.Fatal("the hold changed no frame's energy by half: it is not off")
	}
	t.Logf("%d of %d frames lost over half their energy without the hold", held, len(on.mag))
}
