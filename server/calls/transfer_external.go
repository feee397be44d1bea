package calls

import "github.com/meet-dev/meet/api"

// External transfers (a number through the trunk). Blind: the operator
// leaves, the customer hears the wait guidance while the trunk dials the
// number (active → transferring); when it answers, the dialled trunk call
// is bridged into the call's room (transferring → active) and the call goes
// on between the two trunk legs until either hangs up. Attended: the
// dialled call is the consult room's caller leg; complete bridges it into
// the call's room.

// externalTransfer starts dialling x's number for c.
func (m *Manager) externalTransfer(r *rec, c *call, x *xferState, dialErr *error) error {
	from := c.To // the channel's number the customer called
	if c.Direction == api.Outbound {
		from = c.From
	}
	if x.Mode == api.TransferBlind {
		if err := m.move(c, inTransfer); err != nil {
			return err
		}
	} else if err := m.move(c, inConsult); err != nil {
		return err
	}
	c.xfer = x
	m.xferEvent(r, c, api.EvCallTransferStarted, 0, "")
	id, ch, by, leg, number := c.ID, c.ChannelID, x.By, x.leg, x.To.Number
	dial := func() {
		if err := m.trunk.Dial(leg, from, number); err != nil {
			*dialErr = err
			m.liveInput(id, func(r *rec, c *call) { m.dialRefused(r, c, err) })
		}
	}
	if x.Mode == api.TransferBlind {
		m.endHold(c)
		for s := range c.parts {
			m.removeParticipant(r, c, s)
		}
		c.queued, c.music = false, false
		r.effect(id, func() {
			m.media.StopGuidance(id)
			m.media.PlayGuidance(id, ch, api.GuidanceWait, true, func() {})
			dial()
		})
	} else {
		consult := m.consultHold(r, c, by) // the consult room's caller leg is the dialled call
		r.effect(id, func() {
			consult()
			dial()
		})
	}
	m.saveCall(r, c)
	m.startTimer(c, slotDial, m.dialTO, func(r *rec) {
		if c.xfer != nil && c.xfer.leg != 0 && !c.xfer.Consulting {
			m.legFailed(r, c, "no answer")
		}
	})
	m.log.Info("external transfer dialling", "call_id", c.ID, "chat_id", c.ChatID, "staff_id", by, "mode", string(x.Mode), "to", number)
	return nil
}

// legAnswered: the dialled number picked up.
func (m *Manager) legAnswered(r *rec, c *call) {
	x := c.xfer
	m.stopTimer(c, slotDial)
	if x.Mode == api.TransferAttended {
		x.Consulting = true
		m.saveCall(r, c)
		m.xferEvent(r, c, api.EvCallConsultAnswered, 0, "")
		return
	}
	if m.move(c, inAnswered) != nil {
		return
	}
	m.bridge(r, c)
}

// bridge joins the dialled leg to the customer in the call's room; the
// transfer is done.
func (m *Manager) bridge(r *rec, c *call) {
	x := c.xfer
	c.bridged, x.leg = x.leg, 0
	c.Transfers++
	m.xferEvent(r, c, api.EvCallTransferred, 0, "")
	c.xfer = nil
	m.saveCall(r, c)
	id, leg := c.ID, c.bridged
	r.effect(id, func() {
		m.media.CloseRoom(consultRoom(id))
		m.media.StopGuidance(id)
		if err := m.media.AddTrunkLeg(id, leg); err != nil {
			m.log.Error("bridging the transfer's trunk leg failed", "call_id", id, "leg", leg, "err", err)
		}
	})
	m.log.Info("external transfer bridged", "call_id", c.ID, "leg", leg)
}

// completeExternal: the operator hands the customer to the number they consulted.
func (m *Manager) completeExternal(r *rec, c *call) {
	x := c.xfer
	if err := m.move(c, inComplete); err != nil {
		return
	}
	for s, mode := range c.parts {
		if mode == api.ModeTalk || mode == api.ModeBarge {
			m.removeParticipant(r, c, s)
		}
	}
	held := m.endHold(c)
	m.event(r, c, api.EvCallResumed, 0, x.By, map[string]any{"held_s": int(held.Seconds()), "total_held_s": c.HeldS})
	m.bridge(r, c)
}

// legFailed: the dialled number did not answer, refused, or hung up during
// the consult. A blind transfer's customer has nobody left: the call ends;
// a consult gives the customer back to the operator.
func (m *Manager) legFailed(r *rec, c *call, detail string) {
	x := c.xfer
	if x == nil {
		return
	}
	if x.Mode == api.TransferAttended {
		m.cancelConsult(r, c, 0, detail)
		return
	}
	m.end(r, c, endFor(causeDialFailed, "transfer to "+x.To.Number+" failed: "+detail), false)
}

// hangupLeg ends the transfer's dialled trunk call, if any.
func (m *Manager) hangupLeg(r *rec, c *call) {
	if c.xfer == nil || c.xfer.leg == 0 {
		return
	}
	id, leg := c.ID, c.xfer.leg
	c.xfer.leg = 0
	r.effect(id, func() { m.trunk.Hangup(leg, "transfer ended") })
}

// legInput handles the trunk's report about a transfer's dialled call legID.
func (m *Manager) legInput(legID int64, answered bool, detail string) {
	m.liveInput(-legID, func(r *rec, c *call) {
		switch {
		case c.bridged == legID && !answered: // the far end of a bridged transfer hung up
			c.bridged = 0
			m.end(r, c, endFor(causeEveryoneLeft, "transfer target hung up: "+detail), false)
		case c.xfer != nil && c.xfer.leg == legID && answered:
			m.legAnswered(r, c)
		case c.xfer != nil && c.xfer.leg == legID:
			c.xfer.leg = 0 // gone already: nothing to hang up
			m.legFailed(r, c, detail)
		}
	})
}

// dialRefused: the trunk could not even start dialling (no outbound trunk,
// too many calls): the transfer never started, so the operator keeps the
// customer (a blind transfer puts them back in the call).
func (m *Manager) dialRefused(r *rec, c *call, err error) {
	x := c.xfer
	if x == nil || x.leg == 0 {
		return
	}
	x.leg = 0
	detail := "dial failed: " + err.Error()
	if x.Mode == api.TransferAttended {
		m.cancelConsult(r, c, 0, detail)
		return
	}
	if m.move(c, inCancel) != nil {
		return
	}
	m.stopTimer(c, slotDial)
	m.xferEvent(r, c, api.EvCallTransferFailed, 0, detail)
	c.xfer = nil
	var muted bool
	if _, set, err := m.memberLocked(x.By); err == nil {
		muted = set.MuteOnJoin
	}
	m.addParticipant(r, c, x.By, api.ModeTalk, muted)
	m.saveCall(r, c)
	id, by := c.ID, x.By
	r.effect(id, func() {
		m.media.StopGuidance(id)
		if err := m.media.Attach(id, by, api.ModeTalk); err != nil {
			m.log.Warn("putting the operator back after a refused dial failed", "call_id", id, "staff_id", by, "err", err)
		}
	})
	m.log.Warn("external transfer could not dial; the operator keeps the call", "call_id", c.ID, "err", err)
}
