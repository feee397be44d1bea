package tui

import (
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/callbar"
	"github.com/meet-dev/meet/tui/common"
	"github.com/meet-dev/meet/tui/prompt"
	"github.com/meet-dev/meet/tui/ring"
	"github.com/meet-dev/meet/tui/settings"
)

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	if !m.firstScreen && m.ready && m.inbox.Count(common.TabOpened) != "…" {
		m.firstScreen = true
		if !m.started.IsZero() {
			m.log.Info("first screen", "elapsed", time.Since(m.started))
		}
	}
	m.syncRing()
	if m.needsTick() {
		cmd = tea.Batch(cmd, m.startTick())
	}
	return m, cmd
}

// update hands a message to the handler of its kind.
func (m *Model) update(msg tea.Msg) tea.Cmd {
	for _, h := range []func(tea.Msg) (tea.Cmd, bool){m.updateInput, m.updateData, m.updateCalls, m.updateStream} {
		if cmd, ok := h(msg); ok {
			return cmd
		}
	}
	return nil
}

// updateInput handles keys, the prompt and what the screens ask for.
func (m *Model) updateInput(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return nil, true
	case tea.KeyMsg:
		return m.key(msg), true
	case prompt.SubmitMsg:
		return m.submit(msg), true
	case common.OpenChatMsg:
		return m.openChat(msg.Chat, msg.Push), true
	case common.LoadTabMsg:
		return m.loadTab(msg.Tab), true
	case common.ReloadMsg:
		return m.reloadShown(), true
	case common.BackMsg:
		return m.goBack(), true
	case common.FlashMsg:
		return m.setFlash(msg.Text, msg.Err), true
	case settings.Intent:
		return m.settingsIntent(msg), true
	}
	return nil, false
}

