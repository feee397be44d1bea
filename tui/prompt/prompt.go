// Package prompt is the one-line input used for search, filters, snooze
// durations, tags, memos, internal messages, invitations, dialing and the
// quit confirmation.
package prompt

import (
	tea "github.com/charmbracelet/bubbletea"
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
)

// SubmitMsg carries the text of a submitted prompt.
type SubmitMsg struct {
	Kind   Kind
	Text   string
	ChatID int64
	CallID int64
}

// Model is an open prompt.
type Model struct {
	Kind   Kind
	Title  string
	ChatID int64 // what the prompt acts on
	CallID int64
	input  line
	ctx    *common.Context
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
			s := SubmitMsg{Kind: m.Kind, Text: m.Value(), ChatID: m.ChatID, CallID: m.CallID}
			return true, func() tea.Msg { return s }
		case tea.KeyEsc:
			return true, nil
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
	}
	return false, nil
}

// View draws the prompt line at width w.
func (m *Model) View(w int) string {
	st := m.ctx.Styles
	if m.Kind == ConfirmQuit {
		return st.Warn.Render(common.Fit(m.Title+" (y/n)", w))
	}
	title := st.Bold.Render(m.Title + ": ")
	return common.Fit(title+m.input.view(st.Selected, max(w-len([]rune(m.Title))-3, 5)), w)
}
