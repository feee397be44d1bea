package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
	"github.com/stretchr/testify/require"
)

// seed fills the fake with a small inbox: opened chats, a snoozed one and
// missed calls of every reason.
func seed(f *fakeBackend) {
	f.addChat(1, "+81311112222", "Taro Yamada", api.ChatOpened, "", 5*time.Minute)
	f.addChat(2, "+81322223333", "Hanako Sato", api.ChatOpened, "", 30*time.Minute)
	f.addChat(3, "+81333334444", "", api.ChatSnoozed, "", 2*time.Hour)
	f.addChat(4, "+81344445555", "Ken Ito", api.ChatClosed, api.ReasonNoOperator, 3*time.Hour)
	f.addChat(5, "+81355556666", "", api.ChatClosed, api.ReasonNotInOperation, 26*time.Hour)
	f.addChat(6, "+81366667777", "Yui Mori", api.ChatClosed, api.ReasonRingTimeout, 50*time.Hour)
	f.addChat(7, "+81377778888", "", api.ChatClosed, "", 72*time.Hour)
	f.calls[40] = &api.Call{ID: 40, ChatID: 4, ChannelID: 1, Direction: api.Inbound, From: "+81344445555", To: "+81500000000",
		State: api.CallEnded, Created: t0.Add(-3 * time.Hour), MissedReason: api.ReasonNoOperator}
	f.events[4] = []api.Event{
		{ID: 1, Type: api.EvCallCreated, At: t0.Add(-3 * time.Hour), ChatID: 4, CallID: 40},
		{ID: 2, Type: api.EvCallEligibility, At: t0.Add(-3 * time.Hour), ChatID: 4, CallID: 40,
			Data: []byte(`{"channel_id":1,"in_operation":true,"eligible":[],"not_eligible":[{"staff_id":2,"reason":"dnd"},{"staff_id":1,"reason":"in_call"}]}`)},
		{ID: 3, Type: api.EvCallWaiting, At: t0.Add(-3 * time.Hour), ChatID: 4, CallID: 40},
		{ID: 4, Type: api.EvCallEnded, At: t0.Add(-3*time.Hour + time.Minute), ChatID: 4, CallID: 40, Data: []byte(`{"missed_reason":"noOperator"}`)},
	}
}

func TestInboxLoadsTabsWithCounts(t *testing.T) {
	f := newFake()
	seed(f)
	h := newHarness(t, f)
	require.True(t, h.m.ready)
	for tab, want := range map[common.Tab]string{common.TabOpened: "2", common.TabSnoozed: "1", common.TabClosed: "4", common.TabMissed: "3"} {
		require.Equal(t, want, h.m.inbox.Count(tab), tab.String())
	}
	v := h.m.View()
	require.Contains(t, v, "Opened 2")
	require.Contains(t, v, "Missed 3")
	require.Contains(t, v, "Taro Yamada")
	h.keys("4")
	require.Equal(t, common.TabMissed, h.m.inbox.Active())
	v = h.m.View()
	require.Contains(t, v, "missed: no operator")
	require.Contains(t, v, "missed: closed hrs")
	require.NotContains(t, v, "Taro")
	h.keys("tab")
	require.Equal(t, common.TabOpened, h.m.inbox.Active())
	h.keys("shift+tab", "shift+tab")
	require.Equal(t, common.TabClosed, h.m.inbox.Active())
}

func TestOpenMissedChatShowsReasonInWordsAndCallbackLinksBothWays(t *testing.T) {
	f := newFake()
	seed(f)
	h := newHarness(t, f)
	h.keys("4", "enter")
	require.Equal(t, ScreenChat, h.m.Screen())
	require.EqualValues(t, 4, h.m.chat.Chat().ID)
	v := h.m.View()
	require.Contains(t, v, "missed: no operator available")
	require.Contains(t, v, "Bob (do not disturb)")
	require.Contains(t, v, "caller waiting for an operator")

	h.keys("b")
	require.True(t, f.calledWith("Callback 4"))
	newID := h.m.chat.Chat().ID
	require.NotEqualValues(t, 4, newID, "the callback chat opens")
	require.Contains(t, h.m.View(), "callback of chat #4")
	require.Contains(t, h.m.Flash(), "calling +81344445555")

	h.keys("[")
	require.EqualValues(t, 4, h.m.chat.Chat().ID, "[ jumps back to the called-back chat")
	require.Contains(t, h.m.View(), fmt.Sprintf("called back in chat #%d", newID))
	require.Contains(t, h.m.View(), fmt.Sprintf("called back by you → chat #%d", newID))
	h.keys("]")
	require.Equal(t, newID, h.m.chat.Chat().ID, "] jumps forward again")
	h.keys("esc")
	require.EqualValues(t, 4, h.m.chat.Chat().ID, "esc walks the link history")
	for i := 0; i < 5 && h.m.Screen() != ScreenInbox; i++ {
		h.keys("esc")
	}
	require.Equal(t, ScreenInbox, h.m.Screen(), "esc ends in the inbox")
}

