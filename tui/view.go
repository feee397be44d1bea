package tui

import (
	"fmt"
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
	who := "…"
	if m.ready {
		who = m.ctx.Me.Name
		if who == "" {
			who = m.ctx.Me.Email
		}
		who += " (" + string(m.ctx.Me.Role) + ")"
	}
	var conn string
	switch {
	case m.events == nil:
		conn = "offline"
	case m.conn.State == Connected:
		conn = "● online"
	case m.conn.State == Reconnecting:
		conn = st.Warn.Render("⟳ reconnecting…")
	default:
		conn = "connecting…"
	}
	parts := []string{st.Title.Render("meet"), who, conn}
	if m.settings.Settings().DND {
		parts = append(parts, st.Warn.Render("DND"))
	}
	if m.server != "" && w >= 100 {
		parts = append(parts, st.Dim.Render(m.server))
	}
	left := " " + strings.Join(parts, " · ")
	right := m.screen.String() + " · " + m.ctx.Keys.First(common.ActHelp) + " help "
	gap := w - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return common.Fit(left, w)
	}
	return left + strings.Repeat(" ", gap) + right
}

func (m *Model) body() string {
	w, h := m.ctx.Width, m.bodyHeight()
	if m.fatal != "" {
		return common.Lines("\n  "+m.ctx.Styles.Error.Render(m.fatal), w, h)
	}
	var v string
	switch m.screen {
	case ScreenInbox:
		v = m.inbox.View()
	case ScreenChat:
		v = m.chat.View()
	case ScreenBoard:
		v = m.board.View()
	case ScreenStats:
		v = m.stats.View()
	case ScreenSettings:
		v = m.settings.View()
	case ScreenHelp:
		v = m.help.View()
	}
	return common.Lines(v, w, h)
}

func (m *Model) hints() string {
	k := m.ctx.Keys
	f := k.First
	switch m.screen {
	case ScreenInbox:
		return fmt.Sprintf("%s open · %s/%s tabs · %s search · %s filter · %s callback · %s board · %s stats · %s settings · %s quit",
			f(common.ActOpen), f(common.ActNextTab), "1-4", f(common.ActSearch), f(common.ActFilter), f(common.ActCallback),
			f(common.ActBoard), f(common.ActStats), f(common.ActSettings), f(common.ActQuit))
	case ScreenSettings:
		return "enter/space toggle · " + f(common.ActBack) + " back"
	}
	return f(common.ActBack) + " back · " + f(common.ActHelp) + " help · " + f(common.ActQuit) + " quit"
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
