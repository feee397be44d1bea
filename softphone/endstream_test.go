package softphone

import (
	"log/slog"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/opus"
)

// lastFrame is a speaker that keeps the last frame written.
type lastFrame struct{ pcm audio.PCM16 }

func (l *lastFrame) WriteSample(s audio.PCM16) error { l.pcm = append(l.pcm[:0], s...); return nil }
func (l *lastFrame) SampleRate() int                 { return 48000 }
func (l *lastFrame) String() string                  { return "Last(48000)" }
func (l *lastFrame) Close() error                    { return nil }

// Leaving a call ends its stream: the playout does not go on concealing it
// (Opus continues the last sounds for up to three frames) into whatever
// comes next, e.g. a call answered at once, nor play the packets the left
// call's room still sends; after a pause, or a join, packets play again.
func TestLeftEndsTheStream(t *testing.T) {
	p := &Phone{log: slog.New(slog.DiscardHandler), events: make(chan Event, 16)}
	spk := &lastFrame{}
	r, err := newReceiver(spk, p)
	if err != nil {
		t.Fatal(err)
	}
	p.recv = r
	if err := r.setCodec(CodecOpus); err != nil {
		t.Fatal(err)
	}
	enc, err := opus.NewEncoder(48000, 1)
	if err != nil {
		t.Fatal(err)
	}
	pr := &peer{}
	r.owner = pr
	t0 := time.Unix(1000, 0)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * frameDuration) }
	tone := func(i int) {
		pkt, err := enc.Encode(audiotest.ToneAt(48000, 440, 0.5, i*960, 960))
		if err != nil {
			t.Fatal(err)
		}
		r.receive(pr, uint16(i), uint32(i*960), pkt, at(i))
		r.playOnce(at(i).Add(time.Millisecond))
	}
	for i := range 10 {
		tone(i)
	}
	audiotest.RequireTone(t, spk.pcm, 48000, 440)
	p.inCall.Store(true)
	p.Left()
	for i := 10; i < 12; i++ { // the room's last ticks
		tone(i)
		audiotest.RequireSilence(t, spk.pcm, 48000, -60)
	}
	r.playOnce(at(12).Add(time.Millisecond))
	audiotest.RequireSilence(t, spk.pcm, 48000, -60)
	for i := 15; i < 18; i++ { // a new stream, after a pause
		tone(i)
	}
	audiotest.RequireSignal(t, spk.pcm, 48000, -30)
}

// A call joined right after another was left (the operator switched
// calls) plays at once: the join takes the stream in again without a pause.
func TestJoinedTakesTheStreamInAgain(t *testing.T) {
	p := &Phone{log: slog.New(slog.DiscardHandler), events: make(chan Event, 16)}
	r, err := newReceiver(&lastFrame{}, p)
	if err != nil {
		t.Fatal(err)
	}
	p.recv = r
	if err := r.setCodec(CodecPCMU); err != nil {
		t.Fatal(err)
	}
	pr := &peer{}
	r.owner = pr
	t0 := time.Unix(1000, 0)
	pkt := make([]byte, 160)
	r.receive(pr, 1, 160, pkt, t0)
	p.inCall.Store(true)
	p.Left()
	if r.receive(pr, 2, 320, pkt, t0.Add(frameDuration)) {
		t.Fatal("the left call's next packet was taken")
	}
	p.Joined(api.JoinResult{Call: api.Call{ID: 2}, Mode: api.ModeTalk})
	if !r.receive(pr, 3, 480, pkt, t0.Add(2*frameDuration)) {
		t.Fatal("the joined call's first packet was not taken")
	}
}
