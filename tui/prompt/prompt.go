// Package prompt is the one-line input used for search, filters, snooze
// durations, tags, memos, internal messages, invitations, dialing and the
// quit confirmation.
package prompt

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/meet-dev/meet/tui/common"
)

// Kind says what the typed text is for.
type Kind int

const (
	None Kind = iota
	Search
	Filter
	Snooze
	Tag
	Memo
	Message
	Invite
	Assign
	Dial
	ConfirmQuit
	Transfer // a transfer target (staff, team or number)
)

// SubmitMsg carries the text of a submitted prompt.
type SubmitMsg struct {
	Kind   Kind
	Text   string
	ChatID int64
	CallID int64
	Choice Choice // the choice picked with tab, when the prompt offers some
}

// Choice is one option a prompt cycles through with tab (the channel a
// call is placed from).
type Choice struct {
	ID    int64
	Label string
}

// Model is an open prompt.
type Model struct {
	Kind   Kind
	Title  string
	ChatID int64 // what the prompt acts on
	CallID int64
	input  line
	ctx    *common.Context
	// Choices are cycled with tab / shift+tab; Complete, when set, offers
	// completions of the text instead (tab takes the next one).
	Choices  []Choice
	choice   int
	Complete func(text string) []string
	comps    []string // completions offered for compBase
	compBase string
	compIdx  int
}

// Choice is the option picked (zero when there are none).
func (m *Model) Choice() Choice {
	if len(m.Choices) == 0 {
		return Choice{}
	}
	return m.Choices[m.choice]
}

// New opens a prompt with a title and an initial value.
func New(ctx *common.Context, kind Kind, title, value string) *Model {
	l := line{text: []rune(value)}
	l.pos = len(l.text)
	return &Model{Kind: kind, Title: title, input: l, ctx: ctx}
}

// Value is the current text.
func (m *Model) Value() string { return string(m.input.text) }

// Update handles a key: enter submits (a SubmitMsg command), esc cancels
// (done with no command); other keys edit the text.
func (m *Model) Update(msg tea.Msg) (done bool, cmd tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch k.Type {
		case tea.KeyEnter:
			s := SubmitMsg{Kind: m.Kind, Text: m.Value(), ChatID: m.ChatID, CallID: m.CallID, Choice: m.Choice()}
			return true, func() tea.Msg { return s }
		case tea.KeyEsc:
			return true, nil
		case tea.KeyTab, tea.KeyShiftTab:
			step := 1
			if k.Type == tea.KeyShiftTab {
				step = -1
			}
			switch {
			case len(m.Choices) > 0:
				m.choice = (m.choice + step + len(m.Choices)) % len(m.Choices)
			case m.Complete != nil:
				m.complete(step)
			}
			return false, nil
		}
		if m.Kind == ConfirmQuit {
			switch k.String() {
			case "y", "Y":
				s := SubmitMsg{Kind: ConfirmQuit, Text: "y"}
				return true, func() tea.Msg { return s }
			case "n", "N", "q":
				return true, nil
			}
			return false, nil
		}
	}
	if k, ok := msg.(tea.KeyMsg); ok {
		m.input.key(k)
		m.comps = nil
	}
	return false, nil
}

// complete replaces the text with the next (or previous) completion of
// what was typed before the first tab.
func (m *Model) complete(step int) {
	if m.comps == nil {
		m.compBase = m.Value()
		m.comps = m.Complete(m.compBase)
		m.compIdx = -1
		if step < 0 {
			m.compIdx = 0
		}
	}
	if len(m.comps) == 0 {
		return
	}
	m.compIdx = (m.compIdx + step + len(m.comps)) % len(m.comps)
	m.input.set(m.comps[m.compIdx])
}

// Completions are the completions offered now (for the view and tests).
func (m *Model) Completions() []string { return m.comps }

// View draws the prompt line at width w.
func (m *Model) View(w int) string {
	st := m.ctx.Styles
	if m.Kind == ConfirmQuit {
		return st.Warn.Render(common.Fit(m.Title+" (y/n)", w))
	}
	title := m.Title
	if len(m.Choices) > 0 {
		title = m.ctx.T("%[1]s from %[2]s", m.Title, m.Choice().Label)
		if len(m.Choices) > 1 {
			title = m.ctx.T("%[1]s from %[2]s (tab: other channel)", m.Title, m.Choice().Label)
		}
	}
	head := st.Bold.Render(title + ": ")
	room := max(w-ansi.StringWidth(title)-3, 5)
	return common.Fit(head+m.input.view(st.Selected, room), w)
}
