package recording

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/mixer"
)

func feed(t *testing.T, r *Recorder, s audio.PCM16) {
	for len(s) >= mixer.FrameSamples {
		if err := r.WriteFrame(s[:mixer.FrameSamples]); err != nil {
			t.Fatal(err)
		}
		s = s[mixer.FrameSamples:]
	}
}

func wait(t *testing.T, ch chan Result) Result {
	t.Helper()
	select {
	case res := <-ch:
		return res
	case <-time.After(5 * time.Second):
		t.Fatal("recording never ended")
	}
	return Result{}
}

func read(t *testing.T, path string) *audio.WAV {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := audio.ReadWAV(f)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestPipelineString(t *testing.T) {
	r, err := Start(filepath.Join(t.TempDir(), "a.wav"), Options{Max: time.Minute, Silence: 5 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	want := "Mixer(48000) -> Resample(48000->8000) -> Limits(max 1m0s, silence 5s) -> WAV(8000)"
	if r.String() != want {
		t.Fatalf("pipeline %q, want %q", r.String(), want)
	}
}

// TestSilenceEndsAVoicemail: a second of 1 kHz then silence ends after the
// silence bound; the file holds the tone at 8 kHz.
func TestSilenceEndsAVoicemail(t *testing.T) {
	done := make(chan Result, 1)
	path := filepath.Join(t.TempDir(), "vm", "1.wav")
	r, err := Start(path, Options{Max: time.Minute, Silence: 2 * time.Second}, func(res Result) { done <- res })
	if err != nil {
		t.Fatal(err)
	}
	feed(t, r, audiotest.Tone(48000, 1000, 0.3, 48000))
	feed(t, r, make(audio.PCM16, 48000*3))
	res := wait(t, done)
	if res.Reason != ReasonSilence || res.Err != nil || res.Duration < 2900*time.Millisecond || res.Duration > 3100*time.Millisecond ||
		res.Heard < 900*time.Millisecond || res.Heard > 1100*time.Millisecond {
		t.Fatalf("result %+v", res)
	}
	w := read(t, path)
	if w.Rate != 8000 || !audiotest.HasTone(w.Samples[:8000], 8000, 1000) || res.Bytes != int64(44+2*len(w.Samples)) {
		t.Fatalf("file: rate %d, %d samples, %d bytes", w.Rate, len(w.Samples), res.Bytes)
	}
	r.Stop() // after the end: nothing happens
	if len(done) != 0 {
		t.Fatal("done called twice")
	}
}

func TestMaxAndStop(t *testing.T) {
	done := make(chan Result, 1)
	dir := t.TempDir()
	r, _ := Start(filepath.Join(dir, "max.wav"), Options{Max: time.Second}, func(res Result) { done <- res })
	feed(t, r, audiotest.Tone(48000, 440, 0.3, 48000*2))
	if res := wait(t, done); res.Reason != ReasonMax || res.Duration != time.Second {
		t.Fatalf("max: %+v", res)
	}
	r, _ = Start(filepath.Join(dir, "stop.wav"), Options{}, func(res Result) { done <- res })
	feed(t, r, audiotest.Tone(48000, 440, 0.3, 24000))
	r.Stop()
	if res := wait(t, done); res.Reason != ReasonStopped || res.Duration < 400*time.Millisecond {
		t.Fatalf("stop: %+v", res)
	}
	if _, err := Start(filepath.Join(dir, "stop.wav"), Options{}, nil); err == nil {
		t.Fatal("an existing recording was overwritten")
	}
}
