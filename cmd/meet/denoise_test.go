package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/denoise"
)

// TestDenoiseFile runs `meet denoise --engine ours` on a 16 kHz file of a gated tone in
// white noise: same rate and length out, the noise down, the tone kept.
func TestDenoiseFile(t *testing.T) {
	const rate = 16000
	n := 3 * rate
	tone := audiotest.Tone(rate, 700, 0.3, n)
	for i := range tone { // 250 ms on, 250 ms off: speech-like
		if i%(rate/2) >= rate/4 {
			tone[i] = 0
		}
	}
	noise := audiotest.Noise(n, 0.03, 7)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.wav")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := audio.WriteWAV(f, rate, audiotest.Mix(tone, noise)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	st, err := denoiseFile(in, out, denoise.EngineOurs)
	if err != nil {
		t.Fatal(err)
	}
	g, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	w, err := audio.ReadWAV(g)
	if err != nil {
		t.Fatal(err)
	}
	if w.Rate != rate || len(w.Samples) != n {
		t.Fatalf("output %d Hz, %d samples; want %d Hz, %d samples", w.Rate, len(w.Samples), rate, n)
	}
	// Compare a gap (noise only) and a tone burst, after the suppressor settled.
	gapIn, gapOut := noise[2*rate+rate/4+800:2*rate+rate/2-800], w.Samples[2*rate+rate/4+800:2*rate+rate/2-800]
	inRMS, _ := audio.Level(gapIn)
	outRMS, _ := audio.Level(gapOut)
	if outRMS > inRMS-10 {
		t.Errorf("noise in the gaps %.1f dBFS → %.1f dBFS, want at least 10 dB less", inRMS, outRMS)
	}
	burst := w.Samples[2*rate+800 : 2*rate+rate/4-800]
	if !audiotest.HasTone(burst, rate, 700) {
		t.Errorf("tone lost (dominant %.0f Hz)", audiotest.DominantFreq(burst, rate))
	}
	t.Logf("noise %.1f → %.1f dBFS; %.1f µs per frame", inRMS, outRMS, st.perFrame)

	if _, err := denoiseFile(filepath.Join(dir, "missing.wav"), out, denoise.EngineAuto); err == nil {
		t.Error("missing input accepted")
	}
	os.WriteFile(in, []byte("RIFF junk"), 0o600)
	if _, err := denoiseFile(in, out, denoise.EngineAuto); err == nil {
		t.Error("garbage input accepted")
	}
}

// TestDenoiseFileDefault runs `meet denoise` with the default engine: the
// learned hybrid when rnnoise.wasm is installed (always under CI=true, where
// make test fetched it), ours otherwise; either way same length out and
// the speech-like tone kept.
func TestDenoiseFileDefault(t *testing.T) {
	in, out := toneInNoiseFile(t)
	st, err := denoiseFile(in, out, denoise.EngineAuto)
	if err != nil {
		t.Fatal(err)
	}
	if st.fallback != nil && os.Getenv("CI") != "" {
		t.Fatalf("CI=true but the default fell back to ours: %v", st.fallback)
	}
	t.Logf("engine %s (fallback: %v), %.1f µs per frame", st.engine, st.fallback, st.perFrame)
	checkToneKept(t, out)
	if _, err := denoiseFile(in, out, denoise.EngineUnknown); err == nil {
		t.Error("unknown engine accepted")
	}
}

// TestDenoiseFileSharedHybrid runs `meet denoise --engine hybrid-shared`
// (ours on RNNoise's spectrum, mixed per bin): same length out, the tone
// kept. It needs rnnoise.wasm (make test fetches it; under CI=true its
// absence fails).
func TestDenoiseFileSharedHybrid(t *testing.T) {
	e, err := denoise.ParseEngine("hybrid-shared")
	if err != nil {
		t.Fatal(err)
	}
	in, out := toneInNoiseFile(t)
	st, err := denoiseFile(in, out, e)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("rnnoise.wasm not found outside CI: %v", err)
		}
		t.Fatal(err)
	}
	if st.engine != "hybrid-shared" || st.fallback != nil {
		t.Fatalf("ran %s (fallback %v), want hybrid-shared", st.engine, st.fallback)
	}
	t.Logf("%.1f µs per frame", st.perFrame)
	checkToneKept(t, out)
}

// toneInNoiseFile writes 2 s of a 300 Hz tone in white noise at 48 kHz and
// returns its path and a path for the output.
func toneInNoiseFile(t *testing.T) (in, out string) {
	t.Helper()
	const rate = 48000
	n := 2 * rate
	tone := audiotest.Tone(rate, 300, 0.3, n)
	noise := audiotest.Noise(n, 0.01, 3)
	dir := t.TempDir()
	in, out = filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.wav")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := audio.WriteWAV(f, rate, audiotest.Mix(tone, noise)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return in, out
}

// checkToneKept reads out (written from toneInNoiseFile's input) and checks
// its length and that the tone is still there.
func checkToneKept(t *testing.T, out string) {
	t.Helper()
	const rate, n = 48000, 2 * 48000
	g, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	w, err := audio.ReadWAV(g)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Samples) != n {
		t.Fatalf("%d samples out, want %d", len(w.Samples), n)
	}
	if seg := w.Samples[rate : rate+rate/2]; !audiotest.HasTone(seg, rate, 300) {
		t.Errorf("tone lost (dominant %.0f Hz)", audiotest.DominantFreq(seg, rate))
	}
}
