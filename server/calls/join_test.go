package calls

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

func TestJoinModesAndRoles(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	sue := e.addStaff(t, "sue", api.RoleSupervisor)
	e.settings(t, sue, func(s *api.Settings) { s.MuteOnJoin = true })
	id := e.inbound(t, "+4915100")
	_, err := e.m.Join(e.ctx, bob, id, api.ModeTalk)
	wantCode(t, err, api.CodeInvalidTransition) // not answered yet
	_, err = e.m.Accept(e.ctx, ann, id)
	must(t, err)
	_, err = e.m.Join(e.ctx, bob, id, api.ModeListen)
	wantCode(t, err, api.CodeForbidden)
	_, err = e.m.Join(e.ctx, bob, id, "shout")
	wantCode(t, err, api.CodeBadRequest)
	res, err := e.m.Join(e.ctx, sue, id, api.ModeListen)
	must(t, err)
	if !res.MuteOnJoin || res.Mode != api.ModeListen || e.media.attached[id][sue] != api.ModeListen {
		t.Errorf("listen join %+v, media %v", res, e.media.attached[id])
	}
	_, err = e.m.Join(e.ctx, sue, id, api.ModeWhisper) // switch mode in place
	must(t, err)
	if e.media.attached[id][sue] != api.ModeWhisper {
		t.Errorf("mode not switched: %v", e.media.attached[id])
	}
	e.media.setOnline(bob, false)
	_, err = e.m.Join(e.ctx, bob, id, "")
	wantCode(t, err, api.CodeUnavailable)
	e.media.setOnline(bob, true)
	res, err = e.m.Join(e.ctx, bob, id, "")
	must(t, err)
	if res.Mode != api.ModeTalk || res.MuteOnJoin {
		t.Errorf("bob's join %+v", res)
	}
	must(t, e.m.Leave(e.ctx, ann, id))
	e.drain()
	if e.state(id) != api.CallActive {
		t.Fatal("bob still talks to the caller: the call must go on")
	}
	wantCode(t, e.m.Leave(e.ctx, ann, id), api.CodeInvalidTransition)
	must(t, e.m.Leave(e.ctx, bob, id))
	e.drain()
	if e.state(id) != api.CallEnded {
		t.Fatal("only a whispering supervisor left: the call should end")
	}
	c := e.call(t, id)
	if c.MissedReason != "" || c.Answered == nil {
		t.Errorf("outcome %+v", c)
	}
	open := 0
	for _, p := range c.Participants {
		if p.Left == nil {
			open++
		}
	}
	if open != 0 || len(c.Participants) != 4 { // ann, sue (listen), sue (whisper), bob
		t.Errorf("participants %+v", c.Participants)
	}
}

func TestOneCallPerStaff(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	first := e.inbound(t, "+4915100")
	_, err := e.m.Accept(e.ctx, ann, first)
	must(t, err)
	second := e.inbound(t, "+4915101")
	if got := e.ringingFor(second); !slices.Equal(got, []int64{bob}) {
		t.Fatalf("second call rings %v; ann is in a call", got)
	}
	// ann is invited to the second call while in the first: accepting leaves the first.
	must(t, e.m.Invite(e.ctx, bob, second, ann))
	evs := e.events(t, second)
	if countType(evs, api.EvCallInvited) != 1 {
		t.Error("no call.invited event")
	}
	if ch := e.chat(t, e.call(t, second).ChatID); !slices.Contains(ch.Followers, ann) {
		t.Errorf("invitee is not a follower: %v", ch.Followers)
	}
	res, err := e.m.Accept(e.ctx, ann, second)
	must(t, err)
	e.drain()
	if res.LeftCallID == nil || *res.LeftCallID != first {
		t.Errorf("LeftCallID %v, want %d", res.LeftCallID, first)
	}
	if e.state(first) != api.CallEnded {
		t.Error("ann was alone with the first caller: leaving must end it")
	}
	if e.m.inCall[ann] != second || len(e.ringingFor(second)) != 0 {
		t.Errorf("ann in %d, ringing %v", e.m.inCall[ann], e.ringingFor(second))
	}
	// Joining another call leaves the current one too.
	third := e.inbound(t, "+4915102")
	_, err = e.m.Accept(e.ctx, bob, third)
	must(t, err)
	res, err = e.m.Join(e.ctx, ann, third, api.ModeTalk)
	must(t, err)
	if res.LeftCallID == nil || *res.LeftCallID != second || e.m.inCall[ann] != third {
		t.Errorf("join result %+v", res)
	}
}

