package common

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/meet-dev/meet/api"
)

// ReasonText says in words why a call was missed.
func ReasonText(r api.MissedReason) string {
	switch r {
	case api.ReasonNotInOperation:
		return "outside operating hours"
	case api.ReasonNoOperator:
		return "no operator available"
	case api.ReasonUserLeft:
		return "caller hung up while waiting"
	case api.ReasonRingTimeout:
		return "nobody answered in time"
	case api.ReasonNodeLost:
		return "the server node handling it failed"
	case api.ReasonNone:
		return ""
	}
	return string(r)
}

// ReasonShort is a column-sized name of a missed reason.
func ReasonShort(r api.MissedReason) string {
	switch r {
	case api.ReasonNotInOperation:
		return "closed hrs"
	case api.ReasonNoOperator:
		return "no operator"
	case api.ReasonUserLeft:
		return "caller left"
	case api.ReasonRingTimeout:
		return "ring timeout"
	case api.ReasonNodeLost:
		return "node lost"
	}
	return string(r)
}

// ParseReason accepts a reason by its wire name, its label as the screens
// show it ("caller left", "caller-left", "closed hrs") or a short alias;
// case, spaces, hyphens and underscores do not matter.
func ParseReason(s string) (api.MissedReason, error) {
	norm := strings.NewReplacer(" ", "", "-", "", "_", "", ".", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch norm {
	case "notinoperation", "hours", "closed", "closedhrs", "outsideoperatinghours", "afterhours":
		return api.ReasonNotInOperation, nil
	case "nooperator", "busy", "nobody", "nooperatoravailable":
		return api.ReasonNoOperator, nil
	case "userleft", "left", "abandoned", "callerleft", "callerhungup", "callerhungupwhilewaiting":
		return api.ReasonUserLeft, nil
	case "ringtimeout", "timeout", "nobodyansweredintime":
		return api.ReasonRingTimeout, nil
	case "nodelost", "node", "serverfailed":
		return api.ReasonNodeLost, nil
	}
	return "", fmt.Errorf("unknown missed reason %q (want caller-left, no-operator, ring-timeout, closed-hrs or node-lost)", s)
}

// ReasonSlug is a reason's label as one filter word: "caller-left".
func ReasonSlug(r api.MissedReason) string {
	return strings.ReplaceAll(ReasonShort(r), " ", "-")
}

// IneligibleText says in words why a staff member was not rung.
func IneligibleText(r api.IneligibleReason) string {
	switch r {
	case api.IneligibleNotificationOff:
		return "notifications off"
	case api.IneligibleDND:
		return "do not disturb"
	case api.IneligibleInCall:
		return "in a call"
	case api.IneligibleAlreadyRinging:
		return "already ringing"
	case api.IneligibleOpenedPhoneChat:
		return "has an opened phone chat"
	case api.IneligibleSoftphoneOffline:
		return "softphone offline"
	case api.IneligibleNotInTeam:
		return "not in the team"
	case api.IneligibleNotInChannel:
		return "not in the channel"
	}
	return string(r)
}

// Clock formats a duration as m:ss or h:mm:ss.
func Clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// When formats a time relative to now: "15:04" today, "Mon 15:04" this
// week, "2006-01-02" before.
func When(t, now time.Time) string {
	t = t.In(now.Location())
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return t.Format("15:04")
	case now.Sub(t) < 6*24*time.Hour && now.After(t):
		return t.Format("Mon 15:04")
	}
	return t.Format("2006-01-02")
}

// ellipsis ends truncated text; the styles choose it once at start (see
// Styles.UseSafeGlyphs).
var ellipsis = "…"

// Fit truncates s to width cells (with …) and pads it to exactly width.
func Fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := ansi.StringWidth(s)
	if w > width {
		s = ansi.Truncate(s, width, ellipsis)
		w = ansi.StringWidth(s) // a wide character that would straddle the edge leaves one cell
	}
	return s + strings.Repeat(" ", width-w)
}

// Truncate shortens s to width cells with an ellipsis, without padding.
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, ellipsis)
}

// Meter draws a level meter of width cells for a dBFS value (-60…0).
func Meter(dbfs float64, width int) string { return MeterWith(UnicodeGlyphs, dbfs, width) }

// MeterWith draws a meter with the glyphs g.
func MeterWith(g Glyphs, dbfs float64, width int) string {
	if width <= 0 {
		return ""
	}
	if math.IsNaN(dbfs) || math.IsInf(dbfs, -1) || dbfs < -60 {
		dbfs = -60
	}
	if dbfs > 0 {
		dbfs = 0
	}
	n := int(math.Round((dbfs + 60) / 60 * float64(width)))
	return strings.Repeat(g.Full, n) + strings.Repeat(g.Empty, width-n)
}

// Lines pads or cuts a block of text to exactly h lines of width w.
func Lines(block string, w, h int) string {
	ls := strings.Split(block, "\n")
	if len(ls) > h {
		ls = ls[:h]
	}
	for i, l := range ls {
		ls[i] = Fit(l, w)
	}
	for len(ls) < h {
		ls = append(ls, strings.Repeat(" ", max(w, 0)))
	}
	return strings.Join(ls, "\n")
}

// Center places a block in the middle of a w×h area.
func Center(block string, w, h int) string {
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, block)
}

// CustomerLabel is "Name (number)" or the number alone.
func CustomerLabel(c api.Customer) string {
	switch {
	case c.Name != "" && c.Number != "":
		return c.Name + " (" + c.Number + ")"
	case c.Name != "":
		return c.Name
	case c.Number != "":
		return c.Number
	}
	return "unknown caller"
}

// Mark draws the selection marker in the first cell of a list row (which
// rows leave blank), so the selection shows without colour or reverse
// video too (NO_COLOR, a monochrome terminal).
func Mark(line string) string {
	if strings.HasPrefix(line, " ") {
		return ">" + line[1:]
	}
	return line
}

// jaWeekdays are the weekdays as Japanese calendars write them.
var jaWeekdays = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// WhenIn is When in the user's conventions: Japanese writes "(月) 15:04"
// and "2026/11/01".
func WhenIn(ctx *Context, t, now time.Time) string {
	if !ctx.Japanese() {
		return When(t, now)
	}
	t = t.In(now.Location())
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return t.Format("15:04")
	case now.Sub(t) < 6*24*time.Hour && now.After(t):
		return "(" + jaWeekdays[t.Weekday()] + ") " + t.Format("15:04")
	}
	return t.Format("2006/01/02")
}

// Day is a short date: "Nov 23", or "11月23日" in Japanese.
func Day(ctx *Context, t time.Time) string {
	if ctx.Japanese() {
		return fmt.Sprintf("%d月%d日", t.Month(), t.Day())
	}
	return t.Format("Jan 2")
}

// DateTime is a day and time: "Mon 2 Jan 15:04", or "1月2日(月) 15:04".
func DateTime(ctx *Context, t time.Time) string {
	if ctx.Japanese() {
		return fmt.Sprintf("%d月%d日(%s) %s", t.Month(), t.Day(), jaWeekdays[t.Weekday()], t.Format("15:04"))
	}
	return t.Format("Mon 2 Jan 15:04")
}
