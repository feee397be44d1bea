package calls

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// answered is an inbound call ann has accepted (everyone else rang and stopped).
func (e *env) answered(t *testing.T, ann int64, from string) int64 {
	t.Helper()
	id := e.inbound(t, from)
	if _, err := e.m.Accept(e.ctx, ann, id); err != nil {
		t.Fatal(err)
	}
	e.drain()
	return id
}

func (e *env) team(t *testing.T, name string, members ...int64) int64 {
	t.Helper()
	tm := api.Team{ChannelID: e.ch.ID, Name: name}
	must(t, e.st.Update(e.ctx, func(tx store.Tx) error {
		if err := tx.CreateTeam(&tm); err != nil {
			return err
		}
		for _, s := range members {
			if err := tx.AddTeamMember(tm.ID, s); err != nil {
				return err
			}
		}
		return nil
	}))
	return tm.ID
}

func xferData(t *testing.T, evs []api.Event, typ api.EventType) (api.Event, api.TransferEvent) {
	t.Helper()
	for _, ev := range evs {
		if ev.Type == typ {
			var d api.TransferEvent
			must(t, json.Unmarshal(ev.Data, &d))
			return ev, d
		}
	}
	t.Fatalf("no %s event", typ)
	return api.Event{}, api.TransferEvent{}
}

func TestBlindTransferToStaff(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	cat := e.addStaff(t, "cat", api.RoleOperator)
	id := e.answered(t, ann, "+4915100")
	answeredAt := e.call(t, id).Answered

	to := api.TransferRequest{To: api.TransferTarget{StaffID: bob}}
	_, err := e.m.Transfer(e.ctx, cat, id, to)
	wantCode(t, err, api.CodeForbidden) // not cat's call
	_, err = e.m.Transfer(e.ctx, ann, id, api.TransferRequest{To: api.TransferTarget{StaffID: 999}})
	wantCode(t, err, api.CodeNotFound)
	_, err = e.m.Transfer(e.ctx, ann, id, api.TransferRequest{To: api.TransferTarget{StaffID: bob, TeamID: 3}})
	wantCode(t, err, api.CodeBadRequest)
	_, err = e.m.Transfer(e.ctx, ann, id, api.TransferRequest{To: api.TransferTarget{StaffID: bob}, Mode: "sideways"})
	wantCode(t, err, api.CodeBadRequest)
	e.media.setOnline(bob, false)
	_, err = e.m.Transfer(e.ctx, ann, id, to)
	wantCode(t, err, api.CodeConflict) // busy: offline
	e.media.setOnline(bob, true)

	c, err := e.m.Transfer(e.ctx, ann, id, to)
	if err != nil {
		t.Fatal(err)
	}
	e.drain()
	if c.State != api.CallRinging || c.Transfer == nil || c.Transfer.By != ann {
		t.Fatalf("after transfer: %s %+v", c.State, c.Transfer)
	}
	if got := e.ringingFor(id); !slices.Equal(got, []int64{bob}) { // only bob, not cat
		t.Fatalf("ringing %v, want bob only", got)
	}
	if _, in := e.m.calls[id].parts[ann]; in || e.media.attached[id][ann] != "" {
		t.Fatal("ann is still in the call")
	}
	_, err = e.m.Accept(e.ctx, cat, id)
	wantCode(t, err, api.CodeConflict) // transferred to bob, not cat
	if _, err := e.m.Accept(e.ctx, bob, id); err != nil {
		t.Fatal(err)
	}
	e.drain()
	got := e.call(t, id)
	if got.State != api.CallActive || *got.AssigneeID != bob || !got.Answered.Equal(*answeredAt) || e.media.attached[id][bob] != api.ModeTalk ||
		got.Transfers != 1 {
		t.Fatalf("after bob accepted: %+v attached %v", got, e.media.attached[id])
	}
	if e.trunk.has(fmt.Sprintf("answer %d", id)) && countAnswers(e.trunk, id) != 1 {
		t.Fatal("the trunk was asked to answer again")
	}
	if ch := e.chat(t, got.ChatID); ch.AssigneeID == nil || *ch.AssigneeID != bob {
		t.Fatalf("chat assignee %v, want bob", ch.AssigneeID)
	}
	evs := e.events(t, id)
	ev, d := xferData(t, evs, api.EvCallTransferred)
	if ev.StaffID != bob || ev.ActorID != ann || d.Mode != api.TransferBlind || d.To.StaffID != bob {
		t.Fatalf("transferred event %+v %+v", ev, d)
	}
	if countType(evs, api.EvCallTransferStarted) != 1 {
		t.Fatal("no transfer_started")
	}
	// bob hangs up: the call ends answered, no missed reason.
	must(t, e.m.Hangup(e.ctx, bob, id))
	e.drain()
	if c := e.call(t, id); c.State != api.CallEnded || c.MissedReason != "" {
		t.Fatalf("ended %+v", c)
	}
}

