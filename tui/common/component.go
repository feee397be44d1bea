package common

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/meet-dev/meet/api"
)

// Component is one screen of the TUI (inbox, chat, board, statistics,
// settings, help). It draws itself in the size it is given, handles the
// keys that are its own (moving, opening, its own switches) and says
// what it wants done by returning a command that yields one of the
// messages below; the root model does the I/O. Keys that apply anywhere
// (calls, chat actions, screens, quit) stay with the root.
type Component interface {
	Update(msg tea.Msg) (Component, tea.Cmd)
	View() string
	SetSize(w, h int)
	// Hints are the component's keys for the status line, most useful first.
	Hints() []Hint
}

// Messages components send to the root.
type (
	// OpenChatMsg asks to show a chat; Push keeps the one shown for esc.
	OpenChatMsg struct {
		Chat api.Chat
		Push bool
	}
	// LoadTabMsg asks for the next page of an inbox tab.
	LoadTabMsg struct{ Tab Tab }
	// ReloadMsg asks to fetch the screen's data again (a new period).
	ReloadMsg struct{}
	// BackMsg: the component had nothing to close; go back a screen.
	BackMsg struct{}
	// FlashMsg is a note for the status line.
	FlashMsg struct {
		Text string
		Err  bool
	}
)

// Send wraps a message in a command.
func Send(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }
