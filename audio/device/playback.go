package device

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meet-dev/meet/audio"
)

// Playback is an audio.Writer that plays what it is given on an output
// device. A small ring buffer decouples writers from the device; when
// writers run ahead the oldest samples are dropped (an overrun), when they
// fall behind the device plays silence (an underrun).
type Playback struct {
	st        *paStream
	rate      int
	frame     int // device frame in device samples
	ring      *ring
	in        audio.Writer // rate → device rate → ring
	log       *slog.Logger
	errs      *errReporter
	overruns  atomic.Uint64
	underruns atomic.Uint64
	frames    atomic.Uint64
	stop      chan struct{}
	done      chan struct{}
	once      sync.Once
	closed    atomic.Bool
	release   func() error
}

// OpenPlayback opens the output device called name ("" = the default; else
// an exact name or a unique case-insensitive part of one) for mono audio at
// rate, played in frames of frameSamples.
func OpenPlayback(name string, rate, frameSamples int, opts ...Option) (*Playback, error) {
	if rate <= 0 || frameSamples <= 0 {
		return nil, fmt.Errorf("device: playback needs a positive rate and frame size, got %d Hz, %d samples", rate, frameSamples)
	}
	cfg := newConfig(opts)
	st, err := openDevice(name, output, rate, frameSamples)
	if err != nil {
		return nil, err
	}
	return startPlayback(st, rate, cfg, Terminate), nil
}

// startPlayback runs the playback loop on an open stream; release is called on Close.
func startPlayback(st *paStream, rate int, cfg config, release func() error) *Playback {
	frame := len(st.buf) / st.channels
	p := &Playback{
		st: st, rate: rate, frame: frame, ring: newRing(cfg.bufferFrames * frame), release: release,
		log:  cfg.log.With("device", st.name, "dir", "playback"),
		errs: newErrReporter(), stop: make(chan struct{}), done: make(chan struct{}),
	}
	p.in = audio.NewResampler(audio.NewFunc("ring", st.rate, p.push), rate)
	p.log.Info("playback open", "rate", st.rate, "channels", st.channels, "frame", frame)
	go p.run()
	return p
}

func (p *Playback) push(s audio.PCM16) error {
	if p.ring.write(s) > 0 {
		p.overruns.Add(1)
	}
	return nil
}

// WriteSample queues s for playing. It never blocks on the device.
func (p *Playback) WriteSample(s audio.PCM16) error {
	if p.closed.Load() {
		return audio.ErrClosed
	}
	return p.in.WriteSample(s)
}

func (p *Playback) run() {
	defer close(p.done)
	mono := make([]int16, p.frame)
	playing := false
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		playing = p.next(mono, playing)
		upmix(p.st.buf, mono, p.st.channels)
		err := p.st.s.Write()
		if err != nil && isUnderflow(err) {
			p.underruns.Add(1)
		} else if err != nil {
			p.errs.fail(fmt.Errorf("device: output %q failed: %w", p.st.name, err))
			p.log.Error("playback failed; discarding audio", "err", err)
			p.drain(mono)
			return
		}
		p.frames.Add(1)
	}
}

// next fills mono with the next frame from the ring, or silence when less
// than a frame is queued; it counts the start of each gap as an underrun.
func (p *Playback) next(mono []int16, playing bool) bool {
	if p.ring.len() >= len(mono) {
		p.ring.read(mono)
		return true
	}
	clear(mono)
	if playing {
		p.underruns.Add(1)
	}
	return false
}

// drain keeps consuming queued audio at the device pace after a failure, so
// writers see no change and latency stays bounded.
func (p *Playback) drain(mono []int16) {
	t := time.NewTicker(time.Duration(p.frame) * time.Second / time.Duration(p.st.rate))
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.ring.read(mono)
		}
	}
}

func upmix(buf, mono []int16, channels int) {
	if channels == 1 {
		copy(buf, mono)
		return
	}
	for i, v := range mono {
		for ch := 0; ch < channels; ch++ {
			buf[i*channels+ch] = v
		}
	}
}

// Errors reports device failures (e.g. a headset unplugged mid-call). After
// one the playback keeps accepting and discarding audio until closed.
func (p *Playback) Errors() <-chan error { return p.errs.ch }

// Err returns the first failure, or nil.
func (p *Playback) Err() error { return p.errs.err() }

// Overruns counts writes that overflowed the ring (old audio dropped).
func (p *Playback) Overruns() uint64 { return p.overruns.Load() }

// Underruns counts gaps: the device needed audio and none was queued.
func (p *Playback) Underruns() uint64 { return p.underruns.Load() }

// Frames counts device buffers played (audio or silence).
func (p *Playback) Frames() uint64 { return p.frames.Load() }

// Buffered is how much audio waits in the ring.
func (p *Playback) Buffered() time.Duration {
	return time.Duration(p.ring.len()) * time.Second / time.Duration(p.st.rate)
}

// DeviceName is the name of the device opened.
func (p *Playback) DeviceName() string { return p.st.name }

func (p *Playback) SampleRate() int { return p.rate }
func (p *Playback) String() string  { return fmt.Sprintf("Device(%d)", p.rate) }

// Close stops playing and closes the device.
func (p *Playback) Close() error {
	var err error
	p.once.Do(func() {
		p.closed.Store(true)
		err = p.st.shut(p.stop, p.done, p.release)
		p.log.Info("playback closed", "frames", p.frames.Load(), "underruns", p.underruns.Load(), "overruns", p.overruns.Load())
	})
	return err
}

// openDevice initialises PortAudio, finds the named device (empty: the
// default) and opens a stream on it, releasing PortAudio again on failure.
func openDevice(name string, dir direction, rate, frameSamples int) (*paStream, error) {
	if err := Initialize(); err != nil {
		return nil, err
	}
	dev, err := find(name, dir)
	if err != nil {
		Terminate()
		return nil, err
	}
	var st *paStream
	err = quietStderr(func() (err error) {
		st, err = openStream(dev, dir, rate, frameSamples)
		return err
	})
	if err != nil {
		Terminate()
		return nil, err
	}
	return st, nil
}