func TestInviteAndHangupRules(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	sue := e.addStaff(t, "sue", api.RoleSupervisor)
	var outsider api.Staff
	must(t, e.st.Update(e.ctx, func(tx store.Tx) error {
		outsider = api.Staff{Email: "x@example.com", Role: api.RoleOperator}
		return tx.CreateStaff(&outsider, "x")
	}))
	id := e.inbound(t, "+4915100")
	_, err := e.m.Accept(e.ctx, outsider.ID, id)
	wantCode(t, err, api.CodeForbidden)
	_, err = e.m.Accept(e.ctx, 999, id)
	wantCode(t, err, api.CodeNotFound)
	wantCode(t, e.m.Hangup(e.ctx, ann, id), api.CodeForbidden) // not in the call, operator
	wantCode(t, e.m.Hangup(e.ctx, sue, id), api.CodeInvalidTransition)
	_, err = e.m.Accept(e.ctx, ann, id)
	must(t, err)
	wantCode(t, e.m.Invite(e.ctx, ann, id, outsider.ID), api.CodeForbidden)
	wantCode(t, e.m.Invite(e.ctx, ann, id, ann), api.CodeConflict)
	wantCode(t, e.m.Hangup(e.ctx, bob, id), api.CodeForbidden)
	must(t, e.m.Hangup(e.ctx, sue, id)) // supervisors may end any call of their channel
	e.drain()
	_, err = e.m.Accept(e.ctx, ann, id)
	wantCode(t, err, api.CodeInvalidTransition)
	_, err = e.m.Join(e.ctx, ann, 12345, api.ModeTalk)
	wantCode(t, err, api.CodeNotFound)
}

