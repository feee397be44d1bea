package calls

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/hours"
	"github.com/meet-dev/meet/server/routing"
	"github.com/meet-dev/meet/server/store"
)

// channelView is what routing needs from the store about one channel; the
// live parts (in call, ringing, online) are added at decision time.
type channelView struct {
	channel api.Channel
	loc     *time.Location
	team    *api.Team
	staff   []routing.Member
	tzErr   error              // the channel's zone did not load; loc is UTC
	teams   map[int64]api.Team // the channel's teams, when its menu can route to one
}

// loadChannel reads a channel, its auto-assign team and its staff with their
// settings and opened phone chats.
func (m *Manager) loadChannel(ctx context.Context, channelID int64) (*channelView, error) {
	v, err := loadView(ctx, m.st, channelID)
	if err != nil {
		return nil, err
	}
	if v.tzErr != nil {
		m.log.Warn("channel time zone unusable, using UTC", "channel_id", channelID, "err", v.tzErr)
	}
	return v, nil
}

func loadView(ctx context.Context, st store.Store, channelID int64) (*channelView, error) {
	var v *channelView
	err := st.View(ctx, func(tx store.Tx) error {
		var err error
		v, err = loadViewTx(tx, channelID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// loadViewTx is loadView inside a transaction the caller runs.
func loadViewTx(tx store.Tx, channelID int64) (*channelView, error) {
	ch, err := tx.Channel(channelID)
	if err != nil {
		return nil, err
	}
	return loadViewOf(tx, ch)
}

// loadViewOf is loadViewTx for a channel the transaction already read
// (an inbound call reads it by number first: not read twice per call).
func loadViewOf(tx store.Tx, ch api.Channel) (*channelView, error) {
	channelID := ch.ID
	v := &channelView{}
	err := func() error {
		v.channel = ch
		if ch.AutoAssignTeamID != nil {
			t, err := tx.Team(*ch.AutoAssignTeamID)
			if err != nil {
				return fmt.Errorf("auto-assign team of channel %d: %w", ch.ID, err)
			}
			v.team = &t
		}
		if ch.Menu != nil {
			ts, err := tx.ListTeams(channelID)
			if err != nil {
				return err
			}
			v.teams = make(map[int64]api.Team, len(ts))
			for _, t := range ts {
				v.teams[t.ID] = t
			}
		}
		opened, err := tx.OpenedPhoneChats(channelID)
		if err != nil {
			return err
		}
		fewest := v.team != nil && v.team.Strategy == api.StrategyFewestOpenChats
		// The members are those ChannelSettings returns settings of (every
		// member of the channel): ListStaff's three reads, with each
		// member's channels and teams, were a third of this view's cost on
		// every call (to a closed channel too, for its eligibility record),
		// for IDs only. Names are not read: routing does not show them
		// (`meetd route simulate` reads its own list).
		sets, err := tx.ChannelSettings(channelID)
		if err != nil {
			return err
		}
		ids := slices.Sorted(maps.Keys(sets)) // by ID, as ListStaff listed them
		var open map[int64]int
		if fewest {
			if open, err = tx.OpenChatsByAssignee(channelID, openChatsCap); err != nil {
				return err
			}
		}
		v.staff = make([]routing.Member, 0, len(ids))
		for _, id := range ids {
			mem := routing.Member{ID: id, InChannel: true, Settings: sets[id], OpenedPhoneChats: opened[id]}
			if fewest {
				mem.OpenChats = open[id]
			}
			v.staff = append(v.staff, mem)
		}
		return nil
	}()
	if err != nil {
		return nil, err
	}
	if v.loc, v.tzErr = hours.LoadLocation(v.channel.Timezone); v.tzErr != nil {
		v.loc = time.UTC
	}
	return v, nil
}

// openChatsCap bounds a member's open-chat count (fewest-open-chats needs
// an order, not exact figures for members far behind).
const openChatsCap = 1000

// decide runs the policy for call c (nil: a hypothetical new call) on view v.
func (m *Manager) decide(v *channelView, c *call) routing.Decision {
	return m.decideWith(v, c, false)
}

// decideWith fills in the live parts of v's members in place (every view is
// loaded for one pass under m.mu, and each decision overwrites them) and
// runs the policy; unordered skips the ring-order sort.
func (m *Manager) decideWith(v *channelView, c *call, unordered bool) routing.Decision {
	staff := v.staff
	for i := range staff {
		s := &staff[i]
		_, s.InCall = m.inCall[s.ID]
		s.RingingCallID = m.ringing[s.ID]
		s.Online = m.media.Online(s.ID)
		if !s.InCall && s.Online && m.claim != nil {
			s.InCall = m.claim.Elsewhere(s.ID, callIDOf(c)) // ringing or talking on another node
		}
		s.LastCallEnded = m.lastEnded[s.ID]
	}
	in := routing.Input{Channel: v.channel, Location: v.loc, Team: v.team, Staff: staff, Now: m.clock.Now(), Unordered: unordered}
	if v.team != nil {
		in.Cursor = m.cursor[v.team.ID]
	}
	if c != nil {
		in.CallID, in.Tried = c.ID, c.tried
		if t := c.xferTarget(); t != nil {
			// A blind transfer rings its target whatever the hours: the
			// caller is already talking to the company.
			in.Target, in.Channel.Hours, in.Cursor = t, api.Hours{}, m.cursor[c.xfer.teamID]
		} else if in.Target = v.menuTarget(c); in.Target != nil {
			in.Cursor = m.cursor[in.Target.ID]
		}
	}
	d, err := routing.Decide(in)
	if err != nil { // only a team mismatch is left; ring everyone rather than no one
		m.log.Warn("routing decision failed; ringing all", "channel_id", v.channel.ID, "err", err)
		in.Channel.AutoAssignTeamID, in.Team = nil, nil
		d, _ = routing.Decide(in)
	}
	return d
}

// routeAll offers every call that looks for staff, oldest first, to whoever
// is eligible now.
func (m *Manager) routeAll(r *rec) {
	views := map[int64]*channelView{}
	for _, c := range m.sortedCalls() {
		if !c.queued || c.State == api.CallEnded || c.State == api.CallActive {
			continue
		}
		v, ok := views[c.ChannelID]
		if !ok {
			var err error
			if v, err = m.loadChannel(context.Background(), c.ChannelID); err != nil {
				m.log.Error("loading channel for routing failed", "call_id", c.ID, "channel_id", c.ChannelID, "err", err)
				continue
			}
			views[c.ChannelID] = v
		}
		m.route(r, c, v)
	}
}

// route applies one decision to c: cancel rings of members no longer
// eligible, then do what the policy's outcome says (ring, keep ringing,
// wait, or play a guidance that ends the call).
func (m *Manager) route(r *rec, c *call, v *channelView) {
	c.channel = v.channel
	d := m.decide(v, c)
	c.mode = d.Mode
	m.recordEligibility(r, c, d)
	// Members no longer eligible stop ringing before the policy looks at
	// who still rings.
	eligible := make(map[int64]bool, len(d.Eligible))
	for _, id := range d.Eligible {
		eligible[id] = true
	}
	for id := range c.ringing {
		if !eligible[id] {
			m.stopRing(r, c, id, api.RingCancelled)
		}
	}
	p := routing.Progress{InGuidance: c.State == api.CallGuidance, Rang: c.FirstRingStarted != nil,
		Waited: c.FirstWaitingStarted != nil, Ringing: len(c.ringing)}
	if x := c.xfer; x != nil { // a transfer is routed afresh
		p.InGuidance, p.Rang, p.Waited = false, x.rang, x.waited
	}
	o := routing.Next(d, p)
	if o.Step == routing.StepWait && c.xfer != nil {
		o = c.xfer.afterRing(o)
	}
	switch o.Step {
	case routing.StepGuidance:
		m.playGuidance(r, c, o)
	case routing.StepRing:
		m.ring(r, c, v, o.Ring)
	case routing.StepKeepRinging:
	case routing.StepWait:
		m.wait(r, c)
	case routing.StepEnd:
		m.missed(r, c, endBy(o))
	default:
		m.log.Error("routing gave no step", "call_id", c.ID, "step", o.Step.String())
	}
}

func (m *Manager) recordEligibility(r *rec, c *call, d routing.Decision) {
	e := d.Eligibility(c.ID, c.ChannelID)
	if p := c.lastElig; p != nil && p.InOperation == e.InOperation && slices.Equal(p.Eligible, e.Eligible) &&
		slices.Equal(p.NotEligible, e.NotEligible) {
		return
	}
	c.lastElig = &e
	m.event(r, c, api.EvCallEligibility, 0, 0, e)
}

// ring starts ringing ids for c (those not ringing for it yet).
func (m *Manager) ring(r *rec, c *call, v *channelView, ids []int64) {
	now := m.clock.Now()
	if c.FirstWaitingStarted == nil {
		c.FirstWaitingStarted = ptrTime(now)
	}
	if c.FirstRingStarted == nil {
		c.FirstRingStarted = ptrTime(now)
	}
	if !c.ringDue.After(now) {
		// A ring phase starts: the first one, or a new one after the call went
		// back to waiting (everyone declined or became unavailable) past the
		// previous phase's deadline. Ringing is bounded by the ring timeout,
		// waiting by the max wait.
		c.ringDue = now.Add(m.ringTimeout(c.channel))
		m.startTimer(c, slotRing, c.ringDue.Sub(now), func(r *rec) { m.onRingTimeout(r, c) })
	}
	m.stopTimer(c, slotWait)
	m.startMusic(r, c)
	changed := c.State != api.CallRinging
	if m.move(c, inRing) != nil {
		return
	}
	for _, id := range ids {
		if c.ringing[id] {
			continue
		}
		if other, busy := m.ringing[id]; busy && other != c.ID {
			m.log.Error("refusing to ring a member already ringing", "call_id", c.ID, "staff_id", id, "other_call_id", other)
			continue
		}
		if m.claim != nil && !m.claim.Ring(id, c.ID) {
			// Another node rings or seats them: decide again without them.
			m.log.Info("member taken by another call meanwhile", "call_id", c.ID, "staff_id", id)
			r.reroute = true
			continue
		}
		changed = true
		c.ringing[id] = true
		m.ringing[id] = c.ID
		if c.xfer != nil {
			c.xfer.rang = true
			if c.xfer.teamID != 0 {
				m.cursor[c.xfer.teamID] = id
			}
		} else if t := v.menuTarget(c); t != nil {
			m.cursor[t.ID] = id
		} else if v.team != nil {
			m.cursor[v.team.ID] = id
		}
		att := api.RingAttempt{StaffID: id, Started: now}
		c.RingAttempts = append(c.RingAttempts, att)
		callID := c.ID
		r.do(func(tx store.Tx) error { return tx.AddRingAttempt(callID, att) })
		m.event(r, c, api.EvCallRinging, id, 0, nil)
	}
	if changed {
		m.saveCall(r, c)
	}
	if c.mode == routing.ModeOneAtATime {
		d := min(m.memberRing, c.ringDue.Sub(now))
		m.startTimer(c, slotMember, d, func(r *rec) { m.onMemberTimeout(r, c) })
	}
}

// stopRing ends member id's ring attempt for c with outcome.
func (m *Manager) stopRing(r *rec, c *call, id int64, outcome api.RingOutcome) {
	if !c.ringing[id] {
		return
	}
	delete(c.ringing, id)
	if m.ringing[id] == c.ID {
		delete(m.ringing, id)
	}
	if m.claim != nil && outcome != api.RingAccepted {
		m.claim.Release(id, c.ID)
	}
	if outcome != api.RingCancelled {
		c.tried[id] = outcome
	}
	now := m.now()
	for i := len(c.RingAttempts) - 1; i >= 0; i-- {
		if a := &c.RingAttempts[i]; a.StaffID == id && a.Ended == nil {
			a.Ended, a.Outcome = ptrTime(now), outcome
			break
		}
	}
	callID := c.ID
	r.do(func(tx store.Tx) error { return tx.EndRingAttempt(callID, id, now, outcome) })
	m.event(r, c, api.EvCallRingEnded, id, 0, map[string]any{"outcome": outcome})
	if len(c.ringing) == 0 {
		m.stopTimer(c, slotMember)
	}
	r.reroute = true // the member is free again
}

// wait parks c until someone becomes eligible or max wait passes.
func (m *Manager) wait(r *rec, c *call) {
	now := m.clock.Now()
	if c.FirstWaitingStarted == nil {
		c.FirstWaitingStarted = ptrTime(now)
	}
	m.startMusic(r, c)
	due := c.FirstWaitingStarted.Add(m.maxWaitOf(c.channel))
	if c.xfer != nil { // a transfer waits its own max wait
		c.xfer.waited = true
		due = c.xfer.Started.Add(m.maxWaitOf(c.channel))
	}
	if !due.After(now) {
		m.missed(r, c, endBy(routing.MaxWaitReached))
		return
	}
	if c.State == api.CallWaiting {
		return
	}
	m.stopTimer(c, slotMember)
	if m.move(c, inWait) != nil {
		return
	}
	m.saveCall(r, c)
	m.event(r, c, api.EvCallWaiting, 0, 0, map[string]any{"until": due.UTC()})
	m.startTimer(c, slotWait, due.Sub(now), func(r *rec) {
		if c.State == api.CallWaiting {
			m.missed(r, c, endBy(routing.MaxWaitReached))
		}
	})
	m.recheck(c)
}

// recheck routes a waiting call again every so often, so a change nobody
// announced (an event lost on the bus, a setting changed by another process)
// does not leave it waiting until max wait.
func (m *Manager) recheck(c *call) {
	if m.recheckEvery <= 0 {
		return
	}
	m.startTimer(c, slotRecheck, m.recheckEvery, func(r *rec) {
		if c.State == api.CallWaiting {
			r.reroute = true
			m.recheck(c)
		}
	})
}

func (m *Manager) onRingTimeout(r *rec, c *call) {
	if c.State == api.CallRinging && !m.recall(r, c, endBy(routing.RingTimedOut)) {
		m.end(r, c, endBy(routing.RingTimedOut), false)
	}
}

// onMemberTimeout moves auto-assignment on to the next member.
func (m *Manager) onMemberTimeout(r *rec, c *call) {
	if c.State != api.CallRinging {
		return
	}
	for id := range c.ringing {
		m.stopRing(r, c, id, api.RingTimedOut)
	}
	r.reroute = true
}

// startMusic loops the wait guidance to the caller while they wait or ring.
func (m *Manager) startMusic(r *rec, c *call) {
	if c.music {
		return
	}
	c.music = true
	m.earlyMedia(r, c)
	id, ch := c.ID, c.ChannelID
	r.effect(id, func() { m.media.PlayGuidance(id, ch, api.GuidanceWait, true, func() {}) })
}

func (m *Manager) earlyMedia(r *rec, c *call) {
	if c.early || c.Direction != api.Inbound {
		return
	}
	c.early = true
	id := c.ID
	r.effect(id, func() {
		if err := m.trunk.EarlyMedia(id); err != nil {
			m.log.Warn("early media failed; the caller will not hear guidance", "call_id", id, "err", err)
		}
	})
}

// playGuidance plays o's guidance once into the caller's leg, then ends
// the call as o says or routes it.
func (m *Manager) playGuidance(r *rec, c *call, o routing.Outcome) {
	if m.move(c, inGuidance) != nil {
		return
	}
	m.saveCall(r, c)
	m.event(r, c, api.EvCallGuidance, 0, 0, guidanceData(o.Guidance))
	m.startGuidance(r, c, o)
}

func guidanceData(kind api.GuidanceKind) map[string]any { return map[string]any{"kind": kind} }

// startGuidance is playGuidance once the call row in state guidance and its
// call.guidance event are written (or recorded in r): the in-memory state,
// the play itself and its time-out.
func (m *Manager) startGuidance(r *rec, c *call, o routing.Outcome) {
	if m.move(c, inGuidance) != nil {
		return
	}
	kind := o.Guidance
	c.guidance, c.music = o, false
	c.queued = o.Missed == api.ReasonNone && c.queued
	c.guideTok++
	tok := c.guideTok
	m.earlyMedia(r, c)
	id, ch := c.ID, c.ChannelID
	done := func() { m.q.push(id, func() { m.guidanceDone(id, tok) }) }
	r.effect(id, func() {
		m.media.StopGuidance(id)
		m.media.PlayGuidance(id, ch, kind, false, done)
	})
	m.startTimer(c, slotGuidance, m.guidanceTO, func(r *rec) {
		m.log.Warn("guidance did not finish in time", "call_id", id, "kind", kind)
		m.afterGuidance(r, c, tok)
	})
}

func (m *Manager) guidanceDone(callID int64, tok uint64) {
	m.liveInput(callID, func(r *rec, c *call) { m.afterGuidance(r, c, tok) })
}

func (m *Manager) afterGuidance(r *rec, c *call, tok uint64) {
	if c.State != api.CallGuidance || c.guideTok != tok {
		return
	}
	m.stopTimer(c, slotGuidance)
	if c.guidance.Missed != api.ReasonNone {
		m.missed(r, c, endBy(c.guidance))
		return
	}
	if m.menuPending(c) {
		m.startMenu(r, c)
		return
	}
	c.queued = true
	r.reroute = true
}

func (m *Manager) ringTimeout(ch api.Channel) time.Duration {
	if ch.RingTimeoutS > 0 {
		return time.Duration(ch.RingTimeoutS) * time.Second
	}
	return m.ringTO
}

func (m *Manager) maxWaitOf(ch api.Channel) time.Duration {
	if ch.MaxWaitS > 0 {
		return time.Duration(ch.MaxWaitS) * time.Second
	}
	return m.maxWait
}

// callIDOf is c's id (0 for a hypothetical call).
func callIDOf(c *call) int64 {
	if c == nil {
		return 0
	}
	return c.ID
}