// updateData stores what a load brought (who we are, lists, a chat, figures).
func (m *Model) updateData(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case clipMsg:
		return m.clipLoaded(msg), true
	case transferTargetsMsg:
		return m.openTransfer(msg), true
	case initMsg:
		m.initErr = msg.err
		if msg.err != nil {
			m.early = nil // the user sees start-up failed; keys from before do not act later
			if api.CodeOf(msg.err) == api.CodeUnauthorized {
				m.fatal = "not logged in or the session expired: run `meet login --server URL --email E`"
			} else {
				m.fatal = m.ctx.T("cannot reach the server: %[1]s (%[2]s retries now)", common.ErrorText(m.ctx, msg.err), m.ctx.Keys.First(common.ActRefresh))
			}
			m.log.Error("start-up failed", "err", msg.err)
			return nil, true
		}
		m.fatal, m.ready = "", true
		m.ctx.Me = msg.me
		for _, s := range msg.staff {
			m.ctx.Staff[s.ID] = s
		}
		m.ctx.Staff[msg.me.ID] = msg.me
		for _, c := range msg.channels {
			m.ctx.Channels[c.ID] = c
		}
		m.settings.SetSettings(msg.settings)
		return m.replayEarly(), true
	case countsMsg:
		if msg.err == nil && msg.gen == m.filterGen {
			m.inbox.SetTotals(msg.counts)
		} else if msg.err != nil {
			m.log.Debug("tab counts", "err", msg.err)
		}
		return nil, true
	case chatsMsg:
		if msg.gen != m.filterGen {
			return nil, true // asked under an older filter
		}
		if msg.err != nil {
			m.inbox.LoadFailed(msg.tab)
			return m.fail(m.ctx.T("loading %s", m.ctx.T(msg.tab.String())), msg.err), true
		}
		m.inbox.Loaded(msg.tab, msg.cursor, msg.list)
		return nil, true
	case chatDataMsg:
		if msg.err != nil {
			if m.screen == ScreenChat && m.chat.Chat().ID == msg.data.Chat.ID {
				m.chat.LoadFailed(common.ErrorText(m.ctx, msg.err))
			}
			return m.fail(m.ctx.T("loading chat #%d", msg.data.Chat.ID), msg.err), true
		}
		if m.screen == ScreenChat && m.chat.Chat().ID == msg.data.Chat.ID {
			m.chat.Set(msg.data)
		}
		m.inbox.Apply(msg.data.Chat)
		m.learn(msg.data.Chat)
		return nil, true
	case chatMsg:
		if msg.err != nil {
			return m.fail(m.ctx.T("refreshing a chat"), msg.err), true
		}
		m.inbox.Apply(msg.chat)
		m.learn(msg.chat)
		var cmds []tea.Cmd
		if m.screen == ScreenChat && m.chat.Chat().ID == msg.chat.ID {
			m.chat.SetChat(msg.chat)
			cmds = append(cmds, m.loadChat(msg.chat.ID))
		}
		if msg.text != "" {
			cmds = append(cmds, m.setFlash(msg.text, false))
		}
		return tea.Batch(cmds...), true
	case doneMsg:
		if msg.err != nil {
			return m.fail(m.ctx.T("action failed"), msg.err), true
		}
		var cmds []tea.Cmd
		if msg.text != "" {
			cmds = append(cmds, m.setFlash(msg.text, false))
		}
		if msg.reload != 0 && m.screen == ScreenChat && m.chat.Chat().ID == msg.reload {
			cmds = append(cmds, m.loadChat(msg.reload))
		}
		return tea.Batch(cmds...), true
	case liveCallsMsg:
		if msg.err != nil {
			return m.fail(m.ctx.T("loading live calls"), msg.err), true
		}
		m.board.SetCalls(msg.calls)
		var cmds []tea.Cmd
		for _, c := range msg.calls {
			if _, ok := m.customer(c.ChatID); !ok && c.ChatID != 0 {
				m.customers[c.ChatID] = api.Customer{} // asked once
				cmds = append(cmds, m.fetchChat(c.ChatID))
			}
		}
		return tea.Batch(cmds...), true
	case statsMsg:
		if msg.err != nil {
			m.stats.SetError(msg.err)
			return nil, true
		}
		m.stats.Set(msg.stats)
		return nil, true
	case settingsMsg:
		if msg.err != nil {
			return m.fail(m.ctx.T("loading settings"), msg.err), true
		}
		m.settings.SetSettings(msg.settings)
		var cmds []tea.Cmd
		if m.screen == ScreenSettings {
			cmds = append(cmds, m.loadEligibility())
		}
		if msg.text != "" {
			cmds = append(cmds, m.setFlash(msg.text, false))
		}
		return tea.Batch(cmds...), true
	case eligibilityMsg:
		if msg.err != nil {
			m.log.Warn("eligibility", "err", msg.err) // informative only
			return nil, true
		}
		m.settings.SetEligibility(msg.el.Channels, msg.el.Closed)
		return nil, true
	case devicesMsg:
		m.settings.SetDevices(msg.devices, msg.err)
		return nil, true
	}
	return nil, false
}

// updateCalls follows the calls we are offered, join and leave.
func (m *Model) updateCalls(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case callMsg:
		if msg.err != nil {
			return m.fail(m.ctx.T("refreshing the call"), msg.err), true
		}
		return m.callChanged(msg.call), true
	case offerMsg:
		if msg.err != nil {
			return m.fail(m.ctx.T("loading a ringing call"), msg.err), true
		}
		return m.addOffer(msg.offer), true
	case joinedMsg:
		if msg.err != nil {
			return m.fail(m.ctx.T("joining the call"), msg.err), true
		}
		return m.joined(msg.res), true
	case leftMsg:
		if msg.err != nil && api.CodeOf(msg.err) != api.CodeNotFound && api.CodeOf(msg.err) != api.CodeInvalidTransition {
			return m.fail(m.ctx.T("leaving the call"), msg.err), true
		}
		if m.call != nil && m.call.call.ID == msg.callID {
			m.endCall()
			return m.setFlash(m.ctx.T("left the call"), false), true
		}
		return nil, true
	case callbackMsg:
		if msg.err != nil && msg.dial {
			return m.fail(m.ctx.T("calling %s", msg.to), msg.err), true
		}
		if msg.err != nil {
			return m.fail(m.ctx.T("callback"), msg.err), true
		}
		m.inbox.Apply(msg.res.Chat)
		return tea.Batch(m.setFlash(m.ctx.T("calling %s in chat #%d", msg.res.Call.To, msg.res.Chat.ID), false),
			m.openChat(msg.res.Chat, true)), true
	}
	return nil, false
}