func TestDialAndCallback(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	e.media.setOnline(bob, false)
	e.media.setOnline(ann, false)
	id := e.inbound(t, "+49 151 00")
	e.advance(120 * time.Second)
	m := missed(t, e, id, api.ReasonNoOperator)

	e.media.setOnline(ann, true)
	e.settings(t, ann, func(s *api.Settings) { s.MuteOnJoin = true })
	res, err := e.m.Callback(e.ctx, ann, m.ChatID)
	must(t, err)
	e.drain()
	if res.Chat.ID == m.ChatID || res.Chat.CallbackOf == nil || *res.Chat.CallbackOf != m.ChatID {
		t.Fatalf("callback chat %+v", res.Chat)
	}
	if res.Call.Direction != api.Outbound || res.Call.State != api.CallDialing || res.Call.To != "+49 151 00" && res.Call.To != "+4915100" {
		t.Errorf("callback call %+v", res.Call)
	}
	if !e.trunk.has(fmt.Sprintf("dial %d +4930100>+4915100", res.Call.ID)) || e.media.attached[res.Call.ID][ann] != api.ModeTalk {
		t.Errorf("trunk %v media %v", e.trunk.log, e.media.log)
	}
	var linked *api.Event
	must(t, e.st.View(e.ctx, func(tx store.Tx) error {
		evs, err := tx.ChatEvents(m.ChatID)
		for i := range evs {
			if evs[i].Type == api.EvChatLinked {
				linked = &evs[i]
			}
		}
		return err
	}))
	if linked == nil || linked.StaffID != ann {
		t.Fatalf("old chat's timeline has no chat.linked naming ann: %+v", linked)
	}
	var data struct {
		CallbackChatID int64 `json:"callback_chat_id"`
		By             int64 `json:"by"`
	}
	must(t, json.Unmarshal(linked.Data, &data))
	if data.CallbackChatID != res.Chat.ID || data.By != ann {
		t.Errorf("chat.linked data %+v", data)
	}
	// ann is in the dialing call: she does not ring for new calls.
	e.media.setOnline(bob, true)
	in := e.inbound(t, "+4915199")
	if got := e.ringingFor(in); !slices.Equal(got, []int64{bob}) {
		t.Errorf("ringing %v, ann is busy dialing", got)
	}
	e.advance(5 * time.Second)
	e.m.OutboundAnswered(res.Call.ID)
	e.drain()
	if c, _ := e.m.Call(res.Call.ID); c.State != api.CallActive || !c.Answered.Equal(t0.Add(125*time.Second)) {
		t.Errorf("after answer: %+v", c)
	}
	e.advance(30 * time.Second)
	must(t, e.m.Hangup(e.ctx, ann, res.Call.ID))
	e.drain()
	if c := e.call(t, res.Call.ID); c.DurationS != 30 || c.MissedReason != "" {
		t.Errorf("ended callback %+v", c)
	}

	// A failed dial ends without a missed reason and keeps the chat open for notes.
	e.trunk.DialErr = errors.New("503 from provider")
	res2, err := e.m.Dial(e.ctx, ann, 0, "+49 (30) 555-01")
	must(t, err)
	e.drain()
	c := e.call(t, res2.Call.ID)
	if c.State != api.CallEnded || c.MissedReason != "" || c.To != "+493055501" || e.chat(t, c.ChatID).State != api.ChatOpened {
		t.Errorf("failed dial %+v", c)
	}
	e.trunk.DialErr = nil
	res3, err := e.m.Dial(e.ctx, ann, 0, "+4930555")
	must(t, err)
	e.m.OutboundFailed(res3.Call.ID, "486 busy")
	e.drain()
	if c := e.call(t, res3.Call.ID); c.EndDetail != "486 busy" || e.trunk.has(fmt.Sprintf("hangup %d", c.ID)) {
		t.Errorf("busy %+v", c)
	}
	res4, err := e.m.Dial(e.ctx, ann, e.ch.ID, "+4930556")
	must(t, err)
	e.advance(DefaultDialTimeout)
	if c := e.call(t, res4.Call.ID); c.State != api.CallEnded || c.EndDetail != "no answer" {
		t.Errorf("unanswered dial %+v", c)
	}

	for _, bad := range []string{"", "abc", "+1", "12345678901234567890123456789012345"} {
		_, err := e.m.Dial(e.ctx, ann, 0, bad)
		wantCode(t, err, api.CodeBadRequest)
	}
	_, err = e.m.Dial(e.ctx, ann, 4242, "+4930555")
	wantCode(t, err, api.CodeForbidden)
	_, err = e.m.Callback(e.ctx, ann, 4242)
	wantCode(t, err, api.CodeNotFound)
}

func TestCallEligibilityLive(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	e.settings(t, bob, func(s *api.Settings) { s.DND = true })
	id := e.inbound(t, "+4915100")
	el, err := e.m.CallEligibility(e.ctx, id)
	must(t, err)
	if !el.InOperation || !slices.Equal(el.Eligible, []int64{ann}) || len(el.NotEligible) != 1 || el.NotEligible[0] != (api.Ineligible{StaffID: bob, Reason: api.IneligibleDND}) {
		t.Errorf("eligibility %+v", el)
	}
	if n := countType(e.events(t, id), api.EvCallEligibility); n != 1 {
		t.Errorf("call.eligibility recorded %d times", n)
	}
	_, err = e.m.CallEligibility(e.ctx, 999)
	wantCode(t, err, api.CodeNotFound)
	se, err := e.m.StaffEligibility(e.ctx, bob)
	must(t, err)
	if se.Channels[e.ch.ID] != api.IneligibleDND {
		t.Errorf("staff eligibility %+v", se)
	}
	sim, err := e.m.Simulate(e.ctx, e.ch.ID)
	must(t, err)
	if r := sim.NotEligible; len(r) != 2 { // ann is ringing now, bob is on dnd
		t.Errorf("simulate %+v", sim)
	}
}
