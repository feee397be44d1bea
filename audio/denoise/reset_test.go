package denoise

import (
	"errors"
	"math"
	"os"
	"testing"

	"github.com/meet-dev/meet/audio/denoise/rnnoise"
)

// engineT returns e at 48 kHz, skipping (outside CI) when rnnoise.wasm is
// not installed.
func engineT(t *testing.T, e Engine) Denoiser {
	t.Helper()
	d, err := NewEngine(e, 48000)
	if errors.Is(err, rnnoise.ErrNotFound) && os.Getenv("CI") == "" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, ok := d.(interface{ Close() error }); ok {
			c.Close()
		}
	})
	return d
}

func peak(x []float32) float64 {
	var p float64
	for _, v := range x {
		p = math.Max(p, math.Abs(float64(v)))
	}
	return p
}

// TestResetForgetsAudio: after speech, Reset, then silence: nothing of the
// speech comes out (the softphone resets between calls, so the next
// customer never hears the end of the last call). Without Reset the
// delay line does bring it out, which is what makes the check meaningful.
func TestResetForgetsAudio(t *testing.T) {
	// voiced's syllables peak every 1/3.3 s; both cuts (0.38 s, 0.68 s)
	// are at a syllable's loudest, so the delay line holds speech.
	speech := voiced(48000, 48000)
	cut1, cut2 := 38*480, 68*480
	for _, e := range []Engine{EngineOurs, EngineHybrid, EngineRNNoise, EngineRNNoiseWASM} {
		t.Run(e.String(), func(t *testing.T) {
			d := engineT(t, e)
			run(t, d, speech[:cut1])
			if p := peak(run(t, d, make([]float32, 6*480))); p < 1e-3 {
				t.Fatalf("without Reset the silence after speech peaks at %.2g: the check could not fail", p)
			}
			run(t, d, speech[cut1:cut2])
			d.Reset()
			if p := peak(run(t, d, make([]float32, 6*480))); p > 1e-4 {
				t.Fatalf("after Reset the silence peaks at %.2g (≥ -80 dBFS): the speech before Reset came out", p)
			}
		})
	}
}

// TestResetKeepsNoiseEstimate: Reset keeps what the suppressor learned of
// the noise, so the frames right after it are suppressed about as much as
// before (a suppressor starting afresh passes more of the noise while it
// adapts).
func TestResetKeepsNoiseEstimate(t *testing.T) {
	for _, e := range []Engine{EngineOurs, EngineHybrid} {
		t.Run(e.String(), func(t *testing.T) {
			d := engineT(t, e)
			noise := white(3*48000, 0.05, 7)
			out := run(t, d, noise[:2*48000])
			before := energy(out[len(out)-20*480:]) / energy(noise[2*48000-20*480:2*48000])
			d.Reset()
			// The first frame after Reset is the empty delay line; compare
			// the 19 after it.
			in := noise[2*48000 : 2*48000+20*480]
			out = run(t, d, in)
			after := energy(out[480:]) / energy(in[:19*480])
			if after > 2*before {
				t.Fatalf("noise kept %.3f of its energy before Reset, %.3f after: the estimate was lost", before, after)
			}
		})
	}
}
