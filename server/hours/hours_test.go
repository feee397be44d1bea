package hours

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func weekdays(start, end string) []api.Span {
	var s []api.Span
	for d := time.Monday; d <= time.Friday; d++ {
		s = append(s, api.Span{Day: d, Start: start, End: end})
	}
	return s
}

func TestInOperation(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	berlin := mustLoc(t, "Europe/Berlin")
	office := api.Hours{Weekly: weekdays("09:00", "17:00")}
	night := api.Hours{Weekly: []api.Span{{Day: time.Friday, Start: "22:00", End: "06:00"}}}
	fullDay := api.Hours{Weekly: []api.Span{{Day: time.Saturday, Start: "00:00", End: "24:00"}}}
	untilMidnight := api.Hours{Weekly: []api.Span{{Day: time.Monday, Start: "18:00", End: "24:00"}}}
	holiday := api.Hours{Weekly: weekdays("09:00", "17:00"), Holidays: []string{"2026-12-25"}}
	nightHoliday := api.Hours{Weekly: []api.Span{{Day: time.Thursday, Start: "22:00", End: "06:00"}}, Holidays: []string{"2026-12-24"}}
	closure := api.Hours{AlwaysOpen: true, Closures: []api.Closure{{
		From: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), To: time.Date(2026, 6, 1, 13, 0, 0, 0, time.UTC)}}}

	at := func(loc *time.Location, y int, mo time.Month, d, h, m int) time.Time {
		return time.Date(y, mo, d, h, m, 0, 0, loc)
	}
	tests := []struct {
		name string
		h    api.Hours
		tz   *time.Location
		t    time.Time
		want bool
	}{
		{"office open mid-morning", office, ny, at(ny, 2026, 3, 4, 10, 0), true},
		{"office opens at start minute", office, ny, at(ny, 2026, 3, 4, 9, 0), true},
		{"office closed at end minute", office, ny, at(ny, 2026, 3, 4, 17, 0), false},
		{"office closed on saturday", office, ny, at(ny, 2026, 3, 7, 10, 0), false},
		{"zone matters: 14:30 UTC is 09:30 in NY winter", office, ny, time.Date(2026, 1, 7, 14, 30, 0, 0, time.UTC), true},
		{"zone matters: 13:30 UTC is 08:30 in NY winter", office, ny, time.Date(2026, 1, 7, 13, 30, 0, 0, time.UTC), false},
		// US DST starts 2026-03-08 (Sunday): Monday 09:00 local is 13:00 UTC, not 14:00.
		{"NY after spring forward 13:00 UTC = 09:00 EDT", office, ny, time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC), true},
		{"NY before spring forward 13:00 UTC = 08:00 EST", office, ny, time.Date(2026, 3, 6, 13, 0, 0, 0, time.UTC), false},
		// US DST ends 2026-11-01: Monday 2026-11-02 09:00 EST = 14:00 UTC.
		{"NY after fall back 13:30 UTC = 08:30 EST", office, ny, time.Date(2026, 11, 2, 13, 30, 0, 0, time.UTC), false},
		{"NY after fall back 14:00 UTC = 09:00 EST", office, ny, time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC), true},
		// EU DST starts 2026-03-29, ends 2026-10-25.
		{"Berlin summer 07:00 UTC = 09:00 CEST", office, berlin, time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC), true},
		{"Berlin winter 07:00 UTC = 08:00 CET", office, berlin, time.Date(2026, 3, 27, 7, 0, 0, 0, time.UTC), false},
		{"Berlin winter 16:30 UTC = 17:30 CET", office, berlin, time.Date(2026, 10, 26, 16, 30, 0, 0, time.UTC), false},
		{"Berlin winter 15:30 UTC = 16:30 CET", office, berlin, time.Date(2026, 10, 26, 15, 30, 0, 0, time.UTC), true},
		// Overnight Friday 22:00 → Saturday 06:00.
		{"overnight before start", night, berlin, at(berlin, 2026, 3, 6, 21, 59), false},
		{"overnight at start", night, berlin, at(berlin, 2026, 3, 6, 22, 0), true},
		{"overnight at 23:59", night, berlin, at(berlin, 2026, 3, 6, 23, 59), true},
		{"overnight at midnight", night, berlin, at(berlin, 2026, 3, 7, 0, 0), true},
		{"overnight at 05:59 next day", night, berlin, at(berlin, 2026, 3, 7, 5, 59), true},
		{"overnight ended 06:00", night, berlin, at(berlin, 2026, 3, 7, 6, 0), false},
		{"overnight not on thursday night", night, berlin, at(berlin, 2026, 3, 5, 23, 0), false},
		{"overnight not on sunday morning", night, berlin, at(berlin, 2026, 3, 8, 1, 0), false},
		// Overnight spanning the EU spring-forward night (Sat 28 → Sun 29 March, 02:00 → 03:00).
		{"overnight across DST change", api.Hours{Weekly: []api.Span{{Day: time.Saturday, Start: "22:00", End: "06:00"}}}, berlin,
			time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), true}, // 03:30 CEST
		{"overnight across DST change, ended", api.Hours{Weekly: []api.Span{{Day: time.Saturday, Start: "22:00", End: "06:00"}}}, berlin,
			time.Date(2026, 3, 29, 4, 0, 0, 0, time.UTC), false}, // 06:00 CEST
		// Fall back: 01:30 happens twice in New York on 2026-11-01; both are inside 01:00-02:00.
		{"repeated hour first pass", api.Hours{Weekly: []api.Span{{Day: time.Sunday, Start: "01:00", End: "02:00"}}}, ny,
			time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), true},
		{"repeated hour second pass", api.Hours{Weekly: []api.Span{{Day: time.Sunday, Start: "01:00", End: "02:00"}}}, ny,
			time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), true},
		{"full day span 00:00-24:00 at 23:59", fullDay, ny, at(ny, 2026, 3, 7, 23, 59), true},
		{"full day span does not leak into sunday", fullDay, ny, at(ny, 2026, 3, 8, 0, 0), false},
		{"span ending 24:00 open at 23:59", untilMidnight, ny, at(ny, 2026, 3, 2, 23, 59), true},
		{"span ending 24:00 closed at 00:00", untilMidnight, ny, at(ny, 2026, 3, 3, 0, 0), false},
		{"holiday closes a weekday", holiday, berlin, at(berlin, 2026, 12, 25, 10, 0), false},
		{"day after holiday open", holiday, berlin, at(berlin, 2026, 12, 28, 10, 0), true},
		{"holiday is a local date", holiday, berlin, time.Date(2026, 12, 24, 23, 30, 0, 0, time.UTC), false}, // 00:30 on the 25th in Berlin
		{"overnight span starting on a holiday is closed after midnight", nightHoliday, berlin, at(berlin, 2026, 12, 25, 2, 0), false},
		{"overnight span starting on a holiday closed before midnight", nightHoliday, berlin, at(berlin, 2026, 12, 24, 23, 0), false},
		{"same overnight span a week earlier open", nightHoliday, berlin, at(berlin, 2026, 12, 18, 2, 0), true},
		{"always open", api.Hours{AlwaysOpen: true}, nil, time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC), true},
		{"always open but holiday", api.Hours{AlwaysOpen: true, Holidays: []string{"2026-01-01"}}, nil, time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC), false},
		{"closure covers instant", closure, ny, time.Date(2026, 6, 1, 12, 30, 0, 0, time.UTC), false},
		{"closure end is exclusive", closure, ny, time.Date(2026, 6, 1, 13, 0, 0, 0, time.UTC), true},
		{"no hours set: open 24/7", api.Hours{}, ny, at(ny, 2026, 3, 4, 3, 0), true},
		{"no hours set but holiday", api.Hours{Holidays: []string{"2026-03-04"}}, ny, at(ny, 2026, 3, 4, 3, 0), false},
		{"closed line", api.Hours{Closed: true}, ny, at(ny, 2026, 3, 4, 10, 0), false},
		{"invalid span ignored", api.Hours{Weekly: []api.Span{{Day: time.Wednesday, Start: "9", End: "17:00"}}}, ny, at(ny, 2026, 3, 4, 10, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := InOperation(tt.h, tt.tz, tt.t); got != tt.want {
				t.Errorf("InOperation(%s) = %v, want %v", tt.t.In(orUTC(tt.tz)), got, tt.want)
			}
		})
	}
}

