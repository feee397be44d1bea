package tui

import (
	"context"
	"fmt"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/chat"
	"github.com/meet-dev/meet/tui/common"
	"github.com/meet-dev/meet/tui/ring"
)

// requestTimeout bounds every API call a key press starts.
const requestTimeout = 15 * time.Second

func (m *Model) rctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(m.base, requestTimeout)
}

func (m *Model) loadInit() tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		var r initMsg
		if r.me, r.err = m.dir.Me(ctx); r.err != nil {
			return r
		}
		// The rest is helpful, not vital: show what arrives.
		r.staff, _ = m.dir.StaffList(ctx)
		r.channels, _ = m.dir.Channels(ctx)
		r.settings, _ = m.dir.Settings(ctx)
		return r
	}
}

// counter is the optional part of a Backend that knows exact tab counts
// (*client.Client has it; a backend without it shows loaded counts).
type counter interface {
	ChatCounts(ctx context.Context, q api.ChatQuery) (api.ChatCounts, error)
}

// loadCounts asks for the exact tab sizes under the current filter.
func (m *Model) loadCounts() tea.Cmd {
	cb := m.counts
	if cb == nil {
		return nil
	}
	q := m.inbox.Filter().Query(common.TabOpened, 0)
	q.State, q.Missed = "", nil
	gen := m.filterGen
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		c, err := cb.ChatCounts(ctx, q)
		return countsMsg{gen: gen, counts: c, err: err}
	}
}

func (m *Model) loadTab(t common.Tab) tea.Cmd {
	q, ok := m.inbox.Query(t)
	if !ok {
		return nil
	}
	gen := m.filterGen
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		l, err := m.chats.Chats(ctx, q)
		return chatsMsg{tab: t, cursor: q.Cursor, gen: gen, list: l, err: err}
	}
}

// refreshTabs reloads the first page of every loaded tab in place.
func (m *Model) refreshTabs() tea.Cmd {
	var cmds []tea.Cmd
	gen := m.filterGen
	for _, t := range common.Tabs {
		q, ok := m.inbox.Refresh(t)
		if !ok {
			continue
		}
		cmds = append(cmds, func() tea.Msg {
			ctx, cancel := m.rctx()
			defer cancel()
			l, err := m.chats.Chats(ctx, q)
			return chatsMsg{tab: t, gen: gen, list: l, err: err}
		})
	}
	return tea.Batch(cmds...)
}

func (m *Model) loadChat(id int64) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		var d chat.Data
		var errs [5]error
		var wg sync.WaitGroup
		wg.Add(5)
		go func() { defer wg.Done(); d.Chat, errs[0] = m.chats.Chat(ctx, id) }()
		go func() { defer wg.Done(); d.Events, errs[1] = m.chats.ChatEvents(ctx, id) }()
		go func() { defer wg.Done(); d.Calls, errs[2] = m.chats.ChatCalls(ctx, id) }()
		go func() { defer wg.Done(); d.Memos, errs[3] = m.chats.Memos(ctx, id) }()
		go func() { defer wg.Done(); d.Messages, errs[4] = m.chats.Messages(ctx, id) }()
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				d.Chat.ID = id // the failed chat, whatever arrived
				return chatDataMsg{data: d, err: fmt.Errorf("chat #%d: %w", id, err)}
			}
		}
		return chatDataMsg{data: d}
	}
}

func (m *Model) fetchChat(id int64) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		c, err := m.chats.Chat(ctx, id)
		return chatMsg{chat: c, err: err}
	}
}

func (m *Model) fetchCall(id int64) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		c, err := m.calls.Call(ctx, id)
		return callMsg{call: c, err: err}
	}
}

// fetchOffer loads a call asking for us and its customer.
func (m *Model) fetchOffer(callID, invitedBy int64, inCall bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		c, err := m.calls.Call(ctx, callID)
		if err != nil {
			return offerMsg{err: err}
		}
		o := ring.Offer{Call: c, InvitedBy: invitedBy, InCall: inCall}
		if ch, err := m.chats.Chat(ctx, c.ChatID); err == nil {
			o.Customer = ch.Customer
		} else {
			o.Customer = api.Customer{Number: c.From}
		}
		return offerMsg{offer: o}
	}
}

func (m *Model) accept(o ring.Offer) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		var r api.JoinResult
		var err error
		if o.Invitation() {
			r, err = m.calls.Join(ctx, o.Call.ID, api.ModeTalk)
		} else {
			r, err = m.calls.Accept(ctx, o.Call.ID)
		}
		return joinedMsg{res: r, err: err}
	}
}

// joinedByServer loads a call the server joined us to and reports it as joined.
func (m *Model) joinedByServer(callID int64, mode api.JoinMode, mute bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		c, err := m.calls.Call(ctx, callID)
		if err != nil {
			return joinedMsg{err: err}
		}
		if c.State == api.CallEnded {
			return nil
		}
		return joinedMsg{res: api.JoinResult{Call: c, Mode: mode, MuteOnJoin: mute}}
	}
}

func (m *Model) join(callID int64, mode api.JoinMode) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		r, err := m.calls.Join(ctx, callID, mode)
		return joinedMsg{res: r, err: err}
	}
}

func (m *Model) leave(callID int64, hangup bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		var err error
		if hangup {
			err = m.calls.Hangup(ctx, callID)
		} else {
			err = m.calls.Leave(ctx, callID)
		}
		return leftMsg{callID: callID, err: err}
	}
}

// do runs an action that returns nothing worth keeping.
func (m *Model) do(text string, reload int64, f func(ctx context.Context) error) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		return doneMsg{text: text, err: f(ctx), reload: reload}
	}
}

// patch runs an action that returns the changed chat.
func (m *Model) patch(text string, f func(ctx context.Context) (api.Chat, error)) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		c, err := f(ctx)
		if err != nil {
			return doneMsg{err: err}
		}
		return chatMsg{chat: c, text: text}
	}
}

func (m *Model) loadLiveCalls() tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		cs, err := m.calls.Calls(ctx, true, 0)
		return liveCallsMsg{calls: cs, err: err}
	}
}

func (m *Model) loadStats() tea.Cmd {
	q := m.stats.Query()
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		s, err := m.statsAPI.Stats(ctx, q)
		return statsMsg{stats: s, err: err}
	}
}

func (m *Model) loadSettings() tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		s, err := m.dir.Settings(ctx)
		return settingsMsg{settings: s, err: err}
	}
}

// loadEligibility asks "would I ring now, and if not why" per channel.
func (m *Model) loadEligibility() tea.Cmd {
	me := m.ctx.Me.ID
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		el, err := m.dir.StaffEligibility(ctx, me)
		return eligibilityMsg{el: el, err: err}
	}
}

func (m *Model) putSettings(s api.Settings, text string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		got, err := m.dir.PutSettings(ctx, s)
		if err != nil {
			return doneMsg{err: err}
		}
		return settingsMsg{settings: got, text: text}
	}
}

func (m *Model) loadDevices() tea.Cmd {
	if m.listDevices == nil {
		return func() tea.Msg { return devicesMsg{err: fmt.Errorf("no audio device support in this build")} }
	}
	list := m.listDevices
	return func() tea.Msg {
		ds, err := list()
		return devicesMsg{devices: ds, err: err}
	}
}

// waitEvent is re-armed after every event so the stream is read one event
// at a time, in order.
func waitEvent(ch <-chan api.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return eventsEndMsg{}
		}
		return eventMsg{ev: ev}
	}
}

func waitConn(ch <-chan ConnStatus) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return nil
		}
		return connMsg{status: s}
	}
}
