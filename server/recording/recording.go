// Package recording writes what a call's room hears to a file: voicemail
// messages and call recordings (SPEC §3b). A Recorder is a mixer Sink (it
// hears what a listen leg hears: every party, no prompts); its pipeline is
//
//	Mixer(48000) -> Resample(48000->8000) -> Limits(max, silence) -> WAV(8000)
//
// built by one function and named by String. Limits ends a voicemail after
// its maximum length or a stretch of silence; Stop ends it from outside
// (the caller pressed #, hung up, or the call ended). Every recording ends
// exactly once and reports a Result.
package recording

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/mixer"
)

// Rate is the sample rate of recordings on disk (the trunk's own rate).
const Rate = 8000

// Why a recording ended.
type Reason string

const (
	ReasonStopped Reason = "stopped" // Stop: a key, a hang-up, the end of the call
	ReasonMax     Reason = "max"     // Options.Max reached
	ReasonSilence Reason = "silence" // Options.Silence of silence after the last sound
	ReasonError   Reason = "error"   // the file could not be written
)

// Options bound one recording. Zero values mean no bound.
type Options struct {
	Max     time.Duration // longest recording
	Silence time.Duration // end after this long without sound (voicemail)
	// Threshold is the RMS level (dBFS) above which a frame counts as
	// sound; 0 means -45 dBFS.
	Threshold float64
}

// Result describes a finished recording.
type Result struct {
	Path     string
	Duration time.Duration // audio written
	Bytes    int64         // file size
	Heard    time.Duration // of which above the threshold
	Reason   Reason
	Err      error
}

// ErrEnded is returned by the Limits stage once a bound is reached.
var ErrEnded = errors.New("recording: bound reached")

// Recorder writes one recording. It is safe for concurrent use: the mixer
// calls WriteFrame, anyone may call Stop.
type Recorder struct {
	path string
	done func(Result)

	mu     sync.Mutex
	chain  audio.Writer
	limits *Limits
	file   *audio.BufferedFile
	ended  bool
	res    Result
}

// Start creates path (and its directory) and returns a Recorder writing to
// it; done is called once, on its own goroutine, when the recording ends.
func Start(path string, o Options, done func(Result)) (*Recorder, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	r := &Recorder{path: path, done: done, file: audio.NewBufferedFile(f, 32<<10)}
	if r.done == nil {
		r.done = func(Result) {}
	}
	r.chain, r.limits = pipeline(r.file, o)
	return r, nil
}

// pipeline builds the recording direction: mixer audio in, file out.
func pipeline(f io.WriteSeeker, o Options) (audio.Writer, *Limits) {
	wav := audio.NewWAVWriter(f, Rate)
	limits := NewLimits(wav, o)
	return audio.NewResampler(limits, mixer.Rate), limits
}

// String names the pipeline.
func (r *Recorder) String() string { return "Mixer(48000) -> " + r.chain.String() }

// WriteFrame is the mixer Sink: one 20 ms frame at 48 kHz.
func (r *Recorder) WriteFrame(src []int16) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return nil
	}
	if err := r.chain.WriteSample(src); err != nil {
		reason := ReasonError
		if errors.Is(err, ErrEnded) {
			reason, err = r.limits.reason, nil
		}
		r.endLocked(reason, err)
	}
	return nil
}

// Stop ends the recording (idempotent).
func (r *Recorder) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endLocked(ReasonStopped, nil)
}

func (r *Recorder) endLocked(reason Reason, err error) {
	if r.ended {
		return
	}
	r.ended = true
	cerr := r.chain.Close()
	if err == nil {
		err = cerr
	}
	var size int64
	if st, err := os.Stat(r.path); err == nil {
		size = st.Size()
	}
	r.res = Result{Path: r.path, Duration: r.limits.written(), Heard: r.limits.heard(), Bytes: size, Reason: reason, Err: err}
	res, done := r.res, r.done
	go done(res)
}

// Limits is a stage that ends a recording at its bounds.
type Limits struct {
	dst       audio.Writer
	o         Options
	threshold float64 // RMS as a sample value
	samples   int64
	sound     int64
	quiet     int64 // samples since the last sound
	reason    Reason
}

// NewLimits places the bounds of o in front of dst.
func NewLimits(dst audio.Writer, o Options) *Limits {
	db := o.Threshold
	if db == 0 {
		db = -45
	}
	return &Limits{dst: dst, o: o, threshold: 32768 * math.Pow(10, db/20)}
}

func (l *Limits) WriteSample(s audio.PCM16) error {
	if l.reason != "" {
		return ErrEnded
	}
	rate := int64(l.dst.SampleRate())
	if l.o.Max > 0 {
		room := int64(l.o.Max.Seconds()*float64(rate)) - l.samples
		if room <= 0 {
			l.reason = ReasonMax
			return ErrEnded
		}
		if int64(len(s)) > room {
			s = s[:room]
		}
	}
	if err := l.dst.WriteSample(s); err != nil {
		return err
	}
	l.samples += int64(len(s))
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	if len(s) > 0 && math.Sqrt(sum/float64(len(s))) >= l.threshold {
		l.sound += int64(len(s))
		l.quiet = 0
	} else {
		l.quiet += int64(len(s))
	}
	switch {
	case l.o.Max > 0 && l.samples >= int64(l.o.Max.Seconds()*float64(rate)):
		l.reason = ReasonMax
		return ErrEnded
	case l.o.Silence > 0 && l.quiet >= int64(l.o.Silence.Seconds()*float64(rate)):
		l.reason = ReasonSilence
		return ErrEnded
	}
	return nil
}

func (l *Limits) written() time.Duration {
	return time.Duration(l.samples) * time.Second / time.Duration(l.dst.SampleRate())
}

func (l *Limits) heard() time.Duration {
	return time.Duration(l.sound) * time.Second / time.Duration(l.dst.SampleRate())
}

func (l *Limits) SampleRate() int { return l.dst.SampleRate() }
func (l *Limits) Close() error    { return l.dst.Close() }
func (l *Limits) String() string {
	return fmt.Sprintf("Limits(max %s, silence %s) -> %s", l.o.Max, l.o.Silence, l.dst)
}
