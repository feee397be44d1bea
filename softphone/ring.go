package softphone

import (
	"fmt"
	"sync/atomic"

	"github.com/meet-dev/meet/audio"
)

// ringStage mixes the ring tone (audio.RingCadence) into the playback path
// while ringing is on. set may be called from any goroutine.
type ringStage struct {
	dst     audio.Writer
	tone    *audio.ToneSource
	on      atomic.Bool
	restart atomic.Bool
	buf     audio.PCM16
	mix     audio.PCM16
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
	if !r.on.Load() {
		return r.dst.WriteSample(s)
	}
	if r.restart.Swap(false) {
		r.tone.Reset()
	}
	r.buf = append(r.buf[:0], make(audio.PCM16, len(s))...)
	r.tone.Read(r.buf)
	r.mix = r.mix[:0]
	for i, v := range s {
		r.mix = append(r.mix, int16(max(-32768, min(32767, int32(v)+int32(r.buf[i])))))
	}
	return r.dst.WriteSample(r.mix)
}

func (r *ringStage) SampleRate() int { return r.dst.SampleRate() }
func (r *ringStage) String() string  { return fmt.Sprintf("Ring -> %s", r.dst) }
func (r *ringStage) Close() error    { return r.dst.Close() }
