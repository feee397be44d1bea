package softphone

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
)

const (
	micHz     = 440.0  // what the phone's microphone (input WAV) plays
	serverHz  = 1000.0 // what the test server injects
	quietDBFS = -50.0
)

// writeToneWAV writes a WAV at rate holding a tone that goes on for 300 ms and
// off for 100 ms, speech-like enough that the noise suppressor keeps it.
func writeToneWAV(t testing.TB, rate int, hz float64) string {
	t.Helper()
	n := rate * 2
	s := audiotest.Tone(rate, hz, 0.4, n)
	period, on := rate*4/10, rate*3/10
	for i := range s {
		if i%period >= on {
			s[i] = 0
		}
	}
	return writeWAVFile(t, rate, s)
}

// writeWAVFile writes s as a WAV file in the test's temporary directory.
func writeWAVFile(t testing.TB, rate int, s audio.PCM16) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := audio.WriteWAV(f, rate, s); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func readWAV(t *testing.T, path string) *audio.WAV {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := audio.ReadWAV(f)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func startPhone(t testing.TB, srv *testServer, opts ...Option) *Phone {
	t.Helper()
	p, err := New(srv, append([]Option{WithLoopbackICE()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Start(ctx); err != nil {
		p.Close()
		t.Fatal(err)
	}
	return p
}

// checkGoroutines fails when goroutines started by the test outlive it.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("%d goroutines leaked:\n%s", n-before, buf[:runtime.Stack(buf, true)])
		}
	})
}

// recorded returns the last d of what the phone played, from its output WAV.
func tail(s audio.PCM16, rate int, d time.Duration) audio.PCM16 {
	n := int(d.Seconds() * float64(rate))
	if n > len(s) {
		return s
	}
	return s[len(s)-n:]
}

