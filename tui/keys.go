package tui

import (
	"context"
	"sort"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
	"github.com/meet-dev/meet/tui/prompt"
)

// key turns a key press into an action. An open prompt takes every key;
// then the screen's own raw keys (settings space, stats < >); then the key
// map: moving, opening, esc and link jumps belong to the screen shown
// (its Component), everything else to the root.
func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	if m.prompt != nil {
		done, cmd := m.prompt.Update(k)
		if done {
			m.prompt = nil
		}
		return cmd
	}
	if m.screen == ScreenSettings && k.String() == " " || m.screen == ScreenStats && (k.String() == "<" || k.String() == ">") {
		return m.delegate(k)
	}
	a := m.ctx.Keys.Action(k)
	if a == common.ActNone {
		return nil
	}
	if !m.ready && a != common.ActQuit && a != common.ActRefresh && a != common.ActHelp && a != common.ActBack {
		// nothing to act on before we know who we are: while start-up
		// still loads, the key waits for it (see replayEarly)
		if m.initErr == nil && len(m.early) < maxEarlyKeys {
			m.early = append(m.early, k)
		}
		return nil
	}
	switch a {
	case common.ActUp, common.ActDown, common.ActPageUp, common.ActPageDown, common.ActTop, common.ActBottom,
		common.ActOpen, common.ActBack, common.ActLinkBack, common.ActLinkNext:
		return m.delegate(k)
	}
	return m.act(a)
}

// maxEarlyKeys bounds the keys kept while start-up loads.
const maxEarlyKeys = 32

// replayEarly acts on the keys pressed while start-up loaded, in order
// (what each key changes on screen happens here, in turn; the loads they
// start run side by side, as for keys typed one by one).
func (m *Model) replayEarly() tea.Cmd {
	keys := m.early
	m.early = nil
	cmds := make([]tea.Cmd, 0, len(keys))
	for _, k := range keys {
		cmds = append(cmds, m.key(k))
	}
	return tea.Batch(cmds...)
}

// delegate hands a key to the screen shown.
func (m *Model) delegate(k tea.KeyMsg) tea.Cmd {
	_, cmd := m.component().Update(k)
	return cmd
}

func (m *Model) open(kind prompt.Kind, title, value string, chatID, callID int64) tea.Cmd {
	m.prompt = prompt.New(m.ctx, kind, title, value)
	m.prompt.ChatID, m.prompt.CallID = chatID, callID
	return nil
}

// targetChat is the chat an action applies to: the open chat, the inbox
// selection, or the chat of the call we are in.
func (m *Model) targetChat() (api.Chat, bool) {
	switch m.screen {
	case ScreenChat:
		if c := m.chat.Chat(); c.ID != 0 {
			return c, true
		}
	case ScreenInbox:
		if c, ok := m.inbox.Selected(); ok {
			return c, true
		}
	}
	if m.call != nil {
		if c, ok := m.inbox.Chat(m.call.call.ChatID); ok {
			return c, true
		}
		return api.Chat{ID: m.call.call.ChatID}, true
	}
	return api.Chat{}, false
}

// targetCall is the call a join applies to: the board's selection or the
// open chat's live call.
func (m *Model) targetCall() (api.Call, bool) {
	switch m.screen {
	case ScreenBoard:
		return m.board.Selected()
	case ScreenChat:
		if c, ok := m.chat.LastCall(); ok && c.State != api.CallEnded {
			return c, true
		}
	}
	return api.Call{}, false
}

// act carries out an action of the key map that is not the screen's own.
func (m *Model) act(a common.Action) tea.Cmd {
	for _, h := range []func(common.Action) (tea.Cmd, bool){m.actCall, m.actChat, m.actApp} {
		if cmd, ok := h(a); ok {
			return cmd
		}
	}
	return nil
}

