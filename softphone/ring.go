package softphone

import (
	"fmt"
	"sync/atomic"

	"github.com/meet-dev/meet/audio"
)

// ringStage mixes the local sounds into the playback path: the ring tone
// (audio.RingCadence) while ringing is on, and a played recording (clip.go).
// set may be called from any goroutine.
type ringStage struct {
	dst     audio.Writer
	tone    *audio.ToneSource
	on      atomic.Bool
	restart atomic.Bool
	buf     audio.PCM16
	mix     audio.PCM16
	clip    clip // a recording played to the user (voicemail), clip.go
}

func newRingStage(dst audio.Writer) (*ringStage, error) {
	t, err := audio.NewToneSource(dst.SampleRate(), audio.RingCadence)
	if err != nil {
		return nil, fmt.Errorf("ring tone: %w", err)
	}
	return &ringStage{dst: dst, tone: t}, nil
}

func (r *ringStage) set(on bool) {
	if r.on.Swap(on) != on && on {
		r.restart.Store(true)
	}
}

func (r *ringStage) WriteSample(s audio.PCM16) error {
	ring, clip := r.on.Load(), r.clip.playing()
	if !ring && !clip {
		return r.dst.WriteSample(s)
	}
	r.mix = append(r.mix[:0], s...)
	if ring {
		if r.restart.Swap(false) {
			r.tone.Reset()
		}
		r.buf = append(r.buf[:0], make(audio.PCM16, len(s))...)
		r.tone.Read(r.buf)
		for i, v := range r.buf {
			r.mix[i] = int16(max(-32768, min(32767, int32(r.mix[i])+int32(v))))
		}
	}
	if clip {
		r.clip.mixInto(r.mix)
	}
	return r.dst.WriteSample(r.mix)
}

// active reports whether the stage adds anything (the speaker must be fed).
func (r *ringStage) active() bool { return r.on.Load() || r.clip.playing() }

func (r *ringStage) SampleRate() int { return r.dst.SampleRate() }
func (r *ringStage) String() string  { return fmt.Sprintf("Ring -> %s", r.dst) }
func (r *ringStage) Close() error    { return r.dst.Close() }
