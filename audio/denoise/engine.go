package denoise

import (
	"fmt"
	"strings"
	"time"

	"github.com/meet-dev/meet/audio/denoise/rnnoise"
)

// Denoiser is a noise suppressor on 10 ms frames: ours (Suppressor) or the
// learned one (Hybrid).
type Denoiser interface {
	Process(frame []float32) error
	ProcessPCM16(frame []int16) error
	SetEnabled(on bool)
	Enabled() bool
	SampleRate() int
	FrameSize() int
	Latency() time.Duration
	Name() string
}

// Engine names a suppressor. The zero value is EngineUnknown.
type Engine int

const (
	EngineUnknown Engine = iota
	// EngineAuto is the default: EngineHybrid when rnnoise.wasm is found
	// and the rate is 48 kHz, else EngineOurs.
	EngineAuto
	// EngineOurs is Suppressor, pure Go DSP.
	EngineOurs
	// EngineHybrid is RNNoise with ours beside it (Hybrid).
	EngineHybrid
	// EngineRNNoise is RNNoise alone (Hybrid with no dry and no ours share).
	EngineRNNoise
)

var engineNames = map[Engine]string{EngineAuto: "auto", EngineOurs: "ours", EngineHybrid: "hybrid", EngineRNNoise: "rnnoise"}

func (e Engine) String() string {
	if s, ok := engineNames[e]; ok {
		return s
	}
	return "unknown"
}

// ParseEngine parses "auto", "ours", "hybrid" or "rnnoise".
func ParseEngine(s string) (Engine, error) {
	for e, n := range engineNames {
		if strings.EqualFold(s, n) {
			return e, nil
		}
	}
	return EngineUnknown, fmt.Errorf("denoise: unknown engine %q (want auto, ours, hybrid or rnnoise)", s)
}

// Name says which suppressor this is.
func (s *Suppressor) Name() string { return EngineOurs.String() }

// NewEngine returns the suppressor e at rate Hz. EngineAuto is NewDefault.
func NewEngine(e Engine, rate int) (Denoiser, error) {
	switch e {
	case EngineAuto:
		d, _, err := NewDefault(rate)
		return d, err
	case EngineOurs:
		return New(rate)
	case EngineHybrid, EngineRNNoise:
		if rate != rnnoise.Rate {
			return nil, fmt.Errorf("%w: %s runs at 48000 Hz only, not %d", ErrRate, e, rate)
		}
		m, err := rnnoise.Default()
		if err != nil {
			return nil, err
		}
		p := DefaultHybrid
		if e == EngineRNNoise {
			p = HybridParams{}
		}
		return NewHybrid(m, p)
	}
	return nil, fmt.Errorf("denoise: engine %v", e)
}

// NewDefault returns the suppressor that measured best on nseval's test
// set: the hybrid when rnnoise.wasm can be found (see rnnoise.Find) and rate
// is 48 kHz; otherwise ours, with fallback saying why (nil when the hybrid
// was chosen).
func NewDefault(rate int) (d Denoiser, fallback error, err error) {
	if rate == rnnoise.Rate {
		m, ferr := rnnoise.Default()
		if ferr == nil {
			h, err := NewHybrid(m, DefaultHybrid)
			return h, nil, err
		}
		fallback = ferr
	} else {
		fallback = fmt.Errorf("the learned suppressor runs at 48000 Hz only, not %d", rate)
	}
	s, err := New(rate)
	return s, fallback, err
}

// DefaultEngine says which suppressor NewDefault(rate) builds, and why it
// falls back to ours when it does.
func DefaultEngine(rate int) (Engine, error) {
	if rate != rnnoise.Rate {
		return EngineOurs, fmt.Errorf("the learned suppressor runs at 48000 Hz only, not %d", rate)
	}
	if _, err := rnnoise.Default(); err != nil {
		return EngineOurs, err
	}
	return EngineHybrid, nil
}
