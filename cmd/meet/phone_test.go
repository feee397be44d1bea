package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/server/room"
)

// fakeMeetd is just enough of meetd for `meet phone`: login, me, settings,
// accept, and /v1/ws carrying events and the rtc.offer/answer exchange into a
// real server/room Manager.
type fakeMeetd struct {
	t      *testing.T
	rooms  *room.Manager
	events chan api.Event

	mu       sync.Mutex
	settings api.Settings
	accepted []int64
}

const fakeStaff = 42

func (f *fakeMeetd) handler() http.Handler {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("POST /v1/login", func(w http.ResponseWriter, r *http.Request) {
		reply(w, api.LoginResponse{Token: "tok", Expires: time.Now().Add(time.Hour), Staff: api.Staff{ID: fakeStaff}})
	})
	mux.HandleFunc("GET /v1/me", func(w http.ResponseWriter, r *http.Request) {
		reply(w, api.Staff{ID: fakeStaff})
	})
	mux.HandleFunc("GET /v1/me/settings", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		reply(w, f.settings)
	})
	mux.HandleFunc("PUT /v1/me/settings", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		json.NewDecoder(r.Body).Decode(&f.settings)
		reply(w, f.settings)
	})
	mux.HandleFunc("POST /v1/calls/7/accept", func(w http.ResponseWriter, r *http.Request) {
		if err := f.rooms.Attach(7, fakeStaff, api.ModeTalk); err != nil {
			f.t.Errorf("attach: %v", err)
		}
		f.mu.Lock()
		f.accepted = append(f.accepted, 7)
		res := api.JoinResult{Call: api.Call{ID: 7}, Mode: api.ModeTalk, MuteOnJoin: f.settings.MuteOnJoin}
		f.mu.Unlock()
		reply(w, res)
	})
	mux.HandleFunc("POST /v1/calls/7/leave", func(w http.ResponseWriter, r *http.Request) {
		f.rooms.Detach(7, fakeStaff)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v1/ws", f.ws)
	return mux
}

func (f *fakeMeetd) ws(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := r.Context()
	var wmu sync.Mutex
	send := func(m api.WSMessage) {
		b, _ := json.Marshal(m)
		wmu.Lock()
		defer wmu.Unlock()
		c.Write(ctx, websocket.MessageText, b)
	}
	send(api.WSMessage{Type: api.WSHello, LastEventID: 1})
	go func() {
		for {
			select {
			case ev := <-f.events:
				send(api.WSMessage{Type: api.WSEvent, Event: &ev})
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		var m api.WSMessage
		if json.Unmarshal(b, &m) != nil || m.Type != api.WSRTCOffer {
			continue
		}
		answer, err := f.rooms.Offer(ctx, fakeStaff, m.SDP)
		if err != nil {
			send(api.WSMessage{Type: api.WSError, Error: api.Errorf(api.CodeBadRequest, "%v", err)})
			continue
		}
		send(api.WSMessage{Type: api.WSRTCAnswer, SDP: answer})
	}
}

// callerLeg speaks a 1 kHz tone and records what the room sends it.
type callerLeg struct {
	mu  sync.Mutex
	n   int
	got audio.PCM16
}

func (c *callerLeg) ReadFrame(dst []int16) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	copy(dst, audiotest.ToneAt(8000, 1000, 0.3, c.n, len(dst)))
	c.n += len(dst)
	return true
}

func (c *callerLeg) WriteFrame(src []int16) error {
	c.mu.Lock()
	c.got = append(c.got, src...)
	c.mu.Unlock()
	return nil
}

// TestPhoneCommandAutoAnswers runs `meet phone --auto-answer` against the
// fake meetd: it connects its softphone, is rung, accepts, and the caller
// and the WAV files carry audio both ways; stdout is JSON lines. With
// --mute-on-join the caller hears nothing from the operator.
func TestPhoneCommandAutoAnswers(t *testing.T) {
	t.Run("talk", func(t *testing.T) { testPhoneCommand(t, false) })
	t.Run("mute-on-join", func(t *testing.T) { testPhoneCommand(t, true) })
}

func testPhoneCommand(t *testing.T, muteOnJoin bool) {
	rooms, err := room.New(room.WithLoopbackICE())
	if err != nil {
		t.Fatal(err)
	}
	defer rooms.Close()
	f := &fakeMeetd{t: t, rooms: rooms, events: make(chan api.Event, 8)}
	srv := httptest.NewServer(f.handler())
	defer srv.Close()

	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.wav")
	mic := audiotest.Tone(16000, 440, 0.4, 32000)
	for i := range mic { // 300 ms on, 100 ms off
		if i%6400 >= 4800 {
			mic[i] = 0
		}
	}
	fh, _ := os.Create(in)
	audio.WriteWAV(fh, 16000, mic)
	fh.Close()

	var stdout bytes.Buffer
	cmd := newRootCmd()
	cmd.SetOut(&stdout)
	cmd.SetArgs([]string{"phone", "--server", srv.URL, "--email", "op@example.com", "--password", "pw",
		"--in", in, "--out", out, "--auto-answer", "--mute-on-join=" + strconv.FormatBool(muteOnJoin), "--duration", "3s",
		"--credentials", filepath.Join(dir, "none.json"), "--log", "-"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(context.Background()) }()

	deadline := time.Now().Add(10 * time.Second)
	for !rooms.Online(fakeStaff) {
		if time.Now().After(deadline) {
			t.Fatalf("softphone never came online; stdout:\n%s", stdout.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	caller := &callerLeg{}
	if err := rooms.OpenRoom(7); err != nil {
		t.Fatal(err)
	}
	rooms.SetCaller(7, caller)
	f.events <- api.Event{ID: 2, Type: api.EvCallRinging, CallID: 7, ChatID: 3, StaffID: fakeStaff, At: time.Now()}
	f.events <- api.Event{ID: 3, Type: api.EvCallRinging, CallID: 8, StaffID: fakeStaff + 1, At: time.Now()} // someone else

	if err := <-done; err != nil {
		t.Fatalf("meet phone: %v\n%s", err, stdout.String())
	}
	lines := stdout.String()
	for _, want := range []string{`"event":"started"`, `"event":"stream"`, `"event":"phone.state"`, `"state":"connected"`,
		`"event":"ringing"`, `"event":"answered"`, `"call_id":7`, `"event":"stats"`, `"event":"stopped"`} {
		if !strings.Contains(lines, want) {
			t.Errorf("stdout lacks %s:\n%s", want, lines)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(lines), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("not a JSON line: %q", l)
		}
	}
	f.mu.Lock()
	if len(f.accepted) != 1 {
		t.Errorf("accepted %v, want exactly call 7", f.accepted)
	}
	f.mu.Unlock()
	caller.mu.Lock()
	heard := append(audio.PCM16(nil), caller.got...)
	caller.mu.Unlock()
	if muteOnJoin {
		if !strings.Contains(lines, `"muted":true`) {
			t.Errorf("answered line does not say muted:\n%s", lines)
		}
		if rms, _ := audio.Level(heard); toneAnywhere(heard, 8000, 440) || rms > -50 {
			t.Errorf("caller heard the operator (%.1f dBFS) although mute_on_join is set", rms)
		}
	} else if !toneAnywhere(heard, 8000, 440) {
		t.Errorf("caller never heard the operator's microphone (%d samples)", len(heard))
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
	if !toneAnywhere(w.Samples, 48000, 1000) {
		t.Errorf("operator's speaker file lacks the caller's tone")
	}
}

func toneAnywhere(s audio.PCM16, rate int, hz float64) bool {
	w := rate / 5
	for i := 0; i+w <= len(s); i += w / 2 {
		if audiotest.HasTone(s[i:i+w], rate, hz) {
			return true
		}
	}
	return false
}

func TestPhoneCommandBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"phone", "--token", "x", "--server", "not a url"}, "not an http(s) URL"},
		{[]string{"phone", "--email", "a@b", "--server", "http://127.0.0.1:1"}, "--email needs --password"},
	} {
		cmd := newRootCmd()
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetArgs(append(c.args, "--credentials", filepath.Join(t.TempDir(), "none.json"), "--log", "-"))
		err := cmd.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	if !isLoopbackURL("http://127.0.0.1:8080") || !isLoopbackURL("http://localhost") || isLoopbackURL("https://meet.example.com") {
		t.Error("isLoopbackURL")
	}
}

// TestRunsAudio: the TUI and meet phone are started again for
// internal/sysmonpoll, one-shot commands are not.
func TestRunsAudio(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{nil, true},
		{[]string{"--server", "http://127.0.0.1:1"}, true},
		{[]string{"phone", "--in", "a.wav", "--out", "b.wav"}, true},
		{[]string{"--server", "http://127.0.0.1:1", "phone"}, true},
		{[]string{"chats", "--missed"}, false},
		{[]string{"login", "--email", "a@b"}, false},
	} {
		if got := runsAudio(newRootCmd(), c.args); got != c.want {
			t.Errorf("runsAudio(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}
