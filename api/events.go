package api

import (
	"encoding/json"
	"time"
)

// EventType names what happened. Events are append-only and drive the chat
// timeline, the "why didn't I ring" view, statistics and the WebSocket stream.
type EventType string

const (
	EvChatCreated     EventType = "chat.created"
	EvChatUpdated     EventType = "chat.updated" // data: {"from_state","state","snoozed_until","missed","missed_reason","reason","by","assignee_id","team_id"} as changed
	EvChatTagged      EventType = "chat.tagged"
	EvChatUntagged    EventType = "chat.untagged"
	EvChatFollowed    EventType = "chat.followed"
	EvChatLinked      EventType = "chat.linked" // callback_of link; data: {"callback_chat_id","by"}
	EvMemoAdded       EventType = "memo.added"
	EvMessageAdded    EventType = "message.added"
	EvCallCreated     EventType = "call.created"
	EvCallGuidance    EventType = "call.guidance" // data: {"kind"}
	EvCallWaiting     EventType = "call.waiting"
	EvCallEligibility EventType = "call.eligibility" // data: Eligibility
	EvCallRinging     EventType = "call.ringing"     // staff_id is the rung member
	EvCallRingEnded   EventType = "call.ring_ended"  // staff_id, data: {"outcome"}
	EvCallDialing     EventType = "call.dialing"
	EvCallAnswered    EventType = "call.answered" // staff_id answered
	EvCallJoined      EventType = "call.joined"   // staff_id, data: {"mode","mute_on_join"}
	EvCallLeft        EventType = "call.left"
	EvCallInvited     EventType = "call.invited" // staff_id invited, data: {"by"}
	EvCallDTMF        EventType = "call.dtmf"    // data: {"digit"}
	EvCallEnded       EventType = "call.ended"   // data: {"missed_reason","detail"}
	EvSettingsUpdated EventType = "settings.updated"
	EvStaffPresence   EventType = "staff.presence" // data: {"online"}
	EvAutomationRun   EventType = "automation.run"
	EvSMSStatus       EventType = "sms.status"
	EvCustomerUpdated EventType = "customer.updated"
	EvChannelUpdated  EventType = "channel.updated"
)

// Event is one row of the append-only log.
type Event struct {
	ID        int64           `json:"id"`
	Type      EventType       `json:"type"`
	At        time.Time       `json:"at"`
	ChannelID int64           `json:"channel_id,omitempty"`
	ChatID    int64           `json:"chat_id,omitempty"`
	CallID    int64           `json:"call_id,omitempty"`
	StaffID   int64           `json:"staff_id,omitempty"` // who it concerns (rung, joined, wrote...)
	ActorID   int64           `json:"actor_id,omitempty"` // who did it, 0 for the system
	Data      json.RawMessage `json:"data,omitempty"`
}

// WS message types on GET /v1/ws. The client connects with ?since=<last event id>
// and authenticates with the bearer token in the Authorization header or, where
// headers cannot be set (browsers), ?ticket= from POST /v1/ws/ticket (single use,
// 30 s; tokens in URLs are refused: they end up in proxy logs), and receives every
// event after that id that it may see, then live ones, in id order.
const (
	WSEvent        = "event"         // server → client: Event
	WSHello        = "hello"         // server → client: first message, LastEventID = newest id
	WSPing         = "ping"          // both ways
	WSPong         = "pong"          // both ways
	WSRTCOffer     = "rtc.offer"     // client → server: SDP offer of the softphone (non-trickle)
	WSRTCAnswer    = "rtc.answer"    // server → client: SDP answer
	WSRTCCandidate = "rtc.candidate" // both ways, optional trickle
	WSRTCState     = "rtc.state"     // server → client: the peer connection's state
	WSError        = "error"         // server → client: Error
)

// WSMessage is the envelope of every WebSocket frame.
type WSMessage struct {
	Type        string          `json:"type"`
	Event       *Event          `json:"event,omitempty"`
	LastEventID int64           `json:"last_event_id,omitempty"`
	SDP         string          `json:"sdp,omitempty"`
	Candidate   json.RawMessage `json:"candidate,omitempty"`
	State       string          `json:"state,omitempty"`
	Error       *Error          `json:"error,omitempty"`
}

// WSTicket is the answer of POST /v1/ws/ticket: a single-use credential for
// GET /v1/ws?ticket=…, valid ExpiresInS seconds.
type WSTicket struct {
	Ticket     string `json:"ticket"`
	ExpiresInS int    `json:"expires_in_s"`
}
