package calls

import (
	"context"
	"errors"
	"slices"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/store"
)

// This file is the staff side: the methods of httpapi.CallControl.

// member loads a staff member and their settings.
func (m *Manager) member(ctx context.Context, staffID int64) (api.Staff, api.Settings, error) {
	var s api.Staff
	var set api.Settings
	err := m.st.View(ctx, func(tx store.Tx) error {
		var err error
		if s, err = tx.Staff(staffID); err != nil {
			if errors.Is(err, api.ErrNotFound) {
				return api.Errorf(api.CodeNotFound, "no staff member %d", staffID)
			}
			return err
		}
		set, err = tx.Settings(staffID)
		return err
	})
	return s, set, err
}

// connected refuses a member whose softphone is not connected: answering or
// joining would leave the caller talking to nobody.
func (m *Manager) connected(staffID int64) error {
	if !m.media.Online(staffID) {
		return api.Errorf(api.CodeUnavailable, "staff member %d has no connected softphone; connect it and try again", staffID)
	}
	return nil
}

func inChannel(s api.Staff, channelID int64) error {
	if !slices.Contains(s.Channels, channelID) {
		return api.Errorf(api.CodeForbidden, "staff member %d is not a member of channel %d", s.ID, channelID)
	}
	return nil
}

// effectsDone queues a marker after everything queued so far on the call's
// lane and waits for it, so a caller returns once its trunk and media
// effects have run.
func (m *Manager) effectsDone(callID int64) {
	done := make(chan struct{})
	if m.q.push(callID, func() { close(done) }) {
		<-done
	}
}

// Accept answers a ringing (or waiting) inbound call: the first accept wins,
// every other ring is cancelled, the trunk answers, the member's softphone is
// attached to the room and they become the assignee. A member in another call
// leaves it (JoinResult.LeftCallID).
func (m *Manager) Accept(ctx context.Context, staffID, callID int64) (api.JoinResult, error) {
	s, set, err := m.member(ctx, staffID)
	if err != nil {
		return api.JoinResult{}, err
	}
	var res api.JoinResult
	var answerErr, attachErr error
	err = m.withCall(ctx, callID, func(r *rec, c *call) error {
		if err := inChannel(s, c.ChannelID); err != nil {
			return err
		}
		switch c.State {
		case api.CallActive:
			return api.Errorf(api.CodeConflict, "call %d was already answered by staff member %d", callID, deref(c.AssigneeID))
		case api.CallDialing:
			return api.Errorf(api.CodeInvalidTransition, "call %d is an outbound call being dialled; join it instead", callID)
		}
		xfer := c.xfer != nil
		if xfer && !c.ringing[staffID] {
			return api.Errorf(api.CodeConflict, "call %d is being transferred to %s, not to you", callID, c.xfer.To)
		}
		if err := m.connected(staffID); err != nil {
			return err
		}
		if c.State == api.CallConsulting { // the target answers an attended transfer's consult
			m.acceptConsult(r, c, staffID)
			id := c.ID
			r.effect(id, func() { attachErr = m.media.Attach(consultRoom(id), staffID, api.ModeTalk) })
			res = api.JoinResult{Call: c.snapshot(), Mode: api.ModeTalk, MuteOnJoin: set.MuteOnJoin}
			return nil
		}
		now := m.clock.Now()
		for _, sl := range []slot{slotRing, slotMember, slotWait, slotGuidance} {
			m.stopTimer(c, sl)
		}
		for id := range c.ringing {
			if id != staffID {
				m.stopRing(r, c, id, api.RingCancelled)
			}
		}
		if err := m.move(c, inAnswer); err != nil {
			return err
		}
		c.queued, c.music = false, false
		if !xfer { // a transferred call was answered by its first operator
			c.Answered = ptrTime(now)
		}
		c.AssigneeID = ptrInt(staffID)
		left := m.addParticipant(r, c, staffID, api.ModeTalk, set.MuteOnJoin)
		m.saveCall(r, c)
		m.event(r, c, api.EvCallAnswered, staffID, staffID, nil)
		m.assignChat(r, c, staffID)
		id := c.ID
		if xfer {
			m.transferAnswered(r, c, staffID)
			m.saveCall(r, c)
			r.effect(id, func() {
				m.media.StopGuidance(id)
				attachErr = m.media.Attach(id, staffID, api.ModeTalk)
			})
			res = api.JoinResult{Call: c.snapshot(), Mode: api.ModeTalk, MuteOnJoin: set.MuteOnJoin}
			if left != 0 {
				res.LeftCallID = ptrInt(left)
			}
			return nil
		}
		r.effect(id, func() {
			m.media.StopGuidance(id)
			if answerErr = m.trunk.Answer(id); answerErr != nil {
				m.log.Error("trunk answer failed", "call_id", id, "staff_id", staffID, "err", answerErr)
				detail := "answer failed: " + answerErr.Error()
				m.liveInput(id, func(r *rec, c *call) {
					c.Answered = nil // the caller never got through: missed, not answered
					m.end(r, c, endFor(causeCallerLeft, detail), false)
				})
				return
			}
			attachErr = m.media.Attach(id, staffID, api.ModeTalk)
		})
		res = api.JoinResult{Call: c.snapshot(), Mode: api.ModeTalk, MuteOnJoin: set.MuteOnJoin}
		if left != 0 {
			res.LeftCallID = ptrInt(left)
		}
		m.startCallRecording(r, c)
		m.log.Info("call accepted", "call_id", id, "chat_id", c.ChatID, "staff_id", staffID)
		return nil
	})
	if err != nil {
		return api.JoinResult{}, err
	}
	m.effectsDone(callID)
	if answerErr != nil {
		return api.JoinResult{}, api.Errorf(api.CodeUnavailable, "the trunk could not answer call %d: %v", callID, answerErr)
	}
	if attachErr != nil {
		return res, api.Errorf(api.CodeUnavailable, "call %d answered but your softphone could not be connected to it (join again to retry): %v", callID, attachErr)
	}
	return res, nil
}

