package audio

import (
	"fmt"
	"math"
	"sync"
)

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

// rampTo scales s in place while moving the gain from g to target over
// rampMs, holding target afterwards, and returns the gain reached.
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
