// Package inbox is the inbox screen: tabs opened / snoozed / closed /
// missed with counts, the filter line, and a cursor-paged list of chats
// that live events keep current.
package inbox

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
)

// PageSize is how many chats one server page holds.
const PageSize = 50

// list is one tab's chats as loaded so far.
type list struct {
	chats   []api.Chat
	next    string // cursor of the next page; "" when all are loaded
	loaded  bool   // first page arrived
	loading bool
	cursor  int
	offset  int
}

// Model is the inbox.
type Model struct {
	ctx    *common.Context
	tabs   [4]list
	active common.Tab
	filter common.Filter
	w, h   int
	totals map[common.Tab]int // exact sizes from the server, when it gives them
}

// New returns an empty inbox on the opened tab.
func New(ctx *common.Context) *Model { return &Model{ctx: ctx, w: ctx.Width, h: ctx.Height} }

// SetSize sets the area the inbox draws in.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h; m.clamp() }

// Active is the tab shown.
func (m *Model) Active() common.Tab { return m.active }

// SetActive shows a tab.
func (m *Model) SetActive(t common.Tab) { m.active = t }

// Filter is the filter applied on top of the tabs.
func (m *Model) Filter() common.Filter { return m.filter }

// SetFilter replaces the filter; every tab must be loaded again.
func (m *Model) SetFilter(f common.Filter) {
	m.filter = f
	m.totals = nil
	for i := range m.tabs {
		m.tabs[i] = list{}
	}
}

// NeedsLoad reports whether tab t has not been asked for yet.
func (m *Model) NeedsLoad(t common.Tab) bool { l := &m.tabs[t]; return !l.loaded && !l.loading }

// Query is the server query of the next page of tab t and marks it loading;
// ok is false when nothing more is to be loaded or a load is under way.
func (m *Model) Query(t common.Tab) (q api.ChatQuery, ok bool) {
	l := &m.tabs[t]
	if l.loading || (l.loaded && l.next == "") {
		return api.ChatQuery{}, false
	}
	q = m.filter.Query(t, PageSize)
	q.Cursor = l.next
	l.loading = true
	return q, true
}

// Refresh is the query of tab t's first page again, keeping what is shown
// until it arrives; ok is false for a tab never loaded or loading.
func (m *Model) Refresh(t common.Tab) (q api.ChatQuery, ok bool) {
	l := &m.tabs[t]
	if !l.loaded || l.loading {
		return api.ChatQuery{}, false
	}
	l.loading = true
	return m.filter.Query(t, PageSize), true
}

// Loaded stores a page of tab t. cursor is the cursor the page was asked
// with ("" = first page, which replaces the list).
func (m *Model) Loaded(t common.Tab, cursor string, page api.ChatList) {
	l := &m.tabs[t]
	l.loading = false
	if cursor == "" {
		l.chats = l.chats[:0]
	}
	seen := make(map[int64]bool, len(l.chats))
	for _, c := range l.chats {
		seen[c.ID] = true
	}
	for _, c := range page.Chats {
		if !seen[c.ID] { // a live insert may already hold it
			l.chats = append(l.chats, c)
		}
	}
	l.next = page.NextCursor
	l.loaded = true
	m.clamp()
}

// LoadFailed clears the loading mark of tab t so it can be retried.
func (m *Model) LoadFailed(t common.Tab) { m.tabs[t].loading = false }

// Apply puts a changed chat where it belongs in every loaded tab: updated in
// place, added at the top, or removed when it no longer matches.
func (m *Model) Apply(c api.Chat) {
	for _, t := range common.Tabs {
		l := &m.tabs[t]
		if !l.loaded {
			continue
		}
		i := index(l.chats, c.ID)
		match := m.filter.Match(t, c)
		switch {
		case match && i >= 0:
			l.chats[i] = c
		case match:
			l.chats = append(l.chats, api.Chat{})
			copy(l.chats[1:], l.chats)
			l.chats[0] = c
			if len(l.chats) > 1 {
				l.cursor++ // keep the selection on the same chat
			}
		case i >= 0:
			l.chats = append(l.chats[:i], l.chats[i+1:]...)
			if l.cursor > i {
				l.cursor--
			}
		}
	}
	m.clamp()
}

