package audio

import (
	"fmt"
	"sync/atomic"
)

// rampMs is how long mute, unmute and gain changes take to fade, avoiding clicks.
const rampMs = 5

// Mute is a stage that replaces the signal with silence while muted. Frames
// keep flowing (same length) so timing downstream is unchanged; switching
// fades over 5 ms. SetMuted may be called from any goroutine.
type Mute struct {
	dst   Writer
	muted atomic.Bool
	g     float64 // current gain 0..1, owned by the writing goroutine
	buf   PCM16
}

// NewMute returns an unmuted Mute stage in front of dst.
func NewMute(dst Writer) *Mute { return &Mute{dst: dst, g: 1} }

// SetMuted switches muting.
func (m *Mute) SetMuted(muted bool) { m.muted.Store(muted) }

// Muted reports whether the stage is muted.
func (m *Mute) Muted() bool { return m.muted.Load() }

func (m *Mute) WriteSample(s PCM16) error {
	target := 1.0
	if m.muted.Load() {
		target = 0
	}
	if m.g == target {
		if target == 1 {
			return m.dst.WriteSample(s)
		}
		m.buf = resize(m.buf, len(s))
		clear(m.buf)
		return m.dst.WriteSample(m.buf)
	}
	m.buf = append(m.buf[:0], s...)
	m.g = rampTo(m.buf, m.g, target, m.dst.SampleRate())
	return m.dst.WriteSample(m.buf)
}

// resize returns buf with length n, reusing its storage when it can.
func resize(buf PCM16, n int) PCM16 {
	if cap(buf) < n {
		return make(PCM16, n)
	}
	return buf[:n]
}

func (m *Mute) SampleRate() int { return m.dst.SampleRate() }
func (m *Mute) String() string  { return fmt.Sprintf("Mute -> %s", m.dst) }
func (m *Mute) Close() error    { return m.dst.Close() }
