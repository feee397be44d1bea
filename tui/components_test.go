package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/meet-dev/meet/tui/common"
	"github.com/meet-dev/meet/tui/settings"
	"github.com/stretchr/testify/require"
)

// Screens handle their own keys behind common.Component and say what
// they want as messages; the root acts on those.
func TestComponentsSpeakInMessages(t *testing.T) {
	f := newFake()
	seed(f)
	h := newHarness(t, f)
	run := func(c common.Component, k string) tea.Msg {
		_, cmd := c.Update(keyMsg(k))
		if cmd == nil {
			return nil
		}
		return cmd()
	}
	var _ common.Component = h.m.inbox
	open, ok := run(h.m.inbox, "enter").(common.OpenChatMsg)
	require.True(t, ok)
	require.EqualValues(t, 1, open.Chat.ID)
	require.IsType(t, common.BackMsg{}, run(h.m.inbox, "esc"))
	require.Nil(t, run(h.m.inbox, "j"), "moving needs nothing from the root")

	in, ok := run(h.m.settings, " ").(settings.Intent)
	require.True(t, ok)
	require.Equal(t, settings.ToggleDND, in.Kind)
	require.IsType(t, common.ReloadMsg{}, run(h.m.stats, ">"))
	flash, ok := run(h.m.chat, "[").(common.FlashMsg)
	require.True(t, ok, "no linked chat: a note, not a jump")
	require.Equal(t, "no linked chat that way", flash.Text)
	for s := ScreenInbox; s <= ScreenHelp; s++ {
		require.NotNil(t, h.m.componentOf(s), s.String())
	}
}
