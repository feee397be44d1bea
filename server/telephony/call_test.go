package telephony_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/internal/simcaller"
	"github.com/meet-dev/meet/server"
	"github.com/meet-dev/meet/server/eventbus"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/room"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlite"
	"github.com/meet-dev/meet/server/telephony"
	"github.com/meet-dev/meet/server/trunk"
	"github.com/meet-dev/meet/softphone"
)

const number = "+81500000001"

type stack struct {
	srv *server.Server
	tel *telephony.Telephony
	url string
	sip string
}

// stackConfig is what a test may change of the parts startStack builds.
type stackConfig struct {
	Outbound *trunk.OutboundConfig // the trunk dials out through it
}

// startStack runs meetd in-process: SQLite, HTTP API, SIP trunk, rooms and
// the lifecycle, wired as cmd/meetd wires them, on 127.0.0.1 ports.
func startStack(t testing.TB, ctx context.Context, seed func(tx store.Tx) error, tweak ...func(*stackConfig)) *stack {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	st := &stack{}
	bus := eventbus.New()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "meetd.db"), sqlite.WithLogger(log), sqlite.WithOnCommit(bus.Publish))
	if err != nil {
		t.Fatal(err)
	}
	in := inbox.New(db, inbox.WithLogger(log))
	var cfg stackConfig
	for _, f := range tweak {
		f(&cfg)
	}
	rooms, guidance, tr := newPhone(t, db, log, cfg)
	tel, err := telephony.New(db, rooms, tr, log, telephony.WithPresenceRecorder(in.SetPresence))
	if err != nil {
		tr.Close()
		rooms.Close()
		db.Close()
		t.Fatal(err)
	}
	st.tel = tel
	srv, err := server.New(server.Config{HTTPAddr: "127.0.0.1:0"}, db, bus, in,
		server.WithLogger(log),
		server.WithCallControl(tel.Calls),
		server.WithSignaller(tel.Rooms),
		server.WithGuidanceStore(guidance),
		server.WithRunner(func(ctx context.Context) error {
			defer tel.Close()
			ch, cancel := bus.Subscribe(4096)
			defer cancel()
			for {
				select {
				case <-ctx.Done():
					return nil
				case ev, ok := <-ch:
					if !ok {
						return nil
					}
					tel.HandleEvents([]api.Event{ev})
				}
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Store().Update(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if err := st.tel.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("meetd did not stop")
		}
	})
	st.srv, st.url, st.sip = srv, srv.URL(), tr.Addr("udp").String()
	return st
}

// newPhone builds the rooms, their guidance store and the trunk as
// cmd/meetd's newPhone does for `meetd serve --sip 127.0.0.1:0
// --trunk-allow 127.0.0.0/8 --ice-loopback --rtp-timeout 10s`.
func newPhone(t testing.TB, st store.Store, log *slog.Logger, cfg stackConfig) (*room.Manager, *room.GuidanceStore, *trunk.Server) {
	t.Helper()
	guidance := func(channelID int64, kind api.GuidanceKind) ([]byte, error) {
		var pcm []byte
		err := st.View(context.Background(), func(tx store.Tx) (err error) { pcm, err = tx.Guidance(channelID, kind); return err })
		return pcm, err
	}
	rooms, err := room.New(room.WithLogger(log), room.WithGuidance(room.DefaultGuidance(guidance)), room.WithLoopbackICE())
	if err != nil {
		t.Fatal(err)
	}
	gs := room.NewGuidanceStore(st, room.WithStoreLogger(log),
		room.WithOnStored(func(channelID int64, kind api.GuidanceKind) { rooms.InvalidateGuidance(channelID, kind) }))
	topts := []trunk.Option{trunk.WithLogger(log), trunk.WithListen("127.0.0.1:0"), trunk.WithAllow("127.0.0.0/8"),
		trunk.WithRTPTimeout(10 * time.Second)}
	if cfg.Outbound != nil {
		topts = append(topts, trunk.WithOutbound(*cfg.Outbound))
	}
	tr, err := trunk.New(topts...)
	if err != nil {
		rooms.Close()
		t.Fatal(err)
	}
	return rooms, gs, tr
}

func seedOperator(email string) func(tx store.Tx) error {
	return func(tx store.Tx) error {
		ch := api.Channel{Name: "support", Timezone: "UTC", RingTimeoutS: 20, MaxWaitS: 20, Hours: api.Hours{AlwaysOpen: true}}
		if err := tx.CreateChannel(&ch); err != nil {
			return err
		}
		if err := tx.AddNumber(ch.ID, number); err != nil {
			return err
		}
		hash, err := inbox.HashPassword("password-1")
		if err != nil {
			return err
		}
		s := api.Staff{Email: email, Name: "Op", Role: api.RoleOperator, Channels: []int64{ch.ID}}
		return tx.CreateStaff(&s, hash)
	}
}

func writeTone(t testing.TB, path string, freq float64) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := audio.WriteWAV(f, 48000, audiotest.Tone(48000, freq, 0.3, 48000*2)); err != nil {
		t.Fatal(err)
	}
}

