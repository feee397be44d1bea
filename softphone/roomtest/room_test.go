// Package roomtest checks the softphone against meetd's real room
// (server/room) rather than a test peer: the phone negotiates through
// Manager.Offer, is attached to a call, and audio crosses between the phone
// and a caller leg both ways. It lives apart from package softphone so a
// room that does not build cannot break the softphone's own tests.
package roomtest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/server/room"
	"github.com/meet-dev/meet/softphone"
)

const (
	staffID  = 42
	callID   = 7
	micHz    = 440.0
	callerHz = 1000.0
)

// signaller hands the phone's offer to the room as staff member id.
type signaller struct {
	m  *room.Manager
	id int64
}

func (s signaller) Offer(ctx context.Context, sdp string) (string, error) {
	return s.m.Offer(ctx, s.id, sdp)
}

// caller is the trunk side of the call: it speaks a 1 kHz tone at 8 kHz and
// records what the room sends it.
type caller struct {
	mu  sync.Mutex
	n   int
	got audio.PCM16
}

func (c *caller) ReadFrame(dst []int16) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	copy(dst, audiotest.ToneAt(8000, callerHz, 0.3, c.n, len(dst)))
	c.n += len(dst)
	return true
}

func (c *caller) WriteFrame(src []int16) error {
	c.mu.Lock()
	c.got = append(c.got, src...)
	c.mu.Unlock()
	return nil
}

func (c *caller) last(n int) audio.PCM16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.got) < n {
		return append(audio.PCM16(nil), c.got...)
	}
	return append(audio.PCM16(nil), c.got[len(c.got)-n:]...)
}

// startPhone starts a softphone as staff member id on m, its microphone
// mic looped from a WAV file, its speaker recorded to out, and waits (up
// to 5 s) for the room to see it online.
func startPhone(t *testing.T, m *room.Manager, id int64, mic audio.PCM16, out string) *softphone.Phone {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in.wav")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := audio.WriteWAV(f, 48000, mic); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p, err := softphone.New(signaller{m, id}, softphone.WithLoopbackICE(), softphone.WithInputWAV(in), softphone.WithOutputWAV(out))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Start(ctx); err != nil {
		p.Close()
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !m.Online(id) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	return p
}

func TestPhoneInRealRoom(t *testing.T) {
	m, err := room.New(room.WithLoopbackICE())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	mic := audiotest.Tone(48000, micHz, 0.4, 2*48000)
	for i := range mic { // 300 ms on, 100 ms off: speech-like for the suppressor
		if i%19200 >= 14400 {
			mic[i] = 0
		}
	}
	out := filepath.Join(t.TempDir(), "out.wav")
	p := startPhone(t, m, staffID, mic, out)
	c := &caller{}
	if err := m.OpenRoom(callID); err != nil {
		t.Fatal(err)
	}
	if err := m.SetCaller(callID, c); err != nil {
		t.Fatal(err)
	}
	if err := m.Attach(callID, staffID, api.ModeTalk); err != nil {
		t.Fatal(err)
	}
	p.Joined(api.JoinResult{Call: api.Call{ID: callID}, Mode: api.ModeTalk})
	time.Sleep(1500 * time.Millisecond)

	if got := c.last(8000 * 6 / 10); !audiotest.HasTone(got, 8000, micHz) {
		t.Errorf("caller did not hear the operator's microphone (dominant %.0f Hz)", audiotest.DominantFreq(got, 8000))
	}
	st := p.Snapshot()
	t.Logf("codec=%v rtt=%v jitter=%v buffer=%v wait=%v loss=%.3f mic=%.1f speaker=%.1f dBFS",
		st.Codec, st.RTT, st.Jitter, st.BufferDepth, st.BufferWait, st.Loss, st.MicDBFS, st.SpeakerDBFS)
	if !st.Connected || st.Codec != softphone.CodecOpus {
		t.Errorf("snapshot %+v: want connected over Opus", st)
	}
	m.CloseRoom(callID)
	p.Left()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	g, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	w, err := audio.ReadWAV(g)
	if err != nil {
		t.Fatal(err)
	}
	// The room stopped at CloseRoom: look at what played just before.
	s := w.Samples
	if len(s) > 48000 {
		s = s[len(s)-48000:]
	}
	if !hasToneSomewhere(s, callerHz) {
		t.Errorf("operator did not hear the caller (dominant %.0f Hz)", audiotest.DominantFreq(s, 48000))
	}
}

func hasToneSomewhere(s audio.PCM16, hz float64) bool {
	const w = 9600
	for i := 0; i+w <= len(s); i += w / 2 {
		if audiotest.HasTone(s[i:i+w], 48000, hz) {
			return true
		}
	}
	return false
}

// TestBandHintAndFECFromRealRoom: meetd's room tells the phone, in-band,
// that all that hears it takes 8 kHz while it is alone with the caller
// (the phone codes narrowband) and wideband once a supervisor listens in;
// on a loss-free path meetd's receiver reports turn the phone's FEC off.
func TestBandHintAndFECFromRealRoom(t *testing.T) {
	m, err := room.New(room.WithLoopbackICE())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	mic := audiotest.Tone(48000, micHz, 0.3, 48000)
	start := func(id int64) *softphone.Phone {
		return startPhone(t, m, id, mic, filepath.Join(t.TempDir(), "out.wav"))
	}
	op, sv := start(staffID), start(staffID+1)
	defer op.Close()
	defer sv.Close()
	wait := func(what string, ok func(softphone.Stats) bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !ok(op.Snapshot()) {
			if time.Now().After(deadline) {
				t.Fatalf("after 5 s: %s: %+v", what, op.Snapshot())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err := m.OpenRoom(callID); err != nil {
		t.Fatal(err)
	}
	defer m.CloseRoom(callID)
	if err := m.SetCaller(callID, &caller{}); err != nil {
		t.Fatal(err)
	}
	if err := m.Attach(callID, staffID, api.ModeTalk); err != nil {
		t.Fatal(err)
	}
	op.Joined(api.JoinResult{Call: api.Call{ID: callID}, Mode: api.ModeTalk})
	wait("alone with the caller, want narrowband and no FEC", func(st softphone.Stats) bool { return st.Narrowband && st.FECLoss == 0 })
	if err := m.Attach(callID, staffID+1, api.ModeListen); err != nil {
		t.Fatal(err)
	}
	wait("a supervisor listens in, want wideband", func(st softphone.Stats) bool { return !st.Narrowband })
	m.Detach(callID, staffID+1)
	wait("the supervisor left, want narrowband again", func(st softphone.Stats) bool { return st.Narrowband })
}
