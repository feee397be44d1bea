package softphone

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/internal/pacer"
)

// source is the microphone: it writes frames at 48 kHz (10 ms from a
// device, 20 ms from a paced file) into dst from its own goroutine (or
// PortAudio's callback) until closed.
type source interface {
	start(dst audio.Writer, fail func(error)) error
	close() error
	String() string
}

// wavSource plays a WAV file as the microphone, paced in real time.
type wavSource struct {
	name    string
	samples audio.PCM16 // at 48 kHz
	loop    bool

	stop chan struct{}
	tick *pacer.Pacer // set by start
	wg   sync.WaitGroup
}

// newSilenceSource is a paced microphone that is always silent.
func newSilenceSource() *wavSource {
	return &wavSource{samples: make(audio.PCM16, 480), loop: true, stop: make(chan struct{}), name: "Silence(48000)"}
}

func openWAVSource(path string, loop bool) (*wavSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("input wav: %w", err)
	}
	defer f.Close()
	w, err := audio.ReadWAV(f)
	if err != nil {
		return nil, fmt.Errorf("input wav %s: %w", path, err)
	}
	s := w.Samples
	if w.Rate != 48000 {
		s = audio.Resample(s, w.Rate, 48000)
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("input wav %s: no samples", path)
	}
	return &wavSource{samples: s, loop: loop, stop: make(chan struct{}), name: "WAV(48000)"}, nil
}

func (w *wavSource) String() string { return w.name }

// timedWriter is a microphone's destination that takes the time each
// frame's first sample was due (its WriteSample stamps a frame with the
// time it is written).
type timedWriter interface {
	writeAt(at time.Time, frame audio.PCM16) error
}

// wavFrame is how much a paced file microphone writes at once: 20 ms, one
// packet. A paced file writes a 10 ms frame when its first sample is due;
// the 20 ms frame is written when its second half's first sample is due,
// where the second 10 ms frame was, so the packet leaves at the same
// instant (the encoder waited for the second half anyway) and the process
// wakes half as often: the first 10 ms wake-up of each packet, with its own
// run of the scheduler and netpoller, cost ~20 % of meet phone's CPU in a
// call (BenchmarkMeetPhoneCPU).
const wavFrame = 960

func (w *wavSource) start(dst audio.Writer, fail func(error)) error {
	select {
	case <-w.stop:
		return errors.New("microphone: closed")
	default:
	}
	timed, _ := dst.(timedWriter)
	const span = wavFrame * time.Second / 48000
	// One wake-up a frame (see internal/pacer): the frame is written half
	// a span after its first sample is due.
	tick, err := pacer.New(span/2, span)
	if err != nil {
		return fmt.Errorf("microphone: %w", err)
	}
	w.tick = tick
	next := time.Now() // when the next frame's first sample is due
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		frame := make(audio.PCM16, wavFrame)
		pos := 0
		for {
			if _, err := tick.Wait(); err != nil {
				if !errors.Is(err, pacer.ErrClosed) {
					fail(err)
				}
				return
			}
			now := time.Now()
			if now.Sub(next) > 200*time.Millisecond {
				next = now.Add(-span / 2) // we stalled: do not burst to catch up
			}
			for !next.Add(span / 2).After(now) {
				for n := 0; n < len(frame); {
					if pos == len(w.samples) { // played once: silence
						clear(frame[n:])
						break
					}
					c := copy(frame[n:], w.samples[pos:])
					n, pos = n+c, pos+c
					if pos == len(w.samples) && w.loop {
						pos = 0
					}
				}
				var err error
				if timed != nil {
					err = timed.writeAt(next, frame)
				} else {
					err = dst.WriteSample(frame)
				}
				if err != nil {
					fail(err)
				}
				next = next.Add(span)
			}
			// Back in step with the frames after a stall (or a clock
			// that drifted): the pacer fires when the next one is due.
			if due := next.Add(span / 2); tick.Next().Sub(due).Abs() > span/10 {
				if err := tick.Reset(due.Sub(now)); err != nil {
					fail(err)
					return
				}
			}
		}
	}()
	return nil
}

func (w *wavSource) close() error {
	select {
	case <-w.stop:
	default:
		close(w.stop)
		if w.tick != nil {
			w.tick.Close()
		}
	}
	w.wg.Wait()
	return nil
}

// createWAVSink records the speaker to a 48 kHz WAV file; Close fixes the
// header and closes the file. Writes go through a buffer: a write(2) per
// 20 ms frame was about a tenth of `meet phone`'s CPU in a call (ext4's
// write path), one per wavBuffer of audio is not. The header only holds the
// right sizes after Close anyway, so nothing could read the file earlier.
func createWAVSink(path string) (audio.Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("output wav: %w", err)
	}
	return audio.NewWAVWriter(audio.NewBufferedFile(f, wavBuffer), 48000), nil
}

// wavBuffer is how much of the speaker's recording is written at once:
// 32 KiB, about a third of a second at 48 kHz.
const wavBuffer = 32 << 10
