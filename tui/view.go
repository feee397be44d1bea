package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/meet-dev/meet/tui/callbar"
	"github.com/meet-dev/meet/tui/common"
	"github.com/meet-dev/meet/tui/ring"
)

// View draws the whole screen: top bar, body, call bar, status line, and
// the ringing overlay on top of the body.
func (m *Model) View() string {
	if m.quitting {
		return ""
	}
	w := m.ctx.Width
	st := m.ctx.Styles
	var b strings.Builder
	b.Grow(w * m.ctx.Height * 2)
	b.WriteString(m.topBar())
	b.WriteByte('\n')
	body := m.body()
	if len(m.offers) > 0 && m.prompt == nil {
		body = overlay(body, ring.View(m.ctx, m.offers[0]), w)
	}
	b.WriteString(body)
	if m.call != nil {
		b.WriteByte('\n')
		b.WriteString(callbar.View(m.ctx, m.callBar(), w))
	}
	b.WriteByte('\n')
	switch {
	case m.prompt != nil:
		b.WriteString(m.prompt.View(w))
	case m.flash != "" && m.flashErr:
		b.WriteString(st.Error.Render(common.Fit(m.flash, w)))
	case m.flash != "":
		b.WriteString(common.Fit(m.flash, w))
	case len(m.offers) > 0:
		b.WriteString(st.Warn.Render(common.Fit(ring.Notice(m.ctx, m.offers[0]), w)))
	default:
		b.WriteString(st.Dim.Render(common.Fit(m.hints(), w)))
	}
	return b.String()
}

func (m *Model) topBar() string {
	st, w := m.ctx.Styles, m.ctx.Width
	name, role := "…", ""
	if m.ready {
		name = m.ctx.Me.Name
		if name == "" {
			name = m.ctx.Me.Email
		}
		role = m.ctx.T(string(m.ctx.Me.Role))
	}
	var conn string
	switch {
	case m.events == nil:
		conn = m.ctx.T("offline")
	case m.conn.State == Connected:
		conn = m.ctx.T("%s online", st.G.Dot)
	case m.conn.State == Reconnecting:
		conn = st.Warn.Render(m.ctx.T("⟳ reconnecting…"))
	default:
		conn = m.ctx.T("connecting…")
	}
	right := m.ctx.T("%[1]s%[2]s%[3]s help ", m.ctx.T(m.screen.String()), st.G.Sep, m.ctx.Keys.First(common.ActHelp))
	// Narrow terminals drop the server, then the role, then shorten the
	// name: the screen's title and the help key always stay.
	for step := 0; ; step++ {
		who := name
		if role != "" && step < 2 {
			who = m.ctx.T("%[1]s (%[2]s)", name, role)
		}
		parts := []string{st.Title.Render("meet"), who, conn}
		if m.settings.Settings().DND {
			parts = append(parts, st.Warn.Render(m.ctx.T("DND")))
		}
		if m.server != "" && w >= 100 && step < 1 {
			parts = append(parts, st.Dim.Render(m.server))
		}
		left := " " + strings.Join(parts, st.G.Sep)
		gap := w - ansi.StringWidth(left) - ansi.StringWidth(right)
		if gap >= 1 {
			return left + strings.Repeat(" ", gap) + right
		}
		if step >= 2 {
			rw := ansi.StringWidth(right)
			if rw >= w {
				return common.Fit(right, w)
			}
			return common.Fit(left, w-rw) + right
		}
	}
}

func (m *Model) body() string {
	w, h := m.ctx.Width, m.bodyHeight()
	if m.fatal != "" {
		return common.Lines("\n  "+m.ctx.Styles.Error.Render(m.fatal), w, h)
	}
	v := m.component().View()
	return common.Lines(v, w, h)
}

// hints is the status line's key help for the screen shown, most useful
// first; keys the role cannot use are not offered.
func (m *Model) hints() string {
	T := m.ctx.T
	hs := m.component().Hints() // the screen's own keys first
	switch m.screen {
	case ScreenInbox:
		hs = append(hs, []common.Hint{{Action: common.ActDial, Label: T("call")},
			{Action: common.ActCallback, Label: T("call back")}, {Action: common.ActFilter, Label: T("filter")},
			{Action: common.ActSearch, Label: T("search")}, {Action: common.ActNextTab, Label: T("tabs")},
			{Action: common.ActBoard, Label: T("live calls")}}...)
		if m.ctx.IsSupervisor() {
			hs = append(hs, common.Hint{Action: common.ActStats, Label: T("stats")})
		}
		hs = append(hs, common.Hint{Action: common.ActSettings, Label: T("settings")}, common.Hint{Action: common.ActQuit, Label: T("quit")})
	case ScreenSettings:
		hs = append(hs, common.Hint{Action: common.ActBack, Label: T("back")})
	default:
		hs = append(hs, []common.Hint{{Action: common.ActBack, Label: T("back")}, {Action: common.ActHelp, Label: T("help")},
			{Action: common.ActQuit, Label: T("quit")}}...)
	}
	if m.screen == ScreenInbox || m.screen == ScreenSettings {
		hs = append(hs, common.Hint{Action: common.ActHelp, Label: T("help")})
	}
	return common.HintLineSep(m.ctx.Keys, hs, m.ctx.Width, m.ctx.Styles.G.Sep)
}

// overlay draws box centred over body, line by line, keeping the body
// visible around it.
func overlay(body, box string, w int) string {
	bl := strings.Split(body, "\n")
	ol := strings.Split(box, "\n")
	bw := 0
	for _, l := range ol {
		bw = max(bw, ansi.StringWidth(l))
	}
	bw = min(bw, w)
	x := max((w-bw)/2, 0)
	y := max((len(bl)-len(ol))/2, 0)
	for i, l := range ol {
		if y+i >= len(bl) {
			break
		}
		under := bl[y+i]
		left := ansi.Truncate(under, x, "")
		if pad := x - ansi.StringWidth(left); pad > 0 {
			left += strings.Repeat(" ", pad)
		}
		right := ansi.TruncateLeft(under, x+bw, "")
		bl[y+i] = left + common.Fit(l, bw) + right
	}
	return strings.Join(bl, "\n")
}
