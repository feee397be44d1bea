package device

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gordonklaus/portaudio"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
)

// fakeStream stands in for a PortAudio blocking stream: Read fills the shared
// buffer from a generator, Write records it; hooks return errors on demand.
type fakeStream struct {
	buf      []int16
	channels int
	rate     int
	pace     time.Duration
	mu       sync.Mutex
	n        int // frames so far
	errAt    func(n int) error
	played   audio.PCM16 // first channel of everything written
	tone     float64
	released bool
}

func (f *fakeStream) step() (int, error) {
	time.Sleep(f.pace)
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.n
	f.n++
	if f.errAt != nil {
		return n, f.errAt(n)
	}
	return n, nil
}

func (f *fakeStream) Read() error {
	n, err := f.step()
	if err != nil && !errors.Is(err, portaudio.InputOverflowed) {
		return err
	}
	frames := len(f.buf) / f.channels
	tone := audiotest.ToneAt(f.rate, f.tone, 0.5, n*frames, frames)
	for i, v := range tone {
		for c := 0; c < f.channels; c++ {
			f.buf[i*f.channels+c] = v
		}
	}
	return err
}

func (f *fakeStream) Write() error {
	_, err := f.step()
	if err != nil && !errors.Is(err, portaudio.OutputUnderflowed) {
		return err
	}
	f.mu.Lock()
	for i := 0; i < len(f.buf); i += f.channels {
		f.played = append(f.played, f.buf[i])
	}
	f.mu.Unlock()
	return err
}

func (f *fakeStream) Stop() error  { return nil }
func (f *fakeStream) Abort() error { return nil }
func (f *fakeStream) Close() error { return nil }

func (f *fakeStream) Played() audio.PCM16 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(audio.PCM16(nil), f.played...)
}

func newFake(rate, channels, frames int, tone float64) (*fakeStream, *paStream) {
	f := &fakeStream{buf: make([]int16, frames*channels), channels: channels, rate: rate, pace: 200 * time.Microsecond, tone: tone}
	return f, &paStream{s: f, buf: f.buf, channels: channels, rate: rate, name: "Fake Headset"}
}

func checkNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			t.Errorf("goroutines leaked: %d before, %d after", before, n)
		}
	})
}

// frameRecorder checks every frame has the expected length.
type frameRecorder struct {
	*audio.Buffer
	want int
	bad  chan int
}

