// Package ring is the overlay of a call asking for us: a ringing inbound
// call, an invitation from a colleague, or — while already in a call — a
// quieter notification; accepting any of them leaves the current call.
package ring

import (
	"sort"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
)

// Offer is one call asking for us.
type Offer struct {
	Call      api.Call
	Customer  api.Customer
	Channel   string
	InvitedBy int64 // non-zero for an invitation
	InCall    bool  // we are already in a call: a notification, no ring tone
}

// Invitation reports whether the offer is an invitation rather than a ring.
func (o Offer) Invitation() bool { return o.InvitedBy != 0 }

// View draws the overlay box for o.
func View(ctx *common.Context, o Offer) string {
	k := ctx.Keys
	var title string
	switch {
	case o.Invitation():
		title = ctx.T("%s invites you to a call", ctx.StaffName(o.InvitedBy))
	case o.Call.State == api.CallConsulting && o.Call.AssigneeID != nil: // an attended transfer's consult
		title = ctx.T("%s wants to pass you a caller (consult)", ctx.StaffName(*o.Call.AssigneeID))
	case o.InCall:
		title = ctx.T("Another call is ringing for you")
	default:
		title = ctx.T("Incoming call")
	}
	if o.Channel != "" {
		title += ctx.Styles.G.Sep + o.Channel
	}
	number := o.Customer.Number
	if number == "" {
		number = o.Call.From
	}
	lines := []string{ctx.Styles.Title.Render(title), "", ctx.Styles.Bold.Render(number)}
	if o.Customer.Name != "" {
		lines = append(lines, o.Customer.Name)
	}
	keys := make([]string, 0, len(o.Customer.Profile))
	for key := range o.Customer.Profile {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for i, key := range keys {
		if i == 3 {
			break
		}
		lines = append(lines, key+": "+o.Customer.Profile[key])
	}
	if len(o.Customer.Tags) > 0 {
		lines = append(lines, ctx.T("tags: %s", strings.Join(o.Customer.Tags, ", ")))
	}
	lines = append(lines, "")
	accept := ctx.T("answer")
	if o.InCall {
		accept = ctx.T("answer (leaves current call)")
	} else if o.Invitation() {
		accept = ctx.T("join")
	}
	lines = append(lines, ctx.T("%s %s   %s decline", ctx.Styles.Key.Render(k.First(common.ActAnswer)), accept,
		ctx.Styles.Key.Render(k.First(common.ActDecline))))
	width := 0
	for _, l := range lines {
		width = max(width, ansi.StringWidth(l))
	}
	return ctx.Styles.Overlay.Width(min(max(width+2, 36), max(ctx.Width-4, 20))).Render(strings.Join(lines, "\n"))
}

// Notice is the one-line form shown in the status line when an overlay
// would not fit (or while typing in a prompt).
func Notice(ctx *common.Context, o Offer) string {
	who := o.Customer.Number
	if o.Customer.Name != "" {
		who = o.Customer.Name + " " + who
	}
	if o.Invitation() {
		return ctx.T("☎ %s invites you: %s — %s join, %s decline", ctx.StaffName(o.InvitedBy), who,
			ctx.Keys.First(common.ActAnswer), ctx.Keys.First(common.ActDecline))
	}
	return ctx.T("☎ ringing: %s — %s answer, %s decline", who, ctx.Keys.First(common.ActAnswer), ctx.Keys.First(common.ActDecline))
}
