package denoise

import (
	"errors"
	"math"
	"os"
	"testing"

	"github.com/meet-dev/meet/audio/denoise/rnnoise"
)

// TestHybridMixerFormula checks the mix on constant frames: out = rnn +
// β·(dry − rnn) + μ·(ours − rnn), β between the floors by held VAD, and β
// gliding across a frame instead of stepping.
func TestHybridMixerFormula(t *testing.T) {
	p := HybridParams{FloorNoise: 0.1, FloorSpeech: 0.5, Ours: 0.25, VADRelease: 0.5}
	m := NewHybridMixer(p)
	fill := func(v float32) []float32 {
		x := make([]float32, 480)
		for i := range x {
			x[i] = v
		}
		return x
	}
	out := make([]float32, 480)
	m.Mix(out, fill(0.2), fill(0.6), fill(0.4), 0) // β = 0.1
	want := float32(0.2 + 0.1*0.4 + 0.25*0.2)
	if d := out[479] - want; d > 1e-6 || d < -1e-6 {
		t.Fatalf("noise frame: %v, want %v", out[479], want)
	}
	m.Mix(out, fill(0.2), fill(0.6), fill(0.4), 1) // β glides 0.1 → 0.5
	want = float32(0.2 + 0.5*0.4 + 0.25*0.2)
	if d := out[479] - want; d > 1e-6 || d < -1e-6 {
		t.Fatalf("speech frame end: %v, want %v", out[479], want)
	}
	if out[0] > out[240] || out[240] > out[479] || out[0] > 0.2+0.11*0.4+0.05+1e-3 {
		t.Fatalf("β stepped instead of gliding: %v %v %v", out[0], out[240], out[479])
	}
	m.Mix(out, fill(0.2), fill(0.6), nil, 0) // VAD held: 0.5·1 → β = 0.3
	want = float32(0.2 + 0.3*0.4)
	if d := out[479] - want; d > 1e-6 || d < -1e-6 {
		t.Fatalf("held VAD without ours: %v, want %v", out[479], want)
	}
}

func TestParseEngine(t *testing.T) {
	for _, e := range []Engine{EngineAuto, EngineOurs, EngineHybrid, EngineRNNoise, EngineHybridWASM, EngineRNNoiseWASM, EngineHybridShared} {
		got, err := ParseEngine(e.String())
		if err != nil || got != e {
			t.Fatalf("ParseEngine(%q) = %v, %v", e, got, err)
		}
	}
	for _, e := range []Engine{EngineHybrid, EngineRNNoise, EngineHybridWASM, EngineRNNoiseWASM, EngineHybridShared} {
		d, err := NewEngine(e, 48000)
		if err != nil {
			if errors.Is(err, rnnoise.ErrNotFound) && os.Getenv("CI") == "" {
				continue
			}
			t.Fatal(err)
		}
		if d.Name() != e.String() {
			t.Errorf("NewEngine(%s).Name() = %s", e, d.Name())
		}
		d.(*Hybrid).Close()
	}
	if _, err := ParseEngine("fast"); err == nil {
		t.Fatal("bad engine accepted")
	}
	if EngineUnknown.String() != "unknown" {
		t.Fatal(EngineUnknown.String())
	}
}

func TestDefaultFallsBackOffRate(t *testing.T) {
	d, why, err := NewDefault(16000)
	if err != nil || why == nil || d.Name() != "ours" {
		t.Fatalf("16 kHz default: %v, %v, %v", d, why, err)
	}
}

func hybrid(t *testing.T) *Hybrid {
	t.Helper()
	return hybridWith(t, DefaultHybrid)
}

