package common

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
)

// MorningHour is when "tomorrow" and weekday snoozes wake up, local time.
const MorningHour = 9

// ParseSnooze turns what an operator types into the time a snooze ends:
// "30m", "2h", "1h30m", "3d", "tomorrow", "monday"… (9:00 local), "17:30"
// (today, or tomorrow when already past), "2026-12-01" or
// "2026-12-01 14:00". The result is always after now.
func ParseSnooze(s string, now time.Time) (time.Time, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	if in == "" {
		return time.Time{}, fmt.Errorf("empty snooze: try 30m, 2h, tomorrow, monday, 17:30 or 2026-12-01")
	}
	loc := now.Location()
	morning := func(d time.Time) time.Time {
		y, m, dd := d.Date()
		return time.Date(y, m, dd, MorningHour, 0, 0, 0, loc)
	}
	if in == "tomorrow" || in == "tmr" {
		return morning(now.AddDate(0, 0, 1)), nil
	}
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		name := strings.ToLower(wd.String())
		if in == name || in == name[:3] {
			days := (int(wd) - int(now.Weekday()) + 7) % 7
			if days == 0 {
				days = 7
			}
			return morning(now.AddDate(0, 0, days)), nil
		}
	}
	if strings.HasSuffix(in, "d") {
		if n, err := strconv.Atoi(strings.TrimSuffix(in, "d")); err == nil {
			if n <= 0 || n > 366 {
				return time.Time{}, fmt.Errorf("snooze %q: days must be 1…366", s)
			}
			return now.AddDate(0, 0, n), nil
		}
	}
	if strings.HasSuffix(in, "w") {
		if n, err := strconv.Atoi(strings.TrimSuffix(in, "w")); err == nil {
			if n <= 0 || n > 52 {
				return time.Time{}, fmt.Errorf("snooze %q: weeks must be 1…52", s)
			}
			return now.AddDate(0, 0, 7*n), nil
		}
	}
	if d, err := time.ParseDuration(in); err == nil {
		if d <= 0 {
			return time.Time{}, fmt.Errorf("snooze %q: must be in the future", s)
		}
		return now.Add(d), nil
	}
	if t, err := time.ParseInLocation("15:04", in, loc); err == nil {
		y, m, d := now.Date()
		at := time.Date(y, m, d, t.Hour(), t.Minute(), 0, 0, loc)
		if !at.After(now) {
			at = at.AddDate(0, 0, 1)
		}
		return at, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, in, loc); err == nil {
			if layout == "2006-01-02" {
				t = t.Add(MorningHour * time.Hour)
			}
			if !t.After(now) {
				return time.Time{}, fmt.Errorf("snooze %q: that is in the past", s)
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read snooze %q: try 30m, 2h, tomorrow, monday, 17:30 or 2026-12-01", s)
}

// Filter is what the inbox is narrowed to, on top of the tab.
type Filter struct {
	Medium   api.Medium
	Reason   api.MissedReason
	Tag      string
	Assignee *int64 // 0 = unassigned
	From, To *time.Time
	Text     string
}

// Empty reports whether no filter is set.
func (f Filter) Empty() bool { return f == Filter{} }

// ParseFilter reads "reason:noOperator tag:vip assignee:me from:2026-11-01
// to:2026-11-30 medium:phone number:+8150 free words". Words without a
// key are the text search. lookup resolves assignee names; "me" and "none"
// are built in.
func ParseFilter(s string, now time.Time, me int64, lookup func(string) (int64, bool)) (Filter, error) {
	var f Filter
	var words []string
	for _, tok := range strings.Fields(s) {
		k, v, ok := strings.Cut(tok, ":")
		if !ok || v == "" {
			words = append(words, tok)
			continue
		}
		switch strings.ToLower(k) {
		case "reason":
			r, err := ParseReason(v)
			if err != nil {
				return Filter{}, err
			}
			f.Reason = r
		case "tag":
			f.Tag = v
		case "medium", "phone":
			if k == "phone" && v != "phone" {
				words = append(words, v) // phone:+8150… searches the number
				continue
			}
			if v != string(api.MediumPhone) {
				return Filter{}, fmt.Errorf("unknown medium %q (only phone)", v)
			}
			f.Medium = api.MediumPhone
		case "number":
			words = append(words, v)
		case "assignee":
			var id int64
			switch strings.ToLower(v) {
			case "me":
				id = me
			case "none":
				id = 0
			default:
				n, found := lookup(v)
				if !found {
					return Filter{}, fmt.Errorf("no staff member %q", v)
				}
				id = n
			}
			f.Assignee = &id
		case "from", "to":
			t, err := ParseDay(v, now)
			if err != nil {
				return Filter{}, err
			}
			if k == "to" {
				t = t.AddDate(0, 0, 1) // to a day includes the whole day
				f.To = &t
			} else {
				f.From = &t
			}
		default:
			return Filter{}, fmt.Errorf("unknown filter %q (reason: tag: assignee: from: to: medium: number:)", k)
		}
	}
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		return Filter{}, fmt.Errorf("to: is before from: (the server would refuse the search)")
	}
	f.Text = strings.Join(words, " ")
	return f, nil
}

