package device

import (
	"errors"
	"fmt"
	"time"

	"github.com/gordonklaus/portaudio"
)

// blockingStream is what we use of a *portaudio.Stream (a fake in unit tests).
type blockingStream interface {
	Read() error  // fills the buffer given at open
	Write() error // plays the buffer given at open
	Stop() error
	Abort() error
	Close() error
}

// paStream is an open blocking PortAudio stream in one direction.
type paStream struct {
	s        blockingStream
	buf      []int16 // interleaved, frames × channels
	channels int
	rate     int // device rate (may differ from the caller's, then we resample)
	name     string
}

// openStream opens dev for blocking I/O. It prefers mono at rate, then
// stereo, then the device's own rate (the caller resamples).
func openStream(dev *portaudio.DeviceInfo, dir direction, rate, frameSamples int) (*paStream, error) {
	maxCh := channelsOf(dev, dir)
	if maxCh == 0 {
		return nil, fmt.Errorf("device: %q has no %s channels", dev.Name, dir)
	}
	type try struct{ ch, rate int }
	tries := []try{{1, rate}}
	if maxCh >= 2 {
		tries = append(tries, try{2, rate})
	}
	if dr := int(dev.DefaultSampleRate); dr > 0 && dr != rate {
		tries = append(tries, try{1, dr})
		if maxCh >= 2 {
			tries = append(tries, try{2, dr})
		}
	}
	var errs []error
	for _, t := range tries {
		frames := frameSamples * t.rate / rate
		p := portaudio.StreamParameters{SampleRate: float64(t.rate), FramesPerBuffer: frames}
		lat := dev.DefaultLowInputLatency
		if dir == output {
			lat = dev.DefaultLowOutputLatency
		}
		// Small buffers: about two frames, but no less than the device's low latency.
		lat = max(lat, 2*time.Duration(frames)*time.Second/time.Duration(t.rate))
		sp := portaudio.StreamDeviceParameters{Device: dev, Channels: t.ch, Latency: lat}
		buf := make([]int16, frames*t.ch)
		var s *portaudio.Stream
		var err error
		if dir == input {
			p.Input = sp
			s, err = portaudio.OpenStream(p, buf)
		} else {
			p.Output = sp
			s, err = portaudio.OpenStream(p, &buf)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%d ch at %d Hz: %w", t.ch, t.rate, err))
			continue
		}
		if err := s.Start(); err != nil {
			s.Close()
			errs = append(errs, fmt.Errorf("starting %d ch at %d Hz: %w", t.ch, t.rate, err))
			continue
		}
		return &paStream{s: s, buf: buf, channels: t.ch, rate: t.rate, name: dev.Name}, nil
	}
	return nil, fmt.Errorf("device: opening %s device %q: %w", dir, dev.Name, errors.Join(errs...))
}

func (p *paStream) close() error {
	return errors.Join(p.s.Stop(), p.s.Close())
}

// shut ends the goroutine reading or writing p: it closes stop and waits
// for done, aborting a device read or write that hangs past 2 s so the
// goroutine can leave, then closes p and, after it, release.
func (p *paStream) shut(stop chan struct{}, done <-chan struct{}, release func() error) error {
	close(stop)
	var err error
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		err = p.s.Abort()
		<-done
	}
	return errors.Join(err, p.close(), release())
}

// isOverflow reports the benign "data lost" results of blocking I/O.
func isOverflow(err error) bool {
	return errors.Is(err, portaudio.InputOverflowed)
}

func isUnderflow(err error) bool {
	return errors.Is(err, portaudio.OutputUnderflowed)
}
