package room

import (
	"testing"

	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/mixer"
)

// A staff leg attached to a new room hears nothing of the last one: its
// encoders start afresh at attach. Opus keeps the last few ms of input in
// its look-ahead, which otherwise came out in the next call's first packet
// (the operator heard the last caller again, and accept → audio timings
// saw the last call's tone).
func TestAttachForgetsLastRoomsAudio(t *testing.T) {
	m := newTestManager(t)
	s := testPeerLeg(t, m, 1, codecOpus, codecOpus)
	tone := audiotest.Tone(mixer.Rate, 440, 0.5, mixer.FrameSamples)
	quiet := make([]int16, mixer.FrameSamples)
	for _, kind := range []sendKind{sendOpus, sendOpus8} {
		sp := s.cur.sends[kind]
		for range 10 {
			if _, err := sp.send(tone); err != nil {
				t.Fatal(err)
			}
		}
		s.restart()
		pkt, err := sp.send(quiet)
		if err != nil {
			t.Fatal(err)
		}
		rate := sp.tail.rate
		dec, err := m.newDecoder(codecOpus, rate)
		if err != nil {
			t.Fatal(err)
		}
		pcm, err := dec.Decode(pkt)
		if err != nil {
			t.Fatal(err)
		}
		audiotest.RequireSilence(t, pcm, rate, -60)
	}
}
