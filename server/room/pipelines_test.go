package room

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/recording"
)

// testPeerLeg is a staff leg with a connection-less peer sending codec,
// its send pipelines built as negotiation builds them.
func testPeerLeg(t *testing.T, m *Manager, id int64, send, last codecKind) *staffLeg {
	t.Helper()
	p := &peer{pts: map[uint8]codecKind{0: codecPCMU, 111: codecOpus}, send: send, lastCodec: last,
		jb: newJitter(2), lastN: 960, newDe: m.newDecoder}
	if err := p.buildSends(m.newOpusEncoder); err != nil {
		t.Fatal(err)
	}
	capab := opusCap
	if send == codecPCMU {
		capab = pcmuCap
	}
	var err error
	if p.track, err = webrtc.NewTrackLocalStaticSample(capab, "audio", "test"); err != nil {
		t.Fatal(err)
	}
	return &staffLeg{id: id, log: m.log, cur: p}
}

// Each direction of a staff leg and of the two-party fast path, as wired
// for the operator's codec and what the operator hears.
func TestPipelines(t *testing.T) {
	m := newTestManager(t)
	for _, tc := range []struct {
		name            string
		send, last      codecKind
		narrow          bool
		receive, sendTo string
	}{
		{"opus, full mix", codecOpus, codecOpus, false,
			"Track -> Jitter -> Opus(48000, decode) -> Mixer(48000)", "Mixer(48000) -> Opus(48000, encode) -> Track"},
		{"opus, hears only the caller", codecOpus, codecOpus, true,
			"Track -> Jitter -> Opus(48000, decode) -> Mixer(48000)",
			"Mixer(48000) -> Resample(48000->8000) -> Opus(8000, encode) -> Track"},
		{"pcmu", codecPCMU, codecPCMU, true,
			"Track -> Jitter -> PCMU(decode) -> Resample(8000->48000) -> Mixer(48000)",
			"Mixer(48000) -> Resample(48000->8000) -> PCMU(encode) -> Track"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testPeerLeg(t, m, 1, tc.send, tc.last)
			s.narrow.Store(tc.narrow)
			want := "receive: " + tc.receive + "; send: " + tc.sendTo
			if got := s.String(); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
	cl, op := newCallerLeg(newFakeCaller(440)), testPeerLeg(t, m, 2, codecOpus, codecOpus)
	to, back, ok := cl.pair.pipelines(cl, op, op.cur)
	if !ok || to != "Trunk(8000) -> Band(8000) -> Opus(8000, encode) -> Track" ||
		back != "Track -> Jitter -> Opus(8000, decode) -> Delay(8) -> Trunk(8000)" {
		t.Errorf("fast path: %s | %s", to, back)
	}
	if (&staffLeg{}).String() != "no peer" {
		t.Error("a leg without a peer")
	}
}

// The whole room's pipelines as a call grows: the caller alone with
// guidance, a G.711 caller with an Opus operator (two-party fast path), a
// supervisor listening, whispering, barging, a G.711 operator, a recording.
func TestRoomPipelines(t *testing.T) {
	m := newTestManager(t)
	const call = 1
	if err := m.OpenRoom(call); err != nil {
		t.Fatal(err)
	}
	if err := m.SetCaller(call, newFakeCaller(440)); err != nil {
		t.Fatal(err)
	}
	op := testPeerLeg(t, m, 7, codecOpus, codecOpus)
	sup := testPeerLeg(t, m, 8, codecOpus, codecOpus)
	g711op := testPeerLeg(t, m, 9, codecPCMU, codecPCMU)
	m.mu.Lock()
	m.staff[7], m.staff[8], m.staff[9] = op, sup, g711op
	m.mu.Unlock()

	const (
		callerLines = "caller receive: Trunk(8000) -> Resample(8000->48000) -> Mixer(48000)\n" +
			"caller send: Mixer(48000) -> Resample(48000->8000) -> Trunk(8000)\n"
		opusRecv   = "Track -> Jitter -> Opus(48000, decode) -> Mixer(48000)"
		opusSend   = "Mixer(48000) -> Opus(48000, encode) -> Track"
		opusSend8  = "Mixer(48000) -> Resample(48000->8000) -> Opus(8000, encode) -> Track"
		guidance   = "guidance: Guidance(48000) -> Mixer(48000) (the caller only)\n"
		noFastPath = "fast path: none\n"
	)
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"caller alone", func() error { return nil }, callerLines + guidance +
			"fast path: one-party: caller: Trunk(8000) -> Drain; guidance: Guidance(8000) -> Trunk(8000)\n"},
		{"opus operator", func() error { return m.Attach(call, 7, api.ModeTalk) }, callerLines +
			"staff:7 talk receive: " + opusRecv + "\nstaff:7 talk send: " + opusSend8 + "\n" + guidance +
			"fast path: two-party: to the operator: Trunk(8000) -> Band(8000) -> Opus(8000, encode) -> Track; " +
			"to the caller: Track -> Jitter -> Opus(8000, decode) -> Delay(8) -> Trunk(8000)\n"},
		{"supervisor listens", func() error { return m.Attach(call, 8, api.ModeListen) }, callerLines +
			"staff:7 talk receive: " + opusRecv + "\nstaff:7 talk send: " + opusSend8 + "\n" +
			"staff:8 listen receive: Track -> Drop (listening)\nstaff:8 listen send: " + opusSend + "\n" + guidance + noFastPath},
		{"supervisor whispers", func() error { return m.Attach(call, 8, api.ModeWhisper) }, callerLines +
			"staff:7 talk receive: " + opusRecv + "\nstaff:7 talk send: " + opusSend + "\n" +
			"staff:8 whisper receive: " + opusRecv + " (the talk legs only)\nstaff:8 whisper send: " + opusSend + "\n" + guidance + noFastPath},
		{"supervisor barges", func() error { return m.Attach(call, 8, api.ModeBarge) }, callerLines +
			"staff:7 talk receive: " + opusRecv + "\nstaff:7 talk send: " + opusSend + "\n" +
			"staff:8 barge receive: " + opusRecv + "\nstaff:8 barge send: " + opusSend + "\n" + guidance + noFastPath},
		{"g711 operator alone", func() error { m.Detach(call, 7); m.Detach(call, 8); return m.Attach(call, 9, api.ModeTalk) }, callerLines +
			"staff:9 talk receive: Track -> Jitter -> PCMU(decode) -> Resample(8000->48000) -> Mixer(48000)\n" +
			"staff:9 talk send: Mixer(48000) -> Resample(48000->8000) -> PCMU(encode) -> Track\n" + guidance +
			"fast path: two-party: to the operator: Trunk(8000) -> Band(8000) -> PCMU(encode) -> Track; " +
			"to the caller: Track -> Jitter -> PCMU(decode) -> Resample(8000->48000) -> Resample(48000->8000) -> Trunk(8000)\n"},
		{"recording", func() error {
			return m.StartRecording(call, RecordSpec{Path: filepath.Join(t.TempDir(), "rec.wav"), Options: recording.Options{}}, nil)
		}, callerLines +
			"staff:9 talk receive: Track -> Jitter -> PCMU(decode) -> Resample(8000->48000) -> Mixer(48000)\n" +
			"staff:9 talk send: Mixer(48000) -> Resample(48000->8000) -> PCMU(encode) -> Track\n" + guidance +
			"recorder: Mixer(48000) -> Resample(48000->8000) -> Limits(max 0s, silence 0s) -> WAV(8000)\n" + noFastPath},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		lines, ok := m.Pipelines(call)
		if !ok {
			t.Fatal("no room")
		}
		got := strings.Join(lines, "\n") + "\n"
		if got != st.want {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", st.name, got, st.want)
		}
	}
	m.StopRecording(call)
}