func countAnswers(f *fakeTrunk, id int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.log {
		if s == fmt.Sprintf("answer %d", id) {
			n++
		}
	}
	return n
}

// TestBlindTransferToTeamNobodyAnswers: a team transfer rings the team's
// free members only; nobody answering follows the routing outcome (ring
// timeout), recorded as call.transfer_failed; the call stays answered.
func TestBlindTransferToTeamNobodyAnswers(t *testing.T) {
	e := newEnv(t, newMemStore(), "", func(c *api.Channel) { c.RingTimeoutS = 10 })
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	cat := e.addStaff(t, "cat", api.RoleOperator)
	dan := e.addStaff(t, "dan", api.RoleOperator)
	sales := e.team(t, "sales", bob, cat, ann)
	id := e.answered(t, ann, "+4915101")
	_, err := e.m.Transfer(e.ctx, ann, id, api.TransferRequest{To: api.TransferTarget{TeamID: 9999}})
	wantCode(t, err, api.CodeNotFound)
	if _, err := e.m.Transfer(e.ctx, ann, id, api.TransferRequest{To: api.TransferTarget{TeamID: sales}}); err != nil {
		t.Fatal(err)
	}
	e.drain()
	// The team's free members ring, but not ann, who passed the call on,
	// and not dan, who is not in the team.
	if got := e.ringingFor(id); !slices.Equal(got, []int64{bob, cat}) || slices.Contains(got, dan) {
		t.Fatalf("ringing %v", got)
	}
	e.advance(11 * time.Second)
	e.drain()
	// Recall: ann, who passed it on, rings again; nobody else.
	if got := e.ringingFor(id); !slices.Equal(got, []int64{ann}) {
		t.Fatalf("after the ring timeout, ringing %v, want the recall to ann", got)
	}
	if _, d := xferData(t, e.events(t, id), api.EvCallTransferRecalled); d.Reason != string(api.ReasonRingTimeout) {
		t.Fatalf("recalled event %+v", d)
	}
	e.advance(11 * time.Second)
	e.drain()
	c := e.call(t, id)
	if c.State != api.CallEnded || c.Answered == nil || c.MissedReason != "" {
		t.Fatalf("after the recall's ring timeout: %+v", c)
	}
	_, d := xferData(t, e.events(t, id), api.EvCallTransferFailed)
	if d.Reason != string(api.ReasonRingTimeout) || d.To.TeamID != sales {
		t.Fatalf("failed event %+v", d)
	}
}

