package denoise

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/meet-dev/meet/audio"
)

func toPCM(x []float32) audio.PCM16 {
	out := make(audio.PCM16, len(x))
	for i, v := range x {
		out[i] = toInt16(v)
	}
	return out
}

func TestStageChainsAndReframes(t *testing.T) {
	buf := audio.NewBuffer(48000)
	st, err := NewStage(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.String(); !strings.HasPrefix(got, "Denoise -> Buffer(48000)") {
		t.Fatalf("String() = %q", got)
	}
	if st.SampleRate() != 48000 || !st.Enabled() {
		t.Fatal("rate or default state wrong")
	}
	in := toPCM(white(48000, 0.05, 1))
	orig := append(audio.PCM16(nil), in...)
	// Odd write sizes: 7 ms, 13 ms, 1 sample...
	for off, i := 0, 0; off < len(in); i++ {
		n := min([]int{336, 624, 1, 960, 2000}[i%5], len(in)-off)
		if err := st.WriteSample(in[off : off+n]); err != nil {
			t.Fatal(err)
		}
		off += n
	}
	for i := range in {
		if in[i] != orig[i] {
			t.Fatal("stage modified the caller's samples")
		}
	}
	if got := buf.Len(); got != len(in)/480*480 {
		t.Fatalf("wrote %d samples, want whole frames %d", got, len(in)/480*480)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if got := buf.Len(); got != len(in) {
		t.Fatalf("after Close %d samples, want %d", got, len(in))
	}
	// The noise got quieter.
	out := buf.Samples()
	rin, _ := audio.Level(in[24000:])
	rout, _ := audio.Level(out[24000:])
	if rin-rout < 15 {
		t.Fatalf("stage reduced white noise by %.1f dB", rin-rout)
	}
}

func TestStageBypassAndRates(t *testing.T) {
	buf := audio.NewBuffer(16000)
	st, err := NewStage(buf)
	if err != nil {
		t.Fatal(err)
	}
	st.SetEnabled(false)
	in := toPCM(white(1600, 0.1, 2))
	if err := st.WriteSample(in); err != nil {
		t.Fatal(err)
	}
	for i, v := range buf.Samples() {
		if v != in[i] {
			t.Fatalf("bypass changed sample %d", i)
		}
	}
	if _, err := NewStage(audio.Discard(44000 + 1)); !errors.Is(err, ErrRate) {
		t.Fatalf("odd rate: %v", err)
	}
	if _, err := NewStage(nil); err == nil {
		t.Fatal("nil destination accepted")
	}
}

func TestStageNoAllocs(t *testing.T) {
	st, err := NewStage(audio.Discard(48000))
	if err != nil {
		t.Fatal(err)
	}
	frame := toPCM(white(480, 0.05, 3))
	half := frame[:240]
	if a := testing.AllocsPerRun(200, func() { _ = st.WriteSample(frame) }); a != 0 {
		t.Fatalf("%v allocations per 10 ms write", a)
	}
	if a := testing.AllocsPerRun(200, func() { _ = st.WriteSample(half) }); a != 0 {
		t.Fatalf("%v allocations per 5 ms write", a)
	}
}

func TestApplyIsAligned(t *testing.T) {
	x := voiced(48000, 48000)
	in := toPCM(x)
	out, err := Apply(in, 48000)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("len %d, want %d", len(out), len(in))
	}
	var se, ee float64
	for i := 12000; i < len(in); i++ {
		d := float64(out[i]) - float64(in[i])
		se += float64(in[i]) * float64(in[i])
		ee += d * d
	}
	if snr := 10 * math.Log10(se/ee); snr < 15 {
		t.Fatalf("Apply output not aligned with the input: SNR %.1f dB", snr)
	}
	if _, err := Apply(in, 11025); !errors.Is(err, ErrRate) {
		t.Fatalf("rate 11025: %v", err)
	}
}
