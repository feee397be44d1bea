package audio

import (
	"fmt"
	"math"
	"time"
)

// Cadence describes a repeating tone pattern: the sum of Freqs played during
// the "on" parts of Pattern, which alternates on, off, on, off… durations.
type Cadence struct {
	Name      string
	Freqs     []float64       // Hz, summed
	Pattern   []time.Duration // on, off, on, off…; repeats
	Amplitude float64         // peak of the sum, 0..1 of full scale
}

// Standard cadences.
var (
	// RingCadence is a soft double ring: 400+450 Hz, on 0.4 s, off 0.2 s,
	// on 0.4 s, off 2 s (as in the UK), played for incoming calls.
	RingCadence = Cadence{
		Name:      "ring",
		Freqs:     []float64{400, 450},
		Pattern:   []time.Duration{400 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 2000 * time.Millisecond},
		Amplitude: 0.35,
	}
	// CallWaitingCadence is two short 440 Hz beeps every 5 s: a call is
	// waiting while you are already on one.
	CallWaitingCadence = Cadence{
		Name:      "call-waiting",
		Freqs:     []float64{440},
		Pattern:   []time.Duration{150 * time.Millisecond, 150 * time.Millisecond, 150 * time.Millisecond, 4550 * time.Millisecond},
		Amplitude: 0.25,
	}
	// BusyCadence is 480+620 Hz, 0.5 s on, 0.5 s off.
	BusyCadence = Cadence{
		Name:      "busy",
		Freqs:     []float64{480, 620},
		Pattern:   []time.Duration{500 * time.Millisecond, 500 * time.Millisecond},
		Amplitude: 0.3,
	}
)

// ToneSource synthesises a Cadence sample by sample, with 5 ms raised-cosine
// edges so tones start and stop without clicks. It loops forever.
type ToneSource struct {
	c      Cadence
	rate   int
	bounds []int // cumulative pattern ends in samples
	period int
	n      int // sample index within the period
	phase  []float64
	edge   int
}

// NewToneSource returns a generator of c at rate.
func NewToneSource(rate int, c Cadence) (*ToneSource, error) {
	if !validRate(rate) {
		return nil, fmt.Errorf("%w: %d", ErrInvalidRate, rate)
	}
	if len(c.Freqs) == 0 || len(c.Pattern) == 0 {
		return nil, fmt.Errorf("audio: cadence %q needs frequencies and a pattern", c.Name)
	}
	t := &ToneSource{c: c, rate: rate, phase: make([]float64, len(c.Freqs)), edge: max(1, rate*5/1000)}
	for _, d := range c.Pattern {
		if d < 0 {
			return nil, fmt.Errorf("audio: cadence %q has a negative duration", c.Name)
		}
		t.period += int(d.Seconds() * float64(rate))
		t.bounds = append(t.bounds, t.period)
	}
	if t.period == 0 {
		return nil, fmt.Errorf("audio: cadence %q has an empty pattern", c.Name)
	}
	return t, nil
}

// SampleRate of the generated samples.
func (t *ToneSource) SampleRate() int { return t.rate }

// Period is the length of one cycle of the cadence.
func (t *ToneSource) Period() time.Duration {
	return time.Duration(t.period) * time.Second / time.Duration(t.rate)
}

// Reset starts the cadence again from its first "on".
func (t *ToneSource) Reset() {
	t.n = 0
	clear(t.phase)
}

// Read fills dst with the next samples.
func (t *ToneSource) Read(dst PCM16) {
	amp := t.c.Amplitude * 32767 / float64(len(t.c.Freqs))
	for i := range dst {
		env := t.envelope()
		v := 0.0
		for k, f := range t.c.Freqs {
			if env > 0 {
				v += math.Sin(t.phase[k])
			}
			t.phase[k] = math.Mod(t.phase[k]+2*math.Pi*f/float64(t.rate), 2*math.Pi)
		}
		dst[i] = clip16(v * amp * env)
		t.n++
		if t.n == t.period {
			t.n = 0
		}
	}
}

// envelope is 0..1 for the current sample: 1 inside an "on" segment, with
// raised-cosine edges of t.edge samples, and 0 in "off" segments.
func (t *ToneSource) envelope() float64 {
	start := 0
	for seg, end := range t.bounds {
		if t.n < end {
			if seg%2 == 1 {
				return 0
			}
			d := min(t.n-start, end-1-t.n)
			if d >= t.edge {
				return 1
			}
			return 0.5 - 0.5*math.Cos(math.Pi*float64(d)/float64(t.edge))
		}
		start = end
	}
	return 0
}

// WriteTo writes n samples of the cadence to w in frames of frame samples.
func (t *ToneSource) WriteTo(w Writer, frame, n int) error {
	if w.SampleRate() != t.rate {
		return fmt.Errorf("audio: tone at %d Hz written to %s at %d Hz", t.rate, w, w.SampleRate())
	}
	buf := make(PCM16, max(1, frame))
	for n > 0 {
		k := min(n, len(buf))
		t.Read(buf[:k])
		if err := w.WriteSample(buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}