// TestBlindTransferToVoicemail: a team transfer whose members are all busy
// waits the max wait, is recalled, and when the recall is declined follows
// the missed policy: voicemail.
func TestBlindTransferToVoicemail(t *testing.T) {
	e := newEnv(t, newMemStore(), "", func(c *api.Channel) { c.MaxWaitS = 20; c.Voicemail = true },
		WithRecordingsDir(t.TempDir()))
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	sales := e.team(t, "sales", bob)
	id := e.answered(t, ann, "+4915102")
	e.settings(t, bob, func(s *api.Settings) { s.DND = true })
	if _, err := e.m.Transfer(e.ctx, ann, id, api.TransferRequest{To: api.TransferTarget{TeamID: sales}}); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if s := e.state(id); s != api.CallWaiting {
		t.Fatalf("state %s, want waiting", s)
	}
	e.advance(21 * time.Second)
	e.drain()
	if got := e.ringingFor(id); !slices.Equal(got, []int64{ann}) {
		t.Fatalf("after the max wait, ringing %v, want the recall to ann", got)
	}
	must(t, e.m.Decline(e.ctx, ann, id))
	e.drain()
	if s := e.state(id); s != api.CallVoicemail {
		t.Fatalf("state %s, want voicemail", s)
	}
	_, d := xferData(t, e.events(t, id), api.EvCallTransferFailed)
	if d.Reason != string(api.ReasonNoOperator) {
		t.Fatalf("failed event %+v", d)
	}
}

func TestAttendedTransferComplete(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	id := e.answered(t, ann, "+4915103")
	req := api.TransferRequest{To: api.TransferTarget{StaffID: bob}, Mode: api.TransferAttended}
	c, err := e.m.Transfer(e.ctx, ann, id, req)
	if err != nil {
		t.Fatal(err)
	}
	e.drain()
	if c.State != api.CallConsulting || c.HeldSince == nil {
		t.Fatalf("consult: %+v", c)
	}
	if !e.media.has(fmt.Sprintf("play %d hold", id)) || e.media.attached[consultRoom(id)][ann] != api.ModeTalk || e.media.attached[id][ann] != "" {
		t.Fatalf("consult media %v %v", e.media.log, e.media.attached)
	}
	_, err = e.m.CompleteTransfer(e.ctx, ann, id)
	wantCode(t, err, api.CodeInvalidTransition) // bob has not answered
	_, err = e.m.Transfer(e.ctx, ann, id, req)
	wantCode(t, err, api.CodeConflict)
	wantCode(t, e.m.Hold(e.ctx, ann, id), api.CodeInvalidTransition) // a consulting call is not active
	if got := e.ringingFor(id); !slices.Equal(got, []int64{bob}) {
		t.Fatalf("consult rings %v", got)
	}
	if _, err := e.m.Accept(e.ctx, bob, id); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if e.media.attached[consultRoom(id)][bob] != api.ModeTalk {
		t.Fatalf("bob is not in the consult: %v", e.media.attached)
	}
	_, err = e.m.CompleteTransfer(e.ctx, bob, id)
	wantCode(t, err, api.CodeForbidden) // ann's transfer
	e.advance(5 * time.Second)
	c, err = e.m.CompleteTransfer(e.ctx, ann, id)
	if err != nil {
		t.Fatal(err)
	}
	e.drain()
	if c.State != api.CallActive || *c.AssigneeID != bob || c.HeldSince != nil || c.HeldS != 5 || c.Transfer != nil || c.Transfers != 1 {
		t.Fatalf("completed: %+v", c)
	}
	if e.media.attached[id][bob] != api.ModeTalk || e.media.attached[id][ann] != "" || !e.media.has(fmt.Sprintf("close %d", consultRoom(id))) {
		t.Fatalf("completed media %v %v", e.media.attached, e.media.log)
	}
	if ch := e.chat(t, c.ChatID); *ch.AssigneeID != bob {
		t.Fatalf("chat assignee %v", *ch.AssigneeID)
	}
	ev, d := xferData(t, e.events(t, id), api.EvCallTransferred)
	if ev.StaffID != bob || d.Mode != api.TransferAttended {
		t.Fatalf("transferred %+v %+v", ev, d)
	}
	// ann is free again, bob is in the call.
	if e.m.inCall[ann] != 0 || e.m.inCall[bob] != id {
		t.Fatalf("in call %v", e.m.inCall)
	}
}