// actCall carries out the call keys: answer, decline, hang up, hold, mute, dial, call back, invite, join.
func (m *Model) actCall(a common.Action) (tea.Cmd, bool) {
	switch a {
	case common.ActAnswer:
		if len(m.offers) == 0 {
			return m.setFlash(m.ctx.T("nothing is ringing"), false), true
		}
		return m.accept(m.offers[0]), true
	case common.ActDecline:
		if len(m.offers) == 0 {
			return nil, true
		}
		o := m.offers[0]
		m.removeOffer(o.Call.ID)
		if o.Invitation() {
			return m.setFlash(m.ctx.T("invitation declined"), false), true
		}
		return m.do(m.ctx.T("declined"), 0, func(ctx context.Context) error { return m.calls.Decline(ctx, o.Call.ID) }), true
	case common.ActHangup, common.ActLeave:
		if m.call == nil {
			return m.setFlash(m.ctx.T("not in a call"), false), true
		}
		hangup := a == common.ActHangup && m.call.mode == api.ModeTalk
		return m.leave(m.call.call.ID, hangup), true
	case common.ActPlay, common.ActSeekBack, common.ActSeekFwd, common.ActStopPlay:
		return m.playback(a), true
	case common.ActHold:
		return m.toggleHold(), true
	case common.ActTransfer, common.ActConsult:
		return m.transferKey(a == common.ActConsult), true
	case common.ActMute:
		muted := !m.phone.Muted()
		m.phone.SetMuted(muted)
		return m.setFlash(m.onOff("mute", muted), false), true
	case common.ActDenoise:
		return m.toggleDenoise(), true
	case common.ActDial:
		chs := m.myChannels()
		if len(chs) == 0 {
			return m.setFlash(m.ctx.T("you are in no channel to call from"), true), true
		}
		m.open(prompt.Dial, m.ctx.T("call a number"), "", 0, 0)
		m.prompt.Choices = chs
		return nil, true
	case common.ActCallback:
		c, ok := m.targetChat()
		if !ok {
			return m.setFlash(m.ctx.T("select a chat to call back"), false), true
		}
		return func() tea.Msg {
			ctx, cancel := m.rctx()
			defer cancel()
			r, err := m.calls.Callback(ctx, c.ID)
			return callbackMsg{res: r, err: err}
		}, true
	case common.ActInvite:
		if m.call == nil {
			return m.setFlash(m.ctx.T("invite works during a call"), false), true
		}
		return m.open(prompt.Invite, m.ctx.T("invite staff (name or e-mail)"), "", 0, m.call.call.ID), true
	case common.ActJoin, common.ActListen, common.ActWhisper, common.ActBarge:
		mode := map[common.Action]api.JoinMode{common.ActJoin: api.ModeTalk, common.ActListen: api.ModeListen,
			common.ActWhisper: api.ModeWhisper, common.ActBarge: api.ModeBarge}[a]
		if mode.Supervisory() && !m.ctx.IsSupervisor() {
			return m.setFlash(m.ctx.T("%s needs the supervisor role", m.ctx.T(string(mode))), true), true
		}
		c, ok := m.targetCall()
		if !ok {
			return m.setFlash(m.ctx.T("select a live call (board: %s)", m.ctx.Keys.First(common.ActBoard)), false), true
		}
		return m.join(c.ID, mode), true
	}
	return nil, false
}

// actChat carries out the chat keys on the chat acted on (see targetChat).
func (m *Model) actChat(a common.Action) (tea.Cmd, bool) {
	switch a {
	case common.ActSnooze, common.ActClose, common.ActReopen, common.ActTag, common.ActMemo, common.ActMessage, common.ActAssign:
		return m.chatAction(a), true
	case common.ActUndo:
		return m.undo(), true
	}
	return nil, false
}

