package calls

import (
	"errors"
	"testing"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/routing"
)

func TestTransitions(t *testing.T) {
	all := []api.CallState{stateNew, api.CallGuidance, api.CallMenu, api.CallWaiting, api.CallRinging, api.CallDialing, api.CallActive,
		api.CallVoicemail, api.CallTransferring, api.CallConsulting, api.CallEnded}
	allowed := map[api.CallState]map[input]api.CallState{
		stateNew:          {inArrive: api.CallGuidance, inDial: api.CallDialing},
		api.CallGuidance:  {inGuidance: api.CallGuidance, inMenu: api.CallMenu, inRing: api.CallRinging, inWait: api.CallWaiting, inAnswer: api.CallActive, inEnd: api.CallEnded, inVoicemail: api.CallVoicemail},
		api.CallMenu:      {inMenu: api.CallMenu, inGuidance: api.CallGuidance, inRing: api.CallRinging, inWait: api.CallWaiting, inAnswer: api.CallActive, inEnd: api.CallEnded, inVoicemail: api.CallVoicemail},
		api.CallWaiting:   {inRing: api.CallRinging, inWait: api.CallWaiting, inAnswer: api.CallActive, inEnd: api.CallEnded, inVoicemail: api.CallVoicemail},
		api.CallRinging:   {inRing: api.CallRinging, inWait: api.CallWaiting, inAnswer: api.CallActive, inEnd: api.CallEnded, inVoicemail: api.CallVoicemail},
		api.CallDialing:   {inAnswered: api.CallActive, inEnd: api.CallEnded},
		api.CallActive:    {inEnd: api.CallEnded, inTransfer: api.CallTransferring, inConsult: api.CallConsulting},
		api.CallVoicemail: {inEnd: api.CallEnded},
		// A blind transfer is routed like a new call; it is not answered
		// before it rang someone.
		api.CallTransferring: {inGuidance: api.CallGuidance, inRing: api.CallRinging, inWait: api.CallWaiting, inEnd: api.CallEnded, inVoicemail: api.CallVoicemail,
			inAnswered: api.CallActive,  // the number of an external transfer answered
			inCancel:   api.CallActive}, // or could not be dialled: the operator keeps the call
		// An attended transfer's consult only completes, cancels or ends.
		api.CallConsulting: {inComplete: api.CallActive, inCancel: api.CallActive, inEnd: api.CallEnded},
	}
	// Every state against every input: the allowed ones lead where the
	// table says, every other one is refused and leaves the state alone.
	for _, from := range all {
		for in := inUnknown; in <= inCancel; in++ {
			to, err := transition(from, in)
			want, ok := allowed[from][in]
			switch {
			case ok && (err != nil || to != want):
				t.Errorf("%q on %s: %q %v, want %q", from, in, to, err, want)
			case !ok && (!errors.Is(err, ErrTransition) || to != from):
				t.Errorf("%q on %s: %q %v, want refused", from, in, to, err)
			}
		}
	}
	if got := inConsult.String(); got != "consult" {
		t.Errorf("String %q", got)
	}
	if got := inAnswered.String(); got != "answered" {
		t.Errorf("String %q", got)
	}
	if got := input(99).String(); got != "unknown" {
		t.Errorf("String of an unknown input %q", got)
	}
}

func TestEndingReasons(t *testing.T) {
	for _, tc := range []struct {
		e    ending
		want api.MissedReason
	}{
		{endFor(causeCallerLeft, "bye"), api.ReasonUserLeft},
		{endFor(causeMediaTimeout, "media timeout"), api.ReasonUserLeft},
		{endFor(causeShutdown, "server shutting down"), api.ReasonNoOperator},
		{endFor(causeRestart, "meetd restarted"), api.ReasonNoOperator},
		{endFor(causeNodeLost, "nodeLost"), api.ReasonNodeLost},
		{endFor(causeStaffHangup, "hung up by staff"), api.ReasonNone},
		{endFor(causeEveryoneLeft, "everyone left"), api.ReasonNone},
		{endFor(causeDialFailed, "dial failed"), api.ReasonNone},
		{endFor(causeNoAnswer, "no answer"), api.ReasonNone},
		{endBy(routing.MaxWaitReached), api.ReasonNoOperator},
		{endBy(routing.RingTimedOut), api.ReasonRingTimeout},
		{endBy(routing.OutOfHours), api.ReasonNotInOperation},
		{endBy(routing.NotAccepting), api.ReasonNoOperator},
	} {
		if got := tc.e.reason(); got != tc.want {
			t.Errorf("%s (%s): %q, want %q", tc.e.cause, tc.e.detail, got, tc.want)
		}
	}
	if causeRestart.String() != "restart" || cause(-1).String() != "unknown" {
		t.Error("cause names")
	}
}