func tone8k(freq float64) []int16 { return audiotest.Tone(8000, freq, 0.3, 8000) }

// TestInboundCallAnsweredWithAudioBothWays is the whole phone path: a caller
// on real SIP/RTP (PCMU) rings a logged-in operator whose softphone (pion,
// Opus, DTLS-SRTP) accepts; the caller's 440 Hz reaches the operator and
// the operator's 1000 Hz reaches the caller.
func TestInboundCallAnsweredWithAudioBothWays(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st := startStack(t, ctx, seedOperator("op@example.com"))

	dir := t.TempDir()
	in, out := filepath.Join(dir, "mic.wav"), filepath.Join(dir, "speaker.wav")
	writeTone(t, in, 1000)
	c := client.New(st.url)
	me, err := c.Login(ctx, "op@example.com", "password-1")
	if err != nil {
		t.Fatal(err)
	}
	stream := c.Stream(ctx, 0)
	defer stream.Close()
	for s := range stream.Status() {
		if s.State == client.Connected {
			break
		}
	}
	phone, err := softphone.New(stream, softphone.WithLoopbackICE(), softphone.WithInputWAV(in), softphone.WithOutputWAV(out), softphone.WithDenoise(false))
	if err != nil {
		t.Fatal(err)
	}
	if err := phone.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for !st.tel.Rooms.Online(me.Staff.ID) {
		if ctx.Err() != nil {
			t.Fatal("softphone never came online")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The operator answers whatever rings for them.
	answered := make(chan api.JoinResult, 1)
	go func() {
		for ev := range stream.Events() {
			if ev.Type == api.EvCallRinging && ev.StaffID == me.Staff.ID {
				res, err := c.Accept(ctx, ev.CallID)
				if err != nil {
					t.Errorf("accept: %v", err)
					return
				}
				phone.Joined(res)
				answered <- res
				return
			}
		}
	}()

	caller, err := simcaller.New("127.0.0.1", "+819011112222")
	if err != nil {
		t.Fatal(err)
	}
	defer caller.Close()
	if _, err := caller.ServeUDP(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	res, err := caller.Call(ctx, st.sip, number, simcaller.CallPlan{Audio: tone8k(440), TalkFor: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Answered {
		t.Fatalf("call not answered: %+v", res.Status)
	}
	var join api.JoinResult
	select {
	case join = <-answered:
	case <-ctx.Done():
		t.Fatal("never rang")
	}
	heard := audio.PCM16(res.Recorded)
	if len(heard) > 8000 {
		heard = heard[len(heard)-16000:] // the last seconds: after answer
	}
	if audiotest.ToneWindows(heard, 8000, 1000) < 2 {
		t.Fatalf("caller did not hear the operator's 1000 Hz (%d samples)", len(res.Recorded))
	}
	phone.Left()
	if err := phone.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := audio.ReadWAV(f)
	if err != nil {
		t.Fatal(err)
	}
	if audiotest.ToneWindows(w.Samples, w.Rate, 440) < 2 {
		t.Fatalf("operator did not hear the caller's 440 Hz (%v recorded)", w.Duration())
	}
	// The API tells the story: answered by the operator, chat assigned.
	var call api.Call
	for {
		call, err = c.Call(ctx, join.Call.ID)
		if err != nil {
			t.Fatal(err)
		}
		if call.State == api.CallEnded || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if call.Answered == nil || call.AssigneeID == nil || *call.AssigneeID != me.Staff.ID || call.MissedReason != "" {
		t.Fatalf("call %+v", call)
	}
}
