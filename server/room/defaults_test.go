package room

import (
	"encoding/binary"
	"testing"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
)

// A channel without hold guidance gets the built-in chime (its notes are in
// it), a stored one is played as stored, and other slots stay unset.
func TestDefaultHoldGuidance(t *testing.T) {
	stored := []byte{1, 2, 3, 4}
	src := func(channelID int64, kind api.GuidanceKind) ([]byte, error) {
		if channelID == 2 {
			return stored, nil
		}
		return nil, api.Errorf(api.CodeNotFound, "channel %d has no %s guidance", channelID, kind)
	}
	g := DefaultGuidance(src)
	raw, err := g(1, api.GuidanceHold)
	if err != nil || len(raw) != 4*48000*2 {
		t.Fatalf("default hold: %d bytes, %v", len(raw), err)
	}
	pcm := make(audio.PCM16, len(raw)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
	}
	for i, f := range HoldChimeNotes {
		n := pcm[i*24000 : i*24000+4800] // the first 100 ms of each note
		audiotest.RequireTone(t, n, 48000, f)
	}
	audiotest.RequireSilence(t, pcm[3*48000:], 48000, -60) // the rest
	if got, err := g(2, api.GuidanceHold); err != nil || string(got) != string(stored) {
		t.Fatalf("stored hold guidance: %v %v", got, err)
	}
	if _, err := g(1, api.GuidanceWait); api.CodeOf(err) != api.CodeNotFound {
		t.Fatalf("wait guidance: %v", err)
	}
}

// Through a real Manager: a held caller of a channel without hold guidance
// hears the chime's first note.
func TestDefaultHoldHeardByTheCaller(t *testing.T) {
	checkGoroutines(t)
	src, _ := guidanceSource(t, 0.3)
	m := newTestManager(t, WithGuidance(DefaultGuidance(src)))
	caller := openWithCaller(t, m, 600, callerTone)
	heard := caller.rec.arm(HoldChimeNotes[0])
	m.PlayGuidance(600, 3, api.GuidanceHold, true, nil) // channel 3 has no guidance at all
	waitHit(t, heard, "caller (built-in hold chime)")
	m.StopGuidance(600)
}