func TestAttendedTransferCancelAndDecline(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	id := e.answered(t, ann, "+4915104")
	req := api.TransferRequest{To: api.TransferTarget{StaffID: bob}, Mode: api.TransferAttended}
	if _, err := e.m.Transfer(e.ctx, ann, id, req); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Accept(e.ctx, bob, id); err != nil {
		t.Fatal(err)
	}
	c, err := e.m.CancelTransfer(e.ctx, ann, id)
	if err != nil {
		t.Fatal(err)
	}
	e.drain()
	if c.State != api.CallActive || *c.AssigneeID != ann || c.HeldSince != nil {
		t.Fatalf("cancelled: %+v", c)
	}
	if e.media.attached[id][ann] != api.ModeTalk || e.media.attached[id][bob] != "" || e.m.inCall[bob] != 0 {
		t.Fatalf("cancelled media %v in call %v", e.media.attached, e.m.inCall)
	}
	evs := e.events(t, id)
	if countType(evs, api.EvCallTransferCancelled) != 1 {
		t.Fatal("no transfer_cancelled")
	}
	left := false
	for _, ev := range evs {
		left = left || ev.Type == api.EvCallLeft && ev.StaffID == bob
	}
	if !left {
		t.Fatal("bob's softphone is not told to leave the consult")
	}
	_, err = e.m.CancelTransfer(e.ctx, ann, id)
	wantCode(t, err, api.CodeInvalidTransition)

	// Again; bob declines: the consult cancels itself.
	if _, err := e.m.Transfer(e.ctx, ann, id, req); err != nil {
		t.Fatal(err)
	}
	must(t, e.m.Decline(e.ctx, bob, id))
	e.drain()
	if s := e.state(id); s != api.CallActive {
		t.Fatalf("after decline: %s", s)
	}
	_, d := xferData(t, e.events(t, id), api.EvCallTransferFailed)
	if d.Reason != "declined" {
		t.Fatalf("failed %+v", d)
	}
	// Again; the caller hangs up during the consult: everything ends.
	if _, err := e.m.Transfer(e.ctx, ann, id, req); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Accept(e.ctx, bob, id); err != nil {
		t.Fatal(err)
	}
	e.m.CallerHungUp(id, "bye")
	e.drain()
	if e.state(id) != api.CallEnded || e.m.inCall[bob] != 0 || e.m.inCall[ann] != 0 {
		t.Fatalf("after hang-up: %s %v", e.state(id), e.m.inCall)
	}
}

// TestExternalTransferBlind: the trunk dials the number on the transfer
// leg while the customer hears the wait guidance; the answer bridges the
// two trunk calls in the room; the far end hanging up ends the call and
// hangs up the customer.
func TestExternalTransferBlind(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	id := e.answered(t, ann, "+4915105")
	_, err := e.m.Transfer(e.ctx, ann, id, api.TransferRequest{To: api.TransferTarget{Number: "12x"}})
	wantCode(t, err, api.CodeBadRequest)
	c, err := e.m.Transfer(e.ctx, ann, id, api.TransferRequest{To: api.TransferTarget{Number: "+81 90-1234-5678"}})
	if err != nil {
		t.Fatal(err)
	}
	e.drain()
	leg := transferLeg(id)
	if c.State != api.CallTransferring || !e.trunk.has(fmt.Sprintf("dial %d +4930100>+819012345678", leg)) || !e.media.has(fmt.Sprintf("play %d wait", id)) {
		t.Fatalf("dialling: %s trunk %v media %v", c.State, e.trunk.log, e.media.log)
	}
	if e.m.inCall[ann] != 0 {
		t.Fatal("ann is still in the call")
	}
	e.m.OutboundAnswered(leg)
	e.drain()
	if s := e.state(id); s != api.CallActive || !e.media.has(fmt.Sprintf("bridge %d %d", id, leg)) {
		t.Fatalf("answered: %s %v", s, e.media.log)
	}
	_, d := xferData(t, e.events(t, id), api.EvCallTransferred)
	if d.To.Number != "+819012345678" {
		t.Fatalf("transferred %+v", d)
	}
	e.m.CallerHungUp(leg, "bye")
	e.drain()
	if c := e.call(t, id); c.State != api.CallEnded || c.MissedReason != "" || !e.trunk.has(fmt.Sprintf("hangup %d", id)) {
		t.Fatalf("after the far end hung up: %+v %v", c, e.trunk.log)
	}
}

