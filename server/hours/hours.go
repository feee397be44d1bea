// Package hours decides whether a channel is in operation at an instant: a
// weekly schedule of local spans in the channel's IANA time zone, holidays
// (whole local dates), one-off closures and an always-open switch.
//
// Everything is computed on the wall clock of the channel's zone, so daylight
// saving changes need no special cases: 09:00-17:00 means 09:00-17:00 local
// time on both sides of a change. The package is pure (no I/O, no clock).
package hours

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meet-dev/meet/api"
)

// DateLayout is the layout of holiday dates.
const DateLayout = "2006-01-02"

const minutesPerDay = 24 * 60

// ErrInvalid is wrapped by every validation error of this package.
var ErrInvalid = errors.New("invalid operating hours")

// InOperation reports whether a channel with schedule h in zone tz is open at t.
// A closure covering t, or a holiday on t's local date, closes the channel.
// Otherwise Closed closes it, AlwaysOpen or no weekly spans at all (no
// hours set) open it, else one of the weekly spans must cover t.
// A span whose End is not after its Start runs past midnight into the next
// day; the part after midnight belongs to the span's own day, so it is closed
// when that day is a holiday. A nil tz means UTC. Invalid spans never match
// (use Validate to report them).
func InOperation(h api.Hours, tz *time.Location, t time.Time) bool {
	if tz == nil {
		tz = time.UTC
	}
	for _, c := range h.Closures {
		if !t.Before(c.From) && t.Before(c.To) {
			return false
		}
	}
	local := t.In(tz)
	today := local.Format(DateLayout)
	if isHoliday(h.Holidays, today) {
		return false
	}
	switch {
	case h.Closed:
		return false
	case h.AlwaysOpen || len(h.Weekly) == 0: // no hours set: open 24/7
		return true
	}
	minute := local.Hour()*60 + local.Minute()
	day := local.Weekday()
	yesterday := (day + 6) % 7
	var yesterdayHoliday, checkedYesterday bool
	for _, s := range h.Weekly {
		start, end, err := spanMinutes(s)
		if err != nil {
			continue
		}
		if end > start { // same-day span
			if s.Day == day && minute >= start && minute < end {
				return true
			}
			continue
		}
		// Overnight span (end <= start): [start, 24:00) on s.Day and [00:00, end) on the next day.
		if s.Day == day && minute >= start {
			return true
		}
		if s.Day == yesterday && minute < end {
			if !checkedYesterday {
				yd := time.Date(local.Year(), local.Month(), local.Day()-1, 12, 0, 0, 0, tz)
				yesterdayHoliday = isHoliday(h.Holidays, yd.Format(DateLayout))
				checkedYesterday = true
			}
			if !yesterdayHoliday {
				return true
			}
		}
	}
	return false
}

func isHoliday(holidays []string, date string) bool {
	for _, d := range holidays {
		if d == date {
			return true
		}
	}
	return false
}

func spanMinutes(s api.Span) (start, end int, err error) {
	if start, err = ParseClock(s.Start); err != nil {
		return 0, 0, err
	}
	if end, err = ParseClock(s.End); err != nil {
		return 0, 0, err
	}
	if start == minutesPerDay {
		return 0, 0, fmt.Errorf("%w: span start 24:00 (use 00:00 of the next day)", ErrInvalid)
	}
	if end == minutesPerDay {
		end = 0 // 24:00 is the midnight ending the day: an overnight span ending at 00:00
	}
	return start, end, nil
}

// ParseClock parses "HH:MM" (00:00 to 24:00) into minutes after midnight.
func ParseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(hh) == 0 || len(hh) > 2 || len(mm) != 2 {
		return 0, fmt.Errorf("%w: time %q is not HH:MM", ErrInvalid, s)
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || m < 0 {
		return 0, fmt.Errorf("%w: time %q is not HH:MM", ErrInvalid, s)
	}
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%w: time %q is out of range 00:00-24:00", ErrInvalid, s)
	}
	return h*60 + m, nil
}

// LoadLocation loads an IANA time zone; "" means UTC.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	zones.RLock()
	loc := zones.m[name]
	zones.RUnlock()
	if loc != nil {
		return loc, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (want an IANA name such as Europe/Berlin): %w", name, err)
	}
	zones.Lock()
	if zones.m == nil {
		zones.m = map[string]*time.Location{}
	}
	if len(zones.m) < maxZones {
		zones.m[name] = loc
	}
	zones.Unlock()
	return loc, nil
}

// zones keeps the time zones loaded: time.LoadLocation reads and parses
// the zone file each time, and every inbound call needs its channel's
// (twice for a closed channel's). A *time.Location is immutable. Only
// zones that loaded are kept, at most maxZones (there are ~600).
var zones struct {
	sync.RWMutex
	m map[string]*time.Location
}

const maxZones = 1024

// Validate reports the first problem of h, naming the span, date or closure.
func Validate(h api.Hours) error {
	if h.Closed && (h.AlwaysOpen || len(h.Weekly) > 0) {
		return fmt.Errorf("%w: closed cannot go with always open or weekly spans", ErrInvalid)
	}
	for i, s := range h.Weekly {
		if s.Day < time.Sunday || s.Day > time.Saturday {
			return fmt.Errorf("%w: span %d: weekday %d out of range 0 (Sunday) to 6 (Saturday)", ErrInvalid, i+1, s.Day)
		}
		if _, _, err := spanMinutes(s); err != nil {
			return fmt.Errorf("span %d (%s %s-%s): %w", i+1, s.Day, s.Start, s.End, err)
		}
	}
	for _, d := range h.Holidays {
		if _, err := time.Parse(DateLayout, d); err != nil {
			return fmt.Errorf("%w: holiday %q is not a date YYYY-MM-DD", ErrInvalid, d)
		}
	}
	for i, c := range h.Closures {
		if c.From.IsZero() || c.To.IsZero() {
			return fmt.Errorf("%w: closure %d needs both from and to", ErrInvalid, i+1)
		}
		if !c.To.After(c.From) {
			return fmt.Errorf("%w: closure %d ends (%s) before it starts (%s)", ErrInvalid, i+1,
				c.To.Format(time.RFC3339), c.From.Format(time.RFC3339))
		}
	}
	return nil
}