// ParseDay reads a day the same way everywhere (inbox filters, `meet
// export`, `meet chats`): 2026-11-01, today, yesterday, tomorrow, or 7d
// (seven days ago). The result is the start of that day in now's zone.
func ParseDay(v string, now time.Time) (time.Time, error) {
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "today":
		return today, nil
	case "yesterday":
		return today.AddDate(0, 0, -1), nil
	case "tomorrow":
		return today.AddDate(0, 0, 1), nil
	}
	if strings.HasSuffix(v, "d") {
		if n, err := strconv.Atoi(strings.TrimSuffix(v, "d")); err == nil && n >= 0 {
			return today.AddDate(0, 0, -n), nil // from:7d = seven days ago
		}
	}
	t, err := time.ParseInLocation("2006-01-02", v, now.Location())
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot read date %q: want 2026-11-01, today, yesterday, tomorrow or 7d", v)
	}
	return t, nil
}

// String writes the filter back in the syntax ParseFilter reads.
func (f Filter) String(name func(int64) string) string {
	var parts []string
	if f.Medium != "" {
		parts = append(parts, "medium:"+string(f.Medium))
	}
	if f.Reason != "" {
		parts = append(parts, "reason:"+string(f.Reason))
	}
	if f.Tag != "" {
		parts = append(parts, "tag:"+f.Tag)
	}
	if f.Assignee != nil {
		n := "none"
		if *f.Assignee != 0 {
			n = name(*f.Assignee)
		}
		parts = append(parts, "assignee:"+n)
	}
	if f.From != nil {
		parts = append(parts, "from:"+f.From.Format("2006-01-02"))
	}
	if f.To != nil {
		parts = append(parts, "to:"+f.To.AddDate(0, 0, -1).Format("2006-01-02"))
	}
	if f.Text != "" {
		parts = append(parts, f.Text)
	}
	return strings.Join(parts, " ")
}

// Query builds the server query for a tab and filter.
func (f Filter) Query(tab Tab, limit int) api.ChatQuery {
	q := api.ChatQuery{Medium: f.Medium, Reason: f.Reason, Tag: f.Tag, AssigneeID: f.Assignee,
		From: f.From, To: f.To, Q: f.Text, Limit: limit}
	switch tab {
	case TabOpened:
		q.State = api.ChatOpened
	case TabSnoozed:
		q.State = api.ChatSnoozed
	case TabClosed:
		q.State = api.ChatClosed
	case TabMissed:
		t := true
		q.Missed = &t
	}
	return q
}

// Match reports whether a chat belongs in a tab under the filter, as far as
// the client can tell (text search over memos is the server's; here it
// covers the customer's name and number).
func (f Filter) Match(tab Tab, c api.Chat) bool {
	switch tab {
	case TabOpened:
		if c.State != api.ChatOpened {
			return false
		}
	case TabSnoozed:
		if c.State != api.ChatSnoozed {
			return false
		}
	case TabClosed:
		if c.State != api.ChatClosed {
			return false
		}
	case TabMissed:
		if !c.Missed {
			return false
		}
	}
	if f.Medium != "" && c.Medium != f.Medium {
		return false
	}
	if f.Reason != "" && c.MissedReason != f.Reason {
		return false
	}
	if f.Tag != "" && !contains(c.Tags, f.Tag) {
		return false
	}
	if f.Assignee != nil {
		if *f.Assignee == 0 && c.AssigneeID != nil {
			return false
		}
		if *f.Assignee != 0 && (c.AssigneeID == nil || *c.AssigneeID != *f.Assignee) {
			return false
		}
	}
	if f.From != nil && c.Created.Before(*f.From) {
		return false
	}
	if f.To != nil && !c.Created.Before(*f.To) {
		return false
	}
	if f.Text != "" {
		t := strings.ToLower(f.Text)
		if !strings.Contains(strings.ToLower(c.Customer.Name), t) && !strings.Contains(strings.ToLower(c.Customer.Number), t) {
			return false
		}
	}
	return true
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if strings.EqualFold(s, x) {
			return true
		}
	}
	return false
}

// Tab is an inbox tab.
type Tab int