// actApp carries out the keys that change what is shown: tabs, search and filters, screens, DND, help, quit.
func (m *Model) actApp(a common.Action) (tea.Cmd, bool) {
	switch a {
	case common.ActNextTab, common.ActPrevTab, common.ActTab1, common.ActTab2, common.ActTab3, common.ActTab4:
		t := m.inbox.Active()
		switch a {
		case common.ActNextTab:
			t = (t + 1) % 4
		case common.ActPrevTab:
			t = (t + 3) % 4
		case common.ActTab1, common.ActTab2, common.ActTab3, common.ActTab4:
			t = common.Tab(map[common.Action]int{common.ActTab1: 0, common.ActTab2: 1, common.ActTab3: 2, common.ActTab4: 3}[a])
		}
		m.goTo(ScreenInbox)
		m.inbox.SetActive(t)
		return m.loadTab(t), true
	case common.ActSearch:
		m.goTo(ScreenInbox)
		return m.open(prompt.Search, m.ctx.T("search"), m.inbox.Filter().Text, 0, 0), true
	case common.ActFilter:
		m.goTo(ScreenInbox)
		value := m.inbox.Filter().String(m.ctx.StaffName)
		if value != "" {
			value += " " // what is typed next is a new word, never glued to the last one
		}
		m.open(prompt.Filter, m.ctx.T("filter (tab completes: reason: tag: assignee: from: to: number:)"), value, 0, 0)
		m.prompt.Complete = m.completeFilter
		return nil, true
	case common.ActClear:
		return m.setFilter(common.Filter{}), true
	case common.ActRefresh:
		return m.refresh(), true
	case common.ActBoard:
		m.goTo(ScreenBoard)
		return m.loadLiveCalls(), true
	case common.ActStats:
		if !m.ctx.IsSupervisor() {
			return m.setFlash(m.ctx.T("statistics need the supervisor role"), true), true
		}
		m.goTo(ScreenStats)
		return m.loadStats(), true
	case common.ActSettings:
		m.goTo(ScreenSettings)
		return m.loadSettings(), true
	case common.ActDND:
		s := m.settings.Settings()
		s.DND = !s.DND
		return m.putSettings(s, m.onOff("do not disturb", s.DND)), true
	case common.ActHelp:
		if m.screen == ScreenHelp {
			return m.goBack(), true
		}
		m.goTo(ScreenHelp)
		return nil, true
	case common.ActQuit:
		if m.call != nil {
			return m.open(prompt.ConfirmQuit, m.ctx.T("You are in a call. Quit and leave it?"), "", 0, m.call.call.ID), true
		}
		return m.quit(), true
	}
	return nil, false
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	m.Close()
	return tea.Quit
}

func (m *Model) chatAction(a common.Action) tea.Cmd {
	c, ok := m.targetChat()
	if !ok {
		return m.setFlash(m.ctx.T("select a chat first"), false)
	}
	switch a {
	case common.ActSnooze:
		return m.open(prompt.Snooze, m.ctx.T("snooze chat #%d for (30m, 2h, tomorrow, mon, 17:30)", c.ID), "", c.ID, 0)
	case common.ActClose, common.ActReopen:
		st, text := api.ChatClosed, m.ctx.T("chat #%d closed", c.ID)
		if a == common.ActReopen {
			st, text = api.ChatOpened, m.ctx.T("chat #%d reopened", c.ID)
		} else if c.State != "" && c.State != api.ChatClosed {
			m.remember(c)
			text = m.ctx.T("chat #%[1]d closed · %[2]s undo", c.ID, m.ctx.Keys.First(common.ActUndo))
		}
		return m.patch(text, func(ctx context.Context) (api.Chat, error) {
			return m.edit.PatchChat(ctx, c.ID, api.ChatPatch{State: &st})
		})
	case common.ActTag:
		return m.open(prompt.Tag, m.ctx.T("tag chat #%d (-tag removes)", c.ID), "", c.ID, 0)
	case common.ActMemo:
		return m.open(prompt.Memo, m.ctx.T("memo on chat #%d", c.ID), "", c.ID, 0)
	case common.ActMessage:
		m.open(prompt.Message, m.ctx.T("message to staff on chat #%d (@name + tab addresses a colleague)", c.ID), "", c.ID, 0)
		m.prompt.Complete = func(text string) []string {
			var staff []api.Staff
			for _, s := range m.ctx.Staff {
				if s.ID != m.ctx.Me.ID {
					staff = append(staff, s)
				}
			}
			return common.CompleteMention(text, staff)
		}
		return nil
	case common.ActAssign:
		return m.open(prompt.Assign, m.ctx.T("assign chat #%d to (name, none; empty = me)", c.ID), "", c.ID, 0)
	}
	return nil
}

