package softphone

import (
	"log/slog"
	"testing"
	"time"

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
// comes next, e.g. a call answered at once.
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
	t0 := time.Unix(1000, 0)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * frameDuration) }
	for i := range 10 {
		pkt, err := enc.Encode(audiotest.ToneAt(48000, 440, 0.5, i*960, 960))
		if err != nil {
			t.Fatal(err)
		}
		r.mu.Lock()
		r.jb.push(uint16(i), uint32(i*960), pkt, at(i))
		r.mu.Unlock()
		r.playOnce(at(i).Add(time.Millisecond))
	}
	audiotest.RequireTone(t, spk.pcm, 48000, 440)
	p.inCall.Store(true)
	p.Left()
	r.playOnce(at(10).Add(time.Millisecond))
	audiotest.RequireSilence(t, spk.pcm, 48000, -60)
}
