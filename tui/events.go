package tui

import (
	"encoding/json"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
)

// event applies one event of the live stream. Chats and calls it touches
// are marked and fetched together a moment later, so a burst of events
// costs one request per chat.
func (m *Model) event(ev api.Event) tea.Cmd {
	me := m.ctx.Me.ID
	var cmds []tea.Cmd
	if ev.ChatID != 0 {
		m.dirtyChats[ev.ChatID] = true
	}
	if ev.CallID != 0 {
		m.dirtyLive = true
		if m.call != nil && m.call.call.ID == ev.CallID {
			m.dirtyCalls[ev.CallID] = true
		}
		for _, o := range m.offers {
			if o.Call.ID == ev.CallID {
				m.dirtyCalls[ev.CallID] = true
			}
		}
	}
	switch ev.Type {
	case api.EvCallRinging:
		if ev.StaffID == me && me != 0 {
			cmds = append(cmds, m.fetchOffer(ev.CallID, 0, m.call != nil))
		}
	case api.EvCallInvited:
		if ev.StaffID == me && me != 0 {
			var d struct {
				By int64 `json:"by"`
			}
			_ = json.Unmarshal(ev.Data, &d) // "by" is optional; the actor says the same
			by := d.By
			if by == 0 {
				by = ev.ActorID
			}
			if by == 0 {
				by = -1 // still an invitation, from someone unnamed
			}
			cmds = append(cmds, m.fetchOffer(ev.CallID, by, m.call != nil))
		}
	case api.EvCallJoined:
		// joined by the server for us (a callback or dial we placed, or
		// another client of ours): take the call as if we had accepted it
		if ev.StaffID == me && me != 0 && (m.call == nil || m.call.call.ID != ev.CallID) {
			var d struct {
				Mode       api.JoinMode `json:"mode"`
				MuteOnJoin bool         `json:"mute_on_join"`
			}
			_ = json.Unmarshal(ev.Data, &d) // missing data: talk, not muted
			cmds = append(cmds, m.joinedByServer(ev.CallID, d.Mode, d.MuteOnJoin))
		}
	case api.EvCallRingEnded:
		if ev.StaffID == me {
			m.removeOffer(ev.CallID)
		}
	case api.EvCallAnswered:
		if ev.StaffID != me {
			m.removeRingOffer(ev.CallID)
		}
	case api.EvCallEnded:
		m.removeOffer(ev.CallID)
		if m.call != nil && m.call.call.ID == ev.CallID || m.lastCall == ev.CallID {
			m.endCall()
			cmds = append(cmds, m.setFlash(m.ctx.T("call ended"), false))
		}
	case api.EvCallLeft:
		// An ending takes everyone out first (call.left, then call.ended):
		// say neutrally that we are out; call.ended, right behind, says the
		// call is over. Nobody is told they "left" a call the customer ended.
		if ev.StaffID == me && m.call != nil && m.call.call.ID == ev.CallID {
			m.endCall()
			cmds = append(cmds, m.setFlash(m.ctx.T("out of the call"), false))
		}
	case api.EvMessageAdded:
		// an internal message addressed to us (@name) is a notification
		var d struct {
			Text string `json:"text"`
		}
		if me != 0 && ev.ActorID != me && json.Unmarshal(ev.Data, &d) == nil && common.Mentions(d.Text, m.ctx.Me) {
			m.log.Info("mentioned", "chat_id", ev.ChatID, "by", ev.ActorID)
			cmds = append(cmds, m.setFlash(m.ctx.T("%[1]s to you in chat #%[2]d: %[3]s", m.ctx.StaffName(ev.ActorID), ev.ChatID, d.Text), false))
		}
	case api.EvSettingsUpdated:
		if ev.StaffID == me || ev.StaffID == 0 {
			cmds = append(cmds, m.loadSettings())
		}
	case api.EvStaffPresence:
		if s, ok := m.ctx.Staff[ev.StaffID]; ok {
			var d struct {
				Online bool `json:"online"`
			}
			if json.Unmarshal(ev.Data, &d) == nil {
				s.Online = d.Online
				m.ctx.Staff[ev.StaffID] = s
			}
		}
	}
	if len(m.dirtyChats) > 0 || len(m.dirtyCalls) > 0 || (m.dirtyLive && m.screen == ScreenBoard) {
		cmds = append(cmds, m.scheduleFlush())
	}
	return tea.Batch(cmds...)
}

// removeRingOffer drops a ringing (not invitation) offer someone else answered.
func (m *Model) removeRingOffer(callID int64) {
	out := m.offers[:0]
	for _, o := range m.offers {
		if o.Call.ID == callID && !o.Invitation() {
			continue
		}
		out = append(out, o)
	}
	m.offers = out
}
