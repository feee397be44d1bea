package tui

import (
	"context"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
	"github.com/meet-dev/meet/tui/prompt"
)

// Call transfer keys: T transfers the call we are in blind, K consults
// first (attended). Both open a picker of staff and teams (tab) that also
// takes a typed name or number. While consulting, T completes the transfer
// and K cancels it.

// transferTargetsMsg brings the teams a transfer can go to.
type transferTargetsMsg struct {
	callID   int64
	attended bool
	teams    []api.Team
	err      error
}

func (m *Model) transferKey(attended bool) tea.Cmd {
	if m.call == nil {
		return m.setFlash(m.ctx.T("transfer works during a call"), false)
	}
	id := m.call.call.ID
	if m.call.call.State == api.CallConsulting {
		if attended {
			return m.do(m.ctx.T("consult cancelled: the caller is back with you"), 0, func(ctx context.Context) error {
				_, err := m.calls.CancelTransfer(ctx, id)
				return err
			})
		}
		return m.do(m.ctx.T("call transferred"), 0, func(ctx context.Context) error {
			_, err := m.calls.CompleteTransfer(ctx, id)
			return err
		})
	}
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		ts, err := m.calls.Teams(ctx)
		return transferTargetsMsg{callID: id, attended: attended, teams: ts, err: err}
	}
}

// openTransfer opens the target picker: staff (online first), then teams.
func (m *Model) openTransfer(msg transferTargetsMsg) tea.Cmd {
	if msg.err != nil {
		return m.fail(m.ctx.T("transfer"), msg.err)
	}
	if m.call == nil || m.call.call.ID != msg.callID {
		return nil
	}
	m.xferTargets = m.xferTargets[:0]
	var choices []prompt.Choice
	staff := make([]api.Staff, 0, len(m.ctx.Staff))
	for id, s := range m.ctx.Staff {
		if id != m.ctx.Me.ID {
			staff = append(staff, s)
		}
	}
	slices.SortFunc(staff, func(a, b api.Staff) int {
		if a.Online != b.Online {
			if a.Online {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	for _, s := range staff {
		label := m.ctx.T("staff %s", s.Name)
		if !s.Online {
			label = m.ctx.T("staff %s (offline)", s.Name)
		}
		choices = append(choices, prompt.Choice{ID: int64(len(m.xferTargets)), Label: label})
		m.xferTargets = append(m.xferTargets, api.TransferTarget{StaffID: s.ID})
	}
	for _, t := range msg.teams {
		if t.ChannelID != m.call.call.ChannelID {
			continue
		}
		choices = append(choices, prompt.Choice{ID: int64(len(m.xferTargets)), Label: m.ctx.T("team %s", t.Name)})
		m.xferTargets = append(m.xferTargets, api.TransferTarget{TeamID: t.ID})
	}
	m.xferTeams = msg.teams
	title := m.ctx.T("transfer to (tab: staff / team, or type a name or number)")
	if msg.attended {
		title = m.ctx.T("consult, then transfer to (tab: staff / team, or type a name or number)")
	}
	m.xferAttended = msg.attended
	m.open(prompt.Transfer, title, "", 0, msg.callID)
	m.prompt.Choices = choices
	return nil
}

// submitTransfer starts the transfer the picker chose: typed text wins (a
// number, a staff member, a team), else the tab choice.
func (m *Model) submitTransfer(s prompt.SubmitMsg) tea.Cmd {
	text := strings.TrimSpace(s.Text)
	var to api.TransferTarget
	switch {
	case text != "":
		if num, err := common.CleanNumber(text); err == nil && strings.ContainsAny(text, "0123456789") && !strings.ContainsAny(text, "@") {
			to.Number = num
		} else if id, ok := m.lookupStaff(text); ok && id != m.ctx.Me.ID {
			to.StaffID = id
		} else if t, ok := m.lookupTeam(text); ok {
			to.TeamID = t
		} else {
			return m.setFlash(m.ctx.T("no single staff member, team or number matches %q", text), true)
		}
	case int(s.Choice.ID) < len(m.xferTargets) && len(m.xferTargets) > 0:
		to = m.xferTargets[s.Choice.ID]
	default:
		return m.setFlash(m.ctx.T("nobody to transfer to"), true)
	}
	req := api.TransferRequest{To: to, Mode: api.TransferBlind}
	done := m.ctx.T("transferred to %s", m.targetName(to))
	if m.xferAttended {
		req.Mode = api.TransferAttended
		done = m.ctx.T("consulting %[1]s, the caller is on hold (%[2]s: transfer, %[3]s: cancel)", m.targetName(to),
			m.ctx.Keys.First(common.ActTransfer), m.ctx.Keys.First(common.ActConsult))
	}
	callID := s.CallID
	return m.do(done, 0, func(ctx context.Context) error {
		_, err := m.calls.Transfer(ctx, callID, req)
		return err
	})
}

func (m *Model) lookupTeam(s string) (int64, bool) {
	s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "team "))
	for _, t := range m.xferTeams {
		if strings.ToLower(t.Name) == s {
			return t.ID, true
		}
	}
	return 0, false
}

func (m *Model) targetName(to api.TransferTarget) string {
	switch {
	case to.StaffID != 0:
		return m.ctx.StaffName(to.StaffID)
	case to.TeamID != 0:
		for _, t := range m.xferTeams {
			if t.ID == to.TeamID {
				return m.ctx.T("team %s", t.Name)
			}
		}
	}
	return to.String()
}