// updateStream follows the event stream, its connection and the timers.
func (m *Model) updateStream(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case eventMsg:
		cmd := m.event(msg.ev)
		if m.events == nil {
			return cmd, true
		}
		return tea.Batch(cmd, waitEvent(m.events.Events())), true
	case eventsEndMsg:
		m.conn = ConnStatus{State: Reconnecting, Err: fmt.Errorf("event stream closed")}
		return nil, true
	case connMsg:
		prev := m.conn.State
		m.conn = msg.status
		m.log.Info("event stream", "state", msg.status.State.String(), "err", msg.status.Err)
		var cmds []tea.Cmd
		if m.events != nil {
			cmds = append(cmds, waitConn(m.events.Status()))
		}
		if msg.status.State == Connected && !m.connectedOnce {
			// the stream starts at the newest event: reload what was listed
			// before it connected so nothing falls between
			m.connectedOnce = true
			cmds = append(cmds, m.refreshTabs(), m.loadCounts())
		}
		if msg.status.State == Connected {
			// the server is back: retry what failed while it was away
			if !m.ready && api.CodeOf(m.initErr) != api.CodeUnauthorized {
				cmds = append(cmds, m.loadInit())
			}
			for _, t := range common.Tabs {
				if m.inbox.NeedsLoad(t) {
					cmds = append(cmds, m.loadTab(t))
				}
			}
		}
		if msg.status.State == Connected && prev == Reconnecting {
			// meetd is back (maybe restarted): what is on screen may be
			// stale or may have failed to load while it was away
			cmds = append(cmds, m.reloadShown(), m.refreshTabs(), m.loadCounts())
			if m.call != nil {
				cmds = append(cmds, m.fetchCall(m.call.call.ID)) // events caught up; re-read the call to be sure
			}
		}
		return tea.Batch(cmds...), true
	case flushMsg:
		return m.flush(), true
	case tickMsg:
		m.ticking = false
		m.phoneStats = m.phone.Stats()
		m.settings.SetMicLevel(m.phoneStats.MicDBFS)
		m.settings.SetMissing(m.phoneStats.NoMic, m.phoneStats.NoSpeaker)
		return m.startTick(), true
	case clearFlashMsg:
		if msg.seq == m.flashSeq {
			m.flash = ""
		}
		return nil, true
	}
	return nil, false
}

// callChanged applies a fresh copy of a call: the one we are in, a ringing
// offer, or a row of the board.
func (m *Model) callChanged(c api.Call) tea.Cmd {
	if m.call != nil && m.call.call.ID == c.ID {
		m.call.call = c
		if c.State == api.CallEnded || !m.present(c) {
			m.endCall()
			return m.setFlash(m.ctx.T("call ended"), false)
		}
	}
	for i := range m.offers {
		if m.offers[i].Call.ID == c.ID {
			m.offers[i].Call = c
		}
	}
	m.dropStaleOffers()
	return nil
}

// present reports whether we are still a participant of c.
func (m *Model) present(c api.Call) bool {
	if len(c.Participants) == 0 {
		return true // not reported: trust the events
	}
	for _, p := range c.Participants {
		if p.StaffID == m.ctx.Me.ID && p.Left == nil {
			return true
		}
	}
	return false
}

func (m *Model) addOffer(o ring.Offer) tea.Cmd {
	if o.Call.State == api.CallEnded || o.Call.State == api.CallActive && !o.Invitation() {
		return nil // it stopped ringing while we looked it up
	}
	if m.call != nil && m.call.call.ID == o.Call.ID {
		return nil
	}
	for i := range m.offers {
		if m.offers[i].Call.ID == o.Call.ID {
			m.offers[i] = o
			return nil
		}
	}
	o.InCall = m.call != nil
	m.offers = append(m.offers, o)
	if ch, ok := m.ctx.Channels[o.Call.ChannelID]; ok {
		m.offers[len(m.offers)-1].Channel = ch.Name
	}
	m.log.Info("offer", "call_id", o.Call.ID, "chat_id", o.Call.ChatID, "invited_by", o.InvitedBy)
	return nil
}