const (
	TabOpened Tab = iota
	TabSnoozed
	TabClosed
	TabMissed
)

// Tabs lists the inbox tabs in display order.
var Tabs = []Tab{TabOpened, TabSnoozed, TabClosed, TabMissed}

func (t Tab) String() string {
	switch t {
	case TabOpened:
		return "Opened"
	case TabSnoozed:
		return "Snoozed"
	case TabClosed:
		return "Closed"
	case TabMissed:
		return "Missed"
	}
	return "?"
}

// filterKeys are the keys ParseFilter reads, in the order completion offers them.
var filterKeys = []string{"reason:", "tag:", "assignee:", "from:", "to:", "number:", "medium:"}

// CompleteFilter offers completions of the last word of a filter being
// typed: the keys, then the values a key takes (reasons by their screen
// labels, the tags and staff given, dates). Each completion is the whole
// text with the last word completed.
func CompleteFilter(text string, tags, staff []string) []string {
	head, last := "", text
	if i := strings.LastIndexByte(text, ' '); i >= 0 {
		head, last = text[:i+1], text[i+1:]
	}
	var cands []string
	key, val, hasKey := strings.Cut(last, ":")
	if !hasKey {
		cands = filterKeys
	} else {
		var vals []string
		switch strings.ToLower(key) {
		case "reason":
			for _, r := range api.MissedReasons {
				vals = append(vals, ReasonSlug(r))
			}
		case "tag":
			vals = tags
		case "assignee":
			vals = append([]string{"me", "none"}, staff...)
		case "from", "to":
			vals = []string{"today", "yesterday", "7d", "30d"}
		case "medium":
			vals = []string{string(api.MediumPhone)}
		}
		for _, v := range vals {
			cands = append(cands, key+":"+v)
		}
		last = key + ":" + val
	}
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(strings.ToLower(c), strings.ToLower(last)) {
			out = append(out, head+c)
		}
	}
	return out
}

// Describe says the filter in words for the filter line: the reason by
// its screen label, the assignee by name.
func (f Filter) Describe(name func(int64) string) string {
	g := f
	g.Reason = ""
	s := g.String(name)
	if f.Reason != "" {
		s = strings.TrimSpace("reason:" + ReasonSlug(f.Reason) + " " + s)
	}
	return s
}

// ErrNotANumber is returned for dialled text that is not a phone number.
var ErrNotANumber = errors.New("not a phone number")

// CleanNumber checks a number typed to be dialled: digits (and * #), an
// optional leading +, spaces, hyphens, dots and brackets (dropped). The server
// normalises it further with the channel's country.
func CleanNumber(s string) (string, error) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9', r == '*', r == '#':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", fmt.Errorf("%w: %q (digits, optionally starting with +)", ErrNotANumber, s)
		}
	}
	n := b.String()
	if d := len(strings.TrimPrefix(n, "+")); d < 2 || d > 20 {
		return "", fmt.Errorf("%w: %q (2 to 20 digits)", ErrNotANumber, s)
	}
	return n, nil
}

// Handle is how a staff member is addressed in an internal message:
// "@" and the first word of their name, lower case, or their e-mail's
// local part when they have no name.
func Handle(s api.Staff) string {
	if f := strings.Fields(s.Name); len(f) > 0 {
		return "@" + strings.ToLower(f[0])
	}
	local, _, _ := strings.Cut(s.Email, "@")
	return "@" + strings.ToLower(local)
}

// Mentions reports whether text addresses s: @first-name, @local-part or
// @e-mail, in any case, followed by punctuation or nothing.
func Mentions(text string, s api.Staff) bool {
	local, _, _ := strings.Cut(s.Email, "@")
	want := map[string]bool{strings.ToLower(Handle(s)): true, "@" + strings.ToLower(local): true, "@" + strings.ToLower(s.Email): true}
	for _, w := range strings.Fields(text) {
		w = strings.ToLower(strings.TrimRight(w, ".,:;!?)」、。！？"))
		if want[w] {
			return true
		}
	}
	return false
}

// CompleteMention completes a last word starting with @ to the handles of
// staff; any other last word has no completions.
func CompleteMention(text string, staff []api.Staff) []string {
	head, last := "", text
	if i := strings.LastIndexByte(text, ' '); i >= 0 {
		head, last = text[:i+1], text[i+1:]
	}
	if !strings.HasPrefix(last, "@") {
		return nil
	}
	var out []string
	for _, s := range staff {
		if h := Handle(s); strings.HasPrefix(h, strings.ToLower(last)) {
			out = append(out, head+h+" ")
		}
	}
	sort.Strings(out)
	return out
}
