package calls

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// ValidNumber checks a number to dial: digits with an optional leading +,
// and * or #, 2 to 32 characters; spaces, dashes, dots and brackets are dropped.
func ValidNumber(s string) (string, error) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9', r == '*', r == '#':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			return "", api.Errorf(api.CodeBadRequest, "number %q has a character %q that cannot be dialled", s, r)
		}
	}
	n := b.String()
	if len(strings.TrimPrefix(n, "+")) < 2 || len(n) > 32 {
		return "", api.Errorf(api.CodeBadRequest, "number %q is not a phone number (2 to 32 digits)", s)
	}
	return n, nil
}

// Dial places an outbound call from channelID (0: the member's only channel)
// to number to, in a new phone chat assigned to the member, who joins the
// call's room at once and hears it ring (`meet call NUMBER`).
func (m *Manager) Dial(ctx context.Context, staffID, channelID int64, to string) (api.CallbackResult, error) {
	return m.dial(ctx, staffID, channelID, to, 0)
}

// Callback calls the customer of chatID back in a new phone chat linked to
// the old one; the old chat's timeline records who called back (chat.linked).
func (m *Manager) Callback(ctx context.Context, staffID, chatID int64) (api.CallbackResult, error) {
	var orig api.Chat
	err := m.st.View(ctx, func(tx store.Tx) error {
		var err error
		orig, err = tx.Chat(chatID)
		if errors.Is(err, api.ErrNotFound) {
			return api.Errorf(api.CodeNotFound, "no chat %d", chatID)
		}
		return err
	})
	if err != nil {
		return api.CallbackResult{}, err
	}
	if orig.Medium != api.MediumPhone {
		return api.CallbackResult{}, api.Errorf(api.CodeBadRequest, "chat %d is not a phone chat", chatID)
	}
	if orig.Customer.Number == "" || orig.Customer.Number == "anonymous" {
		return api.CallbackResult{}, api.Errorf(api.CodeBadRequest, "chat %d has no number to call back (anonymous caller)", chatID)
	}
	return m.dial(ctx, staffID, orig.ChannelID, orig.Customer.Number, chatID)
}

