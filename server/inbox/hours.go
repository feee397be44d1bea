package inbox

import (
	"fmt"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
)

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseWeekly parses a weekly schedule: entries separated by ";" or ",",
// each "DAYS HH:MM-HH:MM[ HH:MM-HH:MM…]" where DAYS is a day ("mon"), a range
// ("mon-fri", may wrap: "fri-mon") or a list joined by "+" ("sat+sun").
// An end at or before the start runs past midnight ("22:00-06:00").
// Example: "mon-fri 09:00-12:00 13:00-18:00; sat 10:00-14:00".
func ParseWeekly(spec string) ([]api.Span, error) {
	var out []api.Span
	for _, entry := range strings.FieldsFunc(spec, func(r rune) bool { return r == ';' || r == ',' }) {
		fields := strings.Fields(entry)
		if len(fields) == 0 {
			continue
		}
		if len(fields) < 2 {
			return nil, badRequest("weekly %q: want DAYS HH:MM-HH:MM", strings.TrimSpace(entry))
		}
		days, err := parseDays(fields[0])
		if err != nil {
			return nil, err
		}
		for _, r := range fields[1:] {
			start, end, ok := strings.Cut(r, "-")
			if !ok {
				return nil, badRequest("weekly %q: time range %q needs HH:MM-HH:MM", strings.TrimSpace(entry), r)
			}
			for _, d := range days {
				out = append(out, api.Span{Day: d, Start: start, End: end})
			}
		}
	}
	if len(out) == 0 {
		return nil, badRequest("weekly schedule is empty (use --always-open for 24/7)")
	}
	return out, ValidateHours(api.Hours{Weekly: out})
}

func parseDays(s string) ([]time.Weekday, error) {
	var out []time.Weekday
	for _, part := range strings.Split(strings.ToLower(s), "+") {
		from, to, isRange := strings.Cut(part, "-")
		a, ok := dayNames[from]
		if !ok {
			return nil, badRequest("unknown day %q (want mon, tue, wed, thu, fri, sat, sun)", from)
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, ok := dayNames[to]
		if !ok {
			return nil, badRequest("unknown day %q (want mon, tue, wed, thu, fri, sat, sun)", to)
		}
		for d := a; ; d = (d + 1) % 7 {
			out = append(out, d)
			if d == b {
				break
			}
		}
	}
	return out, nil
}

func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		if s == "24:00" {
			return 24 * 60, nil
		}
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// ValidateHours checks spans, holidays and closures.
func ValidateHours(h api.Hours) error {
	for i, s := range h.Weekly {
		if s.Day < time.Sunday || s.Day > time.Saturday {
			return badRequest("weekly[%d]: day %d is not 0 (Sunday) … 6 (Saturday)", i, s.Day)
		}
		a, err := parseClock(s.Start)
		if err != nil {
			return badRequest("weekly[%d]: start %v", i, err)
		}
		b, err := parseClock(s.End)
		if err != nil {
			return badRequest("weekly[%d]: end %v", i, err)
		}
		if a == 24*60 || (a == b && a != 0) {
			return badRequest("weekly[%d]: %s-%s is empty", i, s.Start, s.End)
		}
	}
	for i, d := range h.Holidays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return badRequest("holidays[%d]: %q is not YYYY-MM-DD", i, d)
		}
	}
	for i, c := range h.Closures {
		if c.From.IsZero() || !c.To.After(c.From) {
			return badRequest("closures[%d]: to must be after from", i)
		}
	}
	return nil
}

// ValidateTimezone checks an IANA zone name.
func ValidateTimezone(tz string) error {
	if tz == "" {
		return badRequest("timezone is empty")
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return badRequest("unknown timezone %q", tz)
	}
	return nil
}