func (m *Model) setFilter(f common.Filter) tea.Cmd {
	m.filterGen++
	m.inbox.SetFilter(f)
	var cmds []tea.Cmd
	for _, t := range common.Tabs {
		cmds = append(cmds, m.loadTab(t))
	}
	cmds = append(cmds, m.loadCounts())
	return tea.Batch(cmds...)
}

func (m *Model) refresh() tea.Cmd {
	if !m.ready {
		return m.loadInit()
	}
	switch m.screen {
	case ScreenChat:
		return m.loadChat(m.chat.Chat().ID)
	case ScreenBoard:
		return m.loadLiveCalls()
	case ScreenStats:
		return m.loadStats()
	case ScreenSettings:
		return m.loadSettings()
	}
	return m.setFilter(m.inbox.Filter())
}

// lookupStaff finds a staff member by name, e-mail or e-mail prefix.
func (m *Model) lookupStaff(s string) (int64, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return 0, false
	}
	if s == "me" || s == "you" {
		return m.ctx.Me.ID, true
	}
	var found []int64
	for id, st := range m.ctx.Staff {
		name, email := strings.ToLower(st.Name), strings.ToLower(st.Email)
		if name == s || email == s {
			return id, true
		}
		if strings.HasPrefix(name, s) || strings.HasPrefix(email, s) {
			found = append(found, id)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return 0, false
}

// submit acts on a submitted prompt.
func (m *Model) submit(s prompt.SubmitMsg) tea.Cmd {
	text := strings.TrimSpace(s.Text)
	id := s.ChatID
	switch s.Kind {
	case prompt.Transfer:
		return m.submitTransfer(s)
	case prompt.ConfirmQuit:
		if m.call != nil {
			callID := m.call.call.ID
			m.endCall()
			leave := m.leave(callID, false)
			return tea.Sequence(func() tea.Msg { return leave() }, m.quit())
		}
		return m.quit()
	case prompt.Search:
		f := m.inbox.Filter()
		f.Text = text
		return m.setFilter(f)
	case prompt.Filter:
		f, err := common.ParseFilter(text, m.ctx.Now(), m.ctx.Me.ID, m.lookupStaff)
		if err != nil {
			return m.setFlash(err.Error(), true)
		}
		return m.setFilter(f)
	}
	if text == "" && s.Kind == prompt.Assign {
		text = "me"
	}
	if text == "" {
		return nil
	}
	switch s.Kind {
	case prompt.Snooze:
		until, err := common.ParseSnooze(text, m.ctx.Now())
		if err != nil {
			return m.setFlash(err.Error(), true)
		}
		st := api.ChatSnoozed
		if c, ok := m.inbox.Chat(id); ok && c.State != api.ChatClosed {
			m.remember(c)
		} else if c := m.chat.Chat(); c.ID == id && c.State != "" {
			m.remember(c)
		}
		return m.patch(m.ctx.T("chat #%d snoozed until %s", id, common.DateTime(m.ctx, until)), func(ctx context.Context) (api.Chat, error) {
			return m.edit.PatchChat(ctx, id, api.ChatPatch{State: &st, SnoozedUntil: &until})
		})
	case prompt.Tag:
		if tag, ok := strings.CutPrefix(text, "-"); ok {
			return m.patch(m.ctx.T("tag %s removed", tag), func(ctx context.Context) (api.Chat, error) { return m.edit.RemoveTag(ctx, id, tag) })
		}
		return m.patch(m.ctx.T("tagged %s", text), func(ctx context.Context) (api.Chat, error) { return m.edit.AddTag(ctx, id, text) })
	case prompt.Memo:
		return m.do(m.ctx.T("memo saved"), id, func(ctx context.Context) error { _, err := m.edit.AddMemo(ctx, id, text); return err })
	case prompt.Message:
		return m.do(m.ctx.T("message sent"), id, func(ctx context.Context) error { _, err := m.edit.AddMessage(ctx, id, text); return err })
	case prompt.Assign:
		var who int64
		if strings.ToLower(text) != "none" {
			n, ok := m.lookupStaff(text)
			if !ok {
				return m.setFlash(m.ctx.T("no single staff member matches %q", text), true)
			}
			who = n
		}
		return m.patch(m.ctx.T("assigned to %s", m.ctx.StaffName(who)), func(ctx context.Context) (api.Chat, error) {
			return m.edit.PatchChat(ctx, id, api.ChatPatch{AssigneeID: &who})
		})
	case prompt.Invite:
		staff, ok := m.lookupStaff(text)
		if !ok {
			return m.setFlash(m.ctx.T("no single staff member matches %q", text), true)
		}
		callID := s.CallID
		return m.do(m.ctx.T("invited %s", m.ctx.StaffName(staff)), 0, func(ctx context.Context) error { return m.calls.Invite(ctx, callID, staff) })
	case prompt.Dial:
		num, err := common.CleanNumber(text)
		if err != nil {
			return m.setFlash(m.ctx.T("not a phone number: %q (digits, optionally starting with +)", text), true)
		}
		req := api.DialRequest{To: num, ChannelID: s.Choice.ID}
		return func() tea.Msg {
			ctx, cancel := m.rctx()
			defer cancel()
			r, err := m.calls.Dial(ctx, req)
			return callbackMsg{res: r, err: err, dial: true, to: num}
		}
	}
	return nil
}

// myChannels are the channels a call can be placed from: the member's
// own, or every channel known for an admin who belongs to none, by name.
func (m *Model) myChannels() []prompt.Choice {
	var out []prompt.Choice
	ids := m.ctx.Me.Channels
	if len(ids) == 0 {
		for id := range m.ctx.Channels {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		label := m.ctx.T("channel #%d", id)
		if c, ok := m.ctx.Channels[id]; ok && c.Name != "" {
			label = c.Name
		}
		out = append(out, prompt.Choice{ID: id, Label: label})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Label < out[j].Label || out[i].Label == out[j].Label && out[i].ID < out[j].ID
	})
	return out
}

// completeFilter completes the filter prompt with the tags of the chats
// loaded and the staff's e-mail addresses.
func (m *Model) completeFilter(text string) []string {
	seen := map[string]bool{}
	var tags []string
	for _, t := range common.Tabs {
		for _, c := range m.inbox.Chats(t) {
			for _, tag := range c.Tags {
				if !seen[tag] {
					seen[tag] = true
					tags = append(tags, tag)
				}
			}
		}
	}
	sort.Strings(tags)
	var staff []string
	for _, s := range m.ctx.Staff {
		if s.Email != "" && s.ID != m.ctx.Me.ID {
			staff = append(staff, s.Email)
		}
	}
	sort.Strings(staff)
	return common.CompleteFilter(text, tags, staff)
}

// undoable is the state a chat had before the last close or snooze.
type undoable struct {
	chatID  int64
	state   api.ChatState
	snoozed *time.Time
}

// remember keeps c's state so u can put it back after a close or snooze.
func (m *Model) remember(c api.Chat) {
	m.lastUndo = &undoable{chatID: c.ID, state: c.State, snoozed: c.SnoozedUntil}
}

// undo puts the chat of the last close or snooze back as it was.
func (m *Model) undo() tea.Cmd {
	u := m.lastUndo
	if u == nil {
		return m.setFlash(m.ctx.T("nothing to undo"), false)
	}
	m.lastUndo = nil
	p := api.ChatPatch{State: &u.state}
	if u.state == api.ChatSnoozed {
		if u.snoozed == nil || !u.snoozed.After(m.ctx.Now()) {
			opened := api.ChatOpened // the snooze it had is over: open it
			p.State = &opened
		} else {
			p.SnoozedUntil = u.snoozed
		}
	}
	return m.patch(m.ctx.T("chat #%[1]d is %[2]s again", u.chatID, m.ctx.T(string(*p.State))), func(ctx context.Context) (api.Chat, error) {
		return m.edit.PatchChat(ctx, u.chatID, p)
	})
}
