package routing

import (
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/hours"
)

// Step is what the lifecycle does with a call next.
type Step int

const (
	StepUnknown     Step = iota
	StepGuidance         // play Outcome.Guidance once; then end missed (Outcome.Missed) or route
	StepRing             // ring Outcome.Ring (those not ringing for the call yet)
	StepKeepRinging      // leave whoever rings for the call ringing
	StepWait             // wait (with music) until someone becomes eligible or max wait passes
	StepEnd              // end the call missed with Outcome.Missed
)

var stepNames = [...]string{"unknown", "guidance", "ring", "keep-ringing", "wait", "end"}

func (s Step) String() string {
	if s < 0 || int(s) >= len(stepNames) {
		return stepNames[0]
	}
	return stepNames[s]
}

// ParseStep is the inverse of Step.String; unknown names give StepUnknown.
func ParseStep(s string) Step {
	for i, n := range stepNames {
		if n == s {
			return Step(i)
		}
	}
	return StepUnknown
}

// Outcome is the policy's answer for one call: a ring plan, a guidance to
// play, waiting, or the reason it ends missed. The lifecycle acts on it.
type Outcome struct {
	Step     Step
	Ring     []int64          // StepRing: whom to ring now
	Guidance api.GuidanceKind // StepGuidance
	// Missed is why the call ends (StepEnd), or ends after the guidance
	// (StepGuidance; empty: route once it has played).
	Missed api.MissedReason
	Detail string // for call.ended: what happened, in words
}

// The outcomes the policy names (SPEC §2).
var (
	// Greeting plays the channel's greeting, then routes.
	Greeting = Outcome{Step: StepGuidance, Guidance: api.GuidanceGreeting}
	// OutOfHours plays the out-of-hours guidance and ends the call notInOperation.
	OutOfHours = Outcome{Step: StepGuidance, Guidance: api.GuidanceOutOfHours, Missed: api.ReasonNotInOperation, Detail: "out of hours"}
	// NotAccepting plays the not-accepting guidance and ends the call
	// noOperator: nobody could ring without settings changing (SPEC §2.12).
	NotAccepting = Outcome{Step: StepGuidance, Guidance: api.GuidanceNotAccepting, Missed: api.ReasonNoOperator, Detail: "not accepting calls"}
	// MaxWaitReached ends a call that waited the channel's max wait.
	MaxWaitReached = Outcome{Step: StepEnd, Missed: api.ReasonNoOperator, Detail: "max wait reached"}
	// RingTimedOut ends a call that rang the channel's ring timeout unanswered.
	RingTimedOut = Outcome{Step: StepEnd, Missed: api.ReasonRingTimeout, Detail: "ring timeout"}
)

// InOperation says whether channel ch takes calls at now (loc nil: UTC).
// Decide and Arrival both ask it, so the rule lives in one place.
func InOperation(ch api.Channel, loc *time.Location, now time.Time) bool {
	return hours.InOperation(ch.Hours, loc, now)
}

// Arrival is what a new inbound call to ch hears first.
func Arrival(ch api.Channel, loc *time.Location, now time.Time) Outcome {
	if !InOperation(ch, loc, now) {
		return OutOfHours
	}
	return Greeting
}

// Progress is where a call stands, as Next needs it.
type Progress struct {
	InGuidance bool // a guidance (the greeting) is playing
	Rang       bool // it has rung someone before
	Waited     bool // it has waited before
	Ringing    int  // members ringing for it now (after dropping those no longer eligible)
}

// Next says what to do with a call looking for staff, given decision d.
func Next(d Decision, p Progress) Outcome {
	switch {
	case !d.InOperation && !p.Rang && p.InGuidance:
		// Closed between the greeting and now: treat as out of hours.
		return OutOfHours
	case p.Ringing > 0 && d.Mode == ModeOneAtATime:
		return Outcome{Step: StepKeepRinging} // the current member keeps ringing until their turn ends
	case len(d.Ring) > 0:
		return Outcome{Step: StepRing, Ring: d.Ring}
	case p.Ringing > 0:
		return Outcome{Step: StepKeepRinging}
	case !p.Rang && !p.Waited && nobodyCould(d):
		return NotAccepting
	}
	return Outcome{Step: StepWait}
}

// nobodyCould reports that no member could ring without an administrator or
// the members themselves changing settings: the "redirect calls to chat"
// set-up of SPEC §2.12.
func nobodyCould(d Decision) bool {
	for _, n := range d.NotEligible {
		switch n.Reason {
		case api.IneligibleNotInChannel, api.IneligibleNotInTeam, api.IneligibleNotificationOff:
		default:
			return false
		}
	}
	return len(d.Eligible) == 0
}