func (r frameRecorder) WriteSample(s audio.PCM16) error {
	if len(s) != r.want {
		select {
		case r.bad <- len(s):
		default:
		}
	}
	return r.Buffer.WriteSample(s)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestCaptureFramesMixdownResample(t *testing.T) {
	checkNoLeak(t)
	cases := []struct {
		devRate, channels, rate, dstRate int
	}{
		{48000, 1, 48000, 48000},
		{48000, 2, 48000, 48000}, // stereo headset: mixed down
		{44100, 2, 48000, 48000}, // device only does 44.1 kHz: resampled to 48k frames of 480
		{48000, 1, 48000, 16000}, // dst at 16 kHz: resampled after framing
	}
	for _, c := range cases {
		f, st := newFake(c.devRate, c.channels, c.devRate/100, 1000)
		rec := frameRecorder{audio.NewBuffer(c.dstRate), c.dstRate / 100, make(chan int, 1)}
		capt := startCapture(st, c.rate, c.rate/100, rec, newConfig(nil), func() error { f.released = true; return nil })
		waitFor(t, "100 ms of audio", func() bool { return rec.Len() >= c.dstRate/10 })
		if err := capt.Close(); err != nil || !f.released {
			t.Fatalf("close: %v, released %v", err, f.released)
		}
		select {
		case n := <-rec.bad:
			t.Fatalf("%+v: a frame of %d samples, want %d", c, n, rec.want)
		default:
		}
		s := rec.Samples()
		if !audiotest.HasTone(s[len(s)/2:], c.dstRate, 1000) {
			t.Fatalf("%+v: 1 kHz tone lost", c)
		}
		if rms, _ := audio.Level(s[len(s)/2:]); rms < -10 || rms > -8 {
			t.Fatalf("%+v: level %.1f dBFS, want -9", c, rms)
		}
		if want := fmt.Sprintf("Device(%d) -> Buffer(%d)", c.rate, c.dstRate); capt.String() != want {
			t.Fatalf("String() = %q", capt)
		}
	}
}

func TestCaptureOverrunsAndFailure(t *testing.T) {
	checkNoLeak(t)
	unplugged := errors.New("device unplugged")
	f, st := newFake(48000, 1, 480, 440)
	f.errAt = func(n int) error {
		switch {
		case n == 3 || n == 5:
			return portaudio.InputOverflowed
		case n >= 20:
			return unplugged
		}
		return nil
	}
	buf := audio.NewBuffer(48000)
	capt := startCapture(st, 48000, 480, buf, newConfig(nil), func() error { return nil })
	select {
	case err := <-capt.Errors():
		if !errors.Is(err, unplugged) || !strings.Contains(err.Error(), `input "Fake Headset" failed`) {
			t.Fatalf("error %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("failure not reported")
	}
	if capt.Overruns() != 2 {
		t.Fatalf("overruns %d, want 2", capt.Overruns())
	}
	// The call goes on: silence keeps coming at the device pace.
	n := buf.Len()
	waitFor(t, "silence after the failure", func() bool { return buf.Len() >= n+3*480 })
	if !audiotest.IsSilent(buf.Samples()[20*480:], -100) || capt.Err() == nil {
		t.Fatal("want silence and Err() after the failure")
	}
	if err := capt.Close(); err != nil {
		t.Fatal(err)
	}
	if err := capt.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
}

func TestPlaybackPlaysAndCounts(t *testing.T) {
	checkNoLeak(t)
	f, st := newFake(48000, 2, 480, 0)
	f.pace = time.Millisecond
	pb := startPlayback(st, 16000, config{log: newConfig(nil).log, bufferFrames: 6}, func() error { return nil })
	if pb.String() != "Device(16000)" || pb.SampleRate() != 16000 {
		t.Fatalf("%s at %d", pb, pb.SampleRate())
	}
	// 16 kHz in, played at 48 kHz: written 10 ms at a time, faster than played.
	for i := 0; i < 10; i++ {
		if err := pb.WriteSample(audiotest.ToneAt(16000, 700, 0.5, i*160, 160)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the ring to drain", func() bool { return pb.Buffered() == 0 })
	waitFor(t, "a few more frames", func() bool { return len(f.Played()) > 48000/10+10*480 })
	played := f.Played()
	start := 0
	for start < len(played) && played[start] == 0 {
		start++
	}
	if start == len(played) || !audiotest.HasTone(played[start:start+2400], 48000, 700) {
		t.Fatal("700 Hz tone not played")
	}
	if pb.Underruns() != 1 {
		t.Fatalf("underruns %d, want 1 (the end of the tone)", pb.Underruns())
	}
	// Writing far more than the ring holds drops the oldest audio.
	_ = pb.WriteSample(make(audio.PCM16, 16000))
	if pb.Overruns() == 0 || pb.Buffered() > 60*time.Millisecond {
		t.Fatalf("overruns %d, buffered %v", pb.Overruns(), pb.Buffered())
	}
	if err := pb.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pb.WriteSample(audio.PCM16{1}); !errors.Is(err, audio.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

func TestPlaybackFailureKeepsAccepting(t *testing.T) {
	checkNoLeak(t)
	gone := errors.New("device gone")
	f, st := newFake(48000, 1, 480, 0)
	f.errAt = func(n int) error {
		if n >= 5 {
			return gone
		}
		return nil
	}
	pb := startPlayback(st, 48000, newConfig(nil), func() error { return nil })
	select {
	case err := <-pb.Errors():
		if !errors.Is(err, gone) || !strings.Contains(err.Error(), `output "Fake Headset" failed`) {
			t.Fatalf("error %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("failure not reported")
	}
	for i := 0; i < 50; i++ {
		if err := pb.WriteSample(make(audio.PCM16, 960)); err != nil {
			t.Fatal("writer broken by a device failure:", err)
		}
	}
	waitFor(t, "queued audio to be discarded", func() bool { return pb.Buffered() == 0 })
	if err := pb.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRing(t *testing.T) {
	q := newRing(5)
	if d := q.write([]int16{1, 2, 3}); d != 0 || q.len() != 3 {
		t.Fatal("write")
	}
	out := make([]int16, 2)
	if q.read(out) != 2 || out[0] != 1 || out[1] != 2 {
		t.Fatalf("read %v", out)
	}
	if d := q.write([]int16{4, 5, 6, 7, 8}); d != 1 { // wraps, drops 3
		t.Fatalf("dropped %d", d)
	}
	all := make([]int16, 10)
	if n := q.read(all); n != 5 || all[0] != 4 || all[4] != 8 {
		t.Fatalf("read %d %v", n, all)
	}
	if d := q.write([]int16{1, 2, 3, 4, 5, 6, 7}); d != 2 || q.read(all) != 5 || all[0] != 3 {
		t.Fatalf("oversized write: dropped %d, %v", d, all)
	}
	q.write([]int16{1})
	q.reset()
	if q.len() != 0 {
		t.Fatal("reset")
	}
}

func BenchmarkCaptureDeliver(b *testing.B) {
	for _, c := range []struct {
		name              string
		devRate, channels int
	}{{"48k_mono", 48000, 1}, {"48k_stereo", 48000, 2}, {"44k1_stereo_resampled", 44100, 2}} {
		b.Run(c.name, func(b *testing.B) {
			f, st := newFake(c.devRate, c.channels, c.devRate/100, 1000)
			_ = f
			capt := &Capture{st: st, rate: 48000, frame: 480, dst: audio.Discard(48000)}
			meter := audio.NewMeter(audio.Discard(48000))
			capt.in = captureChain(meter, c.devRate, 48000, 480)
			capt.mono = make(audio.PCM16, len(st.buf)/st.channels)
			copy(st.buf, audiotest.Tone(c.devRate, 1000, 0.5, len(st.buf)))
			b.ReportAllocs()
			for b.Loop() {
				capt.deliver(st.buf)
			}
		})
	}
}

func TestOpenArgumentsChecked(t *testing.T) {
	if _, err := OpenCapture("", 48000, 480, nil); err == nil {
		t.Fatal("nil writer accepted")
	}
	if _, err := OpenCapture("", 0, 480, audio.Discard(48000)); err == nil {
		t.Fatal("rate 0 accepted")
	}
	if _, err := OpenPlayback("", 48000, 0); err == nil {
		t.Fatal("frame 0 accepted")
	}
}
