package telephony_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/internal/simcaller"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/softphone"
)

type member struct {
	c     *client.Client
	id    int64
	st    *client.Stream
	phone *softphone.Phone
	out   string
}

func connect(t *testing.T, ctx context.Context, st *stack, email string, freq float64) *member {
	t.Helper()
	m := &member{c: client.New(st.url)}
	me, err := m.c.Login(ctx, email, "password-1")
	if err != nil {
		t.Fatal(err)
	}
	m.id = me.Staff.ID
	m.st = m.c.Stream(ctx, 0)
	for s := range m.st.Status() {
		if s.State == client.Connected {
			break
		}
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "mic.wav")
	m.out = filepath.Join(dir, "speaker.wav")
	writeTone(t, in, freq)
	if m.phone, err = softphone.New(m.st, softphone.WithLoopbackICE(), softphone.WithInputWAV(in), softphone.WithOutputWAV(m.out), softphone.WithDenoise(false)); err != nil {
		t.Fatal(err)
	}
	if err := m.phone.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for !st.tel.Rooms.Online(m.id) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	return m
}

// heard closes the phone and reads what its speaker played.
func (m *member) heard(t *testing.T) audio.PCM16 {
	m.phone.Close()
	m.st.Close()
	f, err := os.Open(m.out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := audio.ReadWAV(f)
	if err != nil {
		t.Fatal(err)
	}
	return audio.Resample(w.Samples, w.Rate, 8000)
}

// TestSupervisorModes: caller 440 Hz, operator 1000 Hz, supervisor 2000 Hz.
// listen: nobody hears the supervisor; whisper: only the operator does; in
// every mode the supervisor hears both others.
func TestSupervisorModes(t *testing.T) {
	for _, mode := range []api.JoinMode{api.ModeListen, api.ModeWhisper, api.ModeBarge} {
		t.Run(string(mode), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			st := startStack(t, ctx, func(tx store.Tx) error {
				if err := seedOperator("op@example.com")(tx); err != nil {
					return err
				}
				hash, _ := inbox.HashPassword("password-1")
				ch, _ := tx.ChannelByName("support")
				sv := api.Staff{Email: "sv@example.com", Role: api.RoleSupervisor, Channels: []int64{ch.ID}}
				return tx.CreateStaff(&sv, hash)
			})
			op := connect(t, ctx, st, "op@example.com", 1000)
			sv := connect(t, ctx, st, "sv@example.com", 2000)
			go func() {
				for ev := range op.st.Events() {
					if ev.Type == api.EvCallRinging && ev.StaffID == op.id {
						res, err := op.c.Accept(ctx, ev.CallID)
						if err != nil {
							t.Errorf("accept: %v", err)
							return
						}
						op.phone.Joined(res)
						time.Sleep(300 * time.Millisecond)
						// A supervisor who tries to whisper without the role is refused elsewhere (httpapi tests); here the supervisor joins.
						jr, err := sv.c.Join(ctx, ev.CallID, mode)
						if err != nil {
							t.Errorf("join %s: %v", mode, err)
							return
						}
						sv.phone.Joined(jr)
						return
					}
				}
			}()
			caller, _ := simcaller.New("127.0.0.1", "+819077778888")
			defer caller.Close()
			if _, err := caller.ServeUDP(ctx, "127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			res, err := caller.Call(ctx, st.sip, number, simcaller.CallPlan{Audio: tone8k(440), TalkFor: 5 * time.Second})
			if err != nil || !res.Answered {
				t.Fatalf("call: %v %+v", err, res.Status)
			}
			tail := func(s []int16) audio.PCM16 { // the last 2.5 s, when everyone is in
				if n := 20000; len(s) > n {
					return s[len(s)-n:]
				}
				return s
			}
			callerHeard := tail(res.Recorded)
			opHeard, svHeard := tail(op.heard(t)), tail(sv.heard(t))
			hears := func(s audio.PCM16, hz float64) bool { return audiotest.ToneWindows(s, 8000, hz) >= 2 }
			if !hears(svHeard, 440) || !hears(svHeard, 1000) {
				t.Errorf("supervisor does not hear caller and operator")
			}
			if !hears(opHeard, 440) || !hears(callerHeard, 1000) {
				t.Errorf("caller and operator do not hear each other")
			}
			want := map[api.JoinMode][2]bool{api.ModeListen: {false, false}, api.ModeWhisper: {true, false}, api.ModeBarge: {true, true}}[mode]
			opSV, callerSV := audiotest.ToneWindows(opHeard, 8000, 2000), audiotest.ToneWindows(callerHeard, 8000, 2000)
			ok := func(windows int, expect bool) bool { return (expect && windows >= 2) || (!expect && windows == 0) }
			if !ok(opSV, want[0]) || !ok(callerSV, want[1]) {
				t.Errorf("%s: supervisor's tone in %d windows of the operator's audio (want heard %v) and %d of the caller's (want heard %v)",
					mode, opSV, want[0], callerSV, want[1])
			}
		})
	}
}
