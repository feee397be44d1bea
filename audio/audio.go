// Package audio holds mono 16-bit PCM frames and the small composable stages
// that carry them: resampling, WAV files, level metering, mute, gain, tones.
//
// A Writer is a sink of samples that knows its sample rate. Every stage wraps
// the next one (its destination), so a pipeline reads left to right in its
// String(), e.g. "Resample(8000->48000) -> Mute -> Buffer(48000)".
//
// Writers must not retain the slice passed to WriteSample after they return:
// callers reuse their buffers.
package audio

import (
	"errors"
	"math"
)

// PCM16 is a frame of mono signed 16-bit samples.
type PCM16 []int16

// Writer is a sink of mono PCM16 samples at a fixed sample rate.
type Writer interface {
	WriteSample(s PCM16) error
	SampleRate() int
	String() string
	Close() error
}

// Processor builds a stage in front of w, e.g. a denoiser or a gain.
type Processor func(w Writer) Writer

// Chain places processors in front of sink, in data-flow order:
// Chain(sink, a, b) returns a(b(sink)), so samples go a -> b -> sink.
// Nil processors are skipped, which keeps optional stages plain.
func Chain(sink Writer, procs ...Processor) Writer {
	w := sink
	for i := len(procs) - 1; i >= 0; i-- {
		if procs[i] != nil {
			w = procs[i](w)
		}
	}
	return w
}

var (
	// ErrInvalidRate is returned for a sample rate that is zero, negative or absurd.
	ErrInvalidRate = errors.New("audio: invalid sample rate")
	// ErrClosed is returned by writes after Close.
	ErrClosed = errors.New("audio: writer closed")
)

// MaxRate is the highest sample rate the package accepts.
const MaxRate = 768000

func validRate(r int) bool { return r > 0 && r <= MaxRate }

// clip16 rounds a float sample in int16 units and saturates it.
func clip16(v float64) int16 {
	if v >= 32767 {
		return 32767
	}
	if v <= -32768 {
		return -32768
	}
	if v != v { // NaN
		return 0
	}
	return int16(math.Round(v))
}

// errWriter is a sink that fails every write; constructors that cannot return
// an error (per the shared contract) hand it out instead of panicking.
type errWriter struct {
	name string
	rate int
	err  error
}

func (e *errWriter) WriteSample(PCM16) error { return e.err }
func (e *errWriter) SampleRate() int         { return e.rate }
func (e *errWriter) String() string          { return e.name + "(error: " + e.err.Error() + ")" }
func (e *errWriter) Close() error            { return nil }
