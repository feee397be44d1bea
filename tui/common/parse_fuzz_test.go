package common

import (
	"strings"
	"testing"
	"time"
)

var fuzzNow = time.Date(2026, 11, 30, 16, 45, 0, 0, time.FixedZone("JST", 9*3600))

// FuzzParseSnooze: whatever an operator types, a snooze ends after now or
// is an error with a message; never a panic.
func FuzzParseSnooze(f *testing.F) {
	for _, s := range []string{"30m", "2h", "1h30m", "3d", "tomorrow", "monday", "17:30", "09:00", "2026-12-01",
		"2026-12-01 14:00", "", " ", "-5m", "999999999h", "25:61", "2026-02-30", "0m", "1e9s", "mon", "\x00", "1h\u00a0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSnooze(s, fuzzNow)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("%q: empty error", s)
			}
			return
		}
		if !got.After(fuzzNow) {
			t.Fatalf("%q: snooze until %v, not after now %v", s, got, fuzzNow)
		}
	})
}

// FuzzParseFilter: any filter line parses or fails with a message; a parsed
// one never has a to before its from.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"reason:noOperator tag:vip assignee:me from:2026-11-01 to:2026-11-30 medium:phone number:+8150 free words",
		"assignee:none", "assignee:ann", "from:yesterday", "to:2020-01-01 from:2030-01-01", "reason:bogus", "tag:", ":", "::::",
		"number:abc", "\x1b[2J", "tag:" + strings.Repeat("x", 300)} {
		f.Add(s)
	}
	lookup := func(name string) (int64, bool) { return 7, name == "ann" }
	f.Fuzz(func(t *testing.T, s string) {
		fl, err := ParseFilter(s, fuzzNow, 1, lookup)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("%q: empty error", s)
			}
			return
		}
		q := fl.Query(TabOpened, 50)
		if q.From != nil && q.To != nil && q.To.Before(*q.From) {
			t.Fatalf("%q: to %v before from %v", s, q.To, q.From)
		}
		_ = CompleteFilter(s, []string{"vip"}, []string{"ann"})
	})
}

// FuzzCleanNumber: a cleaned number is non-empty and cleans to itself.
func FuzzCleanNumber(f *testing.F) {
	for _, s := range []string{"+81 50-0000-0010", "(030) 1234", "abc", "", "+", "++1", "0" + strings.Repeat("9", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := CleanNumber(s)
		if err != nil {
			return
		}
		if n == "" {
			t.Fatalf("%q cleaned to empty", s)
		}
		if again, err := CleanNumber(n); err != nil || again != n {
			t.Fatalf("%q → %q → %q, %v: not idempotent", s, n, again, err)
		}
	})
}
