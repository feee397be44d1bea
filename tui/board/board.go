// Package board is the supervisors' board of live calls: who is on each
// call, in what mode, and for how long; one key joins to listen.
package board

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
)

// Model is the board.
type Model struct {
	ctx    *common.Context
	calls  []api.Call
	cursor int
	loaded bool
	w, h   int
	// Customer, when set, names the customer of a chat the TUI knows, so
	// the board shows who is calling rather than a number.
	Customer func(chatID int64) (api.Customer, bool)
}

// New returns an empty board.
func New(ctx *common.Context) *Model { return &Model{ctx: ctx, w: ctx.Width, h: ctx.Height} }

// SetSize sets the drawing area.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h }

// Loaded reports whether calls were set at least once.
func (m *Model) Loaded() bool { return m.loaded }

// SetCalls replaces the live calls (ended ones are dropped), keeping the
// cursor on the same call when it is still there.
func (m *Model) SetCalls(calls []api.Call) {
	var sel int64
	if c, ok := m.Selected(); ok {
		sel = c.ID
	}
	m.calls = m.calls[:0]
	for _, c := range calls {
		if c.State != api.CallEnded {
			m.calls = append(m.calls, c)
		}
	}
	sort.SliceStable(m.calls, func(i, j int) bool { return m.calls[i].Created.Before(m.calls[j].Created) })
	m.loaded = true
	for i, c := range m.calls {
		if c.ID == sel {
			m.cursor = i
		}
	}
	m.cursor = min(max(m.cursor, 0), max(len(m.calls)-1, 0))
}

// Calls are the live calls shown.
func (m *Model) Calls() []api.Call { return m.calls }

// Selected is the call under the cursor.
func (m *Model) Selected() (api.Call, bool) {
	if m.cursor < 0 || m.cursor >= len(m.calls) {
		return api.Call{}, false
	}
	return m.calls[m.cursor], true
}

// Move moves the cursor.
func (m *Model) Move(a common.Action) {
	switch a {
	case common.ActUp:
		m.cursor--
	case common.ActDown:
		m.cursor++
	case common.ActTop:
		m.cursor = 0
	case common.ActBottom:
		m.cursor = len(m.calls) - 1
	}
	m.cursor = min(max(m.cursor, 0), max(len(m.calls)-1, 0))
}

// View draws the board.
func (m *Model) View() string {
	st, k := m.ctx.Styles, m.ctx.Keys
	now := m.ctx.Now()
	out := []string{st.Title.Render(common.Fit(m.ctx.T("Live calls (%d)", len(m.calls)), m.w))}
	hw := max(m.w-48, 12)
	out = append(out, st.Header.Render(" "+common.Fit(m.ctx.T("caller"), 18)+" "+common.Fit(m.ctx.T("state"), 9)+" "+common.Fit(m.ctx.T("for"), 8)+" "+
		common.Fit(m.ctx.T("channel"), 8)+" "+common.Fit(m.ctx.T("on the call"), hw)))
	rows := max(m.h-4, 1)
	first := max(m.cursor-rows+1, 0)
	for i := first; i < len(m.calls) && i < first+rows; i++ {
		c := m.calls[i]
		caller := c.From
		if c.Direction == api.Outbound {
			caller = c.To
		}
		if m.Customer != nil {
			if cu, ok := m.Customer(c.ChatID); ok && cu.Name != "" {
				caller = cu.Name // the name; the number is one key away (enter opens the chat)
			}
		}
		if c.Direction == api.Outbound {
			caller = st.G.Arrow + " " + caller
		}
		since := c.Created
		if c.Answered != nil {
			since = *c.Answered
		}
		ch := fmt.Sprint(c.ChannelID)
		if chn, ok := m.ctx.Channels[c.ChannelID]; ok {
			ch = chn.Name
		}
		line := " " + common.Fit(caller, 18) + " " + common.Fit(m.ctx.T(string(c.State)), 9) + " " + common.Fit(common.Clock(now.Sub(since)), 8) +
			" " + common.Fit(ch, 8) + " " + common.Fit(who(m.ctx, c, now), hw)
		if i == m.cursor {
			line = st.Selected.Render(common.Mark(line))
		}
		out = append(out, line)
	}
	if len(m.calls) == 0 {
		note := m.ctx.T("no live calls")
		if !m.loaded {
			note = m.ctx.T("loading…")
		}
		out = append(out, st.Dim.Render(common.Fit("  "+note, m.w)))
	}
	for len(out) < m.h-1 {
		out = append(out, strings.Repeat(" ", m.w))
	}
	hint := m.ctx.T("%s listen · %s whisper · %s barge · %s join · %s back", k.First(common.ActListen),
		k.First(common.ActWhisper), k.First(common.ActBarge), k.First(common.ActJoin), k.First(common.ActBack))
	if !m.ctx.IsSupervisor() {
		hint = m.ctx.T("%s join · %s back (listen/whisper/barge need a supervisor)", k.First(common.ActJoin), k.First(common.ActBack))
	}
	out = append(out, st.Dim.Render(common.Fit(hint, m.w)))
	return strings.Join(out[:min(len(out), max(m.h, 1))], "\n")
}

func who(ctx *common.Context, c api.Call, now time.Time) string {
	var ps []string
	for _, p := range c.Participants {
		if p.Left != nil {
			continue
		}
		s := ctx.StaffName(p.StaffID)
		if p.Mode != "" && p.Mode != api.ModeTalk {
			s += "/" + ctx.T(string(p.Mode))
		}
		ps = append(ps, s+" "+common.Clock(now.Sub(p.Joined)))
	}
	if len(ps) == 0 {
		var ringing []string
		for _, r := range c.RingAttempts {
			if r.Ended == nil {
				ringing = append(ringing, ctx.StaffName(r.StaffID))
			}
		}
		if len(ringing) > 0 {
			return ctx.T("ringing %s", strings.Join(ringing, ", "))
		}
		return "-"
	}
	return strings.Join(ps, ", ")
}

// Update handles the board's own keys: moving and opening a call's chat.
func (m *Model) Update(msg tea.Msg) (common.Component, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch a := m.ctx.Keys.Action(k); a {
	case common.ActUp, common.ActDown, common.ActPageUp, common.ActPageDown, common.ActTop, common.ActBottom:
		m.Move(a)
	case common.ActOpen:
		if c, ok := m.Selected(); ok {
			return m, common.Send(common.OpenChatMsg{Chat: api.Chat{ID: c.ChatID}})
		}
	case common.ActBack:
		return m, common.Send(common.BackMsg{})
	}
	return m, nil
}

// Hints are the board's own keys (the screen draws its own hint line).
func (m *Model) Hints() []common.Hint { return nil }
