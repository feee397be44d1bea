package room

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/meet-dev/meet/api"
)

const (
	callerTone  = 440.0
	staffTone   = 1000.0
	superTone   = 1500.0
	caller2Tone = 600.0
)

func testLogger() *slog.Logger {
	if os.Getenv("ROOM_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func newTestManager(t testing.TB, opts ...Option) *Manager {
	t.Helper()
	m, err := New(append([]Option{WithLoopbackICE(), WithLogger(testLogger())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// presenceFunc is a PresenceListener from a function.
type presenceFunc func(staffID int64, online bool)

func (f presenceFunc) PresenceChanged(staffID int64, online bool) { f(staffID, online) }

// listen gives m its presence listener (the lifecycle's part in meetd).
func listen(t testing.TB, m *Manager, fn func(staffID int64, online bool)) {
	t.Helper()
	if err := m.Listen(presenceFunc(fn)); err != nil {
		t.Fatal(err)
	}
	if err := m.Listen(presenceFunc(fn)); !errors.Is(err, ErrListening) {
		t.Fatalf("second Listen: %v, want ErrListening", err)
	}
}

func openWithCaller(t *testing.T, m *Manager, callID int64, freq float64) *fakeCaller {
	t.Helper()
	if err := m.OpenRoom(callID); err != nil {
		t.Fatal(err)
	}
	c := newFakeCaller(freq)
	if err := m.SetCaller(callID, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTwoWayAudioOpus(t *testing.T) {
	checkGoroutines(t)
	var presMu sync.Mutex
	var pres []bool
	var m *Manager
	m = newTestManager(t)
	listen(t, m, func(id int64, on bool) {
		// Calling back into the Manager from the callback must not deadlock.
		if m.Online(id) != on {
			t.Errorf("Online(%d) = %v inside the callback announcing %v", id, !on, on)
		}
		_, _ = m.StaffStats(id)
		presMu.Lock()
		pres = append(pres, on)
		presMu.Unlock()
	})
	cl := newClient(t, m, 1, staffTone, clientOpus, clientPCMU)
	waitOnline(t, m, 1, true)
	caller := openWithCaller(t, m, 100, callerTone)

	// Not attached: the caller hears nothing, the client gets no packets.
	time.Sleep(100 * time.Millisecond)
	if n := cl.packets.Load(); n != 0 {
		t.Fatalf("client received %d packets before Attach", n)
	}
	expectTones(t, "caller before attach", caller.rec, nil, []float64{staffTone})

	toCaller := caller.rec.arm(staffTone)
	toClient := cl.rec.arm(callerTone)
	t0 := time.Now()
	if err := m.Attach(100, 1, api.ModeTalk); err != nil {
		t.Fatal(err)
	}
	t1, t2 := waitHit(t, toCaller, "caller"), waitHit(t, toClient, "client")
	t.Logf("attach to two-way audio: staff->caller %v, caller->staff %v",
		t1.Sub(t0).Round(time.Millisecond), t2.Sub(t0).Round(time.Millisecond))

	expectTones(t, "caller", caller.rec, []float64{staffTone}, []float64{callerTone})
	expectTones(t, "client", cl.rec, []float64{callerTone}, []float64{staffTone})
	if !m.staff[1].narrow.Load() {
		t.Fatal("two-party call not sent narrowband")
	}
	if st, ok := m.StaffStats(1); !ok || st.Codec != "opus" || st.CallID != 100 || st.Mode != api.ModeTalk ||
		!st.Online || st.Received < 5 {
		t.Fatalf("staff stats %+v", st)
	}

	// Detach: the caller stops hearing the operator, the client stops
	// receiving packets.
	m.Detach(100, 1)
	time.Sleep(100 * time.Millisecond)
	expectTones(t, "caller after detach", caller.rec, nil, []float64{staffTone})
	n := cl.packets.Load()
	time.Sleep(100 * time.Millisecond)
	if got := cl.packets.Load(); got != n {
		t.Fatalf("client received %d packets while detached", got-n)
	}

	m.CloseRoom(100)
	cl.close()
	waitOnline(t, m, 1, false)
	// Online turns false just before the listener hears it: wait for the
	// announcement too.
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		presMu.Lock()
		n := len(pres)
		presMu.Unlock()
		if n >= 2 {
			break
		}
	}
	presMu.Lock()
	defer presMu.Unlock()
	if len(pres) != 2 || !pres[0] || pres[1] {
		t.Fatalf("presence events %v, want [true false]", pres)
	}
}

func waitHit(t *testing.T, ch <-chan time.Time, who string) time.Time {
	t.Helper()
	select {
	case at := <-ch:
		return at
	case <-time.After(5 * time.Second):
		t.Fatalf("%s never heard the other side", who)
	}
	return time.Time{}
}

func TestTwoWayAudioPCMUOnly(t *testing.T) {
	checkGoroutines(t)
	m := newTestManager(t)
	cl := newClient(t, m, 2, staffTone, clientPCMU)
	waitOnline(t, m, 2, true)
	caller := openWithCaller(t, m, 200, callerTone)
	if err := m.Attach(200, 2, api.ModeTalk); err != nil {
		t.Fatal(err)
	}
	expectTones(t, "caller", caller.rec, []float64{staffTone}, nil)
	expectTones(t, "client", cl.rec, []float64{callerTone}, []float64{staffTone})
	if st, _ := m.StaffStats(2); st.Codec != "pcmu" {
		t.Fatalf("send codec %s, want pcmu", st.Codec)
	}
}

// TestModes: an operator talks, a supervisor joins as listen, whisper and
// barge in turn; who hears whom follows the mode.
func TestModes(t *testing.T) {
	checkGoroutines(t)
	m := newTestManager(t)
	op := newClient(t, m, 1, staffTone, clientOpus, clientPCMU)
	sup := newClient(t, m, 2, superTone, clientOpus, clientPCMU)
	waitOnline(t, m, 1, true)
	waitOnline(t, m, 2, true)
	caller := openWithCaller(t, m, 300, callerTone)
	if err := m.Attach(300, 1, api.ModeTalk); err != nil {
		t.Fatal(err)
	}

	if err := m.Attach(300, 2, api.ModeListen); err != nil {
		t.Fatal(err)
	}
	expectTones(t, "listen: supervisor", sup.rec, []float64{callerTone, staffTone}, []float64{superTone})
	expectTones(t, "listen: caller", caller.rec, []float64{staffTone}, []float64{superTone, callerTone})
	expectTones(t, "listen: operator", op.rec, []float64{callerTone}, []float64{superTone, staffTone})
	if !m.staff[1].narrow.Load() || m.staff[2].narrow.Load() {
		t.Fatal("listen: operator should get narrowband (hears only the caller), supervisor wideband")
	}

	if err := m.Attach(300, 2, api.ModeWhisper); err != nil {
		t.Fatal(err)
	}
	expectTones(t, "whisper: operator", op.rec, []float64{callerTone, superTone}, []float64{staffTone})
	expectTones(t, "whisper: caller", caller.rec, []float64{staffTone}, []float64{superTone})
	expectTones(t, "whisper: supervisor", sup.rec, []float64{callerTone, staffTone}, []float64{superTone})

	if err := m.Attach(300, 2, api.ModeBarge); err != nil {
		t.Fatal(err)
	}
	if m.staff[1].narrow.Load() || m.staff[2].narrow.Load() {
		t.Fatal("barge: everyone should get wideband")
	}
	expectTones(t, "barge: caller", caller.rec, []float64{staffTone, superTone}, []float64{callerTone})
	expectTones(t, "barge: operator", op.rec, []float64{callerTone, superTone}, []float64{staffTone})
	expectTones(t, "barge: supervisor", sup.rec, []float64{callerTone, staffTone}, []float64{superTone})
}

// TestAttachMovesWithoutRenegotiation: one connection, two rooms; Attach
// moves the audio from one to the other on the same peer connection.
func TestAttachMovesWithoutRenegotiation(t *testing.T) {
	checkGoroutines(t)
	m := newTestManager(t)
	cl := newClient(t, m, 1, staffTone, clientOpus, clientPCMU)
	waitOnline(t, m, 1, true)
	pc := m.staff[1].cur
	serverSDP := pc.answer
	clientSDP := cl.pc.CurrentRemoteDescription().SDP
	pair := selectedPair(t, cl.pc)
	c1 := openWithCaller(t, m, 401, callerTone)
	c2 := openWithCaller(t, m, 402, caller2Tone)

	if err := m.Attach(401, 1, api.ModeTalk); err != nil {
		t.Fatal(err)
	}
	expectTones(t, "client in room 1", cl.rec, []float64{callerTone}, []float64{caller2Tone})
	expectTones(t, "caller 1", c1.rec, []float64{staffTone}, nil)

	if err := m.Attach(402, 1, api.ModeTalk); err != nil {
		t.Fatal(err)
	}
	expectTones(t, "client in room 2", cl.rec, []float64{caller2Tone}, []float64{callerTone})
	expectTones(t, "caller 2", c2.rec, []float64{staffTone}, nil)
	expectTones(t, "caller 1 after move", c1.rec, nil, []float64{staffTone})

	if m.staff[1].cur != pc {
		t.Fatal("the server side peer connection was replaced")
	}
	if pc.answer != serverSDP || cl.pc.CurrentRemoteDescription().SDP != clientSDP {
		t.Fatal("session descriptions changed")
	}
	if p := selectedPair(t, cl.pc); p != pair {
		t.Fatalf("ICE candidate pair changed: %s -> %s", pair, p)
	}
	if st := cl.pc.SignalingState(); st != webrtc.SignalingStateStable {
		t.Fatalf("client signaling state %s", st)
	}
	if st := cl.pc.ConnectionState(); st != webrtc.PeerConnectionStateConnected {
		t.Fatalf("client connection state %s", st)
	}
}

// TestReofferReplacesConnection: a softphone that reconnects with a new
// offer keeps its place in the room.
func TestReofferReplacesConnection(t *testing.T) {
	checkGoroutines(t)
	m := newTestManager(t)
	old := newClient(t, m, 1, staffTone, clientOpus, clientPCMU)
	waitOnline(t, m, 1, true)
	caller := openWithCaller(t, m, 500, callerTone)
	if err := m.Attach(500, 1, api.ModeTalk); err != nil {
		t.Fatal(err)
	}
	expectTones(t, "old client", old.rec, []float64{callerTone}, nil)

	const newTone = 1200.0
	fresh := newClient(t, m, 1, newTone, clientOpus, clientPCMU)
	waitOnline(t, m, 1, true)
	expectTones(t, "new client", fresh.rec, []float64{callerTone}, nil)
	expectTones(t, "caller hears the new connection", caller.rec, []float64{newTone}, []float64{staffTone})
	old.close()
	time.Sleep(100 * time.Millisecond)
	if !m.Online(1) {
		t.Fatal("closing the replaced connection took the staff member offline")
	}
}

func TestBadInput(t *testing.T) {
	checkGoroutines(t)
	m := newTestManager(t)
	ctx := context.Background()
	for name, sdp := range map[string]string{
		"garbage":    "hello",
		"empty":      "",
		"video only": "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n",
		"g722 only":  "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 9\r\na=rtpmap:9 G722/8000\r\n",
		"no ice":     "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n",
	} {
		if _, err := m.Offer(ctx, 9, sdp); api.CodeOf(err) != api.CodeBadRequest {
			t.Errorf("%s offer: %v, want bad_request", name, err)
		}
	}
	if m.Online(9) {
		t.Fatal("a rejected offer made staff 9 online")
	}
	if err := m.Attach(1, 9, api.ModeTalk); api.CodeOf(err) != api.CodeNotFound {
		t.Fatalf("attach to unknown room: %v", err)
	}
	if err := m.OpenRoom(1); err != nil {
		t.Fatal(err)
	}
	if err := m.OpenRoom(1); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if err := m.Attach(1, 9, api.ModeTalk); api.CodeOf(err) != api.CodeUnavailable {
		t.Fatalf("attach without softphone: %v", err)
	}
	if err := m.Attach(1, 9, "shout"); api.CodeOf(err) != api.CodeBadRequest {
		t.Fatalf("attach with bad mode: %v", err)
	}
	if err := m.SetCaller(2, newFakeCaller(440)); api.CodeOf(err) != api.CodeNotFound {
		t.Fatalf("caller for unknown room: %v", err)
	}
	m.Detach(1, 9)
	m.Detach(77, 9)
	m.StopGuidance(77)
	m.CloseRoom(77)
	m.CloseRoom(1)
	m.CloseRoom(1)
	_ = m.Close()
	if err := m.OpenRoom(2); api.CodeOf(err) != api.CodeUnavailable {
		t.Fatalf("open after Close: %v", err)
	}
}

func selectedPair(t *testing.T, pc *webrtc.PeerConnection) string {
	t.Helper()
	p, err := pc.GetSenders()[0].Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || p == nil {
		t.Fatalf("no selected ICE candidate pair: %v", err)
	}
	return p.String()
}

// MediaStats counts every operator stream the Manager has had: a
// connection's packets stay counted when a re-offer replaces it and when
// it is disconnected, so the sums only grow.
func TestMediaStatsOutliveConnections(t *testing.T) {
	m := newTestManager(t)
	old := newClient(t, m, 1, staffTone, clientOpus, clientPCMU)
	waitOnline(t, m, 1, true)
	openWithCaller(t, m, 500, callerTone)
	if err := m.Attach(500, 1, api.ModeTalk); err != nil {
		t.Fatal(err)
	}
	expectTones(t, "old client", old.rec, []float64{callerTone}, nil)
	deadline := time.Now().Add(5 * time.Second)
	for m.MediaStats().Played < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("operator packets received: %+v", m.MediaStats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	before := m.MediaStats()
	fresh := newClient(t, m, 1, 1200, clientOpus, clientPCMU)
	waitOnline(t, m, 1, true)
	replaced := m.MediaStats()
	if replaced.Played < before.Played || replaced.Concealed < before.Concealed {
		t.Fatalf("after the re-offer %+v, before %+v: the replaced connection's packets were forgotten", replaced, before)
	}
	old.close()
	expectTones(t, "new client", fresh.rec, []float64{callerTone}, nil)
	m.Disconnect(1)
	if after := m.MediaStats(); after.Played < replaced.Played {
		t.Fatalf("after disconnecting %+v, before %+v", after, replaced)
	}
}
