package nseval

import (
	"errors"
	"os"
	"testing"

	"github.com/meet-dev/meet/audio/denoise"
)

// TestDefaultDoesNoHarm is make test's fast check of the default suppressor
// (denoise.NewDefault) on a few TEST-set mixtures: two speakers in babble,
// cafe and car noise at 5 dB, and their clean controls. Mean STOI must not
// fall below the unprocessed input (±0.003), no mixture may lose more than
// 0.01, and on clean speech the level stays within 0.5 dB and STOI ≥ 0.99.
// The full evaluation is make bench-ns. Under CI=true espeak-ng, sox and
// rnnoise.wasm are required (make test installs and fetches them).
func TestDefaultDoesNoHarm(t *testing.T) {
	if testing.Short() {
		t.Skip("speech synthesis and STOI: skipped with -short")
	}
	const rate = 48000
	ci := os.Getenv("CI") != ""
	if e, why := denoise.DefaultEngine(rate); why != nil && ci {
		t.Fatalf("CI=true but the default suppressor is %s: %v", e, why)
	}
	set := Test
	set.Targets = set.Targets[:2]
	dir := t.TempDir()
	speak := func(voice, text string) ([]float64, error) { return Speak(dir, voice, text, rate) }
	mixes, err := Build(set, rate, speak, []string{"babble", "cafe", "car"}, []float64{5})
	if err != nil {
		if errors.Is(err, ErrTool) && !ci {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	var sumIn, sumOut float64
	var n int
	for _, m := range mixes {
		d, _, err := denoise.NewDefault(rate)
		if err != nil {
			t.Fatal(err)
		}
		hop := d.FrameSize()
		buf := make([]float32, (len(m.Noisy)+hop-1)/hop*hop+hop)
		for i, v := range m.Noisy {
			buf[i] = float32(v)
		}
		if err := d.Process(buf); err != nil {
			t.Fatal(err)
		}
		if c, ok := d.(interface{ Close() error }); ok {
			c.Close()
		}
		lag := int(d.Latency().Seconds() * rate)
		y := make([]float64, len(m.Noisy))
		for i := range y {
			y[i] = float64(buf[i+lag])
		}
		out, err := m.Score(y, rate)
		if err != nil {
			t.Fatal(err)
		}
		in, err := m.Score(m.Noisy, rate)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s speaker %d %-6s %4g dB: STOI %.4f → %.4f, segSNR %+.2f → %+.2f dB, level %+.2f dB",
			d.Name(), m.Target, m.Noise, m.SNR, in.STOI, out.STOI, in.SegSNR, out.SegSNR, out.Level)
		if m.Noise == Clean {
			if out.STOI < 0.99 || out.Level > 0.5 || out.Level < -0.5 {
				t.Errorf("clean speech, speaker %d: STOI %.4f (want ≥ 0.99), level %+.2f dB (want within 0.5 dB)", m.Target, out.STOI, out.Level)
			}
			continue
		}
		if out.STOI < in.STOI-0.01 {
			t.Errorf("speaker %d in %s at %g dB: STOI %.4f below the unprocessed %.4f", m.Target, m.Noise, m.SNR, out.STOI, in.STOI)
		}
		sumIn += in.STOI
		sumOut += out.STOI
		n++
	}
	if sumOut/float64(n) < sumIn/float64(n)-0.003 {
		t.Errorf("mean STOI %.4f below the unprocessed %.4f", sumOut/float64(n), sumIn/float64(n))
	}
}
