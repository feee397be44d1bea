package calls

import (
	"context"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/store"
)

// end is the one way a call ends. It stops every timer and ring, takes every
// participant out, sets the outcome (answered when Answered is set, otherwise
// reason; outbound calls nobody answered carry no missed reason), fills ended
// and duration, writes call.ended, closes the chat of a missed inbound call
// with its reason and tells the trunk and the room. trunkGone says the trunk
// side already ended (caller hung up, dial failed), so no hang-up is sent.
// Ending an ended call does nothing: every call ends exactly once.
func (m *Manager) end(r *rec, c *call, e ending, trunkGone bool) {
	if c.State == api.CallEnded {
		return
	}
	m.xferEnded(r, c, e)
	reason, detail := e.reason(), e.detail
	now := m.now()
	for s := range numSlots {
		m.stopTimer(c, slot(s))
	}
	// Members still ringing when the ring time runs out did not answer in
	// time; otherwise the caller left or the call ended around them.
	outcome := api.RingCancelled
	if reason == api.ReasonRingTimeout {
		outcome = api.RingTimedOut
	}
	for id := range c.ringing {
		m.stopRing(r, c, id, outcome)
	}
	for id := range c.parts {
		m.removeParticipant(r, c, id)
	}
	if c.vm != nil { // a voicemail call stays missed with the reason that sent it there
		reason = c.vm.ending.reason()
	}
	if c.Answered != nil || c.Direction == api.Outbound {
		reason = api.ReasonNone
	} else if !reason.Valid() {
		reason = api.ReasonUserLeft
	}
	m.endHold(c) // a call that ends on hold counts its held time
	m.move(c, inEnd)
	c.queued = false
	c.Ended = ptrTime(now)
	if c.Answered != nil {
		c.DurationS = int(now.Sub(*c.Answered).Seconds())
	}
	c.MissedReason, c.EndDetail = reason, detail
	c.trunkGone = c.trunkGone || trunkGone
	m.saveCall(r, c)
	m.event(r, c, api.EvCallEnded, 0, 0, map[string]any{"missed_reason": reason, "detail": detail})
	if reason != api.ReasonNone {
		m.closeMissedChat(r, c, reason)
	}
	id, gone, bridged := c.ID, c.trunkGone, c.bridged
	c.bridged = 0
	r.effect(id, func() {
		m.media.StopGuidance(id)
		if !gone {
			m.trunk.Hangup(id, detail)
		}
		if bridged != 0 { // the far end of an external transfer
			m.trunk.Hangup(bridged, detail)
		}
		m.media.CloseRoom(id)
	})
	delete(m.calls, c.ID)
	r.reroute = true
	m.log.Info("call ended", "call_id", c.ID, "chat_id", c.ChatID, "missed_reason", string(reason), "detail", detail,
		"duration_s", c.DurationS)
}

// closeMissedChat closes the chat of a missed call and marks it with the reason.
func (m *Manager) closeMissedChat(r *rec, c *call, reason api.MissedReason) {
	chatID, channelID, callID := c.ChatID, c.ChannelID, c.ID
	at := *c.Ended
	r.do(func(tx store.Tx) error { return inbox.CloseMissedChat(tx, channelID, chatID, callID, reason, at) })
}

// addParticipant puts staffID into c (leaving any other call first, and
// giving up any ring elsewhere). It returns the call the member left, 0 when none.
func (m *Manager) addParticipant(r *rec, c *call, staffID int64, mode api.JoinMode, muteOnJoin bool) (left int64) {
	if other, ok := m.inCall[staffID]; ok && other != c.ID {
		if oc, ok := m.calls[other]; ok {
			m.leave(r, oc, staffID)
			left = other
		}
	}
	if other, ok := m.ringing[staffID]; ok && other != c.ID {
		if oc, ok := m.calls[other]; ok {
			m.stopRing(r, oc, staffID, api.RingCancelled)
		}
	}
	if c.ringing[staffID] {
		m.stopRing(r, c, staffID, api.RingAccepted)
	}
	now := m.now()
	if _, already := c.parts[staffID]; already {
		m.removeParticipant(r, c, staffID) // a change of mode: leave and come back
	}
	c.parts[staffID] = mode
	m.inCall[staffID] = c.ID
	if m.claim != nil {
		m.claim.Seat(staffID, c.ID)
	}
	p := api.Participant{StaffID: staffID, Mode: mode, Joined: now, Muted: muteOnJoin}
	c.Participants = append(c.Participants, p)
	callID := c.ID
	r.do(func(tx store.Tx) error { return tx.AddParticipant(callID, p) })
	m.event(r, c, api.EvCallJoined, staffID, staffID, map[string]any{"mode": mode, "mute_on_join": muteOnJoin})
	return left
}

// removeParticipant takes staffID out of c and detaches their softphone.
func (m *Manager) removeParticipant(r *rec, c *call, staffID int64) {
	if _, ok := c.parts[staffID]; !ok {
		return
	}
	now := m.now()
	delete(c.parts, staffID)
	if m.inCall[staffID] == c.ID {
		delete(m.inCall, staffID)
	}
	if m.claim != nil {
		m.claim.Release(staffID, c.ID)
	}
	m.lastEnded[staffID] = now
	for i := len(c.Participants) - 1; i >= 0; i-- {
		if p := &c.Participants[i]; p.StaffID == staffID && p.Left == nil {
			p.Left = ptrTime(now)
			break
		}
	}
	callID := c.ID
	r.do(func(tx store.Tx) error { return tx.EndParticipant(callID, staffID, now) })
	m.event(r, c, api.EvCallLeft, staffID, staffID, nil)
	r.effect(callID, func() { m.media.Detach(callID, staffID) })
	r.reroute = true
}

// leave takes staffID out of c; a call left without anyone who talks to the
// caller ends (answered), and so does an outbound call its dialer leaves.
func (m *Manager) leave(r *rec, c *call, staffID int64) {
	m.removeParticipant(r, c, staffID)
	if c.State != api.CallActive && c.State != api.CallDialing {
		return
	}
	for _, mode := range c.parts {
		if mode == api.ModeTalk || mode == api.ModeBarge {
			return
		}
	}
	m.end(r, c, endFor(causeEveryoneLeft, "everyone left"), false)
}

// withCall runs fn on a live call under the lock and commits what it recorded.
func (m *Manager) withCall(ctx context.Context, callID int64, fn func(r *rec, c *call) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.calls[callID]
	if !ok {
		return m.notLive(ctx, callID)
	}
	r := m.newRec()
	if err := fn(r, c); err != nil {
		m.commit(ctx, r)
		return err
	}
	return m.commit(ctx, r)
}

// notLive explains why callID is not a live call: unknown or already ended.
func (m *Manager) notLive(ctx context.Context, callID int64) error {
	var ended bool
	err := m.st.View(ctx, func(tx store.Tx) error {
		c, err := tx.Call(callID)
		ended = err == nil && c.State == api.CallEnded
		return err
	})
	if ended || err == nil {
		return api.Errorf(api.CodeInvalidTransition, "call %d has ended", callID)
	}
	return api.Errorf(api.CodeNotFound, "no call %d", callID)
}
