package calls

import (
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/ivr"
	"github.com/meet-dev/meet/server/store"
)

// This file carries out the channel's IVR menu (policy in server/ivr):
//
//	greeting → menu: prompt(node) ⇄ key / time-out → decided → route (team | everyone) or voicemail
//
// A key pressed while a prompt plays cuts it short. The decision is
// recorded as call.menu_chosen, on the chat (menu_path, and team_id when a
// team was chosen) and steers routing (routing.Input.Target).

// menuPending reports whether c should go through its channel's menu before
// it looks for staff.
func (m *Manager) menuPending(c *call) bool {
	return c.Direction == api.Inbound && !c.ivr.done && c.channel.Menu != nil
}

// startMenu enters the menu at its root.
func (m *Manager) startMenu(r *rec, c *call) {
	st, step, err := ivr.Start(c.channel.Menu)
	if err != nil {
		m.log.Error("menu unusable; routing without it", "call_id", c.ID, "err", err)
		m.menuDecided(r, c, api.MenuChoice{Action: api.MenuAction{Kind: api.MenuEveryone}, Reason: "error"})
		return
	}
	c.ivr.st = st
	m.menuStep(r, c, step)
}

// menuStep carries out one step of the policy.
func (m *Manager) menuStep(r *rec, c *call, step ivr.Step) {
	if step.Choice != nil {
		m.menuDecided(r, c, *step.Choice)
		return
	}
	m.stopTimer(c, slotMenu)
	changed := c.State != api.CallMenu
	if m.move(c, inMenu) != nil {
		return
	}
	c.music, c.queued = false, false
	if changed {
		m.saveCall(r, c)
	}
	m.event(r, c, api.EvCallMenu, 0, 0, map[string]any{"node": step.Prompt, "try": c.ivr.st.Try, "invalid": step.Invalid})
	m.earlyMedia(r, c)
	c.guideTok++
	tok, id, ch, timeout := c.guideTok, c.ID, c.ChannelID, step.Timeout
	done := func() { m.q.push(id, func() { m.menuPromptDone(id, tok, timeout) }) }
	kind := api.MenuGuidance(step.Prompt)
	r.effect(id, func() {
		m.media.StopGuidance(id)
		m.media.PlayGuidance(id, ch, kind, false, done)
	})
	// A prompt whose done never comes still ends in a time-out.
	m.startTimer(c, slotMenu, m.guidanceTO+timeout, func(r *rec) { m.menuTimeout(r, c) })
}

// menuPromptDone starts the wait for a key once the prompt has played.
func (m *Manager) menuPromptDone(callID int64, tok uint64, timeout time.Duration) {
	m.liveInput(callID, func(_ *rec, c *call) {
		if c.State == api.CallMenu && c.guideTok == tok {
			m.startTimer(c, slotMenu, timeout, func(r *rec) { m.menuTimeout(r, c) })
		}
	})
}

func (m *Manager) menuTimeout(r *rec, c *call) {
	if c.State != api.CallMenu {
		return
	}
	st, step, err := ivr.Timeout(c.channel.Menu, c.ivr.st)
	if err != nil {
		m.log.Warn("menu time-out not applied", "call_id", c.ID, "err", err)
		return
	}
	c.ivr.st = st
	m.menuStep(r, c, step)
}

// menuKey applies a key the caller pressed in the menu.
func (m *Manager) menuKey(r *rec, c *call, digit rune) {
	st, step, err := ivr.Press(c.channel.Menu, c.ivr.st, string(digit))
	if err != nil {
		m.log.Warn("menu key not applied", "call_id", c.ID, "digit", string(digit), "err", err)
		return
	}
	c.ivr.st = st
	m.menuStep(r, c, step)
}

// menuDecided records the decision and acts on it.
func (m *Manager) menuDecided(r *rec, c *call, ch api.MenuChoice) {
	m.stopTimer(c, slotMenu)
	c.ivr.done = true
	if ch.Action.Kind == api.MenuTeam {
		c.ivr.target = ch.Action.TeamID
	}
	m.event(r, c, api.EvCallMenuChosen, 0, 0, ch)
	chatID, path := c.ChatID, ch.Path
	var team *int64
	if ch.Action.Kind == api.MenuTeam {
		team = ptrInt(ch.Action.TeamID)
	}
	r.do(func(tx store.Tx) error {
		chat, err := tx.Chat(chatID)
		if err != nil {
			return err
		}
		chat.MenuPath = path
		if team != nil {
			chat.TeamID = team
		}
		return tx.UpdateChat(&chat)
	})
	m.log.Info("menu decided", "call_id", c.ID, "chat_id", c.ChatID, "path", ch.Path, "action", ch.Action.String(), "reason", ch.Reason)
	id := c.ID
	r.effect(id, func() { m.media.StopGuidance(id) })
	if ch.Action.Kind == api.MenuVoicemail && m.voicemail(r, c, ending{cause: causePolicy, missed: api.ReasonNoOperator, detail: "voicemail chosen in the menu"}) {
		return
	}
	c.queued = true
	r.reroute = true
}

// menuTarget returns the team the menu sent c to, if the view knows it.
func (v *channelView) menuTarget(c *call) *api.Team {
	if c == nil || c.ivr.target == 0 {
		return nil
	}
	if t, ok := v.teams[c.ivr.target]; ok {
		return &t
	}
	return nil
}