// TestExternalTransferRefusedDial: a number the trunk cannot dial leaves
// the call with its operator, and says why.
func TestExternalTransferRefusedDial(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	id := e.answered(t, ann, "+4915106")
	e.trunk.DialErr = fmt.Errorf("no outbound trunk")
	_, err := e.m.Transfer(e.ctx, ann, id, api.TransferRequest{To: api.TransferTarget{Number: "+819012345678"}})
	wantCode(t, err, api.CodeUnavailable)
	e.drain()
	if c := e.call(t, id); c.State != api.CallActive || e.m.inCall[ann] != id || e.media.attached[id][ann] != api.ModeTalk {
		t.Fatalf("after a refused dial: %+v in call %v", c, e.m.inCall)
	}
}

// TestExternalTransferAttended: the operator consults the number in the
// consult room (the dialled call is its caller leg), then completes: the
// two trunk calls are bridged and the operator is out; a number that
// hangs up during a consult gives the customer back.
func TestExternalTransferAttended(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	id := e.answered(t, ann, "+4915107")
	leg := transferLeg(id)
	req := api.TransferRequest{To: api.TransferTarget{Number: "+819012345678"}, Mode: api.TransferAttended}
	if _, err := e.m.Transfer(e.ctx, ann, id, req); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if !e.media.has(fmt.Sprintf("open %d", consultRoom(id))) || e.media.attached[consultRoom(id)][ann] != api.ModeTalk {
		t.Fatalf("consult room %v", e.media.log)
	}
	_, err := e.m.CompleteTransfer(e.ctx, ann, id)
	wantCode(t, err, api.CodeInvalidTransition) // not answered yet
	e.m.CallerHungUp(leg, "486 Busy Here")
	e.drain()
	if c := e.call(t, id); c.State != api.CallActive || e.media.attached[id][ann] != api.ModeTalk {
		t.Fatalf("after the number refused: %+v", c)
	}
	if _, err := e.m.Transfer(e.ctx, ann, id, req); err != nil {
		t.Fatal(err)
	}
	e.m.OutboundAnswered(leg)
	c, err := e.m.CompleteTransfer(e.ctx, ann, id)
	if err != nil {
		t.Fatal(err)
	}
	e.drain()
	if c.State != api.CallActive || e.m.inCall[ann] != 0 || !e.media.has(fmt.Sprintf("bridge %d %d", id, leg)) {
		t.Fatalf("completed: %+v %v", c, e.media.log)
	}
	e.m.CallerHungUp(id, "bye") // the customer hangs up: the far end is hung up too
	e.drain()
	if !e.trunk.has(fmt.Sprintf("hangup %d", leg)) {
		t.Fatalf("far end not hung up: %v", e.trunk.log)
	}
}

