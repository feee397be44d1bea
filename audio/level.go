package audio

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
)

// MinDBFS is the floor reported for silence (instead of -Inf, which JSON cannot carry).
const MinDBFS = -120.0

// Level returns the RMS and peak level of s in dBFS, relative to full scale
// (32768): a full-scale square wave is 0 dBFS RMS, a full-scale sine ≈ -3 dBFS.
// Silence and empty input give MinDBFS.
func Level(s PCM16) (rmsDBFS, peakDBFS float64) {
	if len(s) == 0 {
		return MinDBFS, MinDBFS
	}
	var sum float64
	peak := 0
	for _, v := range s {
		x := int(v)
		sum += float64(x * x)
		if x < 0 {
			x = -x
		}
		peak = max(peak, x)
	}
	return dbfs(math.Sqrt(sum / float64(len(s)))), dbfs(float64(peak))
}

func dbfs(amp float64) float64 {
	if amp <= 0 {
		return MinDBFS
	}
	return max(MinDBFS, 20*math.Log10(amp/32768))
}

// Meter is a pass-through stage that measures what flows through it. Its
// levels can be read from any goroutine while audio is written.
type Meter struct {
	dst       Writer
	rms, peak atomic.Uint64 // float64 bits
	frames    atomic.Uint64

	mu      sync.Mutex // interval totals for Take
	sumSq   float64
	n       int
	maxPeak int
}

// NewMeter returns a metering stage in front of dst.
func NewMeter(dst Writer) *Meter {
	m := &Meter{dst: dst}
	m.rms.Store(math.Float64bits(MinDBFS))
	m.peak.Store(math.Float64bits(MinDBFS))
	return m
}

func (m *Meter) WriteSample(s PCM16) error {
	var sum float64
	peak := 0
	for _, v := range s {
		x := int(v)
		sum += float64(x * x)
		peak = max(peak, x, -x)
	}
	if len(s) > 0 {
		m.rms.Store(math.Float64bits(dbfs(math.Sqrt(sum / float64(len(s))))))
		m.peak.Store(math.Float64bits(dbfs(float64(peak))))
	}
	m.mu.Lock()
	m.sumSq += sum
	m.n += len(s)
	m.maxPeak = max(m.maxPeak, peak)
	m.mu.Unlock()
	m.frames.Add(1)
	return m.dst.WriteSample(s)
}

// Take returns the RMS over everything written since the previous Take and
// the highest peak in that time, then starts a new interval: what a level
// meter redrawn a few times a second should show. MinDBFS when nothing came.
func (m *Meter) Take() (rmsDBFS, peakDBFS float64) {
	m.mu.Lock()
	sum, n, peak := m.sumSq, m.n, m.maxPeak
	m.sumSq, m.n, m.maxPeak = 0, 0, 0
	m.mu.Unlock()
	if n == 0 {
		return MinDBFS, MinDBFS
	}
	return dbfs(math.Sqrt(sum / float64(n))), dbfs(float64(peak))
}

// Levels returns the RMS and peak dBFS of the last frame written.
func (m *Meter) Levels() (rmsDBFS, peakDBFS float64) {
	return math.Float64frombits(m.rms.Load()), math.Float64frombits(m.peak.Load())
}

// Frames returns how many frames went through.
func (m *Meter) Frames() uint64 { return m.frames.Load() }

func (m *Meter) SampleRate() int { return m.dst.SampleRate() }
func (m *Meter) String() string  { return fmt.Sprintf("Meter -> %s", m.dst) }
func (m *Meter) Close() error    { return m.dst.Close() }
