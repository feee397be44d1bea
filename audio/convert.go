package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrUnconvertible is wrapped by every ConvertWAV error about the file.
var ErrUnconvertible = errors.New("audio: cannot convert")

// ConvertLimits bound what ConvertWAV accepts, so a small hostile file
// cannot expand into a huge buffer.
type ConvertLimits struct {
	MinRate, MaxRate int           // accepted sample rates of the file
	MaxDuration      time.Duration // longest audio accepted
	MaxBytes         int64         // most bytes read
}

type convertError struct{ msg string }

func (e *convertError) Error() string { return e.msg }
func (e *convertError) Unwrap() error { return ErrUnconvertible }

func unconvertible(format string, args ...any) error {
	return &convertError{fmt.Sprintf(format, args...)}
}

// ConvertWAV reads a WAV file in any common form (8/16/24/32-bit integer,
// 32/64-bit float, any rate, mono or stereo, extensible headers) within
// lim and returns it as mono signed 16-bit little-endian PCM at rate, same
// duration. what names the file in errors ("guidance file").
func ConvertWAV(r io.Reader, rate int, lim ConvertLimits, what string) ([]byte, error) {
	lr := &io.LimitedReader{R: r, N: lim.MaxBytes + 1}
	w, err := ReadWAV(lr)
	if lr.N <= 0 {
		return nil, unconvertible("%s is larger than %d MB", what, lim.MaxBytes>>20)
	}
	if err != nil {
		return nil, unconvertible("%s: %v", what, err)
	}
	if len(w.Samples) == 0 {
		return nil, unconvertible("%s holds no audio (empty data chunk)", what)
	}
	if d := w.Duration(); d > lim.MaxDuration {
		return nil, unconvertible("%s is %s long, the limit is %s", what, d.Round(time.Second), lim.MaxDuration)
	}
	if w.Rate < lim.MinRate || w.Rate > lim.MaxRate {
		// A 1 Hz header would make a few bytes into minutes of audio.
		return nil, unconvertible("%s: sample rate %d Hz is outside %d-%d Hz", what, w.Rate, lim.MinRate, lim.MaxRate)
	}
	pcm := Resample(w.Samples, w.Rate, rate)
	if len(pcm) == 0 {
		return nil, unconvertible("%s: cannot convert %d Hz audio", what, w.Rate)
	}
	out := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(out[2*i:], uint16(s))
	}
	return out, nil
}