func index(cs []api.Chat, id int64) int {
	for i := range cs {
		if cs[i].ID == id {
			return i
		}
	}
	return -1
}

// Chat returns a loaded chat by id from any tab.
func (m *Model) Chat(id int64) (api.Chat, bool) {
	for i := range m.tabs {
		if j := index(m.tabs[i].chats, id); j >= 0 {
			return m.tabs[i].chats[j], true
		}
	}
	return api.Chat{}, false
}

// Selected is the chat under the cursor.
func (m *Model) Selected() (api.Chat, bool) {
	l := &m.tabs[m.active]
	if l.cursor < 0 || l.cursor >= len(l.chats) {
		return api.Chat{}, false
	}
	return l.chats[l.cursor], true
}

// Chats are the chats loaded in tab t (not a copy: do not change them).
func (m *Model) Chats(t common.Tab) []api.Chat { return m.tabs[t].chats }

// Len is the number of chats loaded in tab t.
func (m *Model) Len(t common.Tab) int { return len(m.tabs[t].chats) }

// SetTotals sets the exact tab sizes from the server (GET /v1/chats/counts);
// without them Count falls back to what is loaded.
func (m *Model) SetTotals(c api.ChatCounts) {
	m.totals = map[common.Tab]int{common.TabOpened: c.Opened, common.TabSnoozed: c.Snoozed,
		common.TabClosed: c.Closed, common.TabMissed: c.Missed}
}

// Count is the count shown on a tab: the exact total when the server gave
// one, else "12", "50+" while more pages exist, "…" before it is loaded.
func (m *Model) Count(t common.Tab) string {
	l := &m.tabs[t]
	if n, ok := m.totals[t]; ok {
		return fmt.Sprint(n)
	}
	switch {
	case !l.loaded:
		return "…"
	case l.next != "":
		return fmt.Sprintf("%d+", len(l.chats))
	}
	return fmt.Sprint(len(l.chats))
}

// Move moves the cursor for a navigation action and reports whether the
// next page should be loaded (the cursor came near the end).
func (m *Model) Move(a common.Action) (wantMore bool) {
	l := &m.tabs[m.active]
	page := max(m.rows()-1, 1)
	switch a {
	case common.ActUp:
		l.cursor--
	case common.ActDown:
		l.cursor++
	case common.ActPageUp:
		l.cursor -= page
	case common.ActPageDown:
		l.cursor += page
	case common.ActTop:
		l.cursor = 0
	case common.ActBottom:
		l.cursor = len(l.chats) - 1
	}
	m.clamp()
	return l.loaded && l.next != "" && !l.loading && l.cursor >= len(l.chats)-m.rows()
}

// rows is how many chat rows fit: the height minus tab line, filter line
// and column header.
func (m *Model) rows() int { return max(m.h-3, 1) }

func (m *Model) clamp() {
	l := &m.tabs[m.active]
	if l.cursor >= len(l.chats) {
		l.cursor = len(l.chats) - 1
	}
	if l.cursor < 0 {
		l.cursor = 0
	}
	r := m.rows()
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+r {
		l.offset = l.cursor - r + 1
	}
	if l.offset > max(len(l.chats)-r, 0) {
		l.offset = max(len(l.chats)-r, 0)
	}
}

