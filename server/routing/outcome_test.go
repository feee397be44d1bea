package routing

import (
	"slices"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
)

func TestStepNames(t *testing.T) {
	for s := StepUnknown; s <= StepEnd; s++ {
		if got := ParseStep(s.String()); got != s {
			t.Errorf("ParseStep(%q) = %v, want %v", s.String(), got, s)
		}
	}
	if Step(42).String() != "unknown" || ParseStep("nope") != StepUnknown {
		t.Error("unknown steps")
	}
}

func TestArrival(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) // a Monday
	open := api.Channel{Hours: api.Hours{AlwaysOpen: true}}
	shut := api.Channel{Hours: api.Hours{Closed: true}}
	if o := Arrival(open, time.UTC, now); o.Step != StepGuidance || o.Guidance != api.GuidanceGreeting || o.Missed != api.ReasonNone {
		t.Errorf("open channel: %+v", o)
	}
	if o := Arrival(shut, nil, now); o.Guidance != api.GuidanceOutOfHours || o.Missed != api.ReasonNotInOperation {
		t.Errorf("closed channel: %+v", o)
	}
}

func TestNext(t *testing.T) {
	redirect := []api.Ineligible{{StaffID: 1, Reason: api.IneligibleNotificationOff}}
	busy := []api.Ineligible{{StaffID: 1, Reason: api.IneligibleInCall}}
	for _, tc := range []struct {
		name string
		d    Decision
		p    Progress
		want Outcome
	}{
		{"closed during the greeting", Decision{}, Progress{InGuidance: true}, OutOfHours},
		{"closed after ringing waits", Decision{NotEligible: busy}, Progress{Rang: true}, Outcome{Step: StepWait}},
		{"ring all", Decision{InOperation: true, Ring: []int64{1, 2}, Eligible: []int64{1, 2}}, Progress{InGuidance: true},
			Outcome{Step: StepRing, Ring: []int64{1, 2}}},
		{"one at a time keeps its member", Decision{InOperation: true, Mode: ModeOneAtATime, Ring: []int64{2}}, Progress{Ringing: 1},
			Outcome{Step: StepKeepRinging}},
		{"ring-all adds members", Decision{InOperation: true, Mode: ModeRingAll, Ring: []int64{1, 2}}, Progress{Ringing: 1},
			Outcome{Step: StepRing, Ring: []int64{1, 2}}},
		{"nobody new, someone rings", Decision{InOperation: true}, Progress{Ringing: 1}, Outcome{Step: StepKeepRinging}},
		{"nobody could ring", Decision{InOperation: true, NotEligible: redirect}, Progress{InGuidance: true}, NotAccepting},
		{"nobody free now", Decision{InOperation: true, NotEligible: busy}, Progress{InGuidance: true}, Outcome{Step: StepWait}},
		{"nobody could, but it waited", Decision{InOperation: true, NotEligible: redirect}, Progress{Waited: true}, Outcome{Step: StepWait}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Next(tc.d, tc.p)
			if got.Step != tc.want.Step || !slices.Equal(got.Ring, tc.want.Ring) || got.Guidance != tc.want.Guidance ||
				got.Missed != tc.want.Missed || got.Detail != tc.want.Detail {
				t.Errorf("Next = %+v (%s), want %+v (%s)", got, got.Step, tc.want, tc.want.Step)
			}
		})
	}
}
