package calls

import (
	"fmt"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/routing"
)

// The call lifecycle as a state machine (SPEC §2, in the spirit of sipgo's
// dialog FSMs). States are api.CallState (the zero value is a call not
// created yet); inputs are what moves a call. transition is the only
// function that says which state an input leads to; Manager.move is the only
// place that assigns a live call's state. An input that does not fit the
// state is refused with ErrTransition.
//
//	new ─arrive→ guidance ─ring→ ringing ─answer→ active ─end→ ended
//	              │  │  ▲          │   ▲
//	         menu │  │  guidance   wait│ring
//	              ▼  └─wait→ waiting ──┘
//	             menu ─ring/wait/guidance→ (as from guidance)
//	guidance, menu, waiting, ringing ─voicemail→ voicemail ─end→ ended
//	new ─dial→ dialing ─answered→ active
//	active ─transfer→ transferring ─ring/wait/guidance/voicemail→ (as from guidance)   blind (transfer.go)
//	                  transferring ─answered→ active                                 blind to a number
//	                  transferring ─cancel→ active                                   the number could not be dialled
//	active ─consult→ consulting ─complete/cancel→ active                             attended
//	(every state but ended) ─end→ ended

// input is what happens to a call.
type input int

const (
	inUnknown   input = iota
	inArrive          // an inbound call arrives: its first guidance plays
	inDial            // an outbound call is placed
	inGuidance        // a guidance plays (out of hours, not accepting)
	inMenu            // a prompt of the channel's menu plays (menu.go)
	inRing            // members ring for it
	inWait            // nobody rings: the caller waits
	inAnswer          // a member accepts it
	inAnswered        // the customer picked up an outbound call
	inEnd             // it ends
	inVoicemail       // it would be missed: the caller leaves a message instead (voicemail.go)
	inTransfer        // a blind transfer takes it from its operator to be routed to the target (transfer.go)
	inConsult         // an attended transfer holds the customer while the operator consults the target
	inComplete        // the consult ends with the customer joined to the target
	inCancel          // the consult ends with the customer back with the operator
)

var inputNames = [...]string{"unknown", "arrive", "dial", "guidance", "menu", "ring", "wait", "answer", "answered", "end", "voicemail",
	"transfer", "consult", "complete", "cancel"}

func (i input) String() string {
	if i < 0 || int(i) >= len(inputNames) {
		return inputNames[0]
	}
	return inputNames[i]
}

// ErrTransition is returned for an input that does not fit the call's state.
var ErrTransition = api.Errorf(api.CodeInvalidTransition, "call state transition not allowed")

const stateNew api.CallState = "" // not created yet

// transitions[from][in] is the state in leads to from from.
var transitions = map[api.CallState]map[input]api.CallState{
	stateNew: {inArrive: api.CallGuidance, inDial: api.CallDialing},
	api.CallGuidance: {inGuidance: api.CallGuidance, inMenu: api.CallMenu, inRing: api.CallRinging, inWait: api.CallWaiting,
		inAnswer: api.CallActive, inEnd: api.CallEnded, inVoicemail: api.CallVoicemail},
	api.CallMenu: {inMenu: api.CallMenu, inGuidance: api.CallGuidance, inRing: api.CallRinging, inWait: api.CallWaiting,
		inAnswer: api.CallActive, inEnd: api.CallEnded, inVoicemail: api.CallVoicemail},
	api.CallWaiting: {inRing: api.CallRinging, inWait: api.CallWaiting, inAnswer: api.CallActive, inEnd: api.CallEnded,
		inVoicemail: api.CallVoicemail},
	api.CallRinging: {inRing: api.CallRinging, inWait: api.CallWaiting, inAnswer: api.CallActive, inEnd: api.CallEnded,
		inVoicemail: api.CallVoicemail},
	api.CallVoicemail: {inEnd: api.CallEnded},
	api.CallDialing:   {inAnswered: api.CallActive, inEnd: api.CallEnded},
	api.CallActive:    {inEnd: api.CallEnded, inTransfer: api.CallTransferring, inConsult: api.CallConsulting},
	api.CallTransferring: {inGuidance: api.CallGuidance, inRing: api.CallRinging, inWait: api.CallWaiting,
		inEnd: api.CallEnded, inVoicemail: api.CallVoicemail, inAnswered: api.CallActive, inCancel: api.CallActive},
	api.CallConsulting: {inComplete: api.CallActive, inCancel: api.CallActive, inEnd: api.CallEnded},
	api.CallEnded:      {},
}

// transition is the state input in leads to from state from.
func transition(from api.CallState, in input) (api.CallState, error) {
	if to, ok := transitions[from][in]; ok {
		return to, nil
	}
	name := string(from)
	if from == stateNew {
		name = "new"
	}
	return from, fmt.Errorf("%w: %s on a %s call", ErrTransition, in, name)
}

// move applies input in to live call c. A refused input leaves c as it is,
// is logged and returned: it means a rule above let through an input the
// state machine does not allow.
func (m *Manager) move(c *call, in input) error {
	to, err := transition(c.State, in)
	if err != nil {
		m.log.Error("refused call state change", "call_id", c.ID, "state", string(c.State), "input", in.String(), "err", err)
		return err
	}
	c.State = to
	return nil
}

// cause is why a call ends.
type cause int

const (
	causeUnknown      cause = iota
	causeCallerLeft         // the caller hung up (BYE, CANCEL) or could not be answered
	causeMediaTimeout       // no RTP from the caller
	causeStaffHangup        // a member hung up
	causeEveryoneLeft       // no talking member is left
	causeDialFailed         // an outbound INVITE failed
	causeNoAnswer           // an outbound call was not answered in time
	causeShutdown           // meetd is stopping
	causeRestart            // left live by a previous run of meetd
	causeNodeLost           // the meetd node that owned it is gone (cluster)
	causePolicy             // the routing policy ended it (routing.Outcome)
)

var causeNames = [...]string{"unknown", "caller-left", "media-timeout", "staff-hangup", "everyone-left", "dial-failed",
	"no-answer", "shutdown", "restart", "node-lost", "policy"}

func (c cause) String() string {
	if c < 0 || int(c) >= len(causeNames) {
		return causeNames[0]
	}
	return causeNames[c]
}

// causeMissed is the missed reason an unanswered inbound call ending for a
// cause carries (answered and outbound calls carry none; see Manager.end).
var causeMissed = [...]api.MissedReason{
	causeCallerLeft:   api.ReasonUserLeft,
	causeMediaTimeout: api.ReasonUserLeft,
	causeShutdown:     api.ReasonNoOperator,
	causeRestart:      api.ReasonNoOperator,
	causeNodeLost:     api.ReasonNodeLost,
	causePolicy:       api.ReasonNone, // from the outcome
}

// ending is why one call ends: the cause, the policy's reason for
// causePolicy, and the detail for call.ended.
type ending struct {
	cause  cause
	missed api.MissedReason
	detail string
}

// endFor is the ending of cause with detail.
func endFor(c cause, detail string) ending { return ending{cause: c, detail: detail} }

// endBy is the ending the routing policy chose.
func endBy(o routing.Outcome) ending {
	return ending{cause: causePolicy, missed: o.Missed, detail: o.Detail}
}

// reason is the missed reason the ending gives an unanswered inbound call.
func (e ending) reason() api.MissedReason {
	if e.cause == causePolicy {
		return e.missed
	}
	if e.cause > 0 && int(e.cause) < len(causeMissed) {
		return causeMissed[e.cause]
	}
	return api.ReasonNone
}
