package room

import (
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/meet-dev/meet/audio/mixer"
)

// Shared encoding. In a conference most legs are silent at any moment
// (or only listen): the mixer gates them out of the mix (silenceGate) and
// they all hear the same frame, so it is encoded once per codec for all of
// them (mixer.SharedSink) instead of once per leg:
//
//	Mixer(48000) -> Opus(48000, encode) -> Track, Track, …
//
// A leg that starts talking goes back to its own encoder.

// silenceGate is the level (about -50 dBFS peak) at or below which a leg's
// frames count as silence, after gateHangover ticks (200 ms).
const (
	silenceGate  = 100
	gateHangover = 10
)

// sharedSend holds a room's shared encoders, by audience and send kind.
// Only the room's mixer goroutine uses it (from staff legs' WriteShared).
type sharedSend struct {
	newOpus func(narrow bool) (encoder, error)
	encs    [3][sendKinds]sharedEnc
}

type sharedEnc struct {
	pipe    *sendPipe // built by buildSend on first use
	out     packetOut
	key     mixer.SharedKey
	payload []byte
	err     error
}

func newSharedSend(newOpus func(narrow bool) (encoder, error)) *sharedSend {
	return &sharedSend{newOpus: newOpus}
}

// encode returns the payload of the frame named by key for kind, encoding
// it on the first ask of the tick.
func (sh *sharedSend) encode(key mixer.SharedKey, kind sendKind, src []int16) ([]byte, error) {
	e := &sh.encs[key.Audience%3][kind]
	if e.pipe != nil && e.key == key {
		return e.payload, e.err
	}
	if e.pipe == nil {
		pipe, err := buildSend(kind, sh.newOpus, &e.out)
		if err != nil {
			return nil, err
		}
		e.pipe = pipe
	}
	e.key = key
	e.payload, e.err = e.pipe.send(src)
	return e.payload, e.err
}

// WriteShared is the mixer SharedSink: a frame other legs of the room hear
// too, encoded once for all of them.
func (s *staffLeg) WriteShared(src []int16, key mixer.SharedKey) error {
	s.mu.Lock()
	p, sh := s.cur, s.share
	if p == nil || sh == nil {
		s.mu.Unlock()
		return s.WriteFrame(src)
	}
	payload, err := sh.encode(key, sendKindOf(p, s.narrow.Load()), src)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	err = p.track.WriteSample(media.Sample{Data: payload, Duration: mixer.Period})
	if isClosed(err) {
		return nil
	}
	return err
}

func (s *staffLeg) setShare(sh *sharedSend) {
	s.mu.Lock()
	s.share = sh
	s.mu.Unlock()
}
