package calls

import (
	"context"
	"errors"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/routing"
	"github.com/meet-dev/meet/server/store"
)

// Call transfer (SPEC §3b; routes in api/transfer.go).
//
// Blind: the operator (and everyone else in the call) leaves at once, the
// call moves active → transferring and is routed like a new inbound call,
// with the target in place of the channel's routing: a team target rings as
// that team rings for an IVR choice, a staff target is a team of one. The
// caller hears the wait guidance; operating hours do not apply (the caller
// is already talking to the company). Whoever accepts becomes the assignee;
// if nobody does, the routing outcome ends it as it would end a new call:
// ring timeout, or no operator → voicemail when the channel takes it —
// after one recall: the operator who passed it on rings again (recall) when
// their softphone is connected, so the customer is not dropped while they
// are there. The call stays answered (its missed reason stays empty: the
// customer was served); call.transfer_failed carries the routing's reason.
//
// Attended: the call moves active → consulting. The customer hears the hold
// guidance (held time counts as hold), the operator's softphone moves into
// a private consult room (consultRoom) and the target rings there; once it
// answers, complete moves the target into the call's room and the operator
// out (consulting → active), cancel ends the consult and puts the operator
// back (consulting → active). A consult nobody answers, or that the target
// leaves, cancels itself.

// xferState is a live call's transfer in progress.
type xferState struct {
	api.Transfer
	target    *api.Team // whom routing may ring (a team of one for a staff member)
	rang      bool      // the blind transfer rang someone (routing.Progress)
	waited    bool      // it waited
	consultee int64     // staff member in the consult room, 0 until one answers
	teamID    int64     // the real team routed to (cursor), 0 for a staff target
	leg       int64     // the trunk call dialled for a number target (transferLeg), 0 for staff and teams
	recalled  bool      // nobody took the blind transfer: its operator is (or was) rung back
}

// transferLeg is the id of the trunk call an external transfer of callID
// dials: the trunk and the rooms know it by that id, and the trunk's
// reports about it (negative ids) come back through legInput.
func transferLeg(callID int64) int64 { return -callID }

// consultRoom is the id of the room an attended transfer's consult runs in.
func consultRoom(callID int64) int64 { return -callID }

// Transfer starts a transfer of callID by staffID (who must be talking in
// it) to req.To, blind or attended. It returns the call as it stands.
func (m *Manager) Transfer(ctx context.Context, staffID, callID int64, req api.TransferRequest) (api.Call, error) {
	if req.Mode == "" {
		req.Mode = api.TransferBlind
	}
	if !req.Mode.Valid() {
		return api.Call{}, api.Errorf(api.CodeBadRequest, "unknown transfer mode %q (want blind or attended)", req.Mode)
	}
	if err := req.To.Validate(); err != nil {
		return api.Call{}, err
	}
	if req.To.Number != "" {
		n, err := ValidNumber(req.To.Number)
		if err != nil {
			return api.Call{}, err
		}
		req.To.Number = n
	}
	if req.To.StaffID == staffID {
		return api.Call{}, api.Errorf(api.CodeBadRequest, "you cannot transfer a call to yourself")
	}
	var out api.Call
	var target *api.Team
	var err error
	var dialErr error // an external transfer's dial, set by its effect
	err = m.withCall(ctx, callID, func(r *rec, c *call) error {
		if err := m.canTransfer(c, staffID); err != nil {
			return err
		}
		x := &xferState{Transfer: api.Transfer{Mode: req.Mode, To: req.To, By: staffID, Started: m.clock.Now().UTC()},
			teamID: req.To.TeamID}
		if req.To.Number != "" {
			x.leg = transferLeg(c.ID)
			return m.externalTransfer(r, c, x, &dialErr)
		}
		if target, err = m.transferTarget(ctx, c, req.To); err != nil {
			return err
		}
		x.target = target
		if req.Mode == api.TransferBlind {
			return m.blindTransfer(ctx, r, c, x)
		}
		return m.startConsult(ctx, r, c, x)
	})
	if err != nil {
		return api.Call{}, err
	}
	m.effectsDone(callID)
	if dialErr != nil {
		return api.Call{}, api.Errorf(api.CodeUnavailable, "the trunk could not dial %s: %v", req.To.Number, dialErr)
	}
	m.mu.Lock()
	if c, ok := m.calls[callID]; ok {
		out = c.snapshot()
	} else {
		out = api.Call{ID: callID, State: api.CallEnded}
	}
	m.mu.Unlock()
	return out, nil
}

