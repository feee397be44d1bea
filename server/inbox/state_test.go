package inbox

import (
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
)

func TestTransition(t *testing.T) {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	for _, tc := range []struct {
		name string
		from api.ChatState
		who  mover
		ch   StateChange
		want api.ChatState // "" = refused
	}{
		{"staff close", api.ChatOpened, byStaff, StateChange{To: api.ChatClosed}, api.ChatClosed},
		{"staff snooze", api.ChatOpened, byStaff, StateChange{To: api.ChatSnoozed, SnoozedUntil: &later}, api.ChatSnoozed},
		{"staff re-snooze", api.ChatSnoozed, byStaff, StateChange{To: api.ChatSnoozed, SnoozedUntil: &later}, api.ChatSnoozed},
		{"staff snooze closed", api.ChatClosed, byStaff, StateChange{To: api.ChatSnoozed, SnoozedUntil: &later}, api.ChatSnoozed},
		{"staff reopen", api.ChatClosed, byStaff, StateChange{To: api.ChatOpened}, api.ChatOpened},
		{"staff open opened", api.ChatOpened, byStaff, StateChange{To: api.ChatOpened}, ""},
		{"staff close closed", api.ChatClosed, byStaff, StateChange{To: api.ChatClosed}, ""},
		{"snooze without time", api.ChatOpened, byStaff, StateChange{To: api.ChatSnoozed}, ""},
		{"unknown state", api.ChatOpened, byStaff, StateChange{To: "archived"}, ""},
		{"system closes closed missed", api.ChatClosed, bySystem, StateChange{To: api.ChatClosed, Missed: true, MissedReason: api.ReasonNoOperator}, api.ChatClosed},
		{"system wakes", api.ChatSnoozed, bySystem, StateChange{To: api.ChatOpened}, api.ChatOpened},
		{"system cannot open opened", api.ChatOpened, bySystem, StateChange{To: api.ChatOpened}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := api.Chat{ID: 1, State: tc.from}
			err := transition(&c, tc.who, tc.ch, now)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("%s → %s accepted", tc.from, tc.ch.To)
				}
				return
			}
			if err != nil || c.State != tc.want {
				t.Fatalf("state %s, err %v; want %s", c.State, err, tc.want)
			}
			if closed := c.Closed != nil; closed != (tc.want == api.ChatClosed) {
				t.Errorf("closed %v in state %s", c.Closed, c.State)
			}
			if snoozed := c.SnoozedUntil != nil; snoozed != (tc.want == api.ChatSnoozed) {
				t.Errorf("snoozed_until %v in state %s", c.SnoozedUntil, c.State)
			}
			if c.Missed != tc.ch.Missed || c.MissedReason != tc.ch.MissedReason {
				t.Errorf("missed %v %q", c.Missed, c.MissedReason)
			}
		})
	}
}