func TestSnoozeWithDurationPromptMovesChatToSnoozedTab(t *testing.T) {
	f := newFake()
	seed(f)
	h := newHarness(t, f)
	sel, _ := h.m.inbox.Selected()
	require.EqualValues(t, 1, sel.ID)
	h.keys("s")
	require.NotNil(t, h.m.prompt)
	h.typeText("2h")
	h.keys("enter")
	require.Nil(t, h.m.prompt)
	c := f.chats[1]
	require.Equal(t, api.ChatSnoozed, c.State)
	require.Equal(t, t0.Add(2*time.Hour), *c.SnoozedUntil)
	require.Equal(t, "1", h.m.inbox.Count(common.TabOpened))
	require.Equal(t, "2", h.m.inbox.Count(common.TabSnoozed))
	require.Contains(t, h.m.Flash(), "snoozed until")

	h.keys("s")
	h.typeText("someday")
	h.keys("enter")
	require.Contains(t, h.m.Flash(), "cannot read snooze")

	h.keys("s", "esc")
	require.Nil(t, h.m.prompt, "esc cancels a prompt")
}

func TestCloseReopenTagMemoMessageAssign(t *testing.T) {
	f := newFake()
	seed(f)
	h := newHarness(t, f)
	h.keys("enter") // chat 1
	h.keys("t")
	h.typeText("vip")
	h.keys("enter")
	require.Equal(t, []string{"vip"}, f.chats[1].Tags)
	require.Contains(t, h.m.View(), "tags: vip")
	h.keys("t")
	h.typeText("-vip")
	h.keys("enter")
	require.Empty(t, f.chats[1].Tags)

	h.keys("n")
	h.typeText("asked about invoice")
	h.keys("enter")
	require.True(t, f.calledWith("AddMemo 1 asked about invoice"))
	require.Contains(t, h.m.View(), "memo by you: asked about invoice")

	h.keys("i")
	h.typeText("Bob, can you take this?")
	h.keys("enter")
	require.True(t, f.calledWith("AddMessage 1 Bob, can you take this?"))
	require.Contains(t, h.m.View(), "you » Bob, can you take this?")

	h.keys("A", "enter")
	require.EqualValues(t, 1, *f.chats[1].AssigneeID, "empty assigns to me")
	h.keys("A")
	h.typeText("bob")
	h.keys("enter")
	require.EqualValues(t, 2, *f.chats[1].AssigneeID)
	require.Contains(t, h.m.View(), "assignee Bob")

	h.keys("c")
	require.Equal(t, api.ChatClosed, f.chats[1].State)
	h.keys("o")
	require.Equal(t, api.ChatOpened, f.chats[1].State)
}

func ringEvent(callID, chatID, staff int64) eventMsg {
	return eventMsg{ev: api.Event{ID: 100 + callID, Type: api.EvCallRinging, At: t0, ChatID: chatID, CallID: callID, StaffID: staff}}
}

func addRinging(f *fakeBackend, callID, chatID int64, number string) {
	c := f.addChat(chatID, number, "Caller "+number, api.ChatOpened, "", 0)
	c.Customer.Profile = map[string]string{"company": "ACME", "plan": "gold", "since": "2019", "zz": "hidden"}
	f.calls[callID] = &api.Call{ID: callID, ChatID: chatID, ChannelID: 1, Direction: api.Inbound, From: number, To: "+81500000000",
		State: api.CallRinging, Created: t0}
}

