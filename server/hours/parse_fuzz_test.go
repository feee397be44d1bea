package hours

import (
	"reflect"
	"testing"
)

// FuzzParseWeekly: the weekly-hours grammar never panics; what it accepts
// validates and survives FormatWeekly → ParseWeekly unchanged.
func FuzzParseWeekly(f *testing.F) {
	for _, s := range []string{"mon-fri 09:00-17:00; sat 10:00-14:00; sun 22:00-06:00", "daily 00:00-24:00", "fri-mon 08:00-12:00",
		"", ";;", "mon", "mon 9-5", "xyz 09:00-10:00", "mon 25:00-26:00", "mon 09:00-09:00", "mon-mon 09:00-10:00", "MON 09:00-10:00,tue 10:00-11:00",
		"mon 09:00-17:00\x00", "sun-sat 23:59-00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spans, err := ParseWeekly(s)
		if err != nil {
			return
		}
		again, err := ParseWeekly(FormatWeekly(spans))
		if err != nil {
			t.Fatalf("%q: formatted %q does not parse: %v", s, FormatWeekly(spans), err)
		}
		if len(spans) != len(again) || (len(spans) > 0 && !reflect.DeepEqual(spans, again)) {
			t.Fatalf("%q: %v → %q → %v", s, spans, FormatWeekly(spans), again)
		}
	})
}

// FuzzParseClock: HH:MM parses to minutes within a day or fails.
func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"09:00", "24:00", "00:00", "23:59", "24:01", "9:00", "-1:00", "12:60", "", "1234", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseClock(s)
		if err == nil && (m < 0 || m > 24*60) {
			t.Fatalf("%q → %d minutes", s, m)
		}
	})
}
