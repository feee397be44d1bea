// Package chat is the chat screen: the customer, tags, assignee, links to
// callback chats, and a timeline of call events, memos and internal
// messages.
package chat

import (
	"sort"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
)

// Data is everything the chat screen shows; the root model loads it.
type Data struct {
	Chat     api.Chat
	Events   []api.Event
	Calls    []api.Call
	Memos    []api.Memo
	Messages []api.Message
}

// Model is the chat screen.
type Model struct {
	ctx     *common.Context
	data    Data
	items   []Item
	lines   []string // wrapped timeline
	scroll  int      // lines scrolled up from the bottom
	w, h    int
	loading bool
	failed  string // why the last load failed, shown instead of "loading…"
}

// LoadFailed stops showing "loading…" and says why; the next Set clears it.
func (m *Model) LoadFailed(why string) { m.loading, m.failed = false, why }

// New returns a chat screen showing nothing yet.
func New(ctx *common.Context) *Model { return &Model{ctx: ctx, w: ctx.Width, h: ctx.Height} }

// SetSize sets the drawing area.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h; m.wrap() }

// Loading shows chat id with a loading note until Set is called.
func (m *Model) Loading(c api.Chat) {
	if m.data.Chat.ID != c.ID {
		m.data = Data{Chat: c}
		m.items, m.lines, m.scroll = nil, nil, 0
	}
	m.loading = true
}

// Set replaces what is shown, keeping the scroll position when it is the same chat.
func (m *Model) Set(d Data) {
	if d.Chat.ID != m.data.Chat.ID {
		m.scroll = 0
	}
	m.data, m.loading, m.failed = d, false, ""
	m.items = Timeline(m.ctx, d.Chat.ID, d.Events, d.Calls, d.Memos, d.Messages)
	m.wrap()
}

// SetChat updates the chat header alone (a live update).
func (m *Model) SetChat(c api.Chat) {
	if c.ID == m.data.Chat.ID {
		m.data.Chat = c
	}
}

// Chat is the chat shown.
func (m *Model) Chat() api.Chat { return m.data.Chat }

// Data is what is shown.
func (m *Model) Data() Data { return m.data }

// Items is the timeline.
func (m *Model) Items() []Item { return m.items }

// LastCall is the newest call of the chat, if any.
func (m *Model) LastCall() (api.Call, bool) {
	if len(m.data.Calls) == 0 {
		return api.Call{}, false
	}
	cs := append([]api.Call(nil), m.data.Calls...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].Created.After(cs[j].Created) })
	return cs[0], true
}

// LinkBack is the chat this one calls back, 0 when none.
func (m *Model) LinkBack() int64 {
	if m.data.Chat.CallbackOf != nil {
		return *m.data.Chat.CallbackOf
	}
	return 0
}

// LinkNext is the newest callback chat of this one, 0 when none.
func (m *Model) LinkNext() int64 {
	if n := len(m.data.Chat.Callbacks); n > 0 {
		return m.data.Chat.Callbacks[n-1]
	}
	for i := len(m.items) - 1; i >= 0; i-- {
		if l := m.items[i].Link; l != 0 && l != m.LinkBack() {
			return l
		}
	}
	return 0
}

// Scroll moves the timeline for a navigation action.
func (m *Model) Scroll(a common.Action) {
	page := max(m.bodyHeight()-1, 1)
	switch a {
	case common.ActUp:
		m.scroll++
	case common.ActDown:
		m.scroll--
	case common.ActPageUp:
		m.scroll += page
	case common.ActPageDown:
		m.scroll -= page
	case common.ActTop:
		m.scroll = len(m.lines)
	case common.ActBottom:
		m.scroll = 0
	}
	m.scroll = min(max(m.scroll, 0), max(len(m.lines)-m.bodyHeight(), 0))
}

func (m *Model) wrap() {
	m.lines = m.lines[:0]
	now := m.ctx.Now()
	width := max(m.w-14, 10)
	for _, it := range m.items {
		text := it.Text
		if it.Kind == "message" {
			text = "✉ " + text
		} else if it.Kind == "memo" {
			text = "✎ " + text
		}
		wrapped := strings.Split(wrapCells(text, width), "\n")
		for i, l := range wrapped {
			stamp := common.Fit(common.WhenIn(m.ctx, it.At, now), 11)
			if i > 0 {
				stamp = strings.Repeat(" ", 11)
			}
			m.lines = append(m.lines, " "+stamp+" "+l)
		}
	}
}

