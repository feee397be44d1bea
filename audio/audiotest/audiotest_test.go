package audiotest

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestGoertzelDetectsTone(t *testing.T) {
	s := Tone(48000, 1000, 0.5, 960)
	if p := Goertzel(s, 48000, 1000); math.Abs(p-0.25*0.25) > 0.01 {
		t.Fatalf("Goertzel at tone = %v, want ≈ %v", p, 0.25*0.25)
	}
	if !HasTone(s, 48000, 1000) {
		t.Fatal("HasTone missed a 1 kHz tone")
	}
	for _, f := range []float64{500, 1200, 3000} {
		if HasTone(s, 48000, f) {
			t.Fatalf("HasTone found %v Hz in a 1 kHz tone", f)
		}
	}
	if HasTone(make([]int16, 960), 48000, 1000) {
		t.Fatal("HasTone found a tone in silence")
	}
	if HasTone(Noise(960, 0.3, 1), 48000, 1000) {
		t.Fatal("HasTone found a tone in white noise")
	}
	// A tone buried 20 dB under noise is not "the" tone of the signal.
	if HasTone(Mix(Tone(48000, 1000, 0.03, 960), Noise(960, 0.3, 2)), 48000, 1000) {
		t.Fatal("HasTone accepted a tone 20 dB under noise")
	}
	if got := ToneRatio(Mix(Tone(8000, 440, 0.3, 1600), Tone(8000, 1000, 0.3, 1600)), 8000, 440); math.Abs(got-0.5) > 0.05 {
		t.Fatalf("ToneRatio of one of two equal tones = %v, want 0.5", got)
	}
}

func TestDominantFreq(t *testing.T) {
	for _, f := range []float64{150, 440, 997, 3400, 15000} {
		s := Mix(Tone(48000, f, 0.4, 9600), Noise(9600, 0.02, 3))
		if got := DominantFreq(s, 48000); math.Abs(got-f) > 5 {
			t.Errorf("DominantFreq(%v Hz) = %v", f, got)
		}
	}
	if got := DominantFreq(make([]int16, 4096), 8000); got != 0 {
		t.Errorf("DominantFreq(silence) = %v", got)
	}
	if got := DominantFreq(Tone(8000, 440, 0.5, 10), 8000); got != 0 {
		t.Errorf("DominantFreq(10 samples) = %v", got)
	}
}

func TestToneAtContinues(t *testing.T) {
	a := Tone(8000, 440, 0.5, 300)
	b := append(ToneAt(8000, 440, 0.5, 0, 100), ToneAt(8000, 440, 0.5, 100, 200)...)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("sample %d: %d != %d", i, a[i], b[i])
		}
	}
}

func TestSilenceAndPower(t *testing.T) {
	if !IsSilent(make([]int16, 100), -60) {
		t.Fatal("zeros not silent")
	}
	if IsSilent(Tone(8000, 440, 0.1, 800), -60) {
		t.Fatal("-23 dBFS tone reported silent")
	}
	if p := Power(Tone(8000, 500, 1, 8000)); math.Abs(p-0.5) > 0.01 {
		t.Fatalf("power of full-scale sine %v", p)
	}
}

// fakeT records failures instead of stopping the test.
type fakeT struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed = true
	f.msg = fmt.Sprintf(format, args...)
}

func TestRequireHelpers(t *testing.T) {
	tone := Tone(8000, 440, 0.5, 1600)
	silence := make([]int16, 1600)
	cases := []struct {
		name string
		fn   func(testing.TB)
		fail bool
	}{
		{"tone present", func(tb testing.TB) { RequireTone(tb, tone, 8000, 440) }, false},
		{"tone absent", func(tb testing.TB) { RequireTone(tb, silence, 8000, 440) }, true},
		{"no tone ok", func(tb testing.TB) { RequireNoTone(tb, silence, 8000, 440) }, false},
		{"no tone fails", func(tb testing.TB) { RequireNoTone(tb, tone, 8000, 440) }, true},
		{"silence ok", func(tb testing.TB) { RequireSilence(tb, silence, 8000, -60) }, false},
		{"silence fails", func(tb testing.TB) { RequireSilence(tb, tone, 8000, -60) }, true},
		{"signal ok", func(tb testing.TB) { RequireSignal(tb, tone, 8000, -20) }, false},
		{"signal fails", func(tb testing.TB) { RequireSignal(tb, silence, 8000, -20) }, true},
	}
	for _, c := range cases {
		ft := &fakeT{}
		c.fn(ft)
		if ft.failed != c.fail {
			t.Errorf("%s: failed=%v (%s)", c.name, ft.failed, ft.msg)
		}
	}
	ft := &fakeT{}
	RequireTone(ft, Tone(8000, 1000, 0.5, 1600), 8000, 440)
	if !strings.Contains(ft.msg, "dominant 1000 Hz") || !strings.Contains(ft.msg, "RMS -9.0 dBFS") {
		t.Fatalf("message %q does not describe the signal", ft.msg)
	}
}

func TestToneWindows(t *testing.T) {
	s := append(Tone(8000, 440, 0, 8000), Tone(8000, 440, 0.3, 4000)...) // 1 s silence, 0.5 s tone
	s = append(s, Noise(8000, 0.1, 1)...)
	if n := ToneWindows(s, 8000, 440); n != 2 {
		t.Fatalf("440 Hz in %d windows, want 2", n)
	}
	if n := ToneWindows(s, 8000, 1000); n != 0 {
		t.Fatalf("1000 Hz in %d windows", n)
	}
}