func TestRingAcceptMuteHangup(t *testing.T) {
	f := newFake()
	seed(f)
	f.settings.MuteOnJoin = true
	addRinging(f, 50, 20, "+819011112222")
	h := newHarness(t, f)
	h.send(ringEvent(50, 20, 1))
	require.Len(t, h.m.Offers(), 1)
	require.True(t, h.phone.ringing, "ring tone on")
	v := h.m.View()
	require.Contains(t, v, "Incoming call · Support")
	require.Contains(t, v, "+819011112222")
	require.Contains(t, v, "company: ACME")
	require.NotContains(t, v, "zz: hidden", "at most 3 profile fields")

	h.keys("a")
	require.True(t, f.calledWith("Accept 50"))
	require.False(t, h.phone.ringing, "ring tone off")
	require.Len(t, h.phone.joined, 1)
	call, ok := h.m.InCall()
	require.True(t, ok)
	require.EqualValues(t, 50, call.ID)
	require.Equal(t, ScreenChat, h.m.Screen(), "answering opens the caller's chat")
	require.True(t, h.phone.Muted(), "mute_on_join applied")
	h.now = t0.Add(83 * time.Second)
	v = h.m.View()
	require.Contains(t, v, "1:23")
	require.Contains(t, v, "MUTED")
	h.keys("m")
	require.False(t, h.phone.Muted())
	require.Contains(t, h.m.View(), "mic on")

	h.keys("q")
	require.NotNil(t, h.m.prompt, "quit asks during a call")
	h.keys("n")
	require.False(t, h.quit)

	h.keys("h")
	require.True(t, f.calledWith("Hangup 50"))
	_, ok = h.m.InCall()
	require.False(t, ok)
	require.Equal(t, 1, h.phone.left)
	h.keys("q")
	require.True(t, h.quit, "quit without a call does not ask")
}

func TestRingWhileInCallIsNotificationAndAcceptLeavesCurrent(t *testing.T) {
	f := newFake()
	seed(f)
	addRinging(f, 50, 20, "+819011112222")
	addRinging(f, 51, 21, "+819033334444")
	h := newHarness(t, f)
	h.send(ringEvent(50, 20, 1))
	h.keys("a")
	rings := h.phone.rings
	h.send(ringEvent(51, 21, 1))
	require.Len(t, h.m.Offers(), 1)
	require.True(t, h.m.Offers()[0].InCall)
	require.Equal(t, rings, h.phone.rings, "no ring tone while in a call")
	require.Contains(t, h.m.View(), "Another call is ringing for you")
	require.Contains(t, h.m.View(), "answer (leaves current call)")
	h.keys("a")
	call, _ := h.m.InCall()
	require.EqualValues(t, 51, call.ID)
	require.Equal(t, 1, h.phone.left, "the old call's audio was left")
	require.Len(t, h.phone.joined, 2)
}

func TestRingStopsWhenSomeoneElseAnswersOrDecline(t *testing.T) {
	f := newFake()
	seed(f)
	addRinging(f, 50, 20, "+819011112222")
	addRinging(f, 52, 22, "+819055556666")
	h := newHarness(t, f)
	h.send(ringEvent(50, 20, 1))
	require.True(t, h.phone.ringing)
	h.send(eventMsg{ev: api.Event{ID: 200, Type: api.EvCallAnswered, At: t0, ChatID: 20, CallID: 50, StaffID: 2}})
	require.Empty(t, h.m.Offers())
	require.False(t, h.phone.ringing)

	h.send(ringEvent(52, 22, 1))
	h.keys("x")
	require.True(t, f.calledWith("Decline 52"))
	require.Empty(t, h.m.Offers())
	require.False(t, h.phone.ringing)

	// a ring for someone else is not ours
	h.send(ringEvent(50, 20, 2))
	require.Empty(t, h.m.Offers())
}

func TestInvitationWhileIdle(t *testing.T) {
	f := newFake()
	seed(f)
	addRinging(f, 60, 30, "+819077778888")
	f.calls[60].State = api.CallActive
	h := newHarness(t, f)
	h.send(eventMsg{ev: api.Event{ID: 300, Type: api.EvCallInvited, At: t0, ChatID: 30, CallID: 60, StaffID: 1, ActorID: 2,
		Data: []byte(`{"by":2}`)}})
	require.Len(t, h.m.Offers(), 1)
	require.Contains(t, h.m.View(), "Bob invites you to a call")
	require.False(t, h.phone.ringing, "invitations do not ring")
	h.keys("a")
	require.True(t, f.calledWith("Join 60 talk"))
}