func (m *Model) header() []string {
	st, c := m.ctx.Styles, m.data.Chat
	T, g := m.ctx.T, st.G
	assignee := T("unassigned")
	if c.AssigneeID != nil {
		assignee = T("assignee %s", m.ctx.StaffName(*c.AssigneeID))
	}
	state := T(string(c.State))
	if c.State == api.ChatSnoozed && c.SnoozedUntil != nil {
		state = T("snoozed until %s", common.WhenIn(m.ctx, *c.SnoozedUntil, m.ctx.Now()))
	}
	h := []string{st.Title.Render(common.Fit(T("Chat #%d · %s · %s · %s", c.ID, common.CustomerLabel(c.Customer), state, assignee), m.w))}
	var info []string
	if len(c.Tags) > 0 {
		info = append(info, T("tags: %s", strings.Join(c.Tags, ", ")))
	}
	if len(c.Customer.Tags) > 0 {
		info = append(info, T("customer tags: %s", strings.Join(c.Customer.Tags, ", ")))
	}
	if c.MenuPath != "" {
		info = append(info, T("menu keys %s", c.MenuPath))
	}
	for _, k := range sortedKeys(c.Customer.Profile) {
		info = append(info, k+": "+c.Customer.Profile[k])
	}
	if len(info) == 0 {
		info = append(info, T("no tags"))
	}
	h = append(h, common.Fit(strings.Join(info, g.Sep), m.w))
	var links []string
	if c.Missed {
		links = append(links, st.Missed.Render(T("missed: %s", T(common.ReasonText(c.MissedReason)))))
	}
	if c.Voicemail {
		if allExpired(c.Recordings, api.RecordingVoicemail) {
			links = append(links, st.Dim.Render(T("✉ voicemail expired (retention)")))
		} else {
			links = append(links, st.Link.Render(T("✉ voicemail: %s plays", m.ctx.Keys.First(common.ActPlay))))
		}
	}
	if c.Recorded {
		if allExpired(c.Recordings, api.RecordingCall) {
			links = append(links, st.Dim.Render(T("● recording expired (retention)")))
		} else {
			links = append(links, st.Missed.Render(T("● recorded")))
		}
	}
	if b := m.LinkBack(); b != 0 {
		links = append(links, st.Link.Render(T("%[1]s %[2]s callback of chat #%[3]d", m.ctx.Keys.First(common.ActLinkBack), g.BackArrow, b)))
	}
	if n := m.LinkNext(); n != 0 {
		links = append(links, st.Link.Render(T("%[1]s %[2]s called back in chat #%[3]d", m.ctx.Keys.First(common.ActLinkNext), g.Arrow, n)))
	}
	if len(links) == 0 {
		links = append(links, st.Dim.Render(T("no linked chats")))
	}
	h = append(h, common.Fit(strings.Join(links, "  "), m.w))
	h = append(h, st.Dim.Render(strings.Repeat(g.HLine, m.w)))
	return h
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	if len(ks) > 3 {
		ks = ks[:3]
	}
	return ks
}

func (m *Model) bodyHeight() int { return max(m.h-5, 1) }

// View draws the chat screen in its w×h area.
func (m *Model) View() string {
	out := m.header()
	bh := m.bodyHeight()
	end := len(m.lines) - m.scroll
	start := max(end-bh, 0)
	body := m.lines[start:max(end, start)]
	if len(m.lines) == 0 {
		note := m.ctx.T("no events yet")
		switch {
		case m.loading:
			note = m.ctx.T("loading…")
		case m.failed != "":
			note = m.ctx.T("could not load this chat: %[1]s (%[2]s retries)", m.failed, m.ctx.Keys.First(common.ActRefresh))
		}
		body = []string{m.ctx.Styles.Dim.Render("  " + note)}
	} else if m.failed != "" {
		// what is shown is from before: say so above it
		warn := m.ctx.Styles.Warn.Render(common.Fit("  "+m.ctx.T("could not load this chat: %[1]s (%[2]s retries)", m.failed, m.ctx.Keys.First(common.ActRefresh)), m.w))
		body = append([]string{warn}, body[min(1, len(body)):]...)
		if len(body) > bh {
			body = body[len(body)-bh:]
		}
	}
	for _, l := range body {
		out = append(out, common.Fit(l, m.w))
	}
	for len(out) < m.h-1 {
		out = append(out, strings.Repeat(" ", m.w))
	}
	k := m.ctx.Keys
	hint := m.ctx.T("%s memo · %s message · %s tag · %s snooze · %s close · %s callback · %s back",
		k.First(common.ActMemo), k.First(common.ActMessage), k.First(common.ActTag), k.First(common.ActSnooze),
		k.First(common.ActClose), k.First(common.ActCallback), k.First(common.ActBack))
	out = append(out, m.ctx.Styles.Dim.Render(common.Fit(hint, m.w)))
	return strings.Join(out[:min(len(out), max(m.h, 1))], "\n")
}

// wrapCells wraps text to width display cells. Words wrap at spaces;
// text without spaces (Japanese) wraps at any character, by cells, so a
// line of wide characters never runs past the width.
func wrapCells(text string, width int) string {
	return ansi.Hardwrap(ansi.Wordwrap(text, width, ""), width, true)
}

// Update handles the chat screen's own keys: scrolling the timeline and
// following the callback links.
func (m *Model) Update(msg tea.Msg) (common.Component, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch a := m.ctx.Keys.Action(k); a {
	case common.ActUp, common.ActDown, common.ActPageUp, common.ActPageDown, common.ActTop, common.ActBottom:
		m.Scroll(a)
	case common.ActLinkBack, common.ActLinkNext:
		id := m.LinkBack()
		if a == common.ActLinkNext {
			id = m.LinkNext()
		}
		if id == 0 {
			return m, common.Send(common.FlashMsg{Text: m.ctx.T("no linked chat that way")})
		}
		return m, common.Send(common.OpenChatMsg{Chat: api.Chat{ID: id}, Push: true})
	case common.ActBack:
		return m, common.Send(common.BackMsg{})
	}
	return m, nil
}

// Hints are the chat screen's own keys.
func (m *Model) Hints() []common.Hint { return nil } // the screen draws its own hint line

// allExpired reports whether the chat lists recordings of kind and
// retention deleted every one of them.
func allExpired(recs []api.Recording, kind api.RecordingKind) bool {
	n := 0
	for _, r := range recs {
		if r.Kind == kind {
			if r.Expired == nil {
				return false
			}
			n++
		}
	}
	return n > 0
}