// assignChat makes staffID the assignee of c's chat.
func (m *Manager) assignChat(r *rec, c *call, staffID int64) {
	chatID, channelID, callID := c.ChatID, c.ChannelID, c.ID
	at := m.clock.Now().UTC()
	r.do(func(tx store.Tx) error { return inbox.AssignByAnswer(tx, channelID, chatID, callID, staffID, at) })
}

// Decline stops the call ringing for staffID; it rings the next member or waits.
func (m *Manager) Decline(ctx context.Context, staffID, callID int64) error {
	return m.withCall(ctx, callID, func(r *rec, c *call) error {
		if !c.ringing[staffID] {
			return api.Errorf(api.CodeInvalidTransition, "call %d is not ringing for staff member %d", callID, staffID)
		}
		m.stopRing(r, c, staffID, api.RingDeclined)
		if c.State == api.CallConsulting && len(c.ringing) == 0 {
			m.cancelConsult(r, c, 0, "declined")
		}
		return nil
	})
}

// Join puts staffID into an answered call in mode (talk for any channel
// member; listen, whisper and barge need supervisor or admin). Joining the
// call one is in changes the mode; joining another leaves the current one.
func (m *Manager) Join(ctx context.Context, staffID, callID int64, mode api.JoinMode) (api.JoinResult, error) {
	if mode == "" {
		mode = api.ModeTalk
	}
	if !mode.Valid() {
		return api.JoinResult{}, api.Errorf(api.CodeBadRequest, "unknown join mode %q (want talk, listen, whisper or barge)", mode)
	}
	s, set, err := m.member(ctx, staffID)
	if err != nil {
		return api.JoinResult{}, err
	}
	if mode.Supervisory() && s.Role.Rank() < api.RoleSupervisor.Rank() {
		return api.JoinResult{}, api.Errorf(api.CodeForbidden, "joining in %s mode needs the supervisor role", mode)
	}
	var res api.JoinResult
	var attachErr error
	err = m.withCall(ctx, callID, func(r *rec, c *call) error {
		if err := inChannel(s, c.ChannelID); err != nil {
			return err
		}
		if c.State != api.CallActive && c.State != api.CallDialing {
			return api.Errorf(api.CodeInvalidTransition, "call %d is %s, not answered yet; accept it instead", callID, c.State)
		}
		if err := m.connected(staffID); err != nil {
			return err
		}
		left := m.addParticipant(r, c, staffID, mode, set.MuteOnJoin)
		id := c.ID
		r.effect(id, func() { attachErr = m.media.Attach(id, staffID, mode) })
		res = api.JoinResult{Call: c.snapshot(), Mode: mode, MuteOnJoin: set.MuteOnJoin}
		if left != 0 {
			res.LeftCallID = ptrInt(left)
		}
		return nil
	})
	if err != nil {
		return api.JoinResult{}, err
	}
	m.effectsDone(callID)
	if attachErr != nil {
		return res, api.Errorf(api.CodeUnavailable, "your softphone could not be connected to call %d (join again to retry): %v", callID, attachErr)
	}
	return res, nil
}