func orUTC(l *time.Location) *time.Location {
	if l == nil {
		return time.UTC
	}
	return l
}

func TestValidate(t *testing.T) {
	good := api.Hours{Weekly: []api.Span{{Day: time.Monday, Start: "09:00", End: "24:00"}, {Day: time.Sunday, Start: "22:00", End: "06:00"}},
		Holidays: []string{"2026-12-25"}}
	if err := Validate(good); err != nil {
		t.Fatalf("Validate(good) = %v", err)
	}
	from := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	bad := []struct {
		name string
		h    api.Hours
		want string
	}{
		{"bad clock", api.Hours{Weekly: []api.Span{{Day: 1, Start: "9am", End: "17:00"}}}, `span 1 (Monday 9am-17:00): invalid operating hours: time "9am" is not HH:MM`},
		{"hour out of range", api.Hours{Weekly: []api.Span{{Day: 1, Start: "09:00", End: "25:00"}}}, "out of range"},
		{"minute out of range", api.Hours{Weekly: []api.Span{{Day: 1, Start: "09:60", End: "17:00"}}}, "out of range"},
		{"24:30", api.Hours{Weekly: []api.Span{{Day: 1, Start: "09:00", End: "24:30"}}}, "out of range"},
		{"start 24:00", api.Hours{Weekly: []api.Span{{Day: 1, Start: "24:00", End: "06:00"}}}, "span start 24:00"},
		{"bad weekday", api.Hours{Weekly: []api.Span{{Day: 7, Start: "09:00", End: "17:00"}}}, "weekday 7 out of range"},
		{"bad holiday", api.Hours{Holidays: []string{"25.12.2026"}}, `holiday "25.12.2026" is not a date`},
		{"closure backwards", api.Hours{Closures: []api.Closure{{From: from, To: from.Add(-time.Hour)}}}, "closure 1 ends"},
		{"closure open ended", api.Hours{Closures: []api.Closure{{From: from}}}, "closure 1 needs both"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.h)
			if err == nil {
				t.Fatal("Validate accepted bad hours")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestLoadLocation(t *testing.T) {
	if l, err := LoadLocation(""); err != nil || l != time.UTC {
		t.Errorf(`LoadLocation("") = %v, %v`, l, err)
	}
	if _, err := LoadLocation("Mars/Olympus"); err == nil || !strings.Contains(err.Error(), "unknown time zone") {
		t.Errorf("LoadLocation(bad) = %v", err)
	}
}
