// Package help lists every key binding, grouped, in columns that fit the
// screen; it scrolls when they do not.
package help

import (
	tea "github.com/charmbracelet/bubbletea"
	"strings"

	"github.com/meet-dev/meet/tui/common"
)

// Model is the help screen.
type Model struct {
	ctx    *common.Context
	scroll int
	w, h   int
}

// New returns the help screen.
func New(ctx *common.Context) *Model { return &Model{ctx: ctx, w: ctx.Width, h: ctx.Height} }

// SetSize sets the drawing area.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h }

// Scroll moves the list.
func (m *Model) Scroll(a common.Action) {
	switch a {
	case common.ActUp:
		m.scroll--
	case common.ActDown:
		m.scroll++
	case common.ActPageUp:
		m.scroll -= m.h / 2
	case common.ActPageDown:
		m.scroll += m.h / 2
	case common.ActTop:
		m.scroll = 0
	}
	m.scroll = max(m.scroll, 0)
}

// Entries are the help lines: group titles and "keys  description".
func (m *Model) Entries(width int) []string {
	var out []string
	k, st := m.ctx.Keys, m.ctx.Styles
	for _, g := range common.HelpGroups {
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, st.Header.Render(m.ctx.T(g.Title)))
		for _, a := range g.Actions {
			out = append(out, common.Fit(st.Key.Render(common.Fit(k.Label(a), 12))+" "+m.ctx.T(common.Descriptions[a]), width))
		}
	}
	return out
}

// View draws the help.
func (m *Model) View() string {
	ncols := max(m.w/40, 1)
	cw := m.w / ncols
	entries := m.Entries(cw - 1)
	rows := max(m.h-1, 1)
	per := (len(entries) + ncols - 1) / ncols
	if per < rows {
		per = rows
	}
	maxScroll := max(per-rows, 0)
	m.scroll = min(m.scroll, maxScroll)
	lines := make([]string, rows)
	for c := 0; c < ncols; c++ {
		for r := 0; r < rows; r++ {
			i := c*per + r + m.scroll
			cell := ""
			if i < (c+1)*per && i < len(entries) {
				cell = entries[i]
			}
			lines[r] += common.Fit(cell, cw)
		}
	}
	title := m.ctx.T("Keys — esc closes, keys are set in ~/.config/meet/config.yaml under keys:")
	if maxScroll > 0 {
		title = m.ctx.T("Keys — esc closes, keys are set in ~/.config/meet/config.yaml under keys: (j/k scroll)")
	}
	return m.ctx.Styles.Title.Render(common.Fit(title, m.w)) + "\n" + strings.Join(lines, "\n")
}

// Update scrolls the help.
func (m *Model) Update(msg tea.Msg) (common.Component, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch a := m.ctx.Keys.Action(k); a {
	case common.ActUp, common.ActDown, common.ActPageUp, common.ActPageDown, common.ActTop, common.ActBottom:
		m.Scroll(a)
	case common.ActBack:
		return m, common.Send(common.BackMsg{})
	}
	return m, nil
}

// Hints are the help's own keys.
func (m *Model) Hints() []common.Hint { return nil }