// Invite asks staffID to join a live call: they become a follower of its chat
// and get a call.invited event (their notification).
func (m *Manager) Invite(ctx context.Context, byStaffID, callID, staffID int64) error {
	by, _, err := m.member(ctx, byStaffID)
	if err != nil {
		return err
	}
	who, _, err := m.member(ctx, staffID)
	if err != nil {
		return err
	}
	return m.withCall(ctx, callID, func(r *rec, c *call) error {
		if err := inChannel(by, c.ChannelID); err != nil {
			return err
		}
		if err := inChannel(who, c.ChannelID); err != nil {
			return err
		}
		if m.inCall[staffID] == callID {
			return api.Errorf(api.CodeConflict, "staff member %d is already in call %d", staffID, callID)
		}
		chatID := c.ChatID
		r.do(func(tx store.Tx) error {
			ch, err := tx.Chat(chatID)
			if err != nil {
				return err
			}
			if slices.Contains(ch.Followers, staffID) {
				return nil
			}
			return tx.AddFollower(chatID, staffID)
		})
		m.event(r, c, api.EvCallInvited, staffID, byStaffID, map[string]any{"by": byStaffID})
		return nil
	})
}

// Leave takes staffID out of a call; the call ends when nobody who talks to
// the caller is left.
func (m *Manager) Leave(ctx context.Context, staffID, callID int64) error {
	return m.withCall(ctx, callID, func(r *rec, c *call) error {
		if c.xfer != nil && c.xfer.consultee == staffID { // the target hangs up the consult
			m.cancelConsult(r, c, 0, "target left")
			return nil
		}
		if m.handOver(r, c, staffID) {
			return nil
		}
		if _, ok := c.parts[staffID]; !ok {
			return api.Errorf(api.CodeInvalidTransition, "staff member %d is not in call %d", staffID, callID)
		}
		m.leave(r, c, staffID)
		return nil
	})
}

// Hangup ends an answered or dialing call for everyone. Participants may hang
// up; so may supervisors and admins of the channel.
func (m *Manager) Hangup(ctx context.Context, staffID, callID int64) error {
	s, _, err := m.member(ctx, staffID)
	if err != nil {
		return err
	}
	return m.withCall(ctx, callID, func(r *rec, c *call) error {
		if c.xfer != nil && c.xfer.consultee == staffID { // the consult's target hangs up: the consult only
			m.cancelConsult(r, c, 0, "target hung up")
			return nil
		}
		if m.handOver(r, c, staffID) {
			return nil
		}
		_, in := c.parts[staffID]
		if !in {
			if err := inChannel(s, c.ChannelID); err != nil {
				return err
			}
			if s.Role.Rank() < api.RoleSupervisor.Rank() {
				return api.Errorf(api.CodeForbidden, "staff member %d is not in call %d", staffID, callID)
			}
		}
		if c.State != api.CallActive && c.State != api.CallDialing && c.State != api.CallConsulting {
			return api.Errorf(api.CodeInvalidTransition, "call %d is %s, not answered; decline it instead", callID, c.State)
		}
		m.end(r, c, endFor(causeStaffHangup, "hung up by staff"), false)
		return nil
	})
}

// Reevaluate offers every waiting or ringing call, oldest first, to whoever
// is eligible now. The lifecycle calls it itself whenever it frees someone;
// HandleEvents calls it for changes made elsewhere.
func (m *Manager) Reevaluate() {
	m.reevalQd.Store(false)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	r := m.newRec()
	m.routeAll(r)
	m.commit(context.Background(), r)
}

// HandleEvents takes committed events from the bus. Changes that can make
// someone eligible (chat closed or snoozed, settings, presence, a call ended,
// channel settings) queue one Reevaluate. It never blocks.
func (m *Manager) HandleEvents(evs []api.Event) {
	for _, e := range evs {
		switch e.Type {
		case api.EvChatUpdated, api.EvSettingsUpdated, api.EvStaffPresence, api.EvCallEnded, api.EvChannelUpdated, api.EvCallLeft:
			if m.reevalQd.CompareAndSwap(false, true) {
				m.q.push(laneGeneral, m.Reevaluate)
			}
			return
		}
	}
}
