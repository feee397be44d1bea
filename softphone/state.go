package softphone

import (
	"fmt"
	"time"
)

// State is the state of the softphone's persistent peer connection to meetd.
// The zero value is StateUnknown.
type State int

const (
	StateUnknown      State = iota
	StateIdle               // created, Start not called yet
	StateConnecting         // first negotiation under way
	StateConnected          // ICE and DTLS up, media can flow
	StateReconnecting       // the connection failed; a new one is being negotiated with back-off
	StateClosed             // Close was called
)

var stateNames = map[State]string{
	StateUnknown:      "unknown",
	StateIdle:         "idle",
	StateConnecting:   "connecting",
	StateConnected:    "connected",
	StateReconnecting: "reconnecting",
	StateClosed:       "closed",
}

func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// ParseState is the inverse of State.String.
func ParseState(s string) (State, error) {
	for k, v := range stateNames {
		if v == s && k != StateUnknown {
			return k, nil
		}
	}
	return StateUnknown, fmt.Errorf("softphone: unknown state %q", s)
}

// EventType names what an Event reports. The zero value is EventUnknown.
type EventType int

const (
	EventUnknown   EventType = iota
	EventState               // the connection state changed (Event.State)
	EventError               // something failed; the phone keeps going (Event.Err)
	EventJoined              // Joined was applied (Event.Muted tells the mic state)
	EventLeft                // Left was applied
	EventMuted               // the mic was muted or unmuted (Event.Muted)
	EventDenoise             // noise suppression switched (Event.Denoise)
	EventRing                // the ring tone started or stopped (Event.Ringing)
	EventDevice              // a device came back after an error (Event.Message)
	EventNegotiate           // an answer was applied (Event.Message names the codec)
)

var eventNames = map[EventType]string{
	EventUnknown:   "unknown",
	EventState:     "state",
	EventError:     "error",
	EventJoined:    "joined",
	EventLeft:      "left",
	EventMuted:     "muted",
	EventDenoise:   "denoise",
	EventRing:      "ring",
	EventDevice:    "device",
	EventNegotiate: "negotiated",
}

func (t EventType) String() string {
	if n, ok := eventNames[t]; ok {
		return n
	}
	return fmt.Sprintf("EventType(%d)", int(t))
}

// ParseEventType is the inverse of EventType.String.
func ParseEventType(s string) (EventType, error) {
	for k, v := range eventNames {
		if v == s && k != EventUnknown {
			return k, nil
		}
	}
	return EventUnknown, fmt.Errorf("softphone: unknown event type %q", s)
}

// Event is something the TUI (or `meet phone`) should know about.
type Event struct {
	Type    EventType
	At      time.Time
	State   State  // EventState
	Err     error  // EventError
	Message string // human-readable detail
	Muted   bool   // EventMuted, EventJoined
	Denoise bool   // EventDenoise
	Ringing bool   // EventRing
	CallID  int64  // EventJoined, EventLeft
}

func (e Event) String() string {
	switch e.Type {
	case EventState:
		return "state " + e.State.String()
	case EventError:
		return fmt.Sprintf("error: %v", e.Err)
	case EventMuted:
		return fmt.Sprintf("muted=%v", e.Muted)
	case EventJoined:
		return fmt.Sprintf("joined call %d muted=%v", e.CallID, e.Muted)
	case EventLeft:
		return fmt.Sprintf("left call %d", e.CallID)
	case EventDenoise:
		return fmt.Sprintf("denoise=%v", e.Denoise)
	case EventRing:
		return fmt.Sprintf("ringing=%v", e.Ringing)
	}
	return e.Type.String() + " " + e.Message
}