func TestToneBothWaysOpus(t *testing.T) {
	checkGoroutines(t)
	srv := newTestServer(t, serverHz)
	out := filepath.Join(t.TempDir(), "out.wav")
	p := startPhone(t, srv, WithInputWAV(writeToneWAV(t, 16000, micHz)), WithOutputWAV(out))

	if got, want := "WAV(48000) -> "+p.send.String(), "WAV(48000) -> Denoise -> Meter -> Mute -> Opus(encode) -> Track"; got != want {
		t.Errorf("send pipeline\n got %s\nwant %s", got, want)
	}
	if got, want := p.recv.String(), "Track -> Jitter -> Opus(decode) -> Meter -> Ring -> WAV(48000)"; got != want {
		t.Errorf("receive pipeline\n got %s\nwant %s", got, want)
	}
	p.Joined(api.JoinResult{Call: api.Call{ID: 7}, Mode: api.ModeTalk})
	time.Sleep(1500 * time.Millisecond)
	now := time.Now()
	got := srv.between(now.Add(-800*time.Millisecond), now)
	if !audiotest.HasTone(got, 48000, micHz) {
		t.Errorf("server did not hear the %v Hz microphone tone (%d samples, dominant %.0f Hz)", micHz, len(got), audiotest.DominantFreq(got, 48000))
	}
	st := p.Snapshot()
	t.Logf("rtt=%v jitter=%v buffer target=%v mean wait in buffer=%v late=%d concealed=%d", st.RTT, st.Jitter, st.BufferDepth, st.BufferWait, st.LatePackets, st.Concealed)
	if !st.Connected || st.Codec != CodecOpus || !st.InCall || st.CallID != 7 {
		t.Errorf("snapshot %+v: want connected, opus, in call 7", st)
	}
	if st.PacketsReceived < 40 || st.PacketsSent < 40 {
		t.Errorf("packets received %d, sent %d: want >= 40 each", st.PacketsReceived, st.PacketsSent)
	}
	if st.RTT <= 0 || st.RTT > 100*time.Millisecond {
		t.Errorf("RTT %v: want a small positive value on loopback", st.RTT)
	}
	if st.Loss > 0.01 || st.SpeakerDBFS < -30 || st.MicDBFS < -40 {
		t.Errorf("snapshot %+v: want no loss and audible levels", st)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	w := readWAV(t, out)
	if w.Rate != 48000 || len(w.Samples) < 48000 {
		t.Fatalf("output wav: %d Hz, %d samples", w.Rate, len(w.Samples))
	}
	if last := tail(w.Samples, 48000, 800*time.Millisecond); !audiotest.HasTone(last, 48000, serverHz) {
		t.Errorf("phone did not play the server's %v Hz tone (dominant %.0f Hz)", serverHz, audiotest.DominantFreq(last, 48000))
	}
}

func TestPCMUFallback(t *testing.T) {
	checkGoroutines(t)
	srv := newTestServer(t, serverHz)
	srv.pcmuOnly = true
	out := filepath.Join(t.TempDir(), "out.wav")
	p := startPhone(t, srv, WithInputWAV(writeToneWAV(t, 8000, micHz)), WithOutputWAV(out))
	if got, want := p.send.String(), "Denoise -> Meter -> Mute -> Resample(48000->8000) -> PCMU(encode) -> Track"; got != want {
		t.Errorf("send pipeline\n got %s\nwant %s", got, want)
	}
	if got, want := p.recv.String(), "Track -> Jitter -> PCMU(decode) -> Resample(8000->48000) -> Meter -> Ring -> WAV(48000)"; got != want {
		t.Errorf("receive pipeline\n got %s\nwant %s", got, want)
	}
	p.Joined(api.JoinResult{})
	time.Sleep(1200 * time.Millisecond)
	now := time.Now()
	if got := srv.between(now.Add(-600*time.Millisecond), now); !audiotest.HasTone(got, 48000, micHz) {
		t.Errorf("server did not hear the microphone over PCMU (dominant %.0f Hz)", audiotest.DominantFreq(got, 48000))
	}
	if c := p.Snapshot().Codec; c != CodecPCMU {
		t.Errorf("codec %v, want pcmu", c)
	}
	p.Close()
	if s := readWAV(t, out).Samples; !hasToneSomewhere(s, serverHz) {
		t.Errorf("phone did not play the server's tone over PCMU (dominant %.0f Hz)", audiotest.DominantFreq(s, 48000))
	}
}

// loudness is the RMS level the server heard over the window ending now,
// skipping settle after the change that started it.
func window(srv *testServer, start time.Time, settle, d time.Duration) float64 {
	time.Sleep(time.Until(start.Add(settle + d)))
	s := srv.between(start.Add(settle), start.Add(settle+d))
	rms, _ := audio.Level(s)
	return rms
}

func TestMuteAndMuteOnJoinByEnergy(t *testing.T) {
	checkGoroutines(t)
	srv := newTestServer(t, serverHz)
	p := startPhone(t, srv, WithInputWAV(writeToneWAV(t, 48000, micHz)), WithDenoise(false))
	defer p.Close()
	const settle, span = 250 * time.Millisecond, 500 * time.Millisecond

	steps := []struct {
		name string
		do   func()
		loud bool
	}{
		{"before join (not in a call)", func() {}, false},
		{"joined with mute_on_join", func() { p.Joined(api.JoinResult{Call: api.Call{ID: 1}, MuteOnJoin: true}) }, false},
		{"unmuted", func() { p.SetMuted(false) }, true},
		{"muted", func() { p.SetMuted(true) }, false},
		{"unmuted again", func() { p.SetMuted(false) }, true},
		{"left", func() { p.Left() }, false},
		{"joined without mute_on_join", func() { p.Joined(api.JoinResult{Call: api.Call{ID: 2}}) }, true},
		{"joined again with mute_on_join", func() { p.Joined(api.JoinResult{Call: api.Call{ID: 3}, MuteOnJoin: true}) }, false},
		{"listen mode", func() { p.SetMuted(false); p.Joined(api.JoinResult{Call: api.Call{ID: 4}, Mode: api.ModeListen}) }, false},
	}
	for _, st := range steps {
		start := time.Now()
		st.do()
		rms := window(srv, start, settle, span)
		if st.loud && rms < -20 {
			t.Errorf("%s: far end heard %.1f dBFS, want the tone (> -20)", st.name, rms)
		}
		if !st.loud && rms > quietDBFS {
			t.Errorf("%s: far end heard %.1f dBFS, want silence (< %v)", st.name, rms, quietDBFS)
		}
	}
	if !p.Muted() {
		t.Error("Muted() = false after joining with mute_on_join")
	}
}

func TestReconnectAfterServerDrop(t *testing.T) {
	checkGoroutines(t)
	srv := newTestServer(t, serverHz)
	p := startPhone(t, srv, WithInputWAV(writeToneWAV(t, 48000, micHz)), WithDenoise(false),
		WithReconnectBackoff(50*time.Millisecond, time.Second))
	defer p.Close()
	p.Joined(api.JoinResult{})
	srv.dropAll()
	deadline := time.After(20 * time.Second)
	sawReconnecting := false
	for {
		select {
		case e := <-p.Events():
			if e.Type == EventState && e.State == StateReconnecting {
				sawReconnecting = true
			}
			if e.Type == EventState && e.State == StateConnected && sawReconnecting {
				goto connected
			}
		case <-deadline:
			t.Fatalf("no reconnect; snapshot %+v", p.Snapshot())
		}
	}
connected:
	if st := p.Snapshot(); st.Reconnects < 1 || !st.Connected {
		t.Errorf("snapshot %+v after reconnect", st)
	}
	start := time.Now()
	if rms := window(srv, start, 300*time.Millisecond, 500*time.Millisecond); rms < -20 {
		t.Errorf("after reconnect the far end heard %.1f dBFS, want the tone", rms)
	}
}

func TestStartRetriesWhenSignallingFails(t *testing.T) {
	checkGoroutines(t)
	srv := newTestServer(t, serverHz)
	srv.failing = 2
	p, err := New(srv, WithLoopbackICE(), WithInputWAV(writeToneWAV(t, 48000, micHz)), WithReconnectBackoff(20*time.Millisecond, 100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	err = p.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not now") {
		t.Fatalf("Start = %v, want the signalling error", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !p.Snapshot().Connected {
		if time.Now().After(deadline) {
			t.Fatalf("never connected after signalling recovered: %+v", p.Snapshot())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if srv.offers < 3 {
		t.Errorf("offers = %d, want 3 (two refused, one answered)", srv.offers)
	}
}

func TestRingToneInSpeaker(t *testing.T) {
	checkGoroutines(t)
	srv := newTestServer(t, serverHz)
	srv.toneHz = 0 // the server sends silence
	out := filepath.Join(t.TempDir(), "out.wav")
	p := startPhone(t, srv, WithInputWAV(writeToneWAV(t, 48000, micHz)), WithOutputWAV(out))
	time.Sleep(300 * time.Millisecond)
	p.Ring(true)
	time.Sleep(400 * time.Millisecond) // the first "on" part of the cadence is 400 ms
	p.Ring(false)
	time.Sleep(300 * time.Millisecond)
	p.Close()
	s := readWAV(t, out).Samples
	_, peak := audio.Level(s)
	if f := audiotest.DominantFreq(s, 48000); f < 390 || f > 460 || peak < -20 {
		t.Errorf("no ring tone (400+450 Hz) in the speaker: dominant %.0f Hz, peak %.1f dBFS", f, peak)
	}
	if last := tail(s, 48000, 200*time.Millisecond); !audiotest.IsSilent(last, quietDBFS) {
		t.Error("ring tone did not stop")
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	srv := newTestServer(t, serverHz)
	if _, err := New(srv, WithInputWAV(filepath.Join(t.TempDir(), "missing.wav"))); err == nil || !strings.Contains(err.Error(), "missing.wav") {
		t.Errorf("missing input wav: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.wav")
	os.WriteFile(bad, []byte("not a wav file at all"), 0o600)
	if _, err := New(srv, WithInputWAV(bad)); err == nil {
		t.Error("garbage input wav accepted")
	}
}
