package inbox

import (
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/hours"
)

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseWeekly parses a weekly schedule: entries separated by ";" or ",",
// each "DAYS HH:MM-HH:MM[ HH:MM-HH:MM…]" where DAYS is a day ("mon"), a range
// ("mon-fri", may wrap: "fri-mon"), a list joined by "+" ("sat+sun") or "daily".
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
		if part == "daily" {
			out = append(out, time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday)
			continue
		}
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

// ValidateHours checks spans, holidays and closures with the same rules the
// router applies (server/hours): an end at or before the start runs past
// midnight, 24:00 may only end a span.
func ValidateHours(h api.Hours) error {
	if err := hours.Validate(h); err != nil {
		return badRequest("hours: %v", err)
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
