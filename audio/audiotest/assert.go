package audiotest

import (
	"fmt"
	"testing"

	"github.com/meet-dev/meet/audio"
)

// Describe summarises s for failure messages: length, level and dominant frequency.
func Describe(s audio.PCM16, rate int) string {
	rms, peak := audio.Level(s)
	return fmt.Sprintf("%d samples (%.0f ms), RMS %.1f dBFS, peak %.1f dBFS, dominant %.0f Hz",
		len(s), float64(len(s))*1000/float64(max(rate, 1)), rms, peak, DominantFreq(s, rate))
}

// RequireTone fails the test unless s carries a tone at freqHz (see HasTone).
func RequireTone(t testing.TB, s audio.PCM16, rate int, freqHz float64) {
	t.Helper()
	if !HasTone(s, rate, freqHz) {
		t.Fatalf("no %.0f Hz tone (%.0f%% of the power in that bin): %s", freqHz, 100*ToneRatio(s, rate, freqHz), Describe(s, rate))
	}
}

// RequireNoTone fails the test when s carries a tone at freqHz: e.g. a muted
// leg, or a party that must not hear a whisper.
func RequireNoTone(t testing.TB, s audio.PCM16, rate int, freqHz float64) {
	t.Helper()
	if HasTone(s, rate, freqHz) {
		t.Fatalf("unexpected %.0f Hz tone: %s", freqHz, Describe(s, rate))
	}
}

// RequireSilence fails the test unless s stays below thresholdDBFS RMS.
func RequireSilence(t testing.TB, s audio.PCM16, rate int, thresholdDBFS float64) {
	t.Helper()
	if !IsSilent(s, thresholdDBFS) {
		t.Fatalf("not silent (want RMS below %.0f dBFS): %s", thresholdDBFS, Describe(s, rate))
	}
}

// RequireSignal fails the test unless s reaches at least minDBFS RMS.
func RequireSignal(t testing.TB, s audio.PCM16, rate int, minDBFS float64) {
	t.Helper()
	if rms, _ := audio.Level(s); rms < minDBFS {
		t.Fatalf("too quiet (want RMS at least %.0f dBFS): %s", minDBFS, Describe(s, rate))
	}
}