func (m *Model) removeOffer(callID int64) {
	out := m.offers[:0]
	for _, o := range m.offers {
		if o.Call.ID != callID {
			out = append(out, o)
		}
	}
	m.offers = out
}

func (m *Model) dropStaleOffers() {
	out := m.offers[:0]
	for _, o := range m.offers {
		if o.Call.State == api.CallEnded {
			continue
		}
		out = append(out, o)
	}
	m.offers = out
}

// joined starts showing the call we accepted or joined, and opens its chat.
func (m *Model) joined(r api.JoinResult) tea.Cmd {
	if m.call != nil && m.call.call.ID == r.Call.ID {
		m.call.call = r.Call // already in it (the answer and the event both tell)
		m.removeOffer(r.Call.ID)
		return nil
	}
	if m.call != nil {
		m.phone.Left() // the server left the old call for us (r.LeftCallID)
	}
	m.removeOffer(r.Call.ID)
	m.phone.Joined(r)
	customer := r.Call.From
	if r.Call.Direction == api.Outbound {
		customer = r.Call.To
	}
	if c, ok := m.inbox.Chat(r.Call.ChatID); ok {
		customer = common.CustomerLabel(c.Customer)
	}
	mode := r.Mode
	if mode == "" {
		mode = api.ModeTalk
	}
	m.call = &inCall{call: r.Call, mode: mode, since: m.ctx.Now(), customer: customer}
	for i := range m.offers {
		m.offers[i].InCall = true
	}
	m.phoneStats = m.phone.Stats()
	m.resize(m.ctx.Width, m.ctx.Height)
	m.log.Info("joined call", "call_id", r.Call.ID, "chat_id", r.Call.ChatID, "mode", mode, "mute_on_join", r.MuteOnJoin)
	text := m.ctx.T("in call with %s", customer)
	if r.MuteOnJoin {
		text = m.ctx.T("in call with %s (muted on join)", customer)
	}
	return tea.Batch(m.setFlash(text, false), m.openChat(api.Chat{ID: r.Call.ChatID}, m.screen == ScreenChat))
}

func (m *Model) endCall() {
	if m.call == nil {
		return
	}
	m.log.Info("call over", "call_id", m.call.call.ID)
	m.lastCall = m.call.call.ID
	m.phone.Left()
	m.call = nil
	for i := range m.offers {
		m.offers[i].InCall = false
	}
	m.resize(m.ctx.Width, m.ctx.Height)
}

// callBar is the state of the call bar.
func (m *Model) callBar() callbar.State {
	s := callbar.State{Call: m.call.call, Customer: m.call.customer, Mode: m.call.mode, Since: m.call.since, Phone: m.phoneStats}
	s.Phone.Muted = m.phone.Muted()
	return s
}

// openChat shows a chat and loads it; push keeps the chat shown now for esc.
func (m *Model) openChat(c api.Chat, push bool) tea.Cmd {
	if known, ok := m.inbox.Chat(c.ID); ok && c.Customer.Number == "" {
		c = known
	}
	if m.screen == ScreenChat && push && m.chat.Chat().ID != 0 && m.chat.Chat().ID != c.ID {
		m.history = append(m.history, m.chat.Chat().ID)
	}
	if m.screen != ScreenChat {
		m.goTo(ScreenChat)
	}
	m.chat.Loading(c)
	return m.loadChat(c.ID)
}

// goTo switches screens, remembering where esc returns to.
func (m *Model) goTo(s Screen) {
	if s == m.screen {
		return
	}
	if s == ScreenInbox {
		m.back, m.history = nil, nil
	} else {
		m.back = append(m.back, m.screen)
	}
	m.screen = s
}

func (m *Model) goBack() tea.Cmd {
	if m.screen == ScreenChat && len(m.history) > 0 {
		id := m.history[len(m.history)-1]
		m.history = m.history[:len(m.history)-1]
		m.chat.Loading(api.Chat{ID: id})
		return m.loadChat(id)
	}
	if n := len(m.back); n > 0 {
		m.screen = m.back[n-1]
		m.back = m.back[:n-1]
	} else {
		m.screen = ScreenInbox
	}
	if m.screen != ScreenChat {
		m.history = nil
	}
	return nil
}

