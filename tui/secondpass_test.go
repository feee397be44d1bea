package tui

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
	"github.com/stretchr/testify/require"
)

// Issue 17 §1: C asks which channel to call from when the operator is in
// two, checks the number before asking the server, and says "calling".
func TestDialPicksTheChannelAndChecksTheNumber(t *testing.T) {
	f := newFake()
	seed(f)
	f.me.Channels = []int64{1, 2}
	f.channels = append(f.channels, api.Channel{ID: 2, Name: "Billing", Timezone: "Asia/Tokyo"})
	h := newHarness(t, f)

	h.keys("C")
	require.Contains(t, h.m.View(), "call a number from Billing (tab: other channel)", "channels in name order")
	h.typeText("abc")
	h.keys("enter")
	require.Contains(t, h.m.Flash(), `not a phone number: "abc"`)
	require.False(t, f.calledWith("Dial"), "a bad number never reaches the server")

	h.keys("C", "tab")
	require.Contains(t, h.m.View(), "call a number from Support")
	h.typeText("03-1111-2222")
	h.keys("enter")
	require.True(t, f.calledWith("Dial 0311112222 channel=1"), "%v", f.log)
	require.Contains(t, h.m.Flash(), "calling 0311112222")

	f.failNext = api.Errorf(api.CodeBadRequest, "the trunk refused the number")
	h.keys("C")
	h.typeText("0311112222")
	h.keys("enter")
	require.Equal(t, "calling 0311112222: the trunk refused the number", h.m.Flash())
	require.NotContains(t, h.m.Flash(), "callback")
}

// Issue 17 §2: without colour the selected row still shows (a marker in
// its first cell, and reverse video where the terminal has it), and j
// moves it.
func TestSelectionShowsWithoutColour(t *testing.T) {
	f := newFake()
	seed(f)
	h := newHarness(t, f)
	h.m.ctx.Styles = common.NewStylesMode(io.Discard, common.Mono)
	row := func(name string) string {
		for _, l := range strings.Split(h.m.View(), "\n") {
			if strings.Contains(l, name) {
				return l
			}
		}
		return ""
	}
	require.True(t, strings.HasPrefix(ansi.Strip(row("Taro Yamada")), ">"), row("Taro Yamada"))
	require.Contains(t, row("Taro Yamada"), "\x1b[7m", "reverse video without colour")
	require.NotContains(t, h.m.View(), "38;5")
	h.keys("j")
	require.True(t, strings.HasPrefix(ansi.Strip(row("Hanako Sato")), ">"))
	require.False(t, strings.HasPrefix(ansi.Strip(row("Taro Yamada")), ">"))
}

// Issue 17 §4: after meetd restarts the open chat reloads by itself, and
// errors while it is away are words, not Go error chains.
func TestOpenChatReloadsWhenServerComesBack(t *testing.T) {
	f := newFake()
	seed(f)
	ev := newFakeEvents()
	h := newHarness(t, f)
	h.m.events = ev
	h.abandon = true
	h.send(connMsg{status: ConnStatus{State: Connected}})
	h.keys("4")
	h.send(connMsg{status: ConnStatus{State: Reconnecting, Err: errors.New("EOF")}})
	f.down = &netErr{}
	h.keys("enter")
	v := h.m.View()
	require.NotContains(t, v, "loading…", "a failed load does not stay on loading")
	require.Contains(t, v, "could not load this chat")
	require.NotContains(t, v, "dial tcp")
	require.Contains(t, h.m.Flash(), "meetd is not answering")
	f.down = nil
	h.send(connMsg{status: ConnStatus{State: Connected}})
	require.Contains(t, h.m.View(), "caller waiting for an operator", "the chat loaded when meetd came back")
}

// netErr is what a refused connection looks like through net/http.
type netErr struct{}

func (*netErr) Error() string   { return "dial tcp 127.0.0.1:8080: connect: connection refused" }
func (*netErr) Timeout() bool   { return false }
func (*netErr) Temporary() bool { return false }

