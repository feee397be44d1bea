package calls

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

func wantCode(t *testing.T, err error, code api.Code) {
	t.Helper()
	if err == nil || api.CodeOf(err) != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

// missed checks a call ended missed with reason and its chat was closed with it.
func missed(t *testing.T, e *env, id int64, reason api.MissedReason) api.Call {
	t.Helper()
	c := e.call(t, id)
	if c.State != api.CallEnded || c.MissedReason != reason || c.Answered != nil || c.Ended == nil {
		t.Fatalf("call %d: state %s reason %q answered %v ended %v; want ended, missed %s", id, c.State, c.MissedReason, c.Answered, c.Ended, reason)
	}
	ch := e.chat(t, c.ChatID)
	if ch.State != api.ChatClosed || !ch.Missed || ch.MissedReason != reason || ch.Closed == nil {
		t.Fatalf("chat %d: state %s missed %v reason %q; want closed and missed %s", ch.ID, ch.State, ch.Missed, ch.MissedReason, reason)
	}
	evs := e.events(t, id)
	if n := countType(evs, api.EvCallEnded); n != 1 {
		t.Fatalf("call.ended written %d times", n)
	}
	if e.state(id) != api.CallEnded {
		t.Fatalf("call %d still live", id)
	}
	return c
}

func TestOutOfHours(t *testing.T) {
	e := newEnv(t, newMemStore(), "", func(c *api.Channel) {
		c.Hours = api.Hours{Weekly: []api.Span{{Day: time.Wednesday, Start: "14:00", End: "18:00"}}} // t0 is 11:00 in Berlin
	})
	e.addStaff(t, "ann", api.RoleOperator)
	id := e.inbound(t, "+4915100")
	c := missed(t, e, id, api.ReasonNotInOperation)
	if !e.trunk.has(fmt.Sprintf("early %d", id)) || !e.media.has(fmt.Sprintf("play %d out-of-hours", id)) || !e.trunk.has(fmt.Sprintf("hangup %d", id)) {
		t.Errorf("want early media, out-of-hours guidance and a hang-up; trunk %v media %v", e.trunk.log, e.media.log)
	}
	if c.FirstRingStarted != nil || len(c.RingAttempts) != 0 {
		t.Errorf("an out-of-hours call rang: %+v", c)
	}
	el, err := e.m.CallEligibility(e.ctx, id)
	must(t, err)
	if el.InOperation || len(el.Eligible) != 1 || countType(e.events(t, id), api.EvCallEligibility) != 1 {
		t.Errorf("recorded eligibility of an out-of-hours call: %+v", el)
	}
	if !c.Created.Equal(t0) || !c.Ended.Equal(t0) {
		t.Errorf("timestamps created %v ended %v", c.Created, c.Ended)
	}
}

func TestRingAllAcceptAndHangup(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	e.settings(t, bob, func(s *api.Settings) { s.MuteOnJoin = true })
	e.media.hold = true
	id := e.inbound(t, "+4915100")
	if e.state(id) != api.CallGuidance || len(e.ringingFor(id)) != 0 {
		t.Fatalf("during the greeting: state %s ringing %v", e.state(id), e.ringingFor(id))
	}
	e.clock.Advance(3 * time.Second)
	e.media.finish(id)
	e.drain()
	if got := e.ringingFor(id); !slices.Equal(got, []int64{ann, bob}) {
		t.Fatalf("ringing %v, want both", got)
	}
	e.clock.Advance(4 * time.Second)
	e.media.setOnline(ann, false) // ann's softphone drops: she cannot answer
	_, err := e.m.Accept(e.ctx, ann, id)
	wantCode(t, err, api.CodeUnavailable)
	e.media.setOnline(ann, true)
	res, err := e.m.Accept(e.ctx, bob, id)
	must(t, err)
	e.drain()
	if !res.MuteOnJoin || res.Mode != api.ModeTalk || res.LeftCallID != nil || res.Call.State != api.CallActive {
		t.Errorf("join result %+v", res)
	}
	if _, err := e.m.Accept(e.ctx, ann, id); api.CodeOf(err) != api.CodeConflict {
		t.Errorf("second accept: %v, want conflict", err)
	}
	if !e.trunk.has(fmt.Sprintf("answer %d", id)) || e.media.attached[id][bob] != api.ModeTalk {
		t.Errorf("trunk %v media %v", e.trunk.log, e.media.log)
	}
	if len(e.ringingFor(id)) != 0 {
		t.Errorf("still ringing after accept: %v", e.ringingFor(id))
	}
	c := e.call(t, id)
	outcomes := map[int64]api.RingOutcome{}
	for _, a := range c.RingAttempts {
		outcomes[a.StaffID] = a.Outcome
	}
	if outcomes[bob] != api.RingAccepted || outcomes[ann] != api.RingCancelled {
		t.Errorf("ring outcomes %v", outcomes)
	}
	if ch := e.chat(t, c.ChatID); ch.AssigneeID == nil || *ch.AssigneeID != bob || ch.State != api.ChatOpened {
		t.Errorf("chat %+v, want opened and assigned to bob", ch)
	}
	e.clock.Advance(65 * time.Second)
	must(t, e.m.Hangup(e.ctx, bob, id))
	e.drain()
	c = e.call(t, id)
	if c.State != api.CallEnded || c.MissedReason != "" || c.DurationS != 65 {
		t.Errorf("ended call %+v", c)
	}
	for name, ts := range map[string]*time.Time{"first_waiting_started": c.FirstWaitingStarted, "first_ring_started": c.FirstRingStarted,
		"answered": c.Answered, "ended": c.Ended} {
		if ts == nil {
			t.Errorf("%s not set", name)
		}
	}
	if !c.FirstRingStarted.Equal(t0.Add(3*time.Second)) || !c.Answered.Equal(t0.Add(7*time.Second)) || !c.Ended.Equal(t0.Add(72*time.Second)) {
		t.Errorf("timestamps ring %v answered %v ended %v", c.FirstRingStarted, c.Answered, c.Ended)
	}
	if e.chat(t, c.ChatID).State != api.ChatOpened {
		t.Error("an answered call's chat must stay opened for the wrap-up")
	}
	if !e.trunk.has(fmt.Sprintf("hangup %d", id)) || !e.media.has(fmt.Sprintf("close %d", id)) {
		t.Errorf("no hang-up / room close: %v %v", e.trunk.log, e.media.log)
	}
	if err := e.m.Hangup(e.ctx, bob, id); api.CodeOf(err) != api.CodeInvalidTransition {
		t.Errorf("hang up an ended call: %v", err)
	}
}

func TestWaitThenNoOperator(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	e.settings(t, ann, func(s *api.Settings) { s.DND = true })
	id := e.inbound(t, "+4915100")
	if e.state(id) != api.CallWaiting {
		t.Fatalf("state %s, want waiting", e.state(id))
	}
	if !e.media.has(fmt.Sprintf("play %d wait", id)) {
		t.Errorf("no wait guidance: %v", e.media.log)
	}
	e.advance(119 * time.Second)
	if e.state(id) != api.CallWaiting {
		t.Fatalf("ended before max wait")
	}
	e.advance(time.Second)
	c := missed(t, e, id, api.ReasonNoOperator)
	if !c.FirstWaitingStarted.Equal(t0) {
		t.Errorf("first_waiting_started %v", c.FirstWaitingStarted)
	}
	el, err := e.m.CallEligibility(e.ctx, id)
	must(t, err)
	if len(el.NotEligible) != 1 || el.NotEligible[0].Reason != api.IneligibleDND {
		t.Errorf("recorded eligibility %+v", el)
	}
}

func TestWaitingCallReofferedInArrivalOrder(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	e.media.setOnline(ann, false)
	first := e.inbound(t, "+4915101")
	e.advance(time.Second)
	second := e.inbound(t, "+4915102")
	if e.state(first) != api.CallWaiting || e.state(second) != api.CallWaiting {
		t.Fatal("both calls should wait")
	}
	e.media.setOnline(ann, true) // the softphone connects
	e.m.HandleEvents([]api.Event{{Type: api.EvStaffPresence, StaffID: ann}})
	e.drain()
	if got := e.ringingFor(first); !slices.Equal(got, []int64{ann}) || len(e.ringingFor(second)) != 0 {
		t.Fatalf("first rings %v, second %v: the oldest call must be offered first", got, e.ringingFor(second))
	}
	_, err := e.m.Accept(e.ctx, ann, first)
	must(t, err)
	e.drain()
	must(t, e.m.Hangup(e.ctx, ann, first))
	e.drain()
	if got := e.ringingFor(second); !slices.Equal(got, []int64{ann}) {
		t.Fatalf("after the first call ended the second should ring ann, rings %v", got)
	}
}

func TestRingTimeoutAndDecline(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	id := e.inbound(t, "+4915100")
	must(t, e.m.Decline(e.ctx, ann, id))
	e.drain()
	if got := e.ringingFor(id); !slices.Equal(got, []int64{bob}) {
		t.Fatalf("after ann declined: ringing %v", got)
	}
	wantCode(t, e.m.Decline(e.ctx, ann, id), api.CodeInvalidTransition)
	e.advance(29 * time.Second)
	if e.state(id) != api.CallRinging {
		t.Fatal("ended before the ring timeout")
	}
	e.advance(time.Second)
	c := missed(t, e, id, api.ReasonRingTimeout)
	if len(c.RingAttempts) != 2 {
		t.Errorf("ring attempts %+v", c.RingAttempts)
	}
	for _, a := range c.RingAttempts {
		want := map[int64]api.RingOutcome{ann: api.RingDeclined, bob: api.RingTimedOut}[a.StaffID]
		if a.Outcome != want || a.Ended == nil {
			t.Errorf("attempt %+v, want %s", a, want)
		}
	}
}

func TestAllDeclineThenWait(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	id := e.inbound(t, "+4915100")
	must(t, e.m.Decline(e.ctx, ann, id))
	e.drain()
	if e.state(id) != api.CallWaiting {
		t.Fatalf("state %s, want waiting once everyone declined", e.state(id))
	}
	el, err := e.m.CallEligibility(e.ctx, id)
	must(t, err)
	if len(el.NotEligible) != 1 || el.NotEligible[0].Reason != api.IneligibleDeclined {
		t.Errorf("eligibility %+v", el)
	}
	e.advance(120 * time.Second)
	missed(t, e, id, api.ReasonNoOperator)
}

func TestCallerLeaves(t *testing.T) {
	for _, stage := range []string{"guidance", "waiting", "ringing"} {
		t.Run(stage, func(t *testing.T) {
			e := newEnv(t, newMemStore(), "", nil)
			ann := e.addStaff(t, "ann", api.RoleOperator)
			if stage == "waiting" {
				e.media.setOnline(ann, false)
			}
			e.media.hold = stage == "guidance"
			id := e.inbound(t, "+4915100")
			if e.state(id) != api.CallState(stage) {
				t.Fatalf("state %s", e.state(id))
			}
			e.m.CallerHungUp(id, "")
			e.drain()
			c := missed(t, e, id, api.ReasonUserLeft)
			if e.trunk.has(fmt.Sprintf("hangup %d", id)) {
				t.Error("hung up a call the caller already left")
			}
			if stage == "ringing" && (c.RingAttempts[0].Outcome != api.RingCancelled || len(e.ringingFor(id)) != 0) {
				t.Errorf("ring not cancelled: %+v", c.RingAttempts)
			}
			e.m.CallerHungUp(id, "") // late duplicate BYE
			e.drain()
			if n := countType(e.events(t, id), api.EvCallEnded); n != 1 {
				t.Errorf("call.ended %d times", n)
			}
			if e.media.finish(id) { // a guidance done arriving after the end changes nothing
				e.drain()
			}
		})
	}
}

func TestMediaTimeout(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	id := e.inbound(t, "+4915100")
	_, err := e.m.Accept(e.ctx, ann, id)
	must(t, err)
	e.advance(10 * time.Second)
	e.m.MediaTimeout(id)
	e.drain()
	c := e.call(t, id)
	if c.State != api.CallEnded || c.MissedReason != "" || c.EndDetail != "media timeout" || c.DurationS != 10 {
		t.Errorf("call %+v", c)
	}
	if !e.trunk.has(fmt.Sprintf("hangup %d", id)) {
		t.Error("media timeout must hang up the trunk side")
	}
}

func TestAnswerFails(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	id := e.inbound(t, "+4915100")
	e.trunk.AnswerErr = errors.New("dialog gone")
	_, err := e.m.Accept(e.ctx, ann, id)
	wantCode(t, err, api.CodeUnavailable)
	e.drain()
	missed(t, e, id, api.ReasonUserLeft)
	if e.m.inCall[ann] != 0 {
		t.Error("ann is still in the failed call")
	}
}

func TestNotAcceptingCalls(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	e.settings(t, ann, func(s *api.Settings) { s.UnassignedCallNotification = map[int64]bool{e.ch.ID: false} })
	id := e.inbound(t, "+4915100")
	missed(t, e, id, api.ReasonNoOperator)
	if !e.media.has(fmt.Sprintf("play %d not-accepting", id)) {
		t.Errorf("want the not-accepting guidance: %v", e.media.log)
	}
}

func TestUnknownNumberAndShutdown(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	_, err := e.m.Inbound(e.ctx, "+1", "+999")
	wantCode(t, err, api.CodeNotFound)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	id := e.inbound(t, "")
	if c := e.call(t, id); c.From != "anonymous" {
		t.Errorf("from %q", c.From)
	}
	_, err = e.m.Accept(e.ctx, ann, id)
	must(t, err)
	waiting := e.inbound(t, "+4915100")
	must(t, e.m.Close())
	if c := e.call(t, id); c.State != api.CallEnded || c.MissedReason != "" {
		t.Errorf("answered call after shutdown %+v", c)
	}
	missed(t, e, waiting, api.ReasonNoOperator)
	_, err = e.m.Inbound(e.ctx, "+1", e.ch.Numbers[0])
	wantCode(t, err, api.CodeUnavailable)
}

// A call that rang, went back to waiting and rings again after its first ring
// phase's deadline gets a fresh ring phase (found by the simulation: the
// member timer used to be armed with a deadline in the past).
func TestSecondRingPhase(t *testing.T) {
	e := newEnv(t, newMemStore(), api.StrategyLongestIdle, nil, WithMemberRingTimeout(10*time.Second))
	ann := e.addStaff(t, "ann", api.RoleOperator)
	id := e.inbound(t, "+4915100")
	e.advance(5 * time.Second)
	e.media.setOnline(ann, false)
	e.m.HandleEvents([]api.Event{{Type: api.EvStaffPresence, StaffID: ann}})
	e.drain()
	if e.state(id) != api.CallWaiting {
		t.Fatalf("state %s, want waiting", e.state(id))
	}
	e.advance(60 * time.Second) // past the first phase's ring deadline
	e.media.setOnline(ann, true)
	e.m.HandleEvents([]api.Event{{Type: api.EvStaffPresence, StaffID: ann}})
	e.drain()
	if got := e.ringingFor(id); len(got) != 1 || got[0] != ann {
		t.Fatalf("ringing %v", got)
	}
	e.advance(10 * time.Second) // ann's turn ends; she is rung again (second round)
	if got := e.ringingFor(id); len(got) != 1 {
		t.Fatalf("ringing %v after a member timeout", got)
	}
	e.advance(20 * time.Second)
	c := missed(t, e, id, api.ReasonRingTimeout)
	if !c.Ended.Equal(t0.Add(95 * time.Second)) {
		t.Errorf("ended %v, want 30 s after the second phase began", c.Ended)
	}
}

// Calls a crashed meetd left live in the store end when the next one starts.
func TestRecoverStaleCalls(t *testing.T) {
	st := newMemStore()
	e := newEnv(t, st, "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	ringing := e.inbound(t, "+4915100")
	answered := e.inbound(t, "+4915101")
	if _, err := e.m.Accept(e.ctx, bob, answered); err != nil {
		t.Fatal(err)
	}
	e.drain()
	// Simulate a crash: a second manager starts on the same store while the
	// first one's calls are still live there.
	// The first manager is gone for good: it must not end the calls again.
	e.m.mu.Lock()
	e.m.calls, e.m.closed = map[int64]*call{}, true
	e.m.mu.Unlock()
	m2 := New(st, &fakeTrunk{}, newFakeMedia(), WithClock(e.clock), WithLogger(slog.New(storeErrors{t: t})))
	defer m2.Close()
	m2.q.drain()
	rc := e.call(t, ringing)
	if rc.State != api.CallEnded || rc.MissedReason != api.ReasonNoOperator || rc.RingAttempts[0].Ended == nil {
		t.Errorf("stale ringing call %+v", rc)
	}
	if ch := e.chat(t, rc.ChatID); ch.State != api.ChatClosed || ch.MissedReason != api.ReasonNoOperator {
		t.Errorf("stale missed chat %+v", ch)
	}
	ac := e.call(t, answered)
	if ac.State != api.CallEnded || ac.MissedReason != "" || ac.Participants[0].Left == nil || ac.EndDetail != "meetd restarted" {
		t.Errorf("stale answered call %+v", ac)
	}
	_ = ann
}

func TestCloseLeaksNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 5 {
		m := New(newMemStore(), &fakeTrunk{}, newFakeMedia(), WithLogger(quietLogger()))
		must(t, m.Close())
		must(t, m.Close()) // idempotent
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines before, %d after closing managers", before, n)
	}
}

// A change nobody announced (here: dnd turned off straight in the database,
// as another process would) reaches a waiting call by the periodic recheck.
func TestRecheckWithoutEvents(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	e.settings(t, ann, func(s *api.Settings) { s.DND = true })
	id := e.inbound(t, "+4915100")
	if e.state(id) != api.CallWaiting {
		t.Fatalf("state %s", e.state(id))
	}
	must(t, e.st.Update(e.ctx, func(tx store.Tx) error { return tx.PutSettings(ann, api.Settings{}) }))
	e.advance(DefaultRecheckInterval - time.Second)
	if len(e.ringingFor(id)) != 0 {
		t.Fatal("rang before the recheck")
	}
	e.advance(time.Second)
	if got := e.ringingFor(id); !slices.Equal(got, []int64{ann}) {
		t.Fatalf("after the recheck: ringing %v", got)
	}
}

// Without a trunk and media (meetd without SIP) calls still end properly.
func TestNilTrunkAndMedia(t *testing.T) {
	st := newMemStore()
	e := newEnv(t, st, "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	m := New(st, nil, nil, WithClock(e.clock), WithLogger(quietLogger()))
	defer m.Close()
	id, err := m.Inbound(e.ctx, "+4915100", e.ch.Numbers[0])
	must(t, err)
	m.q.drain()
	if c, ok := m.Call(id); !ok || c.State != api.CallWaiting {
		t.Fatalf("call %+v: nobody's softphone is connected without media, want waiting", c)
	}
	_, err = m.Accept(e.ctx, ann, id)
	wantCode(t, err, api.CodeUnavailable)
	_, err = m.Dial(e.ctx, ann, 0, "+4930555")
	must(t, err) // the call is created, then fails at the trunk
	m.q.drain()
	e.clock.Advance(2 * time.Minute)
	m.q.drain()
	if len(m.LiveCalls()) != 0 {
		t.Errorf("live calls left: %+v", m.LiveCalls())
	}
}

// In a cluster a node ends only its own unfinished calls at start, and a
// survivor ends a dead node's calls with nodeLost.
func TestNodeLostCalls(t *testing.T) {
	st := newMemStore()
	e := newEnv(t, st, "", nil, WithNode("a"))
	e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	ringing := e.inbound(t, "+4915100")
	answered := e.inbound(t, "+4915101")
	if _, err := e.m.Accept(e.ctx, bob, answered); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if c := e.call(t, ringing); c.Node != "a" {
		t.Fatalf("call not stamped with its node: %+v", c)
	}
	b := New(st, &fakeTrunk{}, newFakeMedia(), WithNode("b"), WithClock(e.clock), WithLogger(slog.New(storeErrors{t: t})))
	defer b.Close()
	b.q.drain()
	if c := e.call(t, ringing); c.State == api.CallEnded {
		t.Fatalf("node b's start ended node a's live call: %+v", c)
	}
	if _, err := b.EndNodeCalls(e.ctx, "b"); api.CodeOf(err) != api.CodeBadRequest {
		t.Errorf("ending its own calls as lost: %v", err)
	}
	// a dies.
	e.m.mu.Lock()
	e.m.calls, e.m.closed = map[int64]*call{}, true
	e.m.mu.Unlock()
	n, err := b.EndNodeCalls(e.ctx, "a")
	if err != nil || n != 2 {
		t.Fatalf("EndNodeCalls = %d, %v; want 2", n, err)
	}
	b.q.drain()
	rc := e.call(t, ringing)
	if rc.State != api.CallEnded || rc.MissedReason != api.ReasonNodeLost || rc.EndDetail != "nodeLost" || rc.RingAttempts[0].Ended == nil {
		t.Errorf("lost ringing call %+v", rc)
	}
	if ch := e.chat(t, rc.ChatID); ch.State != api.ChatClosed || ch.MissedReason != api.ReasonNodeLost {
		t.Errorf("lost missed chat %+v", ch)
	}
	ac := e.call(t, answered)
	if ac.State != api.CallEnded || ac.MissedReason != "" || ac.EndDetail != "nodeLost" || ac.Participants[0].Left == nil {
		t.Errorf("lost answered call %+v", ac)
	}
	if n, err := b.EndNodeCalls(e.ctx, "a"); err != nil || n != 0 {
		t.Errorf("second EndNodeCalls = %d, %v; want 0", n, err)
	}
}