// hybridWith is a hybrid with weights p and options opts.
func hybridWith(t *testing.T, p HybridParams, opts ...HybridOption) *Hybrid {
	t.Helper()
	m, err := rnnoise.DefaultNative()
	if err != nil {
		if errors.Is(err, rnnoise.ErrNotFound) && os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	d, err := m.New()
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHybrid(d, p, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// TestHybridBypassAndToggle: off is bit-exact, switching never clicks on a
// steady tone, and the default is the hybrid when rnnoise.wasm is there.
func TestHybridBypassAndToggle(t *testing.T) {
	h := hybrid(t)
	if d, why, err := NewDefault(48000); err != nil || why != nil || d.Name() != "hybrid" {
		t.Fatalf("default at 48 kHz: %v, %v, %v", d, why, err)
	}
	// The tone's own step is the bound; a one-frame crossfade between the
	// delayed processed tone and the dry one adds at most the same again.
	checkToggle(t, h, 3)
	frame := make([]float32, 480)
	if err := h.Process(frame[:100]); !errors.Is(err, ErrFrameSize) {
		t.Fatalf("short frame: %v", err)
	}
	pcm := make([]int16, 960)
	if err := h.ProcessPCM16(pcm); err != nil {
		t.Fatal(err)
	}
}

// TestSpectralMixFormula checks the per-bin mix on constant spectra: Y =
// Yrnn + β·(X − Yrnn) + μ·(X·G − Yrnn), X the dry spectrum with RNNoise's
// high-pass undone, G our gain rule's bin gains, β between the floors by
// the held VAD.
func TestSpectralMixFormula(t *testing.T) {
	p := HybridParams{FloorNoise: 0.1, FloorSpeech: 0.5, Ours: 0.25, VADRelease: 0.5}
	m := NewSpectralMix(p)
	dry := make([]complex64, rnnoise.FrameSize+1)
	out := make([]complex64, len(dry))
	in := make([]float32, rnnoise.FrameSize)
	for i := range in {
		in[i] = float32(100 * math.Sin(float64(i)))
	}
	for frame, vad := range []float32{0, 1, 0} {
		for k := range dry {
			dry[k] = complex(float32(k%7), -float32(k%5))
			out[k] = 0.5 * dry[k]
		}
		m.PostSpectra(&rnnoise.Spectra{In: in, Dry: dry, Out: out, VAD: vad})
		beta := []float32{0.1, 0.5, 0.3}[frame] // the VAD held: 0.5·1 → β = 0.3
		for k, y := range out {
			g, x := m.ours.binGain[k], dry[k]*m.un[k] // dry before the high-pass
			want := 0.5*dry[k] + complex(beta, 0)*(x-0.5*dry[k]) + complex(p.Ours, 0)*(complex(g, 0)*x-0.5*dry[k])
			if d := y - want; math.Abs(float64(real(d))) > 1e-5 || math.Abs(float64(imag(d))) > 1e-5 {
				t.Fatalf("frame %d bin %d: %v, want %v (gain %v)", frame, k, y, want, g)
			}
		}
	}
}

// TestSharedHybridDryIsUnfiltered: with the whole share on the dry
// spectrum the shared hybrid gives back its input one frame late, so what
// it mixes as dry is RNNoise's analysis before the pitch filter and gains,
// with the high-pass undone: a 150 Hz tone (where the high-pass shifts the
// phase by 0.2 rad, an error of 0.06 at this amplitude) comes back within
// 0.01, and a 2 kHz one too.
func TestSharedHybridDryIsUnfiltered(t *testing.T) {
	for _, f := range []float64{150, 2000} {
		h := hybridWith(t, HybridParams{FloorNoise: 1, FloorSpeech: 1}, WithSharedSpectrum())
		if h.smix == nil {
			t.Fatal("WithSharedSpectrum did not share RNNoise's spectrum")
		}
		x := make([]float32, rate)
		for i := range x {
			x[i] = float32(0.3 * math.Sin(2*math.Pi*f*float64(i)/rate))
		}
		y := append([]float32(nil), x...)
		if err := h.Process(y); err != nil {
			t.Fatal(err)
		}
		var worst float64
		for i := rate / 2; i < len(y); i++ { // past the high-pass's settling
			worst = max(worst, math.Abs(float64(y[i]-x[i-480])))
		}
		t.Logf("%v Hz: worst error %.5f", f, worst)
		if worst > 1e-2 {
			t.Fatalf("%v Hz, dry share: output differs from the delayed input by %v", f, worst)
		}
	}
}

// TestSharedHybridToggle: the shared-spectrum hybrid switches off and on
// as the time-domain one does.
func TestSharedHybridToggle(t *testing.T) {
	h := hybridWith(t, SharedHybrid, WithSharedSpectrum())
	if h.smix == nil || h.ours != nil {
		t.Fatal("WithSharedSpectrum did not share RNNoise's spectrum")
	}
	checkToggle(t, h, 3)
}
