package softphone

import (
	"fmt"
	"sync"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/device"
)

// deviceSource is a PortAudio microphone (10 ms frames at 48 kHz). A device
// that fails mid-call is reported through fail; the capture goes on sending
// silence, so the call continues.
type deviceSource struct {
	name string
	c    *device.Capture
	stop chan struct{}
	wg   sync.WaitGroup
}

func openCaptureDevice(name string) (source, error) {
	return &deviceSource{name: name, stop: make(chan struct{})}, nil
}

func (d *deviceSource) start(dst audio.Writer, fail func(error)) error {
	c, err := device.OpenCapture(d.name, 48000, device.DefaultFrameSamples, dst)
	if err != nil {
		return fmt.Errorf("microphone: %w", err)
	}
	d.c = c
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		for {
			select {
			case err := <-c.Errors():
				fail(fmt.Errorf("microphone: %w", err))
			case <-d.stop:
				return
			}
		}
	}()
	return nil
}

func (d *deviceSource) close() error {
	select {
	case <-d.stop:
		return nil
	default:
		close(d.stop)
	}
	d.wg.Wait()
	if d.c == nil {
		return nil
	}
	return d.c.Close()
}

func (d *deviceSource) String() string { return "Device(48000)" }

// deviceSink is a PortAudio speaker. Writes never block on the device; a
// device failure mid-call is reported through the phone's events and audio
// is discarded while the call goes on.
type deviceSink struct {
	*device.Playback
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
	err  error
}

func openPlaybackDevice(name string, fail func(error)) (audio.Writer, error) {
	pb, err := device.OpenPlayback(name, 48000, device.DefaultFrameSamples)
	if err != nil {
		return nil, fmt.Errorf("speaker: %w", err)
	}
	s := &deviceSink{Playback: pb, stop: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			select {
			case err := <-pb.Errors():
				fail(fmt.Errorf("speaker: %w", err))
			case <-s.stop:
				return
			}
		}
	}()
	return s, nil
}

func (s *deviceSink) Close() error {
	s.once.Do(func() {
		close(s.stop)
		s.wg.Wait()
		s.err = s.Playback.Close()
	})
	return s.err
}