func TestLiveEventsUpdateInbox(t *testing.T) {
	f := newFake()
	seed(f)
	h := newHarness(t, f)
	f.addChat(90, "+81399990000", "New Caller", api.ChatOpened, "", 0)
	h.send(eventMsg{ev: api.Event{ID: 400, Type: api.EvChatCreated, At: t0, ChatID: 90}})
	require.Equal(t, "2", h.m.inbox.Count(common.TabOpened), "fetched only after the flush")
	h.send(flushMsg{})
	require.Equal(t, "3", h.m.inbox.Count(common.TabOpened))
	require.Contains(t, h.m.View(), "New Caller")
	sel, _ := h.m.inbox.Selected()
	require.EqualValues(t, 1, sel.ID, "the selection stays on the same chat")

	// closed elsewhere: leaves opened, enters closed
	f.chats[90].State = api.ChatClosed
	h.send(eventMsg{ev: api.Event{ID: 401, Type: api.EvChatUpdated, At: t0, ChatID: 90}})
	h.send(eventMsg{ev: api.Event{ID: 402, Type: api.EvChatTagged, At: t0, ChatID: 90}})
	h.send(flushMsg{})
	require.Equal(t, "2", h.m.inbox.Count(common.TabOpened))
	require.Equal(t, "5", h.m.inbox.Count(common.TabClosed))
}

func TestSearchAndFilter(t *testing.T) {
	f := newFake()
	seed(f)
	h := newHarness(t, f)
	h.keys("/")
	h.typeText("taro")
	h.keys("enter")
	require.True(t, f.calledWith("Chats state=opened missed=false reason= tag= q=taro"))
	require.Equal(t, "1", h.m.inbox.Count(common.TabOpened))
	require.Contains(t, h.m.View(), "filter: taro")

	h.keys("f", "ctrl+u")
	h.typeText("reason:noOperator")
	h.keys("enter")
	require.True(t, f.calledWith("Chats state= missed=true reason=noOperator"))
	require.Equal(t, "1", h.m.inbox.Count(common.TabMissed))

	h.keys("f", "ctrl+u")
	h.typeText("reason:bogus")
	h.keys("enter")
	require.Contains(t, h.m.Flash(), "unknown missed reason")

	h.keys("F")
	require.True(t, h.m.inbox.Filter().Empty())
	require.Equal(t, "2", h.m.inbox.Count(common.TabOpened))
}

func TestCursorPagingLoadsMoreWhileScrolling(t *testing.T) {
	f := newFake()
	for i := int64(1); i <= 130; i++ {
		f.addChat(i, fmt.Sprintf("+8130000%04d", i), "", api.ChatOpened, "", time.Duration(i)*time.Minute)
	}
	h := newHarness(t, f)
	require.Equal(t, "50+", h.m.inbox.Count(common.TabOpened))
	h.keys("G")
	require.Equal(t, "100+", h.m.inbox.Count(common.TabOpened))
	h.keys("G")
	require.Equal(t, "130", h.m.inbox.Count(common.TabOpened))
	h.keys("G")
	sel, _ := h.m.inbox.Selected()
	require.EqualValues(t, 130, sel.ID, "the oldest chat is last")
	h.keys("g")
	sel, _ = h.m.inbox.Selected()
	require.EqualValues(t, 1, sel.ID)
}

func TestBoardListenNeedsSupervisor(t *testing.T) {
	f := newFake()
	seed(f)
	addRinging(f, 70, 40, "+819012121212")
	f.calls[70].State = api.CallActive
	f.calls[70].Participants = []api.Participant{{StaffID: 2, Mode: api.ModeTalk, Joined: t0.Add(-90 * time.Second)}}
	h := newHarness(t, f)
	h.keys("v")
	require.Equal(t, ScreenBoard, h.m.Screen())
	v := h.m.View()
	require.Contains(t, v, "Live calls (1)")
	require.Contains(t, v, "Bob 1:30")
	h.keys("l")
	require.True(t, f.calledWith("Join 70 listen"))
	_, in := h.m.InCall()
	require.True(t, in)
	require.Contains(t, h.m.View(), "[listen]")
	h.keys("h")
	require.True(t, f.calledWith("Leave 70"), "hang up while listening only leaves")
	require.False(t, f.calledWith("Hangup 70"))

	f2 := newFake()
	f2.me.Role = api.RoleOperator
	f2.calls[70] = f.calls[70]
	h2 := newHarness(t, f2)
	h2.keys("v", "l")
	require.False(t, f2.calledWith("Join"))
	require.Contains(t, h2.m.Flash(), "needs the supervisor role")
}