// Issue 17 §5: the filter prompt starts a new word after the old filter,
// completes with tab, and takes the labels shown on screen.
func TestFilterPromptCompletesAndTakesLabels(t *testing.T) {
	f := newFake()
	seed(f)
	h := newHarness(t, f)
	h.keys("f")
	h.typeText("reason:no")
	h.keys("tab", "enter")
	require.True(t, f.calledWith("Chats state= missed=true reason=noOperator"))
	require.Contains(t, h.m.View(), "filter: reason:no-operator")

	h.keys("f")
	require.Equal(t, "reason:noOperator ", h.m.prompt.Value(), "the next word does not glue to the last")
	h.keys("ctrl+u")
	h.typeText("reason:caller-left")
	h.keys("enter")
	require.True(t, f.calledWith("Chats state= missed=true reason=userLeft"), "%v", f.log)
	require.Contains(t, h.m.View(), "filter: reason:caller-left")
}

// Issue 17 §6: the hint line fits (no key cut in half) and does not offer
// an operator the statistics; S says why instead of "forbidden".
func TestHintsFitAndFollowTheRole(t *testing.T) {
	f := newFake()
	seed(f)
	f.me.Role = api.RoleOperator
	h := newHarness(t, f)
	for _, w := range []int{60, 80, 100, 120} {
		h.send(teaSize(w, 24))
		lines := strings.Split(h.m.View(), "\n")
		hint := lines[len(lines)-1]
		require.LessOrEqual(t, ansi.StringWidth(hint), w)
		require.NotContains(t, hint, "stats")
		require.Contains(t, hint, "? help", "help is always offered at %d columns", w)
		require.NotContains(t, hint, "…", "whole hints only at %d columns", w)
		require.Contains(t, lines[0], "Inbox", "the title stays at %d columns", w)
	}
	h.keys("S")
	require.Equal(t, ScreenInbox, h.m.Screen())
	require.Contains(t, h.m.Flash(), "statistics need the supervisor role")
}

// Issue 17 §9: settings agree with routing about a closed line, and do
// not offer a "(system default)" device that does not exist.
func TestSettingsSayClosedAndNoDevice(t *testing.T) {
	f := newFake()
	seed(f)
	f.closed = map[int64]bool{1: true}
	h := newHarness(t, f)
	h.keys(",")
	v := h.m.View()
	require.Contains(t, v, "now: closed (out of hours)")
	require.NotContains(t, v, "would ring")
	h.phone.stats.NoMic, h.phone.stats.NoSpeaker = true, true
	h.send(tickMsg(t0))
	v = h.m.View()
	require.NotContains(t, v, "(system default)")
	require.Contains(t, v, "none found (no sound card?)")
}

// Issue 17 §10: the board names customers; @name addresses a colleague;
// a close can be undone.
func TestBoardNamesMentionsAndUndo(t *testing.T) {
	f := newFake()
	seed(f)
	f.calls[70] = &api.Call{ID: 70, ChatID: 1, ChannelID: 1, Direction: api.Inbound, From: "+81311112222", To: "+81500000000",
		State: api.CallActive, Created: t0}
	h := newHarness(t, f)
	h.keys("v")
	require.Contains(t, h.m.View(), "Taro Yamada", "the board names the customer")
	h.keys("esc")

	h.keys("enter", "i")
	h.typeText("please @b")
	h.keys("tab")
	require.Equal(t, "please @bob ", h.m.prompt.Value())
	h.keys("esc")
	h.send(eventMsg{ev: api.Event{ID: 700, Type: api.EvMessageAdded, At: t0, ChatID: 1, ActorID: 2, Data: []byte(`{"text":"@ann can you call back?"}`)}})
	require.Equal(t, "Bob to you in chat #1: @ann can you call back?", h.m.Flash())

	h.keys("c")
	require.True(t, f.calledWith("PatchChat 1"))
	require.Contains(t, h.m.Flash(), "chat #1 closed · u undo")
	require.Equal(t, api.ChatClosed, f.chats[1].State)
	h.keys("u")
	require.Equal(t, api.ChatOpened, f.chats[1].State)
	require.Contains(t, h.m.Flash(), "chat #1 is opened again")
	h.keys("u")
	require.Contains(t, h.m.Flash(), "nothing to undo")
}