// canTransfer refuses a transfer of c by staffID that cannot start.
func (m *Manager) canTransfer(c *call, staffID int64) error {
	if mode, in := c.parts[staffID]; !in || mode != api.ModeTalk && mode != api.ModeBarge {
		return api.Errorf(api.CodeForbidden, "call %d is not yours: only a member talking in it can transfer it", c.ID)
	}
	if c.xfer != nil {
		return api.Errorf(api.CodeConflict, "call %d is already being transferred (%s to %s)", c.ID, c.xfer.Mode, c.xfer.To)
	}
	if c.State != api.CallActive || c.Answered == nil {
		return api.Errorf(api.CodeInvalidTransition, "call %d is %s, not answered; only a live answered call can be transferred", c.ID, c.State)
	}
	return nil
}

// transferTarget checks the target against the store and the live state
// and returns the team routing may ring: the named team, or a team of one.
func (m *Manager) transferTarget(ctx context.Context, c *call, to api.TransferTarget) (*api.Team, error) {
	var t api.Team
	err := m.st.View(ctx, func(tx store.Tx) error {
		if to.TeamID != 0 {
			var err error
			if t, err = tx.Team(to.TeamID); err != nil {
				if errors.Is(err, api.ErrNotFound) {
					return api.Errorf(api.CodeNotFound, "no team %d", to.TeamID)
				}
				return err
			}
			if t.ChannelID != c.ChannelID {
				return api.Errorf(api.CodeNotFound, "team %d is not a team of call %d's channel", to.TeamID, c.ID)
			}
			return nil
		}
		s, err := tx.Staff(to.StaffID)
		if err != nil {
			if errors.Is(err, api.ErrNotFound) {
				return api.Errorf(api.CodeNotFound, "no staff member %d", to.StaffID)
			}
			return err
		}
		if err := inChannel(s, c.ChannelID); err != nil {
			return api.Errorf(api.CodeNotFound, "staff member %d is not in call %d's channel", to.StaffID, c.ID)
		}
		t = api.Team{Name: s.Name, ChannelID: c.ChannelID, Members: []int64{s.ID}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if id := to.StaffID; id != 0 {
		switch {
		case !m.media.Online(id):
			return nil, api.Errorf(api.CodeConflict, "staff member %d is busy: their softphone is not connected", id)
		case m.inCall[id] != 0:
			return nil, api.Errorf(api.CodeConflict, "staff member %d is busy: in call %d", id, m.inCall[id])
		case m.ringing[id] != 0:
			return nil, api.Errorf(api.CodeConflict, "staff member %d is busy: call %d is ringing for them", id, m.ringing[id])
		}
	}
	return &t, nil
}

// xferEvent appends one of the transfer events of c.
func (m *Manager) xferEvent(r *rec, c *call, typ api.EventType, staffID int64, reason string) {
	x := c.xfer
	m.event(r, c, typ, staffID, x.By, api.TransferEvent{Mode: x.Mode, To: x.To, By: x.By, Reason: reason})
}

// blindTransfer takes everyone out of c and routes it to x's target.
func (m *Manager) blindTransfer(ctx context.Context, r *rec, c *call, x *xferState) error {
	v, err := m.loadChannel(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	if err := m.move(c, inTransfer); err != nil {
		return err
	}
	c.xfer = x
	m.xferEvent(r, c, api.EvCallTransferStarted, 0, "")
	held := c.HeldSince != nil
	m.endHold(c)
	for s := range c.parts {
		m.removeParticipant(r, c, s)
	}
	// A fresh routing: a new ring phase, waiting counted from now
	// (x.Started), nobody tried yet but the operator who passed it on; the
	// trunk dialog is answered already.
	c.tried = map[int64]api.RingOutcome{x.By: api.RingDeclined}
	c.ringDue, c.lastElig = time.Time{}, nil
	c.queued, c.early, c.music = true, true, false
	m.saveCall(r, c)
	id := c.ID
	if held {
		r.effect(id, func() { m.media.StopGuidance(id) })
	}
	m.route(r, c, v)
	m.log.Info("call transferred blind", "call_id", c.ID, "chat_id", c.ChatID, "staff_id", x.By, "to", x.To.String())
	return nil
}

// xferTarget is the team routing rings for c's blind transfer, nil when none.
func (c *call) xferTarget() *api.Team {
	if c.xfer == nil || c.xfer.Mode != api.TransferBlind {
		return nil
	}
	return c.xfer.target
}

// transferAnswered finishes a blind transfer staffID accepted (Accept has
// made them a participant and assignee).
func (m *Manager) transferAnswered(r *rec, c *call, staffID int64) {
	if c.xfer.recalled { // the operator took their call back: no transfer went through
		m.xferEvent(r, c, api.EvCallTransferFailed, staffID, api.TransferRecalled)
		m.log.Info("recall answered", "call_id", c.ID, "staff_id", staffID)
		c.xfer = nil
		return
	}
	c.Transfers++
	m.xferEvent(r, c, api.EvCallTransferred, staffID, "")
	m.log.Info("transfer answered", "call_id", c.ID, "staff_id", staffID, "mode", string(c.xfer.Mode))
	c.xfer = nil
}

// startConsult holds the customer, moves the operator into the consult
// room and rings the target there.
func (m *Manager) startConsult(ctx context.Context, r *rec, c *call, x *xferState) error {
	v, err := m.loadChannel(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	ring := m.consultRing(v, c, x)
	if len(ring) == 0 {
		return api.Errorf(api.CodeConflict, "nobody of %s can take a consult now (busy, offline or not taking calls)", x.To)
	}
	if err := m.move(c, inConsult); err != nil {
		return err
	}
	c.xfer = x
	m.xferEvent(r, c, api.EvCallTransferStarted, 0, "")
	id := c.ID
	r.effect(id, m.consultHold(r, c, x.By))
	m.saveCall(r, c)
	now := m.clock.Now()
	for _, s := range ring {
		c.ringing[s] = true
		m.ringing[s] = c.ID
		att := api.RingAttempt{StaffID: s, Started: now}
		c.RingAttempts = append(c.RingAttempts, att)
		r.do(func(tx store.Tx) error { return tx.AddRingAttempt(id, att) })
		m.event(r, c, api.EvCallRinging, s, x.By, map[string]any{"consult": true})
	}
	m.saveCall(r, c)
	m.startTimer(c, slotRing, m.ringTimeout(c.channel), func(r *rec) {
		if c.State == api.CallConsulting && c.xfer != nil && !c.xfer.Consulting {
			for s := range c.ringing {
				m.stopRing(r, c, s, api.RingTimedOut)
			}
			m.cancelConsult(r, c, 0, "no answer")
		}
	})
	m.log.Info("consult started", "call_id", c.ID, "chat_id", c.ChatID, "staff_id", x.By, "to", x.To.String(), "ringing", len(ring))
	return nil
}

// consultRing is whom a consult rings: the routing policy's eligible members
// of the target (all at once), hours aside.
func (m *Manager) consultRing(v *channelView, c *call, x *xferState) []int64 {
	t := *x.target
	t.AutoAssign = false // a consult rings everyone it may at once
	v.channel.Hours = api.Hours{}
	saved, tried := c.xfer, c.tried // a consult is a new question: earlier declines do not count
	c.xfer, c.tried = &xferState{Transfer: api.Transfer{Mode: api.TransferBlind}, target: &t}, nil
	d := m.decideWith(v, c, true)
	c.xfer, c.tried = saved, tried
	return d.Ring
}

// acceptConsult: staffID answers the consult ringing for them.
func (m *Manager) acceptConsult(r *rec, c *call, staffID int64) {
	x := c.xfer
	m.stopTimer(c, slotRing)
	for id := range c.ringing {
		if id != staffID {
			m.stopRing(r, c, id, api.RingCancelled)
		}
	}
	if other, ok := m.inCall[staffID]; ok && other != c.ID {
		if oc, ok := m.calls[other]; ok {
			m.leave(r, oc, staffID)
		}
	}
	m.stopRing(r, c, staffID, api.RingAccepted)
	x.consultee, x.ConsultStaffID, x.Consulting = staffID, staffID, true
	m.inCall[staffID] = c.ID
	m.saveCall(r, c)
	m.xferEvent(r, c, api.EvCallConsultAnswered, staffID, "")
	m.log.Info("consult answered", "call_id", c.ID, "staff_id", staffID)
}

// CompleteTransfer ends an attended transfer's consult by handing the
// customer to the target: the target joins the call, the operator leaves.
func (m *Manager) CompleteTransfer(ctx context.Context, staffID, callID int64) (api.Call, error) {
	return m.consultInput(ctx, staffID, callID, true)
}

// CancelTransfer ends an attended transfer's consult and gives the
// customer back to the operator.
func (m *Manager) CancelTransfer(ctx context.Context, staffID, callID int64) (api.Call, error) {
	return m.consultInput(ctx, staffID, callID, false)
}

func (m *Manager) consultInput(ctx context.Context, staffID, callID int64, complete bool) (api.Call, error) {
	var out api.Call
	err := m.withCall(ctx, callID, func(r *rec, c *call) error {
		x := c.xfer
		if c.State != api.CallConsulting || x == nil {
			return api.Errorf(api.CodeInvalidTransition, "call %d is %s, not in an attended transfer's consult", callID, c.State)
		}
		if staffID != x.By {
			return api.Errorf(api.CodeForbidden, "call %d's transfer is staff member %d's, not yours", callID, x.By)
		}
		if !complete {
			m.cancelConsult(r, c, staffID, "")
			out = c.snapshot()
			return nil
		}
		if !x.Consulting {
			return api.Errorf(api.CodeInvalidTransition, "nobody has answered the consult of call %d yet; wait or cancel", callID)
		}
		if x.leg != 0 {
			m.completeExternal(r, c)
			out = c.snapshot()
			return nil
		}
		m.completeConsult(r, c)
		out = c.snapshot()
		return nil
	})
	if err != nil {
		return api.Call{}, err
	}
	m.effectsDone(callID)
	return out, nil
}

// completeConsult hands c to the consultee.
func (m *Manager) completeConsult(r *rec, c *call) {
	x := c.xfer
	to := x.consultee
	if err := m.move(c, inComplete); err != nil {
		return
	}
	var muted bool
	if _, set, err := m.memberLocked(to); err == nil {
		muted = set.MuteOnJoin
	}
	delete(m.inCall, to) // addParticipant takes them in for real
	m.addParticipant(r, c, to, api.ModeTalk, muted)
	for s, mode := range c.parts {
		if s != to && (mode == api.ModeTalk || mode == api.ModeBarge) {
			m.removeParticipant(r, c, s)
		}
	}
	held := m.endHold(c)
	c.AssigneeID = ptrInt(to)
	c.Transfers++
	m.event(r, c, api.EvCallResumed, 0, x.By, map[string]any{"held_s": int(held.Seconds()), "total_held_s": c.HeldS})
	m.xferEvent(r, c, api.EvCallTransferred, to, "")
	m.assignChat(r, c, to)
	c.xfer = nil
	m.saveCall(r, c)
	m.endConsultRoom(r, c, "attaching after the transfer failed")
	m.log.Info("attended transfer completed", "call_id", c.ID, "chat_id", c.ChatID, "staff_id", to, "by", x.By)
}

// cancelConsult ends c's consult and resumes the customer with the
// operator; by is who cancelled (0: it failed: reason says why).
func (m *Manager) cancelConsult(r *rec, c *call, by int64, reason string) {
	x := c.xfer
	m.stopTimer(c, slotRing)
	for s := range c.ringing {
		m.stopRing(r, c, s, api.RingCancelled)
	}
	m.dropConsultee(r, c)
	m.hangupLeg(r, c)
	if err := m.move(c, inCancel); err != nil {
		return
	}
	held := m.endHold(c)
	m.event(r, c, api.EvCallResumed, 0, x.By, map[string]any{"held_s": int(held.Seconds()), "total_held_s": c.HeldS})
	if by != 0 {
		m.xferEvent(r, c, api.EvCallTransferCancelled, 0, "")
	} else {
		m.xferEvent(r, c, api.EvCallTransferFailed, 0, reason)
	}
	c.xfer = nil
	m.saveCall(r, c)
	m.endConsultRoom(r, c, "re-attaching after the consult failed")
	m.log.Info("consult cancelled", "call_id", c.ID, "by", by, "reason", reason)
}

// endConsultRoom closes c's consult room and its hold guidance once r
// commits, and attaches c's participants to the call's room again as they
// are now (failed says what a failed attach is logged as).
func (m *Manager) endConsultRoom(r *rec, c *call, failed string) {
	id := c.ID
	parts := make(map[int64]api.JoinMode, len(c.parts))
	for s, mode := range c.parts {
		parts[s] = mode
	}
	r.effect(id, func() {
		m.media.CloseRoom(consultRoom(id))
		m.media.StopGuidance(id)
		for s, mode := range parts {
			if err := m.media.Attach(id, s, mode); err != nil {
				m.log.Warn(failed, "call_id", id, "staff_id", s, "err", err)
			}
		}
	})
}

// dropConsultee takes the consult's target out (they never were a
// participant of the call: call.left tells their softphone to leave).
func (m *Manager) dropConsultee(r *rec, c *call) {
	x := c.xfer
	if x == nil || x.consultee == 0 {
		return
	}
	s := x.consultee
	x.consultee, x.ConsultStaffID, x.Consulting = 0, 0, false
	if m.inCall[s] == c.ID {
		delete(m.inCall, s)
	}
	m.lastEnded[s] = m.now()
	m.event(r, c, api.EvCallLeft, s, s, map[string]any{"consult": true})
	id := c.ID
	r.effect(id, func() { m.media.Detach(consultRoom(id), s) })
	r.reroute = true
}

// xferEnded winds down the transfer of c, which ends now: a blind transfer
// nobody answered failed with the routing's reason; a consult's room closes.
func (m *Manager) xferEnded(r *rec, c *call, e ending) {
	x := c.xfer
	if x == nil {
		return
	}
	reason := string(e.reason())
	if reason == "" {
		reason = e.detail
	}
	m.dropConsultee(r, c)
	m.hangupLeg(r, c)
	m.xferEvent(r, c, api.EvCallTransferFailed, 0, reason)
	if x.Mode == api.TransferAttended {
		id := c.ID
		r.effect(id, func() { m.media.CloseRoom(consultRoom(id)) })
	}
	m.log.Info("transfer failed", "call_id", c.ID, "to", x.To.String(), "reason", reason)
	c.xfer = nil
}

// memberLocked reads a staff member's settings under m.mu (a short read).
func (m *Manager) memberLocked(staffID int64) (api.Staff, api.Settings, error) {
	return m.member(context.Background(), staffID)
}

// targetGone is the outcome of a blind transfer to one staff member who
// declined or let it ring out: nobody else may take it, so it follows the
// missed policy at once instead of waiting (voicemail when the channel
// takes it).
var targetGone = routing.Outcome{Step: routing.StepEnd, Missed: api.ReasonNoOperator, Detail: "transfer target did not answer"}

// afterRing replaces a wait the routing policy asked for when waiting
// cannot help: the staff member a blind transfer went to (or, on recall,
// the operator who passed it on) has been rung.
func (x *xferState) afterRing(o routing.Outcome) routing.Outcome {
	if (x.To.StaffID != 0 || x.recalled) && x.rang {
		return targetGone
	}
	return o
}

// recall: a blind transfer of c nobody took (e: why routing would end it)
// rings the operator who passed it on, once, when their softphone is
// connected, instead of ending the call; routing then rings them alone
// (busy: it waits what is left of the transfer's max wait). It reports
// whether it did; if not, the call ends as routing said.
func (m *Manager) recall(r *rec, c *call, e ending) bool {
	x := c.xfer
	if x == nil || x.Mode != api.TransferBlind || x.recalled || x.leg != 0 || c.trunkGone ||
		c.State == api.CallEnded || !m.media.Online(x.By) {
		return false
	}
	reason := string(e.reason())
	if reason == "" {
		reason = e.detail
	}
	for id := range c.ringing {
		m.stopRing(r, c, id, api.RingTimedOut)
	}
	for _, sl := range []slot{slotRing, slotMember, slotWait} {
		m.stopTimer(c, sl)
	}
	x.recalled, x.rang, x.waited, x.teamID = true, false, false, 0
	x.target = &api.Team{Name: "recall", ChannelID: c.ChannelID, Members: []int64{x.By}}
	delete(c.tried, x.By)
	c.ringDue = time.Time{}
	m.xferEvent(r, c, api.EvCallTransferRecalled, x.By, reason)
	m.log.Info("transfer recalled", "call_id", c.ID, "staff_id", x.By, "to", x.To.String(), "reason", reason)
	r.reroute = true
	return true
}

// handOver: the operator of an answered consult hangs up or leaves; as on
// a desk phone, that completes the transfer rather than dropping the
// customer. It reports whether it did.
func (m *Manager) handOver(r *rec, c *call, staffID int64) bool {
	x := c.xfer
	if x == nil || c.State != api.CallConsulting || staffID != x.By || !x.Consulting {
		return false
	}
	if x.leg != 0 {
		m.completeExternal(r, c)
	} else {
		m.completeConsult(r, c)
	}
	return true
}
