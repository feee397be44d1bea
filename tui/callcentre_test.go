package tui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
)

// fakePlayer is a Player that keeps what it was asked to play.
type fakePlayer struct {
	pcm    audio.PCM16
	rate   int
	pos    time.Duration
	paused bool
}

func (p *fakePlayer) PlayClip(pcm audio.PCM16, rate int) error {
	p.pcm, p.rate, p.pos, p.paused = pcm, rate, 0, false
	return nil
}
func (p *fakePlayer) PauseClip(b bool)         { p.paused = b }
func (p *fakePlayer) SeekClip(d time.Duration) { p.pos = max(0, p.pos+d) }
func (p *fakePlayer) StopClip()                { p.pcm = nil }
func (p *fakePlayer) Clip() (time.Duration, time.Duration, bool, bool) {
	if p.pcm == nil {
		return 0, 0, false, false
	}
	return p.pos, time.Duration(len(p.pcm)) * time.Second / time.Duration(p.rate), true, p.paused
}

// TestVoicemailKeys: p on a missed chat with a voicemail downloads and
// plays it; p pauses, > seeks, P stops; the inbox row carries the marker.
func TestVoicemailKeys(t *testing.T) {
	f := newFake()
	c := f.addChat(4, "+81344445555", "Ken Ito", api.ChatClosed, api.ReasonNoOperator, time.Hour)
	c.Voicemail = true
	c.Recordings = []api.Recording{{ID: 9, ChatID: 4, Kind: api.RecordingVoicemail, DurationMS: 12000}}
	var wav bytes.Buffer
	audio.WriteWAV(&wav, 8000, audiotest.Tone(8000, 1000, 0.3, 8000*12))
	f.wavs = map[int64][]byte{9: wav.Bytes()}
	p := &fakePlayer{}
	h := newHarness(t, f, WithPlayer(p))
	h.keys("4")
	if v := h.m.View(); !strings.Contains(v, "✉") {
		t.Fatalf("missed row has no voicemail marker:\n%s", v)
	}
	h.keys("p")
	if p.rate != 8000 || len(p.pcm) != 8000*12 || !strings.Contains(h.m.flash, "voicemail playing 0:00 / 0:12") {
		t.Fatalf("played %d samples at %d; flash %q", len(p.pcm), p.rate, h.m.flash)
	}
	h.keys("p")
	if !p.paused || !strings.Contains(h.m.flash, "paused") {
		t.Fatalf("p did not pause: %q", h.m.flash)
	}
	h.keys(">")
	if p.pos != 5*time.Second || !strings.Contains(h.m.flash, "0:05 / 0:12") {
		t.Fatalf("> did not seek: %v %q", p.pos, h.m.flash)
	}
	h.keys("P")
	if p.pcm != nil {
		t.Fatal("P did not stop")
	}
}
