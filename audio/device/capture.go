package device

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meet-dev/meet/audio"
)

// Option configures a Capture or Playback.
type Option func(*config)

type config struct {
	log          *slog.Logger
	bufferFrames int
}

func newConfig(opts []Option) config {
	c := config{log: slog.Default(), bufferFrames: 6}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithBufferFrames sets how many frames a Playback's ring holds before it
// drops the oldest (default 6, i.e. 60 ms of 10 ms frames).
func WithBufferFrames(n int) Option { return func(c *config) { c.bufferFrames = max(2, n) } }

// errReporter delivers device failures without ever blocking the audio loop.
type errReporter struct {
	ch     chan error
	failed atomic.Pointer[error]
}

func newErrReporter() *errReporter { return &errReporter{ch: make(chan error, 4)} }

func (e *errReporter) report(err error) {
	select {
	case e.ch <- err:
	default: // the reader is behind; Err() still has the first failure
	}
}

func (e *errReporter) fail(err error) {
	e.failed.CompareAndSwap(nil, &err)
	e.report(err)
}

func (e *errReporter) err() error {
	if p := e.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// Capture reads frames from an input device and writes them, mono at the
// requested rate, to an audio.Writer from its own goroutine.
type Capture struct {
	st       *paStream
	rate     int
	frame    int
	dst      audio.Writer
	in       audio.Writer // mixdown output: → resample/chunk → dst
	mono     audio.PCM16
	log      *slog.Logger
	errs     *errReporter
	overruns atomic.Uint64
	frames   atomic.Uint64
	dstErrs  atomic.Uint64
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
	release  func() error
}

// OpenCapture opens the input device called name ("" = the default; else an
// exact name or a unique case-insensitive part of one) and starts writing
// frameSamples-long mono frames at rate to dst (resampled if dst runs at
// another rate). Close stops it.
func OpenCapture(name string, rate, frameSamples int, dst audio.Writer, opts ...Option) (*Capture, error) {
	if rate <= 0 || frameSamples <= 0 {
		return nil, fmt.Errorf("device: capture needs a positive rate and frame size, got %d Hz, %d samples", rate, frameSamples)
	}
	if dst == nil {
		return nil, errors.New("device: capture needs a writer")
	}
	cfg := newConfig(opts)
	st, err := openDevice(name, input, rate, frameSamples)
	if err != nil {
		return nil, err
	}
	return startCapture(st, rate, frameSamples, dst, cfg, Terminate), nil
}

// startCapture runs the capture loop on an open stream; release is called on Close.
func startCapture(st *paStream, rate, frameSamples int, dst audio.Writer, cfg config, release func() error) *Capture {
	c := &Capture{
		st: st, rate: rate, frame: frameSamples, dst: dst, release: release,
		log:  cfg.log.With("device", st.name, "dir", "capture"),
		errs: newErrReporter(), stop: make(chan struct{}), done: make(chan struct{}),
	}
	c.in = captureChain(dst, st.rate, rate, frameSamples)
	c.mono = make(audio.PCM16, len(st.buf)/st.channels)
	c.log.Info("capture open", "rate", st.rate, "channels", st.channels, "frame", len(c.mono))
	go c.run()
	return c
}

// captureChain converts device-rate frames to rate, frames of frameSamples, into dst's rate.
func captureChain(dst audio.Writer, devRate, rate, frameSamples int) audio.Writer {
	w := audio.NewResampler(dst, rate) // to dst's rate if it differs from rate
	if devRate != rate {
		w = audio.NewResampler(audio.NewChunker(w, frameSamples), devRate)
	}
	return w
}

func (c *Capture) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		default:
		}
		err := c.st.s.Read()
		if err != nil && !isOverflow(err) {
			c.errs.fail(fmt.Errorf("device: input %q failed: %w", c.st.name, err))
			c.log.Error("capture failed; sending silence", "err", err)
			c.silence()
			return
		}
		if err != nil {
			c.overruns.Add(1)
		}
		c.deliver(c.st.buf)
	}
}

// deliver mixes an interleaved device buffer down to mono and writes it on.
func (c *Capture) deliver(buf []int16) {
	mixdown(c.mono, buf, c.st.channels)
	c.frames.Add(1)
	if err := c.in.WriteSample(c.mono); err != nil {
		if c.dstErrs.Add(1) == 1 {
			c.log.Warn("capture: writer refused a frame", "err", err)
		}
	}
}

// silence keeps the pipeline fed at the device pace after a failure, so the
// call carries on (muted) while the user is told.
func (c *Capture) silence() {
	zero := make([]int16, len(c.st.buf))
	t := time.NewTicker(time.Duration(len(c.mono)) * time.Second / time.Duration(c.st.rate))
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.deliver(zero)
		}
	}
}

func mixdown(mono audio.PCM16, buf []int16, channels int) {
	if channels == 1 {
		copy(mono, buf)
		return
	}
	for i := range mono {
		sum := 0
		for ch := 0; ch < channels; ch++ {
			sum += int(buf[i*channels+ch])
		}
		mono[i] = int16(sum / channels)
	}
}

// Errors reports device failures (e.g. a headset unplugged mid-call). After
// one the capture keeps writing silence until closed.
func (c *Capture) Errors() <-chan error { return c.errs.ch }

// Err returns the first failure, or nil.
func (c *Capture) Err() error { return c.errs.err() }

// Overruns counts input buffers the device overflowed (samples lost because we read late).
func (c *Capture) Overruns() uint64 { return c.overruns.Load() }

// Underruns is always 0 for a capture; it exists so both directions share counters.
func (c *Capture) Underruns() uint64 { return 0 }

// Frames counts device buffers delivered (including silence after a failure).
func (c *Capture) Frames() uint64 { return c.frames.Load() }

// DeviceName is the name of the device opened.
func (c *Capture) DeviceName() string { return c.st.name }

// SampleRate is the rate frames are delivered at (before dst's own resampling).
func (c *Capture) SampleRate() int { return c.rate }

func (c *Capture) String() string {
	return fmt.Sprintf("Device(%d) -> %s", c.rate, c.dst)
}

// Close stops capturing and closes the device; dst is not closed.
func (c *Capture) Close() error {
	var err error
	c.once.Do(func() {
		err = c.st.shut(c.stop, c.done, c.release)
		c.log.Info("capture closed", "frames", c.frames.Load(), "overruns", c.overruns.Load())
	})
	return err
}
