package audio

import (
	"fmt"
	"math"
	"sync"
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
	m.g = ramp(m.buf, m.g, target, m.dst.SampleRate())
	return m.dst.WriteSample(m.buf)
}

// resize returns buf with length n, reusing its storage when it can.
func resize(buf PCM16, n int) PCM16 {
	if cap(buf) < n {
		return make(PCM16, n)
	}
	return buf[:n]
}

// ramp scales s in place moving the gain from g toward target in rampMs,
// holding target afterwards, and returns the gain reached.
func ramp(s PCM16, g, target float64, rate int) float64 {
	step := 1 / math.Max(1, float64(rate*rampMs/1000))
	for i, v := range s {
		switch {
		case g < target:
			g = math.Min(target, g+step)
		case g > target:
			g = math.Max(target, g-step)
		}
		s[i] = clip16(float64(v) * g)
	}
	return g
}

func (m *Mute) SampleRate() int { return m.dst.SampleRate() }
func (m *Mute) String() string  { return fmt.Sprintf("Mute -> %s", m.dst) }
func (m *Mute) Close() error    { return m.dst.Close() }

// Gain is a stage that scales the signal by a gain in dB, saturating at full
// scale. SetDB may be called from any goroutine; changes fade over 5 ms.
type Gain struct {
	dst Writer
	mu  sync.Mutex
	db  float64
	lin float64 // target linear gain
	g   float64 // current linear gain, owned by the writer
	buf PCM16
}

// NewGain returns a Gain stage of db decibels in front of dst.
func NewGain(dst Writer, db float64) *Gain {
	g := &Gain{dst: dst}
	g.SetDB(db)
	g.g = g.lin
	return g
}

// SetDB changes the gain.
func (g *Gain) SetDB(db float64) {
	g.mu.Lock()
	g.db, g.lin = db, math.Pow(10, db/20)
	g.mu.Unlock()
}

// DB returns the gain in decibels.
func (g *Gain) DB() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.db
}

func (g *Gain) WriteSample(s PCM16) error {
	g.mu.Lock()
	target := g.lin
	g.mu.Unlock()
	if target == 1 && g.g == 1 {
		return g.dst.WriteSample(s)
	}
	g.buf = append(g.buf[:0], s...)
	if g.g == target {
		for i, v := range g.buf {
			g.buf[i] = clip16(float64(v) * target)
		}
	} else {
		g.g = rampTo(g.buf, g.g, target, g.dst.SampleRate())
	}
	return g.dst.WriteSample(g.buf)
}

// rampTo is ramp for arbitrary linear gains: the change takes rampMs.
func rampTo(s PCM16, g, target float64, rate int) float64 {
	step := math.Abs(target-g) / math.Max(1, float64(rate*rampMs/1000))
	for i, v := range s {
		switch {
		case g < target:
			g = math.Min(target, g+step)
		case g > target:
			g = math.Max(target, g-step)
		}
		s[i] = clip16(float64(v) * g)
	}
	return g
}

func (g *Gain) SampleRate() int { return g.dst.SampleRate() }
func (g *Gain) String() string  { return fmt.Sprintf("Gain(%+.1fdB) -> %s", g.DB(), g.dst) }
func (g *Gain) Close() error    { return g.dst.Close() }
