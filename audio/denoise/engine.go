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
	// Reset forgets the audio the suppressor holds (its one-frame delay,
	// overlap and, for RNNoise, pitch history), so nothing it heard
	// before comes out after; what it has learned of the noise is kept.
	// The first frame after Reset comes out as silence (the delay line is
	// empty), like the first frame ever.
	Reset()
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
	// EngineHybrid is RNNoise with ours beside it (Hybrid), RNNoise run in
	// Go with the weights read from the npm package's rnnoise.wasm.
	EngineHybrid
	// EngineRNNoise is RNNoise alone (Hybrid with no dry and no ours share).
	EngineRNNoise
	// EngineHybridWASM is EngineHybrid with RNNoise run from the npm
	// package's WebAssembly under wazero instead of in Go (about ten times
	// the CPU; the build has RNNoise's gain hold inside, which the default
	// hybrid turns off, so its output differs a little).
	EngineHybridWASM
	// EngineRNNoiseWASM is EngineRNNoise under wazero.
	EngineRNNoiseWASM
	// EngineHybridShared is EngineHybrid with ours' gain rule run on
	// RNNoise's spectrum and the mix done per bin (WithSharedSpectrum,
	// weights SharedHybrid): one analysis and synthesis instead of two,
	// cheaper; not the default (see SharedHybrid for its test-set figures).
	EngineHybridShared
)

var engineNames = map[Engine]string{
	EngineAuto: "auto", EngineOurs: "ours", EngineHybrid: "hybrid", EngineRNNoise: "rnnoise",
	EngineHybridWASM: "hybrid-wasm", EngineRNNoiseWASM: "rnnoise-wasm", EngineHybridShared: "hybrid-shared",
}

func (e Engine) String() string {
	if s, ok := engineNames[e]; ok {
		return s
	}
	return "unknown"
}

// ParseEngine parses "auto", "ours", "hybrid", "rnnoise", "hybrid-wasm",
// "rnnoise-wasm" or "hybrid-shared".
func ParseEngine(s string) (Engine, error) {
	for e, n := range engineNames {
		if strings.EqualFold(s, n) {
			return e, nil
		}
	}
	return EngineUnknown, fmt.Errorf("denoise: unknown engine %q (want auto, ours, hybrid, rnnoise, hybrid-wasm, rnnoise-wasm or hybrid-shared)", s)
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
	case EngineHybrid, EngineRNNoise, EngineHybridWASM, EngineRNNoiseWASM, EngineHybridShared:
		if rate != rnnoise.Rate {
			return nil, fmt.Errorf("%w: %s runs at 48000 Hz only, not %d", ErrRate, e, rate)
		}
		d, err := newLearned(e == EngineHybridWASM || e == EngineRNNoiseWASM)
		if err != nil {
			return nil, err
		}
		switch e {
		case EngineRNNoise, EngineRNNoiseWASM:
			return NewHybrid(d, HybridParams{})
		case EngineHybridShared:
			return NewHybrid(d, SharedHybrid, WithSharedSpectrum())
		}
		return NewHybrid(d, DefaultHybrid)
	}
	return nil, fmt.Errorf("denoise: engine %v", e)
}

// NewDefault returns the suppressor that measured best on nseval's test
// set: the hybrid (RNNoise in Go, weights from rnnoise.wasm) when
// rnnoise.wasm can be found (see rnnoise.Find) and rate
// is 48 kHz; otherwise ours, with fallback saying why (nil when the hybrid
// was chosen).
func NewDefault(rate int) (d Denoiser, fallback error, err error) {
	if rate == rnnoise.Rate {
		l, ferr := newLearned(false)
		if ferr == nil {
			h, err := NewHybrid(l, DefaultHybrid)
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
	if _, err := rnnoise.DefaultNative(); err != nil {
		return EngineOurs, err
	}
	return EngineHybrid, nil
}

// newLearned returns a fresh RNNoise state: in Go with the weights read
// from rnnoise.wasm, or (wasm) the module itself under wazero.
func newLearned(wasm bool) (Learned, error) {
	if wasm {
		m, err := rnnoise.Default()
		if err != nil {
			return nil, err
		}
		return m.New()
	}
	m, err := rnnoise.DefaultNative()
	if err != nil {
		return nil, err
	}
	return m.New()
}
