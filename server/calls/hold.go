package calls

import (
	"context"
	"time"

	"github.com/meet-dev/meet/api"
)

// Hold and resume (SPEC §3b). A held call stays active: its staff legs are
// detached from the room (the operator hears silence, the caller hears no
// operator) and the caller hears the channel's hold guidance looped. Held
// time adds up in Call.HeldS (statistics) and shows as Call.HeldSince.

// Hold puts an answered call on hold. Participants may hold; so may
// supervisors and admins of the channel.
func (m *Manager) Hold(ctx context.Context, staffID, callID int64) error {
	return m.holdInput(ctx, staffID, callID, true)
}

// Resume takes a call off hold: everyone taking part hears each other again.
func (m *Manager) Resume(ctx context.Context, staffID, callID int64) error {
	return m.holdInput(ctx, staffID, callID, false)
}

func (m *Manager) holdInput(ctx context.Context, staffID, callID int64, hold bool) error {
	s, _, err := m.member(ctx, staffID)
	if err != nil {
		return err
	}
	return m.withCall(ctx, callID, func(r *rec, c *call) error {
		if _, in := c.parts[staffID]; !in {
			if err := inChannel(s, c.ChannelID); err != nil {
				return err
			}
			if s.Role.Rank() < api.RoleSupervisor.Rank() {
				return api.Errorf(api.CodeForbidden, "staff member %d is not in call %d", staffID, callID)
			}
		}
		if c.State != api.CallActive || c.Direction == api.Inbound && c.Answered == nil {
			return api.Errorf(api.CodeInvalidTransition, "call %d is %s, not answered; only an answered call can be held", callID, c.State)
		}
		switch {
		case hold && c.HeldSince != nil:
			return api.Errorf(api.CodeConflict, "call %d is already on hold", callID)
		case !hold && c.HeldSince == nil:
			return api.Errorf(api.CodeConflict, "call %d is not on hold", callID)
		}
		if hold {
			m.hold(r, c, staffID)
		} else {
			m.resume(r, c, staffID)
		}
		return nil
	})
}

func (m *Manager) hold(r *rec, c *call, by int64) {
	c.HeldSince = ptrTime(m.clock.Now())
	m.saveCall(r, c)
	m.event(r, c, api.EvCallHeld, 0, by, nil)
	r.effect(c.ID, m.holdMedia(c))
	m.log.Info("call held", "call_id", c.ID, "staff_id", by)
}

// holdMedia is the media side of holding call c's caller, an effect to run
// after the record: every staff leg leaves the room and the caller hears
// hold music (replacing whatever guidance played).
func (m *Manager) holdMedia(c *call) func() {
	id, ch := c.ID, c.ChannelID
	staff := make([]int64, 0, len(c.parts))
	for s := range c.parts {
		staff = append(staff, s)
	}
	return func() {
		for _, s := range staff {
			m.media.Detach(id, s)
		}
		m.media.PlayGuidance(id, ch, api.GuidanceHold, true, nil)
	}
}

// consultHold puts call c's caller on hold while operator by consults (a
// held event unless held already) and returns the media side, an effect to
// run after the record: holdMedia, then the consult room opens with by in
// it.
func (m *Manager) consultHold(r *rec, c *call, by int64) func() {
	if c.HeldSince == nil {
		c.HeldSince = ptrTime(m.clock.Now())
		m.event(r, c, api.EvCallHeld, 0, by, nil)
	}
	hold, id := m.holdMedia(c), c.ID
	return func() {
		hold()
		if err := m.media.OpenRoom(consultRoom(id)); err != nil {
			m.log.Error("opening the consult room failed", "call_id", id, "err", err)
			return
		}
		if err := m.media.Attach(consultRoom(id), by, api.ModeTalk); err != nil {
			m.log.Warn("moving the operator into the consult failed", "call_id", id, "staff_id", by, "err", err)
		}
	}
}

func (m *Manager) resume(r *rec, c *call, by int64) {
	held := m.endHold(c)
	m.saveCall(r, c)
	m.event(r, c, api.EvCallResumed, 0, by, map[string]any{"held_s": int(held.Seconds()), "total_held_s": c.HeldS})
	id := c.ID
	parts := make(map[int64]api.JoinMode, len(c.parts))
	for s, mode := range c.parts {
		parts[s] = mode
	}
	r.effect(id, func() {
		m.media.StopGuidance(id)
		for s, mode := range parts {
			if err := m.media.Attach(id, s, mode); err != nil {
				m.log.Warn("re-attaching after hold failed", "call_id", id, "staff_id", s, "err", err)
			}
		}
	})
	m.log.Info("call resumed", "call_id", c.ID, "staff_id", by, "held_s", held.Seconds())
}

// endHold adds the current hold to HeldS (rounded to whole seconds) and
// returns its length; no-op when not held.
func (m *Manager) endHold(c *call) time.Duration {
	if c.HeldSince == nil {
		return 0
	}
	d := m.clock.Now().Sub(*c.HeldSince)
	c.HeldS += int((d + time.Second/2) / time.Second)
	c.HeldSince = nil
	return d
}
