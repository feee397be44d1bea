package room

import (
	"slices"
	"testing"

	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/mixer"
)

// An 8 kHz leg's two directions through the mixer, for the trunk's caller
// and a bridge to another node: the names are the stages', and a frame each
// way goes through those very stages (the upsampler's history holds the
// frame read from the end; what the end is given is the send resampler's
// output).
func TestCallerLegPipelines(t *testing.T) {
	for _, tc := range []struct {
		name          string
		leg           func(CallerMedia) *callerLeg
		receive, send string
	}{
		{"caller", newCallerLeg, "Trunk(8000) -> Resample(8000->48000) -> Mixer(48000)",
			"Mixer(48000) -> Resample(48000->8000) -> Trunk(8000)"},
		{"bridge", newBridgeLeg, "Bridge(8000) -> Resample(8000->48000) -> Mixer(48000)",
			"Mixer(48000) -> Resample(48000->8000) -> Bridge(8000)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := newFakeCaller(callerTone)
			c := tc.leg(fc)
			if got := c.receive(); got != tc.receive {
				t.Errorf("receive: got %s, want %s", got, tc.receive)
			}
			if got := c.send(); got != tc.send {
				t.Errorf("send: got %s, want %s", got, tc.send)
			}

			dst := make([]int16, mixer.FrameSamples)
			if !c.ReadFrame(dst) || nonzero(dst) < mixer.FrameSamples/2 {
				t.Fatalf("receive: %d of %d samples", nonzero(dst), len(dst))
			}
			if fc.n != CallerFrame {
				t.Errorf("the end was read for %d samples", fc.n)
			}
			for i, v := range c.in8[CallerFrame-(r6Taps-1):] {
				if c.up.u.buf[i] != float32(v) {
					t.Fatalf("the upsampler's history at %d is %v, not the frame read (%d)", i, c.up.u.buf[i], v)
				}
			}
			if c.up.next.dst != nil {
				t.Error("the receive direction kept the mixer's frame")
			}

			if err := c.WriteFrame(audiotest.Tone(mixer.Rate, staffTone, toneAmp, mixer.FrameSamples)); err != nil {
				t.Fatal(err)
			}
			got := fc.rec.all()
			if len(got) != CallerFrame || nonzero(got) < CallerFrame/2 {
				t.Fatalf("send: the end got %d samples, %d not silent", len(got), nonzero(got))
			}
			if !slices.Equal(got, c.down.out[:]) {
				t.Error("send: the end got something else than the resampler gave")
			}
		})
	}
}

// The one-party fast path's two directions: what the caller says is read
// from the end and drained (the histories kept as the full path would), and
// the guidance reaches the end at 8 kHz, the clip's own 8 kHz form.
func TestSoloStages(t *testing.T) {
	fc := newFakeCaller(callerTone)
	c := newCallerLeg(fc)
	from, to := c.soloPipelines()
	if from != "Trunk(8000) -> Drain" || to != "Guidance(8000) -> Trunk(8000)" {
		t.Errorf("%s | %s", from, to)
	}
	if from, _ := newBridgeLeg(fc).soloPipelines(); from != "Bridge(8000) -> Drain" {
		t.Errorf("a bridge: %s", from)
	}
	clip := newClip(audiotest.Tone(mixer.Rate, 700, 0.3, 3*mixer.Rate))
	p := &prompt{}
	p.play(clip, true, nil)
	for tick := range 3 {
		c.solo(p)
		if fc.n != (tick+1)*CallerFrame {
			t.Fatalf("tick %d: the end was read for %d samples", tick, fc.n)
		}
		for i, v := range c.in8[CallerFrame-(r6Taps-1):] {
			if c.up.u.buf[i] != float32(v) {
				t.Fatalf("tick %d: the upsampler's history is not the frame drained", tick)
			}
		}
		for i, v := range c.in8[CallerFrame-(bandTaps-1):] {
			if c.pair.band.buf[i] != float32(v) {
				t.Fatalf("tick %d: the band filter's history is not the frame drained", tick)
			}
		}
		got := fc.rec.all()
		want := clip.pcm8[tick*CallerFrame : (tick+1)*CallerFrame]
		if len(got) != (tick+1)*CallerFrame || !slices.Equal(got[tick*CallerFrame:], want) {
			t.Fatalf("tick %d: the caller did not hear the clip's 8 kHz form", tick)
		}
	}
}

// The two-party fast path's two directions for an Opus and a G.711
// operator: the names are those of the stages a fast tick uses, and one
// tick sends the caller's frame down the operator's narrowband send tail
// (a packet of its codec) and the operator's packet down the named
// receive pipeline to the caller's end. The G.711 one passes the jitter
// buffer too (its line once left it out).
func TestPairPipelines(t *testing.T) {
	m := newTestManager(t)
	ulaw, opusPkts := benchMedia(t)
	for _, tc := range []struct {
		name               string
		codec              codecKind
		pkt                []byte
		toOperator, toCall string
		narrow             bool // the operator's packet is decoded at 8 kHz
	}{
		{"opus", codecOpus, opusPkts[0], "Trunk(8000) -> Band(8000) -> Opus(8000, encode) -> Track",
			"Track -> Jitter -> Opus(8000, decode) -> Delay(8) -> Trunk(8000)", true},
		{"pcmu", codecPCMU, ulaw[0], "Trunk(8000) -> Band(8000) -> PCMU(encode) -> Track",
			"Track -> Jitter -> PCMU(decode) -> Resample(8000->48000) -> Resample(48000->8000) -> Trunk(8000)", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := newFakeCaller(callerTone)
			c := newCallerLeg(fc)
			s := testPeerLeg(t, m, 1, tc.codec, codecUnknown)
			s.narrow.Store(true)
			p := s.cur
			to, back, ok := c.pair.pipelines(c, s, p)
			if !ok || to != tc.toOperator || back != tc.toCall {
				t.Fatalf("got  %s | %s\nwant %s | %s", to, back, tc.toOperator, tc.toCall)
			}
			rp := p.recvPipe(tc.codec, tc.narrow)
			for seq := range uint16(3) { // the jitter buffer's depth and one
				p.jb.push(seq, tc.codec, tc.pkt)
			}
			if !c.pair.exchange(c, s) {
				t.Fatal("no fast tick")
			}
			if fc.n != CallerFrame {
				t.Errorf("the end was read for %d samples", fc.n)
			}
			if got := p.out.payload; len(got) == 0 || (tc.codec == codecPCMU && len(got) != CallerFrame) {
				t.Errorf("the operator got a %d-byte packet", len(got))
			}
			if rp.dec.dec == nil && (rp.dec.shared == nil || rp.dec.shared.dec == nil) {
				t.Error("the named receive pipeline decoded nothing")
			}
			got := fc.rec.all()
			if len(got) != CallerFrame || nonzero(got) < CallerFrame/2 {
				t.Fatalf("the caller got %d samples, %d not silent", len(got), nonzero(got))
			}
			if !tc.narrow && !slices.Equal(got, c.down.out[:]) {
				t.Error("the caller's frame did not come out of the caller's send resampler")
			}
			if tc.narrow && p.lastCodec != codecOpus {
				t.Errorf("stream state %s", p.lastCodec)
			}
		})
	}
}

// all is everything the recorder holds.
func (r *recorder) all() []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.buf)
}
