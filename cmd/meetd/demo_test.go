package main

import (
	"testing"
	"time"
)

// TestDemoFirstCallRings: the demo's first simulated caller phones the open
// line and waits, whatever the roll, so a new user's first call rings; the
// later ones keep the mix (the closed line on a 0, an early hang-up on 1
// and 2).
func TestDemoFirstCallRings(t *testing.T) {
	for r := range 10 {
		to, plan := demoCall(0, r, nil)
		if to != demoNumber || plan.HangupAfter != 45*time.Second {
			t.Errorf("first call, roll %d: %s, hangs up after %v; want %s, 45s", r, to, plan.HangupAfter, demoNumber)
		}
	}
	for _, c := range []struct {
		r      int
		to     string
		hangup time.Duration
	}{{0, demoAfterHours, 45 * time.Second}, {1, demoNumber, 8 * time.Second}, {2, demoNumber, 8 * time.Second}, {3, demoNumber, 45 * time.Second}, {9, demoNumber, 45 * time.Second}} {
		to, plan := demoCall(1, c.r, nil)
		if to != c.to || plan.HangupAfter != c.hangup {
			t.Errorf("later call, roll %d: %s after %v, want %s after %v", c.r, to, plan.HangupAfter, c.to, c.hangup)
		}
	}
}
