package calls

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/internal/phonenum"
	"github.com/meet-dev/meet/server/hours"
	"github.com/meet-dev/meet/server/routing"
	"github.com/meet-dev/meet/server/store"
)

// This file is the trunk side: the methods of trunk.Handler.

// Inbound handles a new INVITE to number to from from: it creates (or finds)
// the customer, an opened phone chat and the call, then plays the greeting
// (or the out-of-hours guidance) and routes. Errors carry api codes:
// not_found when no channel has the number, unavailable when shutting down.
//
// The store is never waited for under the manager's lock: the channel is
// read first, the routing decision of an out-of-hours call is taken under
// the lock, and the call is created with its guidance (and eligibility)
// events in one transaction before it becomes live. Nobody knows the call
// until then, so no other input can touch it in between.
func (m *Manager) Inbound(ctx context.Context, from, to string) (int64, error) {
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	if to == "" {
		return 0, api.Errorf(api.CodeNotFound, "no number dialled")
	}
	if from == "" {
		from = "anonymous"
	}
	if m.isClosed() {
		return 0, api.Errorf(api.CodeUnavailable, "meetd is shutting down")
	}
	now := m.clock.Now()
	var ch api.Channel
	var view *channelView
	first := routing.Greeting
	err := m.view(ctx, func(tx store.Tx) error {
		var err error
		if ch, err = tx.ChannelByNumber(to); err != nil {
			if errors.Is(err, api.ErrNotFound) {
				return api.Errorf(api.CodeNotFound, "no channel has number %s", to)
			}
			return err
		}
		loc, err := hours.LoadLocation(ch.Timezone)
		if err != nil {
			m.log.Warn("channel time zone unusable, using UTC", "channel_id", ch.ID, "err", err)
		}
		if first = routing.Arrival(ch, loc, now); first.Missed != api.ReasonNone {
			// Nobody will be rung; record who would have been, for "why didn't I ring?".
			if view, err = loadViewOf(tx, ch); err != nil {
				m.log.Warn("loading channel for eligibility failed", "channel_id", ch.ID, "err", err)
				view = nil
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	var dec *routing.Decision
	if view != nil {
		m.mu.Lock()
		d := m.decide(view, nil)
		m.mu.Unlock()
		dec = &d
	}
	var c api.Call
	var elig *api.Eligibility
	// Normalised here, not in the transaction: one writer runs every
	// call's writes in turn, so what it does not have to do it is quicker.
	number := customerNumber(ch, from)
	// Grouped with other calls' writes under load (see writer).
	err = m.writeOps([]func(store.Tx) error{func(tx store.Tx) error {
		chat, err := newChatOf(tx, ch, number, nil)
		if err != nil {
			return err
		}
		c = api.Call{ChatID: chat.ID, ChannelID: ch.ID, Direction: api.Inbound, From: from, To: to, Created: now, Node: m.node}
		if c.State, err = transition(stateNew, inArrive); err != nil {
			return err
		}
		if err := createCall(tx, &chat, &c, 0); err != nil {
			return err
		}
		ev := func(typ api.EventType, data any) error {
			return tx.Append(&api.Event{Type: typ, At: now.UTC(), ChannelID: ch.ID, ChatID: chat.ID, CallID: c.ID,
				Data: mustJSON(data)})
		}
		if dec != nil {
			e := dec.Eligibility(c.ID, ch.ID)
			elig = &e
			if err := ev(api.EvCallEligibility, e); err != nil {
				return err
			}
		}
		return ev(api.EvCallGuidance, guidanceData(first.Guidance))
	}}, nil)
	if err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	lc := m.register(c, ch)
	lc.lastElig = elig
	r := m.newRec()
	if m.closed { // Close ran while the call was being stored: it ends here, the trunk refuses it.
		m.end(r, lc, endFor(causeShutdown, "server shutting down"), true)
		m.commit(ctx, r)
		return 0, api.Errorf(api.CodeUnavailable, "meetd is shutting down")
	}
	m.log.Info("inbound call", "call_id", c.ID, "chat_id", c.ChatID, "channel_id", ch.ID, "from", from, "to", to)
	r.effect(c.ID, func() {
		if err := m.media.OpenRoom(c.ID); err != nil {
			m.log.Error("opening the call's room failed", "call_id", c.ID, "err", err)
		}
	})
	m.startGuidance(r, lc, first)
	m.commit(ctx, r)
	return c.ID, nil
}

func (m *Manager) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// newChat finds or creates the customer of number and opens a phone chat
// for them. The number is put in E.164 with the channel's country first, so
// "03-1111-2222" typed on a Japanese channel and "+81311112222" from the
// trunk are one customer.
func newChat(tx store.Tx, ch api.Channel, number string, assignee *int64) (api.Chat, error) {
	return newChatOf(tx, ch, customerNumber(ch, number), assignee)
}

// customerNumber is number as customers are stored: E.164 with ch's country.
func customerNumber(ch api.Channel, number string) string {
	return phonenum.Normalize(number, phonenum.Region(ch.Numbers))
}

// newChatOf is newChat for a number already in customerNumber form.
func newChatOf(tx store.Tx, ch api.Channel, number string, assignee *int64) (api.Chat, error) {
	cust, err := tx.CustomerByNumber(number)
	if errors.Is(err, api.ErrNotFound) {
		cust = api.Customer{Number: number}
		err = tx.CreateCustomer(&cust)
		if errors.Is(err, api.ErrConflict) {
			// Another transaction (another node's call from the same
			// number) created them meanwhile: theirs is committed now.
			cust, err = tx.CustomerByNumber(number)
		}
	}
	if err != nil {
		return api.Chat{}, fmt.Errorf("customer %s: %w", number, err)
	}
	chat := api.Chat{ChannelID: ch.ID, Medium: api.MediumPhone, State: api.ChatOpened, AssigneeID: assignee,
		TeamID: ch.AutoAssignTeamID, Customer: cust, Followers: []int64{}, Tags: []string{}, Callbacks: []int64{}}
	if err := tx.CreateChat(&chat); err != nil {
		return api.Chat{}, err
	}
	return chat, nil
}

// createCall stores c in chat, points the chat at it and records both creations.
func createCall(tx store.Tx, chat *api.Chat, c *api.Call, actor int64) error {
	if err := tx.CreateCall(c); err != nil {
		return err
	}
	chat.LastCallID = &c.ID
	if err := tx.UpdateChat(chat); err != nil {
		return err
	}
	if err := tx.Append(&api.Event{Type: api.EvChatCreated, At: c.Created.UTC(), ChannelID: chat.ChannelID, ChatID: chat.ID,
		CallID: c.ID, ActorID: actor, StaffID: deref(chat.AssigneeID)}); err != nil {
		return err
	}
	return tx.Append(&api.Event{Type: api.EvCallCreated, At: c.Created.UTC(), ChannelID: chat.ChannelID, ChatID: chat.ID,
		CallID: c.ID, ActorID: actor, Data: mustJSON(map[string]any{"direction": c.Direction, "from": c.From, "to": c.To})})
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// register makes a stored call live.
func (m *Manager) register(c api.Call, ch api.Channel) *call {
	m.seq++
	if c.Participants == nil {
		c.Participants = []api.Participant{}
	}
	if c.RingAttempts == nil {
		c.RingAttempts = []api.RingAttempt{}
	}
	lc := &call{Call: c, seq: m.seq, channel: ch, ringing: map[int64]bool{}, tried: map[int64]api.RingOutcome{},
		parts: map[int64]api.JoinMode{}}
	m.calls[c.ID] = lc
	return lc
}

// liveInput runs fn on live call callID under the lock and commits what it
// recorded; unknown or ended calls are ignored (the trunk, or the media
// saying a prompt has played, may report late).
func (m *Manager) liveInput(callID int64, fn func(r *rec, c *call)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.calls[callID]
	if !ok {
		m.log.Debug("input for a call that is not live", "call_id", callID)
		return
	}
	r := m.newRec()
	fn(r, c)
	m.commit(context.Background(), r)
}

// CallerHungUp: BYE or CANCEL from the caller. An unanswered call is missed
// with userLeft.
func (m *Manager) CallerHungUp(callID int64, detail string) {
	if detail == "" {
		detail = "caller hung up"
	}
	if callID < 0 { // a transfer's dialled leg (transferLeg)
		m.legInput(callID, false, detail)
		return
	}
	m.liveInput(callID, func(r *rec, c *call) { m.end(r, c, endFor(causeCallerLeft, detail), true) })
}

// MediaTimeout: no RTP for the configured time; the call ends and the trunk hangs up.
func (m *Manager) MediaTimeout(callID int64) {
	if callID < 0 {
		m.legInput(callID, false, "media timeout")
		return
	}
	m.liveInput(callID, func(r *rec, c *call) { m.end(r, c, endFor(causeMediaTimeout, "media timeout"), false) })
}

// OutboundAnswered: the customer picked up an outbound call.
func (m *Manager) OutboundAnswered(callID int64) {
	if callID < 0 {
		m.legInput(callID, true, "")
		return
	}
	m.liveInput(callID, func(r *rec, c *call) {
		if c.State != api.CallDialing {
			m.log.Warn("outbound answer for a call not dialing", "call_id", callID, "state", string(c.State))
			return
		}
		m.stopTimer(c, slotDial)
		if m.move(c, inAnswered) != nil {
			return
		}
		c.Answered = ptrTime(m.clock.Now())
		m.saveCall(r, c)
		m.event(r, c, api.EvCallAnswered, deref(c.AssigneeID), 0, map[string]any{"direction": api.Outbound})
		m.startCallRecording(r, c)
	})
}

// OutboundFailed: the outbound INVITE failed (busy, no answer, rejected).
func (m *Manager) OutboundFailed(callID int64, detail string) {
	if detail == "" {
		detail = "dial failed"
	}
	if callID < 0 {
		m.legInput(callID, false, detail)
		return
	}
	m.liveInput(callID, func(r *rec, c *call) { m.end(r, c, endFor(causeDialFailed, detail), true) })
}

// DTMF records a key the caller pressed (RFC 4733 or SIP INFO); in the
// channel's menu it chooses (menu.go).
func (m *Manager) DTMF(callID int64, digit rune) {
	if callID < 0 {
		return // keys from a transfer's far end mean nothing here
	}
	m.liveInput(callID, func(r *rec, c *call) {
		m.event(r, c, api.EvCallDTMF, 0, 0, map[string]any{"digit": string(digit)})
		switch c.State {
		case api.CallMenu:
			m.menuKey(r, c, digit)
		case api.CallVoicemail:
			m.voicemailKey(r, c, digit)
		}
	})
}