// TestBlindTransferToStaffDeclined: the one staff member a blind transfer
// went to declines: nobody else may take it, so it is recalled at once (the
// operator who passed it on rings), and when they decline too the missed
// policy applies (here voicemail), not a wait.
func TestBlindTransferToStaffDeclined(t *testing.T) {
	e := newEnv(t, newMemStore(), "", func(c *api.Channel) { c.Voicemail = true }, WithRecordingsDir(t.TempDir()))
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	id := e.answered(t, ann, "+4915108")
	if _, err := e.m.Transfer(e.ctx, ann, id, api.TransferRequest{To: api.TransferTarget{StaffID: bob}}); err != nil {
		t.Fatal(err)
	}
	must(t, e.m.Decline(e.ctx, bob, id))
	e.drain()
	if got := e.ringingFor(id); !slices.Equal(got, []int64{ann}) {
		t.Fatalf("after the decline, ringing %v, want the recall to ann", got)
	}
	must(t, e.m.Decline(e.ctx, ann, id))
	e.drain()
	if s := e.state(id); s != api.CallVoicemail {
		t.Fatalf("state %s, want voicemail", s)
	}
	_, d := xferData(t, e.events(t, id), api.EvCallTransferFailed)
	if d.Reason != string(api.ReasonNoOperator) {
		t.Fatalf("failed %+v", d)
	}
}

// TestAttendedTransferHangupCompletes: the operator hanging up an answered
// consult hands the customer over instead of dropping them.
func TestAttendedTransferHangupCompletes(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	id := e.answered(t, ann, "+4915109")
	if _, err := e.m.Transfer(e.ctx, ann, id, api.TransferRequest{To: api.TransferTarget{StaffID: bob}, Mode: api.TransferAttended}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Accept(e.ctx, bob, id); err != nil {
		t.Fatal(err)
	}
	must(t, e.m.Hangup(e.ctx, ann, id))
	e.drain()
	c := e.call(t, id)
	if c.State != api.CallActive || *c.AssigneeID != bob || e.media.attached[id][bob] != api.ModeTalk || e.m.inCall[ann] != 0 {
		t.Fatalf("after ann hung up the consult: %+v", c)
	}
}

// TestBlindTransferRecallAnswered: nobody takes a blind transfer; the
// operator who passed it on takes it back on recall: the customer is with
// them again, no transfer is counted, and the failure says why. With their
// softphone offline there is no recall: the call ends as routing says.
func TestBlindTransferRecallAnswered(t *testing.T) {
	e := newEnv(t, newMemStore(), "", func(c *api.Channel) { c.RingTimeoutS = 10 })
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	id := e.answered(t, ann, "+4915111")
	if _, err := e.m.Transfer(e.ctx, ann, id, api.TransferRequest{To: api.TransferTarget{StaffID: bob}}); err != nil {
		t.Fatal(err)
	}
	e.drain()
	e.advance(11 * time.Second)
	e.drain()
	if got := e.ringingFor(id); !slices.Equal(got, []int64{ann}) {
		t.Fatalf("ringing %v, want the recall to ann", got)
	}
	if _, err := e.m.Accept(e.ctx, ann, id); err != nil {
		t.Fatal(err)
	}
	e.drain()
	c := e.call(t, id)
	if c.State != api.CallActive || c.Transfers != 0 || c.Transfer != nil || *c.AssigneeID != ann {
		t.Fatalf("after taking the recall: %+v", c)
	}
	if _, d := xferData(t, e.events(t, id), api.EvCallTransferFailed); d.Reason != api.TransferRecalled {
		t.Fatalf("failed event %+v", d)
	}
	for _, ev := range e.events(t, id) {
		if ev.Type == api.EvCallTransferred {
			t.Fatalf("a recall counted as a transfer: %+v", ev)
		}
	}

	e.m.CallerHungUp(id, "bye")
	e.drain()

	// Offline operator: no recall.
	id2 := e.answered(t, ann, "+4915112")
	if _, err := e.m.Transfer(e.ctx, ann, id2, api.TransferRequest{To: api.TransferTarget{StaffID: bob}}); err != nil {
		t.Fatal(err)
	}
	e.drain()
	e.media.setOnline(ann, false)
	e.advance(11 * time.Second)
	e.drain()
	if c := e.call(t, id2); c.State != api.CallEnded {
		t.Fatalf("offline operator: %+v", c)
	}
	for _, ev := range e.events(t, id2) {
		if ev.Type == api.EvCallTransferRecalled {
			t.Fatal("recalled an operator whose softphone is offline")
		}
	}
}