func (m *Manager) dial(ctx context.Context, staffID, channelID int64, to string, callbackOf int64) (api.CallbackResult, error) {
	number, err := ValidNumber(to)
	if err != nil {
		return api.CallbackResult{}, err
	}
	s, set, err := m.member(ctx, staffID)
	if err != nil {
		return api.CallbackResult{}, err
	}
	if channelID == 0 {
		if len(s.Channels) != 1 {
			return api.CallbackResult{}, api.Errorf(api.CodeBadRequest, "staff member %d is in %d channels; say which one to call from", staffID, len(s.Channels))
		}
		channelID = s.Channels[0]
	}
	if err := inChannel(s, channelID); err != nil {
		return api.CallbackResult{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return api.CallbackResult{}, api.Errorf(api.CodeUnavailable, "meetd is shutting down")
	}
	now := m.clock.Now()
	var res api.CallbackResult
	var ch api.Channel
	err = m.inOrder(func() error {
		return m.st.Update(ctx, func(tx store.Tx) error {
			var err error
			if ch, err = tx.Channel(channelID); err != nil {
				return err
			}
			if len(ch.Numbers) == 0 {
				return api.Errorf(api.CodeBadRequest, "channel %s has no number to call from", ch.Name)
			}
			chat, err := newChat(tx, ch, number, &staffID)
			if err != nil {
				return err
			}
			c := api.Call{ChatID: chat.ID, ChannelID: ch.ID, Direction: api.Outbound, From: ch.Numbers[0], To: number,
				AssigneeID: &staffID, Created: now, Node: m.node}
			if c.State, err = transition(stateNew, inDial); err != nil {
				return err
			}
			if err := createCall(tx, &chat, &c, staffID); err != nil {
				return err
			}
			if callbackOf != 0 {
				if err := tx.LinkCallback(callbackOf, chat.ID); err != nil {
					return err
				}
				if err := tx.Append(&api.Event{Type: api.EvChatLinked, At: now.UTC(), ChannelID: ch.ID, ChatID: callbackOf,
					CallID: c.ID, StaffID: staffID, ActorID: staffID,
					Data: mustJSON(map[string]any{"callback_chat_id": chat.ID, "by": staffID})}); err != nil {
					return err
				}
				if chat, err = tx.Chat(chat.ID); err != nil {
					return err
				}
			}
			res = api.CallbackResult{Chat: chat, Call: c}
			return nil
		})
	})
	if err != nil {
		return api.CallbackResult{}, err
	}
	lc := m.register(res.Call, ch)
	r := m.newRec()
	m.event(r, lc, api.EvCallDialing, staffID, staffID, map[string]any{"to": number, "callback_of": callbackOf})
	id, from := lc.ID, lc.From
	r.effect(id, func() {
		if err := m.media.OpenRoom(id); err != nil {
			m.log.Error("opening the call's room failed", "call_id", id, "err", err)
		}
	})
	m.addParticipant(r, lc, staffID, api.ModeTalk, set.MuteOnJoin)
	r.effect(id, func() {
		if err := m.media.Attach(id, staffID, api.ModeTalk); err != nil {
			m.log.Warn("attaching the dialer failed", "call_id", id, "staff_id", staffID, "err", err)
		}
		if err := m.trunk.Dial(id, from, number); err != nil {
			m.liveInput(id, func(r *rec, c *call) { m.end(r, c, endFor(causeDialFailed, "dial failed: "+err.Error()), true) })
		}
	})
	m.startTimer(lc, slotDial, m.dialTO, func(r *rec) {
		if lc.State == api.CallDialing {
			m.end(r, lc, endFor(causeNoAnswer, "no answer"), false)
		}
	})
	m.saveCall(r, lc)
	res.Call = lc.snapshot()
	m.commit(ctx, r)
	m.log.Info("outbound call", "call_id", id, "chat_id", lc.ChatID, "staff_id", staffID, "to", number, "callback_of", callbackOf)
	return res, nil
}

// CallEligibility answers who would ring for a call now (a live call) or who
// was eligible when it was last routed (an ended one).
func (m *Manager) CallEligibility(ctx context.Context, callID int64) (api.Eligibility, error) {
	m.mu.Lock()
	if c, ok := m.calls[callID]; ok {
		defer m.mu.Unlock()
		v, err := m.loadChannel(ctx, c.ChannelID)
		if err != nil {
			return api.Eligibility{}, err
		}
		return m.decide(v, c).Eligibility(c.ID, c.ChannelID), nil
	}
	m.mu.Unlock()
	var out api.Eligibility
	var found bool
	var channelID int64
	err := m.st.View(ctx, func(tx store.Tx) error {
		c, err := tx.Call(callID)
		if err != nil {
			if errors.Is(err, api.ErrNotFound) {
				return api.Errorf(api.CodeNotFound, "no call %d", callID)
			}
			return err
		}
		channelID = c.ChannelID
		evs, err := tx.CallEvents(callID)
		if err != nil {
			return err
		}
		for i := len(evs) - 1; i >= 0; i-- {
			if evs[i].Type == api.EvCallEligibility {
				found = json.Unmarshal(evs[i].Data, &out) == nil
				if found {
					return nil
				}
			}
		}
		return nil
	})
	if err != nil {
		return api.Eligibility{}, err
	}
	if !found { // never routed (out of hours, or hung up during the greeting): as it stands now
		m.mu.Lock()
		defer m.mu.Unlock()
		v, err := m.loadChannel(ctx, channelID)
		if err != nil {
			return api.Eligibility{}, err
		}
		out = m.decide(v, nil).Eligibility(callID, channelID)
	}
	return out, nil
}

// StaffEligibility answers "why didn't I ring?": per channel of the member,
// the reason they would not ring for a new call now ("" when they would).
func (m *Manager) StaffEligibility(ctx context.Context, staffID int64) (api.StaffEligibility, error) {
	s, _, err := m.member(ctx, staffID)
	if err != nil {
		return api.StaffEligibility{}, err
	}
	out := api.StaffEligibility{StaffID: staffID, Channels: map[int64]api.IneligibleReason{}}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ch := range s.Channels {
		v, err := m.loadChannel(ctx, ch)
		if err != nil {
			return api.StaffEligibility{}, err
		}
		d := m.decideWith(v, nil, true)
		out.Channels[ch] = d.Reason(staffID)
		if !d.InOperation {
			if out.Closed == nil {
				out.Closed = map[int64]bool{}
			}
			out.Closed[ch] = true
		}
	}
	return out, nil
}

// Simulate is the decision for a hypothetical call to channelID at the
// manager's clock (what `meetd route simulate` prints for a live server).
func (m *Manager) Simulate(ctx context.Context, channelID int64) (api.Eligibility, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, err := m.loadChannel(ctx, channelID)
	if err != nil {
		return api.Eligibility{}, err
	}
	return m.decide(v, nil).Eligibility(0, channelID), nil
}
