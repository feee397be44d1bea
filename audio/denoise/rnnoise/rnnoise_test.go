package rnnoise

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// model loads rnnoise.wasm; without it the test skips, except under CI=true
// where `make test` has fetched it first (`make rnnoise`) and a missing file
// is a failure.
func model(t testing.TB) *Model {
	t.Helper()
	m, err := Default()
	if err != nil {
		if errors.Is(err, ErrNotFound) && os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	return m
}

func TestFindMissingIsClear(t *testing.T) {
	t.Setenv(EnvWASM, "/nonexistent/rnnoise.wasm")
	_, err := Find()
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Find with a bad $%s: %v, want ErrNotFound", EnvWASM, err)
	}
}

// TestRemovesNoiseKeepsTone feeds quiet white noise (RNNoise removes little
// of loud stationary white noise; node gives the same figures), then a voiced harmonic
// signal in the same noise: the noise alone must come out much weaker and
// the voiced part must keep most of its energy.
func TestRemovesNoiseKeepsTone(t *testing.T) {
	m := model(t)
	d, err := m.New()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	frame := make([]float32, FrameSize)
	var inN, outN, inS, outS float64
	var vadNoise, vadVoice float32
	phase := 0.0
	for f := 0; f < 400; f++ {
		voiced := f >= 200
		var ein float64
		for i := range frame {
			v := 0.002 * rng.NormFloat64()
			if voiced {
				phase += 2 * math.Pi * 140 / Rate
				for h := 1; h <= 20; h++ {
					v += 0.1 / float64(h) * math.Sin(float64(h)*phase)
				}
			}
			frame[i] = float32(v)
			ein += v * v
		}
		vad, err := d.Process(frame)
		if err != nil {
			t.Fatal(err)
		}
		var eout float64
		for _, v := range frame {
			eout += float64(v) * float64(v)
		}
		switch {
		case f >= 100 && f < 200:
			inN, outN = inN+ein, outN+eout
			vadNoise = max(vadNoise, vad)
		case f >= 250:
			inS, outS = inS+ein, outS+eout
			vadVoice = max(vadVoice, vad)
		}
	}
	nr := 10 * math.Log10(inN/outN)
	keep := 10 * math.Log10(outS/inS)
	t.Logf("noise reduced by %.1f dB, voiced signal level %+.1f dB, vad noise %.2f voice %.2f", nr, keep, vadNoise, vadVoice)
	if nr < 3 {
		t.Errorf("noise only reduced by %.1f dB", nr)
	}
	if keep < -6 {
		t.Errorf("voiced signal lost %.1f dB", -keep)
	}
	if _, err := d.Process(frame[:10]); !errors.Is(err, ErrFrameSize) {
		t.Errorf("short frame: %v", err)
	}
}

// TestDenoisersAreIndependent: two denoisers fed the same input give the
// same output whatever a third one does in between.
func TestDenoisersAreIndependent(t *testing.T) {
	m := model(t)
	a, _ := m.New()
	b, _ := m.New()
	c, _ := m.New()
	defer a.Close()
	defer b.Close()
	defer c.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	fa, fb, fc := make([]float32, FrameSize), make([]float32, FrameSize), make([]float32, FrameSize)
	for f := 0; f < 50; f++ {
		for i := range fa {
			fa[i] = float32(0.1 * rng.NormFloat64())
			fc[i] = float32(0.5 * rng.NormFloat64())
		}
		copy(fb, fa)
		a.Process(fa)
		c.Process(fc)
		b.Process(fb)
		for i := range fa {
			if fa[i] != fb[i] {
				t.Fatalf("frame %d sample %d: %v != %v", f, i, fa[i], fb[i])
			}
		}
	}
}

// BenchmarkProcess48k is one 10 ms frame at 48 kHz under wazero.
func BenchmarkProcess48k(b *testing.B) {
	m := model(b)
	d, err := m.New()
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	rng := rand.New(rand.NewPCG(1, 1))
	src := make([]float32, 64*FrameSize)
	for i := range src {
		src[i] = float32(0.05 * rng.NormFloat64())
	}
	frame := make([]float32, FrameSize)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		off := (i % 64) * FrameSize
		copy(frame, src[off:off+FrameSize])
		if _, err := d.Process(frame); err != nil {
			b.Fatal(err)
		}
	}
}
