package calls

import (
	"slices"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
)

func TestAutoAssignOneAtATime(t *testing.T) {
	e := newEnv(t, newMemStore(), api.StrategyRoundRobin, nil, WithMemberRingTimeout(10*time.Second))
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	cid := e.addStaff(t, "cid", api.RoleOperator)
	id := e.inbound(t, "+4915100")
	if got := e.ringingFor(id); !slices.Equal(got, []int64{ann}) {
		t.Fatalf("first ring %v, want only ann", got)
	}
	e.advance(10 * time.Second)
	if got := e.ringingFor(id); !slices.Equal(got, []int64{bob}) {
		t.Fatalf("after ann's turn: %v, want only bob", got)
	}
	must(t, e.m.Decline(e.ctx, bob, id))
	e.drain()
	if got := e.ringingFor(id); !slices.Equal(got, []int64{cid}) {
		t.Fatalf("after bob declined: %v, want only cid", got)
	}
	e.advance(10 * time.Second) // 20 s: cid timed out; ann gets a second round
	if got := e.ringingFor(id); !slices.Equal(got, []int64{ann}) {
		t.Fatalf("second round: %v, want ann again", got)
	}
	e.advance(10 * time.Second) // 30 s: the overall ring timeout
	c := missed(t, e, id, api.ReasonRingTimeout)
	var seq []int64
	for _, a := range c.RingAttempts {
		seq = append(seq, a.StaffID)
	}
	if !slices.Equal(seq, []int64{ann, bob, cid, ann}) {
		t.Errorf("ring sequence %v", seq)
	}
	// Round-robin goes on from where it stopped: the next call starts after ann.
	id2 := e.inbound(t, "+4915101")
	if got := e.ringingFor(id2); !slices.Equal(got, []int64{bob}) {
		t.Errorf("next call rings %v, want bob (round robin)", got)
	}
}

func TestMemberTimeoutCappedByRingTimeout(t *testing.T) {
	e := newEnv(t, newMemStore(), api.StrategyLongestIdle, func(c *api.Channel) { c.RingTimeoutS = 12 }, WithMemberRingTimeout(10*time.Second))
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	id := e.inbound(t, "+4915100")
	e.advance(10 * time.Second)
	if got := e.ringingFor(id); !slices.Equal(got, []int64{bob}) {
		t.Fatalf("ringing %v", got)
	}
	e.advance(2 * time.Second)
	c := missed(t, e, id, api.ReasonRingTimeout)
	if c.RingAttempts[1].StaffID != bob || !c.RingAttempts[1].Ended.Equal(t0.Add(12*time.Second)) {
		t.Errorf("attempts %+v", c.RingAttempts)
	}
	_ = ann
}

func TestOpenedPhoneChatBlocksAutoAssign(t *testing.T) {
	e := newEnv(t, newMemStore(), api.StrategyLongestIdle, nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	first := e.inbound(t, "+4915100")
	_, err := e.m.Accept(e.ctx, ann, first)
	must(t, err)
	must(t, e.m.Hangup(e.ctx, ann, first))
	e.drain()
	second := e.inbound(t, "+4915101")
	if e.state(second) != api.CallWaiting {
		t.Fatalf("ann still has an opened phone chat: the call should wait, state %s", e.state(second))
	}
	se, err := e.m.StaffEligibility(e.ctx, ann)
	must(t, err)
	if se.Channels[e.ch.ID] != api.IneligibleOpenedPhoneChat {
		t.Errorf("staff eligibility %+v", se)
	}
	e.setChatState(t, e.call(t, first).ChatID, api.ChatSnoozed) // wrap-up done
	if got := e.ringingFor(second); !slices.Equal(got, []int64{ann}) {
		t.Fatalf("after snoozing: ringing %v", got)
	}
	se, _ = e.m.StaffEligibility(e.ctx, ann)
	if r := se.Channels[e.ch.ID]; r != api.IneligibleAlreadyRinging {
		t.Errorf("while ringing: %q", r)
	}
}

func TestFewestOpenChats(t *testing.T) {
	e := newEnv(t, newMemStore(), api.StrategyFewestOpenChats, nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	// ann answers one call and snoozes its chat: one open chat that does not block her.
	id := e.inbound(t, "+4915100")
	if got := e.ringingFor(id); !slices.Equal(got, []int64{ann}) {
		t.Fatalf("ringing %v", got)
	}
	_, err := e.m.Accept(e.ctx, ann, id)
	must(t, err)
	must(t, e.m.Hangup(e.ctx, ann, id))
	e.drain()
	e.setChatState(t, e.call(t, id).ChatID, api.ChatSnoozed)
	e.advance(time.Hour)
	id2 := e.inbound(t, "+4915101")
	if got := e.ringingFor(id2); !slices.Equal(got, []int64{bob}) {
		t.Fatalf("ringing %v, want bob (fewest open chats)", got)
	}
	_, err = e.m.Accept(e.ctx, bob, id2)
	must(t, err)
	must(t, e.m.Hangup(e.ctx, bob, id2))
	e.drain()
	e.setChatState(t, e.call(t, id2).ChatID, api.ChatClosed)
	// ann has been idle for an hour, bob just finished: longest-idle would pick
	// ann, fewest-open-chats picks bob (0 open chats against ann's 1).
	id3 := e.inbound(t, "+4915102")
	if got := e.ringingFor(id3); !slices.Equal(got, []int64{bob}) {
		t.Fatalf("ringing %v, want bob (fewest open chats)", got)
	}
}

func TestPresenceAndDNDWhileRinging(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	id := e.inbound(t, "+4915100")
	e.media.setOnline(ann, false)
	e.m.HandleEvents([]api.Event{{Type: api.EvStaffPresence, StaffID: ann}})
	e.drain()
	if got := e.ringingFor(id); !slices.Equal(got, []int64{bob}) {
		t.Fatalf("after ann disconnected: %v", got)
	}
	e.settings(t, bob, func(s *api.Settings) { s.DND = true })
	if e.state(id) != api.CallWaiting {
		t.Fatalf("state %s, want waiting", e.state(id))
	}
	e.settings(t, bob, func(s *api.Settings) { s.DND = false })
	if got := e.ringingFor(id); !slices.Equal(got, []int64{bob}) {
		t.Fatalf("after dnd off: %v", got)
	}
	c, _ := e.m.Call(id)
	if !c.FirstRingStarted.Equal(t0) {
		t.Errorf("first ring %v", c.FirstRingStarted)
	}
}