// settingsIntent carries out what the settings screen asked for.
func (m *Model) settingsIntent(in settings.Intent) tea.Cmd {
	s := m.settings.Settings()
	switch in.Kind {
	case settings.ToggleDND:
		s.DND = !s.DND
		return m.putSettings(s, m.onOff("do not disturb", s.DND))
	case settings.ToggleMuteOnJoin:
		s.MuteOnJoin = !s.MuteOnJoin
		return m.putSettings(s, m.onOff("mute on join", s.MuteOnJoin))
	case settings.ToggleNotify:
		n := make(map[int64]bool, len(s.UnassignedCallNotification)+1)
		for k, v := range s.UnassignedCallNotification {
			n[k] = v
		}
		n[in.Channel] = !s.NotificationOn(in.Channel)
		s.UnassignedCallNotification = n
		return m.putSettings(s, m.onOff(m.ctx.T("notifications for %s", m.ctx.Channels[in.Channel].Name), n[in.Channel]))
	case settings.ToggleDenoise:
		return m.toggleDenoise()
	case settings.ListDevices:
		return m.loadDevices()
	case settings.SetInput, settings.SetOutput:
		if in.Kind == settings.SetInput {
			m.prefs.Input = in.Device
		} else {
			m.prefs.Output = in.Device
		}
		m.settings.SetLocal(m.prefs.Denoise, m.prefs.Input, m.prefs.Output)
		return m.saveLocal("audio device saved; it is used from the next start of meet")
	}
	return nil
}

func (m *Model) toggleDenoise() tea.Cmd {
	m.prefs.Denoise = !m.prefs.Denoise
	m.phone.SetDenoise(m.prefs.Denoise)
	m.phoneStats.Denoise = m.prefs.Denoise
	m.settings.SetLocal(m.prefs.Denoise, m.prefs.Input, m.prefs.Output)
	return m.saveLocal(m.onOff("noise suppression", m.prefs.Denoise))
}

func (m *Model) saveLocal(text string) tea.Cmd {
	if m.savePrefs != nil {
		if err := m.savePrefs(m.prefs); err != nil {
			return m.fail(m.ctx.T("saving preferences"), err)
		}
	}
	return m.setFlash(text, false)
}

func (m *Model) onOff(what string, on bool) string {
	if on {
		return m.ctx.T("%s on", m.ctx.T(what))
	}
	return m.ctx.T("%s off", m.ctx.T(what))
}

// flush fetches what events marked as changed, once per chat or call.
func (m *Model) flush() tea.Cmd {
	m.flushing = false
	var cmds []tea.Cmd
	for id := range m.dirtyChats {
		cmds = append(cmds, m.fetchChat(id))
	}
	for id := range m.dirtyCalls {
		cmds = append(cmds, m.fetchCall(id))
	}
	if m.dirtyLive && m.screen == ScreenBoard {
		cmds = append(cmds, m.loadLiveCalls())
	}
	if len(m.dirtyChats) > 0 {
		cmds = append(cmds, m.loadCounts())
	}
	clear(m.dirtyChats)
	clear(m.dirtyCalls)
	m.dirtyLive = false
	return tea.Batch(cmds...)
}

func (m *Model) scheduleFlush() tea.Cmd {
	if m.flushing {
		return nil
	}
	m.flushing = true
	return m.tick(flushDelay, func(time.Time) tea.Msg { return flushMsg{} })
}

// reloadShown loads again what the screen shows (the chat, the board, the
// statistics or the settings); the inbox is reloaded by refreshTabs.
func (m *Model) reloadShown() tea.Cmd {
	switch m.screen {
	case ScreenChat:
		if id := m.chat.Chat().ID; id != 0 {
			return m.loadChat(id)
		}
	case ScreenBoard:
		return m.loadLiveCalls()
	case ScreenStats:
		return m.loadStats()
	case ScreenSettings:
		return m.loadSettings()
	}
	return nil
}
