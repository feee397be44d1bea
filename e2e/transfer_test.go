package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/internal/simcaller"
)

// Tones of the transfer tests: the caller says 440 Hz, operator A
// (op@e2e.test) 1,000 Hz, operator B (op2@e2e.test) 1,500 Hz, the hold
// guidance 700 Hz.
const (
	toneCaller = 440
	toneA      = 1000
	toneB      = 1500
	toneHold   = 700
)

type callResult struct {
	res simcaller.Result
	err error
}

// transferCall starts a SIP caller (440 Hz for talkFor) to the open number
// and waits until operator A's auto-answering phone has it.
func transferCall(t *testing.T, ctx context.Context, m *meetd, from string, talkFor time.Duration) (api.Call, *client.Client, chan callResult) {
	t.Helper()
	caller, _ := simPhone(t, ctx, "127.0.0.1", from)
	done := make(chan callResult, 1)
	go func() {
		res, err := caller.Call(ctx, m.sip, openNumber, simcaller.CallPlan{Audio: audiotest.Tone(8000, toneCaller, 0.3, 8000), TalkFor: talkFor})
		done <- callResult{res, err}
	}()
	op := m.login(t, "op@e2e.test")
	for deadline := time.Now().Add(15 * time.Second); ; {
		live, err := op.Calls(ctx, true, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(live) == 1 && live[0].State == api.CallActive {
			return live[0], op, done
		}
		if time.Now().After(deadline) {
			t.Fatalf("operator A never answered: %+v", live)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// meetAs logs the meet CLI in as email and returns a runner of its commands.
func meetAs(t *testing.T, m *meetd, email string) func(args ...string) string {
	cred := filepath.Join(t.TempDir(), "c.json")
	run(t, bins.meet, "login", "--server", m.url, "--email", email, "--password", password, "--credentials", cred)
	return func(args ...string) string {
		t.Helper()
		return run(t, bins.meet, append(args, "--credentials", cred)...)
	}
}

// waitEvent waits until the chat's timeline holds n events of typ.
func waitEvent(t *testing.T, ctx context.Context, c *client.Client, chatID int64, typ api.EventType, n int) []api.Event {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		evs, err := c.ChatEvents(ctx, chatID)
		if err != nil {
			t.Fatal(err)
		}
		if countEvents(evs, typ) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("chat %d: %d %s events, want %d", chatID, countEvents(evs, typ), typ, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// segments counts, per frequency, the 100 ms windows of s (8 kHz) that carry it.
func windowsWith(w [][]bool, j int, from, to int) int {
	n := 0
	for i := max(from, 0); i < min(to, len(w)); i++ {
		if w[i][j] {
			n++
		}
	}
	return n
}

// TestBlindTransferBetweenMeetPhones: a SIP caller talks with operator A's
// `meet phone`; A runs `meet transfer CALL --staff op2@e2e.test`; only B's
// phone rings, auto-answers, and from then on the caller hears B and B
// hears the caller; A is out. The chat's assignee is B and its timeline
// records the transfer.
func TestBlindTransferBetweenMeetPhones(t *testing.T) {
	m := startMeetd(t)
	a, aOut := phone(t, m, "op@e2e.test", toneA, "--auto-answer")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	call, op, done := transferCall(t, ctx, m, "+819044440001", 12*time.Second)
	b, bOut := phone(t, m, "op2@e2e.test", toneB, "--auto-answer") // online only now: A had the call alone
	time.Sleep(time.Second)                                        // A and the caller talk
	meetA := meetAs(t, m, "op@e2e.test")
	if out := meetA("transfer", fmt.Sprint(call.ID), "--staff", "op2@e2e.test"); !strings.Contains(out, "transferred blind") {
		t.Fatalf("meet transfer: %s", out)
	}
	evs := waitEvent(t, ctx, op, call.ChatID, api.EvCallTransferred, 1)
	var started, transferred time.Time
	for _, e := range evs {
		switch e.Type {
		case api.EvCallTransferStarted:
			started = e.At
		case api.EvCallTransferred:
			transferred = e.At
		}
	}
	t.Logf("blind transfer: call.transfer_started → call.transferred %v (meetd's event times: ring over the WebSocket, B's meet phone auto-accepts; real sockets, loaded machine)", transferred.Sub(started))
	r := <-done
	if r.err != nil || !r.res.Answered {
		t.Fatalf("call: %v %+v", r.err, r.res.Status)
	}
	w := tones(audio.PCM16(r.res.Recorded), toneA, toneB)
	firstB := -1
	for i, x := range w {
		if x[1] && firstB < 0 {
			firstB = i
		}
	}
	aBefore, bAfter, aAfter := windowsWith(w, 0, 0, firstB), windowsWith(w, 1, firstB, len(w)), windowsWith(w, 0, firstB, len(w))
	t.Logf("caller's 100 ms windows: A %d before B from window %d, then B %d, A %d", aBefore, firstB, bAfter, aAfter)
	if firstB < 0 || aBefore < 5 || bAfter < 30 || aAfter > 2 {
		t.Fatal("the caller did not hear A, then B alone")
	}
	time.Sleep(300 * time.Millisecond)
	a.stop()
	b.stop()
	if n := windowsWith(tones(readWAV(t, bOut), toneCaller), 0, 0, 1<<30); n < 30 {
		t.Errorf("B heard the caller in %d windows only", n)
	}
	if n := windowsWith(tones(readWAV(t, aOut), toneCaller), 0, 0, 1<<30); n < 5 {
		t.Errorf("A heard the caller in %d windows only", n)
	}
	final, err := op.Call(ctx, call.ID)
	if err != nil || final.AssigneeID == nil || final.Answered == nil || final.MissedReason != "" {
		t.Fatalf("call %+v %v", final, err)
	}
	chat, err := op.Chat(ctx, call.ChatID)
	if err != nil || chat.AssigneeID == nil || *chat.AssigneeID != *final.AssigneeID || *chat.AssigneeID == *call.AssigneeID {
		t.Fatalf("chat assignee %v, call assignee %v (A was %v): %v", chat.AssigneeID, final.AssigneeID, call.AssigneeID, err)
	}
	sv := m.login(t, "sv@e2e.test")
	st, err := sv.Stats(ctx, api.StatsQuery{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), Interval: "day"})
	if err != nil || st.Total.Transfers != 1 || final.Transfers != 1 {
		t.Fatalf("stats transfers %d, call transfers %d (%v)", st.Total.Transfers, final.Transfers, err)
	}
}

// TestAttendedTransferCancelThenComplete: operator A consults B about the
// caller (`meet transfer CALL --staff op2 --attended`): the caller hears the
// hold guidance, not A or B; A cancels and the caller talks with A again;
// A consults B again and completes: the caller and B hear each other.
func TestAttendedTransferCancelThenComplete(t *testing.T) {
	m := startMeetd(t)
	m.admin(t, "guidance", "set", "--channel", "support", "--kind", "hold", toneWAV(t, toneHold, 2*time.Second))
	a, aOut := phone(t, m, "op@e2e.test", toneA, "--auto-answer")
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Second)
	defer cancel()
	call, op, done := transferCall(t, ctx, m, "+819044440002", 22*time.Second)
	b, bOut := phone(t, m, "op2@e2e.test", toneB, "--auto-answer")
	meetA := meetAs(t, m, "op@e2e.test")
	id := fmt.Sprint(call.ID)
	consult := func(n int) {
		if out := meetA("transfer", id, "--staff", "op2@e2e.test", "--attended"); !strings.Contains(out, "consulting") {
			t.Fatalf("meet transfer --attended: %s", out)
		}
		waitEvent(t, ctx, op, call.ChatID, api.EvCallConsultAnswered, n)
		time.Sleep(2 * time.Second) // A and B talk; the caller is on hold
	}
	time.Sleep(time.Second)
	consult(1)
	if out := meetA("transfer", id, "--cancel"); !strings.Contains(out, "cancelled") {
		t.Fatalf("meet transfer --cancel: %s", out)
	}
	time.Sleep(3 * time.Second) // back with A
	consult(2)
	if out := meetA("transfer", id, "--complete"); !strings.Contains(out, "transferred") {
		t.Fatalf("meet transfer --complete: %s", out)
	}
	r := <-done
	if r.err != nil || !r.res.Answered {
		t.Fatalf("call: %v %+v", r.err, r.res.Status)
	}
	w := tones(audio.PCM16(r.res.Recorded), toneA, toneB, toneHold)
	// The caller hears: A, hold, A, hold, B.
	var holds [][2]int // runs of hold windows
	for i, x := range w {
		if x[2] {
			if n := len(holds); n > 0 && i-holds[n-1][1] <= 5 {
				holds[n-1][1] = i
			} else {
				holds = append(holds, [2]int{i, i})
			}
		}
	}
	t.Logf("caller's hold runs (100 ms windows): %v of %d", holds, len(w))
	if len(holds) != 2 {
		t.Fatalf("want two holds (two consults), got %v", holds)
	}
	h1, h2 := holds[0], holds[1]
	aFirst, aBetween := windowsWith(w, 0, 0, h1[0]), windowsWith(w, 0, h1[1]+1, h2[0])
	bDuring := windowsWith(w, 1, h1[0], h2[1]+1) + windowsWith(w, 0, h1[0]+2, h1[1]-1) + windowsWith(w, 0, h2[0]+2, h2[1]-1)
	bAfter, aAfter := windowsWith(w, 1, h2[1]+1, len(w)), windowsWith(w, 0, h2[1]+3, len(w))
	t.Logf("caller heard: A %d, [hold], A %d after cancel, [hold], B %d after complete (A %d after, A or B %d during holds)", aFirst, aBetween, bAfter, aAfter, bDuring)
	if aFirst < 5 || aBetween < 15 || bAfter < 30 || aAfter > 2 || bDuring > 4 {
		t.Fatal("the caller did not hear A → hold → A → hold → B")
	}
	time.Sleep(300 * time.Millisecond)
	a.stop()
	b.stop()
	bHeard := tones(readWAV(t, bOut), toneCaller, toneA)
	if n := windowsWith(bHeard, 0, 0, len(bHeard)); n < 30 {
		t.Errorf("B heard the caller in %d windows only", n)
	}
	if n := windowsWith(bHeard, 1, 0, len(bHeard)); n < 15 {
		t.Errorf("B heard A in the consults in %d windows only", n)
	}
	if n := windowsWith(tones(readWAV(t, aOut), toneCaller), 0, 0, 1<<30); n < 30 {
		t.Errorf("A heard the caller in %d windows only (before the first consult and after the cancel)", n)
	}
	evs := waitEvent(t, ctx, op, call.ChatID, api.EvCallTransferred, 1)
	if countEvents(evs, api.EvCallTransferCancelled) != 1 || countEvents(evs, api.EvCallTransferStarted) != 2 {
		t.Fatalf("timeline: %d cancelled, %d started", countEvents(evs, api.EvCallTransferCancelled), countEvents(evs, api.EvCallTransferStarted))
	}
	final, err := op.Call(ctx, call.ID)
	if err != nil || final.AssigneeID == nil || *final.AssigneeID == *call.AssigneeID || final.HeldS < 3 {
		t.Fatalf("call %+v %v", final, err)
	}
}

// TestExternalTransferBridgesTwoTrunkCalls: operator A passes a SIP caller
// on to an outside number (`meet transfer CALL --number N`, blind); meetd
// dials it through the outbound trunk (a second SIP endpoint answering
// with 1,500 Hz) and bridges the two trunk calls in the call's room: the
// caller and the outside party hear each other, A is out. When the outside
// party hangs up, the call ends.
func TestExternalTransferBridgesTwoTrunkCalls(t *testing.T) {
	const outside = "+819055550000"
	target, err := simcaller.New("127.0.0.1", outside)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	target.OnCall(func(from, to string) (simcaller.AnswerPlan, bool) {
		return simcaller.AnswerPlan{Delay: 300 * time.Millisecond, Audio: audiotest.Tone(8000, toneB, 0.3, 8000), TalkFor: 4 * time.Second}, to == outside
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	uas, err := target.ServeUDP(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := startMeetd(t, "--outbound-proxy", uas.String(), "--outbound-caller-id", openNumber)
	a, _ := phone(t, m, "op@e2e.test", toneA, "--auto-answer")
	call, op, done := transferCall(t, ctx, m, "+819044440003", 8*time.Second)
	time.Sleep(time.Second)
	meetA := meetAs(t, m, "op@e2e.test")
	if out := meetA("transfer", fmt.Sprint(call.ID), "--number", outside); !strings.Contains(out, "transferred blind") {
		t.Fatalf("meet transfer --number: %s", out)
	}
	r := <-done
	if r.err != nil || !r.res.Answered {
		t.Fatalf("call: %v %+v", r.err, r.res.Status)
	}
	for deadline := time.Now().Add(5 * time.Second); len(target.Answered()) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the outside number was never called")
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := target.Answered()[0]
	w := tones(audio.PCM16(r.res.Recorded), toneA, toneB)
	firstB := -1
	for i, x := range w {
		if x[1] && firstB < 0 {
			firstB = i
		}
	}
	heard := windowsWith(tones(audio.PCM16(got.Recorded), toneCaller), 0, 0, 1<<30)
	t.Logf("caller: A %d windows, the outside party %d from window %d (A after: %d); the outside party heard the caller in %d windows",
		windowsWith(w, 0, 0, firstB), windowsWith(w, 1, firstB, len(w)), firstB, windowsWith(w, 0, firstB, len(w)), heard)
	if firstB < 0 || windowsWith(w, 0, 0, firstB) < 5 || windowsWith(w, 1, firstB, len(w)) < 25 || windowsWith(w, 0, firstB, len(w)) > 2 || heard < 25 {
		t.Fatal("the caller and the outside number did not hear each other (and only each other) after the transfer")
	}
	a.stop()
	evs := waitEvent(t, ctx, op, call.ChatID, api.EvCallTransferred, 1)
	var d api.TransferEvent
	for _, e := range evs {
		if e.Type == api.EvCallTransferred {
			json.Unmarshal(e.Data, &d)
		}
	}
	if d.To.Number != outside {
		t.Fatalf("transferred to %+v", d.To)
	}
	final, err := op.Call(ctx, call.ID)
	// The outside party hung up first (after 4 s): meetd ended the call and
	// hung up the caller (simcaller, as the calling side, answers that BYE
	// with 481 and plays on: its own hang-up is not the measure here).
	if err != nil || final.State != api.CallEnded || final.MissedReason != "" || !strings.Contains(final.EndDetail, "transfer target hung up") {
		t.Fatalf("call %+v %v", final, err)
	}
}

// TestTUIAttendedTransferInTmux: operator A in the real TUI answers a SIP
// caller, presses K (consult), types B's address in the picker; B's
// `meet phone` answers the consult; the call bar says consulting; T
// completes the transfer: the TUI is out of the call, its timeline says who
// has the caller, and the caller hears B.
func TestTUIAttendedTransferInTmux(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m := startMeetd(t)
	u := startTUI(t, m, "op@e2e.test") // its microphone says 1,000 Hz
	u.waitFor("Inbox", "online")
	caller, _ := simPhone(t, ctx, "127.0.0.1", "+819044440004")
	done := make(chan callResult, 1)
	go func() {
		res, err := caller.Call(ctx, m.sip, openNumber, simcaller.CallPlan{Audio: audiotest.Tone(8000, toneCaller, 0.3, 8000), TalkFor: 14 * time.Second})
		done <- callResult{res, err}
	}()
	u.waitFor("Incoming call", "+819044440004")
	u.keys("a")
	u.waitFor("in call with")
	b, _ := phone(t, m, "op2@e2e.test", toneB, "--auto-answer")
	defer b.stop()
	u.keys("K")
	u.waitFor("consult, then transfer")
	u.typeText("op2@e2e.test")
	u.keys("Enter")
	u.waitFor("consulting")
	op := m.login(t, "op@e2e.test")
	live, err := op.Calls(ctx, true, 0)
	if err != nil || len(live) != 1 {
		t.Fatalf("live calls %+v %v", live, err)
	}
	waitEvent(t, ctx, op, live[0].ChatID, api.EvCallConsultAnswered, 1)
	u.keys("T") // the flash "call transferred" gives way to "out of the call" at once: the timeline says it
	u.waitFor("transfer done: the caller is with op2")
	r := <-done
	if r.err != nil || !r.res.Answered {
		t.Fatalf("call: %v %+v", r.err, r.res.Status)
	}
	rec := audio.PCM16(r.res.Recorded)
	if len(rec) < 16000 || audiotest.ToneWindows(rec[len(rec)-16000:], 8000, toneB) < 5 || audiotest.ToneWindows(rec[len(rec)-16000:], 8000, toneA) > 1 {
		t.Fatal("the caller does not hear B (alone) after the TUI completed the transfer")
	}
}

// TestBlindTransferRecalledToOperator: operator A blind-transfers the caller
// to B, whose `meet phone` rings but nobody answers (no --auto-answer); at
// the ring timeout (3 s here) the call is recalled: A's phone rings again,
// answers, and the caller hears A again, not silence or a hang-up. No
// transfer is counted; the timeline says it was recalled.
func TestBlindTransferRecalledToOperator(t *testing.T) {
	m := startMeetd(t)
	a, _ := phone(t, m, "op@e2e.test", toneA, "--auto-answer")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	call, op, done := transferCall(t, ctx, m, "+819044440009", 14*time.Second)
	b, _ := phone(t, m, "op2@e2e.test", toneB) // rings, never answers
	time.Sleep(time.Second)
	meetA := meetAs(t, m, "op@e2e.test")
	if out := meetA("transfer", fmt.Sprint(call.ID), "--staff", "op2@e2e.test"); !strings.Contains(out, "transferred blind") {
		t.Fatalf("meet transfer: %s", out)
	}
	evs := waitEvent(t, ctx, op, call.ChatID, api.EvCallTransferFailed, 1)
	var recalled, back time.Time
	for _, e := range evs {
		var d api.TransferEvent
		_ = json.Unmarshal(e.Data, &d)
		switch {
		case e.Type == api.EvCallTransferRecalled:
			recalled = e.At
		case e.Type == api.EvCallTransferFailed && d.Reason == api.TransferRecalled:
			back = e.At
		case e.Type == api.EvCallTransferred:
			t.Fatalf("a recalled call counted as transferred: %+v", e)
		}
	}
	if recalled.IsZero() || back.IsZero() {
		t.Fatalf("timeline without the recall and its answer: %+v", evs)
	}
	t.Logf("recall rang A at %v, A took the call back %v later", recalled.Format(time.TimeOnly), back.Sub(recalled))
	r := <-done
	if r.err != nil || !r.res.Answered {
		t.Fatalf("call: %v %+v", r.err, r.res.Status)
	}
	w := tones(audio.PCM16(r.res.Recorded), toneA, toneB)
	// The caller hears A, then (during the transfer) neither, then A again.
	gap, lastA, againA := -1, -1, 0
	for i, x := range w {
		if x[0] {
			if gap >= 0 {
				againA++
			}
			lastA = i
		} else if lastA >= 0 && gap < 0 && i-lastA > 20 {
			gap = i
		}
	}
	t.Logf("caller's 100 ms windows: A until %d, a gap from %d, A again in %d, B in %d", lastA, gap, againA, windowsWith(w, 1, 0, len(w)))
	if gap < 0 || againA < 10 || windowsWith(w, 1, 0, len(w)) > 2 {
		t.Fatal("the caller did not hear A, the transfer's wait, then A again (and never B)")
	}
	a.stop()
	b.stop()
	final, err := op.Call(ctx, call.ID)
	if err != nil || final.Transfers != 0 || final.AssigneeID == nil || *final.AssigneeID != *call.AssigneeID || final.MissedReason != "" {
		t.Fatalf("call %+v %v", final, err)
	}
}