func TestSettingsToggleAndDND(t *testing.T) {
	f := newFake()
	seed(f)
	var saved []Prefs
	h := newHarness(t, f, WithPrefs(Prefs{Denoise: true}, func(p Prefs) error { saved = append(saved, p); return nil }))
	h.keys(",")
	require.Equal(t, ScreenSettings, h.m.Screen())
	require.Contains(t, h.m.View(), "Do not disturb")
	require.Contains(t, h.m.View(), "now: would ring")
	h.keys("enter")
	require.True(t, f.settings.DND)
	require.Contains(t, h.m.View(), "DND")
	require.Contains(t, h.m.View(), "now: not rung, do not disturb", "why-didn't-I-ring after the change")
	h.keys("j", " ")
	require.True(t, f.settings.MuteOnJoin)
	h.keys("j", "enter") // notifications for Support
	require.False(t, f.settings.NotificationOn(1))
	h.keys("j", "enter") // noise suppression
	require.False(t, h.phone.denoise)
	require.Len(t, saved, 1)
	require.False(t, saved[0].Denoise)
	h.keys("D")
	require.False(t, f.settings.DND, "D toggles dnd from anywhere")
}

func TestDevicePickerSavesChoice(t *testing.T) {
	f := newFake()
	var saved Prefs
	list := func() ([]settingsDevice, error) { return nil, nil }
	_ = list
	h := newHarness(t, f,
		WithPrefs(Prefs{Denoise: true}, func(p Prefs) error { saved = p; return nil }),
		WithDevices(fakeDevices))
	h.keys(",", "G", "k", "enter") // Microphone row
	require.Contains(t, h.m.View(), "Pick a microphone")
	require.Contains(t, h.m.View(), "USB Headset")
	require.NotContains(t, h.m.View(), "HDMI out", "output-only devices are not offered as microphones")
	h.keys("j", "enter")
	require.Equal(t, "USB Headset", saved.Input)
	h.phone.stats.MicDBFS = -20
	h.send(tickMsg(t0))
	require.Contains(t, h.m.View(), "-20 dBFS")
}

func TestNetworkLossShowsReconnectingAndKeepsCall(t *testing.T) {
	f := newFake()
	seed(f)
	addRinging(f, 50, 20, "+819011112222")
	ev := newFakeEvents()
	h := newHarness(t, f)
	h.m.events = ev
	h.abandon = true
	h.send(connMsg{status: ConnStatus{State: Connected}})
	require.Contains(t, h.m.View(), "● online")
	h.send(ringEvent(50, 20, 1))
	h.keys("a")
	f.failNext = errors.New("dial tcp: connection refused")
	h.send(connMsg{status: ConnStatus{State: Reconnecting, Err: errors.New("EOF")}})
	require.Contains(t, h.m.View(), "reconnecting…")
	h.keys("1", "ctrl+r") // requests fail but the TUI keeps going
	require.Contains(t, h.m.Flash(), "connection refused")
	_, in := h.m.InCall()
	require.True(t, in, "a reconnect does not drop the call")
	h.send(connMsg{status: ConnStatus{State: Connected}})
	require.Contains(t, h.m.View(), "● online")
	_, in = h.m.InCall()
	require.True(t, in)
	f.calls[50].State = api.CallEnded
	h.send(eventMsg{ev: api.Event{ID: 500, Type: api.EvCallEnded, At: t0, ChatID: 20, CallID: 50}})
	_, in = h.m.InCall()
	require.False(t, in)
}

func TestStatsScreen(t *testing.T) {
	f := newFake()
	f.stats = api.Stats{Periods: []api.StatsPeriod{
		{Start: t0.AddDate(0, 0, -1), Inbound: 10, Answered: 7, Missed: 3, MissedBy: map[api.MissedReason]int{api.ReasonNoOperator: 2, api.ReasonUserLeft: 1}},
		{Start: t0, Inbound: 4, Answered: 4},
	}, Total: api.StatsPeriod{Inbound: 14, Answered: 11, Missed: 3, MissedBy: map[api.MissedReason]int{api.ReasonNoOperator: 2, api.ReasonUserLeft: 1},
		AvgWaitS: 12, AvgTalkS: 185, ServiceLevel: 0.8}}
	h := newHarness(t, f)
	h.keys("S")
	v := h.m.View()
	require.Contains(t, v, "inbound 14")
	require.Contains(t, v, "service level 80%")
	require.Contains(t, v, "avg talk 3:05")
	require.Contains(t, v, "no operator")
	h.keys(">")
	require.True(t, f.calledWith("Stats week"))
}

func TestUnauthorizedStartShowsLoginHint(t *testing.T) {
	f := newFake()
	f.failNext = api.Errorf(api.CodeUnauthorized, "bad token")
	h := newHarness(t, f)
	require.Contains(t, h.m.View(), "meet login")
	h.keys("a") // nothing to act on, no panic
	h.keys("q")
	require.True(t, h.quit)
}

