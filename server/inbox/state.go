package inbox

import (
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// A chat's state (opened, snoozed, closed) changes only through this file:
// staff patch it (PatchChat), snoozes wake up (WakeDueSnoozes), the call
// lifecycle closes a missed call's chat (CloseMissedChat) and automations
// close chats (CloseByAutomation). Each change is checked against
// transitions, applied by transition and announced by one chat.updated
// event whose data is a StateChange.

// Who may move a chat from one state to another.
type mover int

const (
	byStaff  mover = iota // PATCH /v1/chats/{id}
	bySystem              // snooze ended, missed call, automation
)

// transitions lists the state changes staff may make. A closed chat may be
// snoozed ("remind me to call back tomorrow"): it wakes up opened. Setting
// a chat to the state it is in is an invalid transition, except snoozed →
// snoozed which moves the wake-up time.
var transitions = map[api.ChatState][]api.ChatState{
	api.ChatOpened:  {api.ChatSnoozed, api.ChatClosed},
	api.ChatSnoozed: {api.ChatOpened, api.ChatClosed, api.ChatSnoozed},
	api.ChatClosed:  {api.ChatOpened, api.ChatSnoozed},
}

// allowed says whether who may move a chat from one state to another. The
// system may also close a chat that is closed already (a missed call's
// chat is closed whatever it was, so the missed mark is never lost).
func allowed(who mover, from, to api.ChatState) bool {
	if who == bySystem && to == api.ChatClosed {
		return true
	}
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// StateChange is the data of a chat.updated event that changes the state
// (PatchChat adds assignee_id and team_id when they change too).
type StateChange struct {
	From         api.ChatState    `json:"from_state,omitempty"` // empty when the writer did not load the chat
	To           api.ChatState    `json:"state"`
	SnoozedUntil *time.Time       `json:"snoozed_until,omitempty"`
	Missed       bool             `json:"missed,omitempty"`
	MissedReason api.MissedReason `json:"missed_reason,omitempty"`
	Reason       string           `json:"reason,omitempty"` // why the system changed it: snooze_ended
	By           string           `json:"by,omitempty"`     // automation
}

// fields is the change as event data fields, for events that carry more.
func (ch StateChange) fields(into map[string]any) {
	if ch.From != "" {
		into["from_state"] = ch.From
	}
	into["state"] = ch.To
	if ch.SnoozedUntil != nil {
		into["snoozed_until"] = *ch.SnoozedUntil
	}
	if ch.Missed {
		into["missed"], into["missed_reason"] = true, ch.MissedReason
	}
	if ch.Reason != "" {
		into["reason"] = ch.Reason
	}
	if ch.By != "" {
		into["by"] = ch.By
	}
}

// transition applies ch to c at now: state, snooze time, closed time and
// the missed mark. It refuses a change who may not make.
func transition(c *api.Chat, who mover, ch StateChange, now time.Time) error {
	if !ch.To.Valid() {
		return badRequest("unknown state %q (want opened, snoozed or closed)", ch.To)
	}
	if !allowed(who, c.State, ch.To) {
		return api.Errorf(api.CodeInvalidTransition, "chat %d is already %s", c.ID, c.State)
	}
	c.State, c.SnoozedUntil = ch.To, nil
	switch ch.To {
	case api.ChatSnoozed:
		if ch.SnoozedUntil == nil {
			return badRequest("snoozing needs snoozed_until")
		}
		u := ch.SnoozedUntil.UTC()
		c.SnoozedUntil, c.Closed = &u, nil
	case api.ChatClosed:
		n := now.UTC()
		c.Closed = &n
	case api.ChatOpened:
		c.Closed = nil
	}
	if ch.Missed {
		c.Missed, c.MissedReason = true, ch.MissedReason
	}
	return nil
}

// CloseMissedChat closes the chat of missed call callID with its reason at
// at (the call's end) and writes the chat.updated event, in tx. It writes
// in one statement without loading the chat (so the event has no
// from_state): the lifecycle does this for every missed call.
func CloseMissedChat(tx store.Tx, channelID, chatID, callID int64, reason api.MissedReason, at time.Time) error {
	if err := tx.CloseMissedChat(chatID, reason, at); err != nil {
		return err
	}
	ch := StateChange{To: api.ChatClosed, Missed: true, MissedReason: reason}
	return tx.Append(&api.Event{Type: api.EvChatUpdated, At: at.UTC(), ChannelID: channelID, ChatID: chatID, CallID: callID,
		Data: data(ch)})
}

// AssignByAnswer makes staffID, who answered call callID, the assignee of
// its chat at at and writes the chat.updated event, in tx (nothing when
// they are already). It is the lifecycle's one change of a chat besides
// closing a missed call's.
func AssignByAnswer(tx store.Tx, channelID, chatID, callID, staffID int64, at time.Time) error {
	c, err := tx.Chat(chatID)
	if err != nil {
		return err
	}
	if c.AssigneeID != nil && *c.AssigneeID == staffID {
		return nil
	}
	c.AssigneeID = &staffID
	if err := tx.UpdateChat(&c); err != nil {
		return err
	}
	return tx.Append(&api.Event{Type: api.EvChatUpdated, At: at.UTC(), ChannelID: channelID, ChatID: chatID, CallID: callID,
		StaffID: staffID, ActorID: staffID, Data: data(map[string]any{"assignee_id": staffID})})
}

// CloseByAutomation closes chat c (updated in place) at now and writes the
// chat.updated event, in tx. A closed chat stays as it is: closed is false.
func CloseByAutomation(tx store.Tx, c *api.Chat, now time.Time) (closed bool, err error) {
	if c.State == api.ChatClosed {
		return false, nil
	}
	ch := StateChange{From: c.State, To: api.ChatClosed, By: "automation"}
	if err := transition(c, bySystem, ch, now); err != nil {
		return false, err
	}
	if err := tx.UpdateChat(c); err != nil {
		return false, err
	}
	return true, appendChat(tx, *c, api.EvChatUpdated, 0, 0, ch)
}

// wake reopens snoozed chat c whose snooze ended and writes the event.
func wake(tx store.Tx, c *api.Chat, now time.Time) error {
	ch := StateChange{From: c.State, To: api.ChatOpened, Reason: "snooze_ended"}
	if err := transition(c, bySystem, ch, now); err != nil {
		return err
	}
	if err := tx.UpdateChat(c); err != nil {
		return err
	}
	return appendChat(tx, *c, api.EvChatUpdated, 0, 0, ch)
}