// View draws the inbox in its w×h area. Only the visible rows are
// formatted, so the cost does not grow with the number of chats.
func (m *Model) View() string {
	st := m.ctx.Styles
	var b strings.Builder
	b.Grow(m.w * m.h * 2)
	// tab line
	var tabs []string
	for _, t := range common.Tabs {
		label := m.ctx.T("%s %s", m.ctx.T(t.String()), m.Count(t))
		if t == m.active {
			tabs = append(tabs, st.TabActive.Render(label))
		} else {
			tabs = append(tabs, st.Tab.Render(label))
		}
	}
	b.WriteString(common.Fit(strings.Join(tabs, st.G.VBar), m.w))
	b.WriteByte('\n')
	// filter line
	f := m.ctx.T("filter: none  (%s search, %s filter)", m.ctx.Keys.First(common.ActSearch), m.ctx.Keys.First(common.ActFilter))
	if !m.filter.Empty() {
		f = m.ctx.T("filter: %s  (%s clears)", m.filter.Describe(m.ctx.StaffName), m.ctx.Keys.First(common.ActClear))
	}
	b.WriteString(st.Dim.Render(common.Fit(f, m.w)))
	b.WriteByte('\n')
	// header and rows
	cols := m.columns()
	T := m.ctx.T
	b.WriteString(st.Header.Render(m.row(cols, T("when"), T("customer"), T("status"), T("tags"), T("assignee"))))
	l := &m.tabs[m.active]
	r := m.rows()
	shown := 0
	now := m.ctx.Now()
	for i := l.offset; i < len(l.chats) && shown < r; i++ {
		c := &l.chats[i]
		status := T(string(c.State))
		if c.Missed {
			status = T("missed: %s", T(common.ReasonShort(c.MissedReason)))
			if c.Voicemail { // first: the column is narrow
				status = "✉ " + status
			}
		} else if c.State == api.ChatSnoozed && c.SnoozedUntil != nil {
			status = T("until %s", common.WhenIn(m.ctx, *c.SnoozedUntil, now))
		}
		assignee := "-"
		if c.AssigneeID != nil {
			assignee = m.ctx.StaffName(*c.AssigneeID)
		}
		line := m.row(cols, common.WhenIn(m.ctx, c.Updated, now), common.CustomerLabel(c.Customer), status,
			strings.Join(c.Tags, ","), assignee)
		b.WriteByte('\n')
		switch {
		case i == l.cursor:
			b.WriteString(st.Selected.Render(common.Mark(line)))
		case c.Missed:
			b.WriteString(st.Missed.Render(line))
		default:
			b.WriteString(line)
		}
		shown++
	}
	if shown == 0 {
		msg := T("no chats here")
		switch {
		case l.loading || !l.loaded:
			msg = T("loading…")
		case !m.filter.Empty():
			msg = T("no chats match the filter")
		}
		b.WriteByte('\n')
		b.WriteString(st.Dim.Render(common.Fit("  "+msg, m.w)))
		shown = 1
	}
	for ; shown < r; shown++ {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat(" ", m.w))
	}
	return b.String()
}

type columns struct{ when, cust, status, tags, who int }

func (m *Model) columns() columns {
	c := columns{when: 10, status: 20, tags: 12, who: 12}
	switch {
	case m.w < 70: // 60 columns: the customer keeps room, the rest shrinks
		c.status, c.tags, c.who = 14, 6, 8
	case m.w < 90:
		c.status, c.tags, c.who = 19, 10, 10
	}
	c.cust = max(m.w-c.when-c.status-c.tags-c.who-5, 8)
	return c
}

func (m *Model) row(c columns, when, cust, status, tags, who string) string {
	return " " + common.Fit(when, c.when) + " " + common.Fit(cust, c.cust) + " " + common.Fit(status, c.status) +
		" " + common.Fit(tags, c.tags) + " " + common.Fit(who, c.who)
}

// Update handles the inbox's own keys: moving (asking for the next page
// near the end), opening the selection, esc.
func (m *Model) Update(msg tea.Msg) (common.Component, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch a := m.ctx.Keys.Action(k); a {
	case common.ActUp, common.ActDown, common.ActPageUp, common.ActPageDown, common.ActTop, common.ActBottom:
		if m.Move(a) {
			return m, common.Send(common.LoadTabMsg{Tab: m.active})
		}
	case common.ActOpen:
		if c, ok := m.Selected(); ok {
			return m, common.Send(common.OpenChatMsg{Chat: c})
		}
	case common.ActBack:
		return m, common.Send(common.BackMsg{})
	}
	return m, nil
}

// Hints are the inbox's own keys.
func (m *Model) Hints() []common.Hint {
	return []common.Hint{{Action: common.ActOpen, Label: m.ctx.T("open")}}
}
