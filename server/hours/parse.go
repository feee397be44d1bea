package hours

import (
	"fmt"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
)

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday,
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
}

// ParseDay parses a weekday name ("mon", "Monday").
func ParseDay(s string) (time.Weekday, error) {
	d, ok := dayNames[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return 0, fmt.Errorf("%w: unknown weekday %q (want mon, tue, wed, thu, fri, sat or sun)", ErrInvalid, s)
	}
	return d, nil
}

// ParseWeekly parses a compact weekly schedule, entries separated by ";" or ",":
//
//	"mon-fri 09:00-17:00; sat 10:00-14:00; sun 22:00-06:00"
//
// A day range wraps around the week ("fri-mon"). "daily" means every day.
// An empty string is an empty schedule (always closed unless always open).
func ParseWeekly(s string) ([]api.Span, error) {
	var spans []api.Span
	for _, entry := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		fields := strings.Fields(entry)
		if len(fields) != 2 {
			return nil, fmt.Errorf("%w: entry %q is not \"DAYS HH:MM-HH:MM\"", ErrInvalid, entry)
		}
		days, err := parseDays(fields[0])
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", entry, err)
		}
		start, end, ok := strings.Cut(fields[1], "-")
		if !ok {
			return nil, fmt.Errorf("%w: entry %q: times %q are not HH:MM-HH:MM", ErrInvalid, entry, fields[1])
		}
		for _, d := range days {
			sp := api.Span{Day: d, Start: start, End: end}
			if _, _, err := spanMinutes(sp); err != nil {
				return nil, fmt.Errorf("entry %q: %w", entry, err)
			}
			spans = append(spans, sp)
		}
	}
	return spans, nil
}

func parseDays(s string) ([]time.Weekday, error) {
	if strings.EqualFold(s, "daily") {
		return []time.Weekday{0, 1, 2, 3, 4, 5, 6}, nil
	}
	from, to, isRange := strings.Cut(s, "-")
	first, err := ParseDay(from)
	if err != nil {
		return nil, err
	}
	if !isRange {
		return []time.Weekday{first}, nil
	}
	last, err := ParseDay(to)
	if err != nil {
		return nil, err
	}
	var days []time.Weekday
	for d := first; ; d = (d + 1) % 7 {
		days = append(days, d)
		if d == last {
			return days, nil
		}
	}
}

// FormatWeekly renders spans in the form ParseWeekly reads, one entry per span.
func FormatWeekly(spans []api.Span) string {
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = fmt.Sprintf("%s %s-%s", strings.ToLower(s.Day.String()[:3]), s.Start, s.End)
	}
	return strings.Join(parts, "; ")
}