func TestViewFitsEverySize(t *testing.T) {
	f := newFake()
	seed(f)
	addRinging(f, 50, 20, "+819011112222")
	h := newHarness(t, f)
	h.send(ringEvent(50, 20, 1))
	h.keys("a")
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}, {40, 12}} {
		h.send(teaSize(size[0], size[1]))
		for _, k := range []string{"1", "enter", "v", "S", ",", "?"} {
			h.keys(k)
			lines := strings.Split(h.m.View(), "\n")
			require.Len(t, lines, size[1], "screen %s at %v", h.m.Screen(), size)
			for i, l := range lines {
				require.LessOrEqual(t, lineWidth(l), size[0], "line %d of %s at %v: %q", i, h.m.Screen(), size, l)
			}
			h.keys("esc")
		}
	}
}

func TestServerJoinsUsToOurCallbackAndAnswerIsIdempotent(t *testing.T) {
	f := newFake()
	seed(f)
	h := newHarness(t, f)
	h.keys("4", "enter", "b")
	newID := h.m.chat.Chat().ID
	f.calls[newID].State = api.CallActive
	h.send(eventMsg{ev: api.Event{ID: 600, Type: api.EvCallJoined, At: t0, ChatID: newID, CallID: newID, StaffID: 1,
		Data: []byte(`{"mode":"talk","mute_on_join":true}`)}})
	call, in := h.m.InCall()
	require.True(t, in, "the server joined us to the callback")
	require.Equal(t, newID, call.ID)
	require.Len(t, h.phone.joined, 1)
	require.True(t, h.phone.Muted())
	h.keys("m")
	h.send(joinedMsg{res: api.JoinResult{Call: *f.calls[newID], Mode: api.ModeTalk, MuteOnJoin: true}})
	require.Len(t, h.phone.joined, 1, "the same call is not joined twice")
	require.False(t, h.phone.Muted(), "a late duplicate does not re-mute")
	h.send(eventMsg{ev: api.Event{ID: 601, Type: api.EvCallLeft, At: t0, ChatID: newID, CallID: newID, StaffID: 1}})
	_, in = h.m.InCall()
	require.False(t, in)
	require.Equal(t, 1, h.phone.left)
}

func TestStartWhileServerIsAwayRetriesWhenStreamConnects(t *testing.T) {
	f := newFake()
	seed(f)
	f.failNext = errors.New("connection refused")
	h := newHarness(t, f)
	require.Contains(t, h.m.View(), "cannot reach the server")
	h.send(connMsg{status: ConnStatus{State: Connected}})
	require.True(t, h.m.ready)
	require.NotContains(t, h.m.View(), "cannot reach")
	require.Contains(t, h.m.View(), "Taro Yamada")
}

// TestKeysBeforeStartUpActOnceItLoads: the first screen is drawn before
// who we are is known; a key pressed then (an operator switching to the
// missed tab at once) acts when start-up has loaded instead of being lost.
func TestKeysBeforeStartUpActOnceItLoads(t *testing.T) {
	f := newFake()
	seed(f)
	h := newHarnessBeforeInit(t, f)
	h.keys("4")
	require.False(t, h.m.ready)
	require.Equal(t, common.TabOpened, h.m.inbox.Active(), "nothing acts before start-up")
	h.drive(h.m.Init())
	require.True(t, h.m.ready)
	require.Equal(t, common.TabMissed, h.m.inbox.Active())
	require.Contains(t, h.m.View(), "missed: no operator")
	require.NotContains(t, h.m.View(), "Taro")

	// bounded: a key held down before start-up keeps at most maxEarlyKeys
	h = newHarnessBeforeInit(t, f)
	for range 3 * maxEarlyKeys {
		h.keys("down")
	}
	require.Len(t, h.m.early, maxEarlyKeys)
}

// TestKeysBeforeAFailedStartUpDoNotActLater: start-up fails and says so;
// keys pressed before then do not act when the server comes back.
func TestKeysBeforeAFailedStartUpDoNotActLater(t *testing.T) {
	f := newFake()
	seed(f)
	f.failNext = errors.New("connection refused")
	h := newHarnessBeforeInit(t, f)
	h.keys("4")
	h.drive(h.m.Init())
	require.Contains(t, h.m.View(), "cannot reach the server")
	h.send(connMsg{status: ConnStatus{State: Connected}})
	require.True(t, h.m.ready)
	require.Equal(t, common.TabOpened, h.m.inbox.Active())
}
