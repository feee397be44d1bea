package calls

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// TestSimulation drives many staff and calls over simulated days with random
// joins, hang-ups, dnd flips, chat closes and reconnects, checking the
// invariants of the lifecycle after every step.
func TestSimulation(t *testing.T) {
	steps := 4000
	if testing.Short() {
		steps = 800
	}
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			runSimulation(t, newMemStore(), seed, steps, !testing.Short())
		})
	}
}

type sim struct {
	t       *testing.T
	e       *env
	rng     *rand.Rand
	staff   []int64
	sup     map[int64]bool
	numbers []string // channel numbers (ring-all, auto-assign)
	callIDs []int64
}

// runSimulation runs steps random inputs; coverage demands that every kind of
// outcome happened (long runs only).
func runSimulation(t *testing.T, st store.Store, seed uint64, steps int, coverage bool) {
	e := newEnv(t, st, "", nil, WithMemberRingTimeout(8*time.Second))
	s := &sim{t: t, e: e, rng: rand.New(rand.NewPCG(seed, seed*7919)), sup: map[int64]bool{}}
	// Channel 2: auto-assign round robin, office hours in New York.
	var ch2 api.Channel
	must(t, st.Update(e.ctx, func(tx store.Tx) error {
		ch2 = api.Channel{Name: "sales", Timezone: "America/New_York", Numbers: []string{"+12125550100"}, RingTimeoutS: 25, MaxWaitS: 90,
			Hours: api.Hours{Weekly: []api.Span{{Day: 1, Start: "08:00", End: "20:00"}, {Day: 2, Start: "08:00", End: "20:00"},
				{Day: 3, Start: "08:00", End: "20:00"}, {Day: 4, Start: "08:00", End: "20:00"}, {Day: 5, Start: "22:00", End: "06:00"}}}}
		if err := tx.CreateChannel(&ch2); err != nil {
			return err
		}
		if err := tx.AddNumber(ch2.ID, ch2.Numbers[0]); err != nil {
			return err
		}
		team := api.Team{ChannelID: ch2.ID, Name: "sales", AutoAssign: true, Strategy: api.StrategyRoundRobin}
		if err := tx.CreateTeam(&team); err != nil {
			return err
		}
		ch2.AutoAssignTeamID = &team.ID
		return tx.UpdateChannel(&ch2)
	}))
	s.numbers = []string{e.ch.Numbers[0], ch2.Numbers[0]}
	for i := range 12 {
		role := api.RoleOperator
		if i%5 == 0 {
			role = api.RoleSupervisor
		}
		id := e.addStaff(t, fmt.Sprint("s", i), role)
		s.sup[id] = role == api.RoleSupervisor
		if i%2 == 0 { // half the staff also work the sales channel, and are in its team
			must(t, st.Update(e.ctx, func(tx store.Tx) error {
				if err := tx.AddStaffChannel(id, ch2.ID); err != nil {
					return err
				}
				return tx.AddTeamMember(*ch2.AutoAssignTeamID, id)
			}))
		}
		s.staff = append(s.staff, id)
	}
	for step := range steps {
		d := time.Duration(s.rng.IntN(20)) * time.Second
		if s.rng.IntN(60) == 0 { // nights and lunch breaks: days pass in the simulation
			d = time.Duration(1+s.rng.IntN(180)) * time.Minute
		}
		s.e.clock.Advance(d)
		s.e.drain()
		s.act()
		s.e.drain()
		s.check(step)
		if t.Failed() {
			t.Fatalf("invariant broken at step %d (seed %d)", step, seed)
		}
	}
	t.Logf("simulated %s", s.e.clock.Now().Sub(t0).Round(time.Minute))
	must(t, s.e.m.Close())
	s.checkEnded(coverage)
}

func (s *sim) pick(ids []int64) int64 { return ids[s.rng.IntN(len(ids))] }

// live returns the live calls by state.
func (s *sim) live(states ...api.CallState) []api.Call {
	var out []api.Call
	for _, c := range s.e.m.LiveCalls() {
		if slices.Contains(states, c.State) {
			out = append(out, c)
		}
	}
	return out
}

// ok fails the test on errors that are not the expected kind of refusal.
func (s *sim) ok(what string, err error) {
	if err == nil {
		return
	}
	switch api.CodeOf(err) {
	case api.CodeConflict, api.CodeInvalidTransition, api.CodeForbidden, api.CodeUnavailable:
		return
	}
	s.t.Errorf("%s: unexpected error %v", what, err)
}

func (s *sim) act() {
	e, ctx := s.e, s.e.ctx
	switch n := s.rng.IntN(100); {
	case n < 22: // a customer calls
		id, err := e.m.Inbound(ctx, fmt.Sprintf("+4917%06d", s.rng.IntN(300)), s.numbers[s.rng.IntN(2)])
		s.ok("inbound", err)
		s.callIDs = append(s.callIDs, id)
	case n < 40: // someone picks up a ringing call
		if cs := s.live(api.CallRinging); len(cs) > 0 {
			c := cs[s.rng.IntN(len(cs))]
			var rung []int64
			for _, a := range c.RingAttempts {
				if a.Ended == nil {
					rung = append(rung, a.StaffID)
				}
			}
			if len(rung) > 0 {
				_, err := e.m.Accept(ctx, s.pick(rung), c.ID)
				s.ok("accept", err)
			}
		}
	case n < 45: // decline
		if cs := s.live(api.CallRinging); len(cs) > 0 {
			c := cs[s.rng.IntN(len(cs))]
			for _, a := range c.RingAttempts {
				if a.Ended == nil {
					s.ok("decline", e.m.Decline(ctx, a.StaffID, c.ID))
					break
				}
			}
		}
	case n < 52: // join an answered call
		if cs := s.live(api.CallActive); len(cs) > 0 {
			mode := api.ModeTalk
			who := s.pick(s.staff)
			if s.sup[who] {
				mode = []api.JoinMode{api.ModeListen, api.ModeWhisper, api.ModeBarge}[s.rng.IntN(3)]
			}
			_, err := e.m.Join(ctx, who, cs[s.rng.IntN(len(cs))].ID, mode)
			s.ok("join", err)
		}
	case n < 65: // a participant hangs up or leaves
		if cs := s.live(api.CallActive, api.CallDialing); len(cs) > 0 {
			c := cs[s.rng.IntN(len(cs))]
			for _, p := range c.Participants {
				if p.Left == nil {
					if s.rng.IntN(2) == 0 {
						s.ok("hangup", e.m.Hangup(ctx, p.StaffID, c.ID))
					} else {
						s.ok("leave", e.m.Leave(ctx, p.StaffID, c.ID))
					}
					break
				}
			}
		}
	case n < 72: // a caller gives up
		if cs := s.live(api.CallWaiting, api.CallRinging, api.CallActive, api.CallGuidance); len(cs) > 0 {
			e.m.CallerHungUp(cs[s.rng.IntN(len(cs))].ID, "")
		}
	case n < 77: // dnd flip
		id := s.pick(s.staff)
		e.settings(s.t, id, func(st *api.Settings) { st.DND = !st.DND })
	case n < 82: // a softphone disconnects or reconnects
		id := s.pick(s.staff)
		e.media.setOnline(id, !e.media.Online(id))
		e.m.HandleEvents([]api.Event{{Type: api.EvStaffPresence, StaffID: id}})
	case n < 93: // wrap-up done: close or snooze an opened chat
		var chats []int64
		must(s.t, e.st.View(ctx, func(tx store.Tx) error {
			l, err := tx.SearchChats(api.ChatQuery{State: api.ChatOpened}, nil)
			for _, c := range l.Chats {
				chats = append(chats, c.ID)
			}
			return err
		}))
		if len(chats) > 0 {
			slices.Sort(chats)
			st := []api.ChatState{api.ChatClosed, api.ChatSnoozed}[s.rng.IntN(2)]
			e.setChatState(s.t, s.pick(chats), st)
		}
	case n < 96: // an operator dials out
		res, err := e.m.Dial(ctx, s.pick(s.staff), e.ch.ID, fmt.Sprintf("+4930%06d", s.rng.IntN(1000)))
		s.ok("dial", err)
		if err == nil {
			s.callIDs = append(s.callIDs, res.Call.ID)
		}
	default: // the far end of an outbound call answers or fails
		if cs := s.live(api.CallDialing); len(cs) > 0 {
			c := cs[s.rng.IntN(len(cs))]
			if s.rng.IntN(3) == 0 {
				e.m.OutboundFailed(c.ID, "486 busy")
			} else {
				e.m.OutboundAnswered(c.ID)
			}
		}
	}
}

// check asserts the invariants that hold between any two inputs.
func (s *sim) check(step int) {
	m := s.e.m
	m.mu.Lock()
	ringingCalls := map[int64][]int64{}
	inCalls := map[int64][]int64{}
	type waiting struct {
		c *call
		v *channelView
	}
	var idle []waiting
	views := map[int64]*channelView{}
	for _, c := range m.sortedCalls() {
		for id := range c.ringing {
			ringingCalls[id] = append(ringingCalls[id], c.ID)
			if m.ringing[id] != c.ID {
				s.t.Errorf("step %d: call %d rings %d but the index says %d", step, c.ID, id, m.ringing[id])
			}
		}
		for id := range c.parts {
			inCalls[id] = append(inCalls[id], c.ID)
			if m.inCall[id] != c.ID {
				s.t.Errorf("step %d: %d takes part in call %d but the index says %d", step, id, c.ID, m.inCall[id])
			}
		}
		if c.State == api.CallWaiting || (c.State == api.CallRinging && c.mode == 1) {
			v, ok := views[c.ChannelID]
			if !ok {
				var err error
				v, err = m.loadChannel(s.e.ctx, c.ChannelID)
				must(s.t, err)
				views[c.ChannelID] = v
			}
			idle = append(idle, waiting{c, v})
		}
	}
	for id, cs := range ringingCalls {
		if len(cs) > 1 {
			s.t.Errorf("step %d: staff %d rings for calls %v at once", step, id, cs)
		}
		if _, busy := m.inCall[id]; busy {
			s.t.Errorf("step %d: staff %d rings while in call %d", step, id, m.inCall[id])
		}
	}
	for id, cs := range inCalls {
		if len(cs) > 1 {
			s.t.Errorf("step %d: staff %d is in calls %v at once", step, id, cs)
		}
	}
	for id, c := range m.ringing {
		if _, ok := m.calls[c]; !ok {
			s.t.Errorf("step %d: staff %d rings for ended call %d", step, id, c)
		}
	}
	// No waiting call is left behind while someone eligible is idle, and a
	// ring-all call rings everyone eligible.
	for _, w := range idle {
		d := m.decide(w.v, w.c)
		if !d.InOperation {
			continue
		}
		for _, id := range d.Eligible {
			if !w.c.ringing[id] {
				s.t.Errorf("step %d: call %d (%s) does not ring eligible idle staff %d", step, w.c.ID, w.c.State, id)
			}
		}
	}
	m.mu.Unlock()
	// The room agrees: nobody's softphone is attached to two calls.
	s.e.media.mu.Lock()
	where := map[int64]int64{}
	for callID, staff := range s.e.media.attached {
		for id := range staff {
			if other, ok := where[id]; ok {
				s.t.Errorf("step %d: staff %d attached to rooms %d and %d", step, id, other, callID)
			}
			where[id] = callID
		}
	}
	s.e.media.mu.Unlock()
}

// checkEnded asserts, after Close, that every call ended exactly once with
// one outcome and that missed calls closed their chats with the reason.
func (s *sim) checkEnded(coverage bool) {
	e := s.e
	outcomes := map[string]int{}
	must(s.t, e.st.View(e.ctx, func(tx store.Tx) error {
		for _, id := range s.callIDs {
			if id == 0 {
				continue
			}
			c, err := tx.Call(id)
			if err != nil {
				return err
			}
			evs, err := tx.CallEvents(id)
			if err != nil {
				return err
			}
			if n := countType(evs, api.EvCallEnded); n != 1 || c.State != api.CallEnded || c.Ended == nil {
				s.t.Errorf("call %d: state %s, call.ended written %d times", id, c.State, n)
			}
			answered := c.Answered != nil
			switch {
			case answered && c.MissedReason != "":
				s.t.Errorf("call %d answered and missed (%s)", id, c.MissedReason)
			case c.Direction == api.Inbound && !answered && !c.MissedReason.Valid():
				s.t.Errorf("inbound call %d neither answered nor missed", id)
			case c.Direction == api.Outbound && c.MissedReason != "":
				s.t.Errorf("outbound call %d has a missed reason", id)
			}
			for _, a := range c.RingAttempts {
				if a.Ended == nil || a.Outcome == api.RingPending {
					s.t.Errorf("call %d: ring attempt %+v never ended", id, a)
				}
			}
			for _, p := range c.Participants {
				if p.Left == nil {
					s.t.Errorf("call %d: participant %d never left", id, p.StaffID)
				}
			}
			if c.MissedReason != "" {
				ch, err := tx.Chat(c.ChatID)
				if err != nil {
					return err
				}
				if ch.State != api.ChatClosed || !ch.Missed || ch.MissedReason != c.MissedReason {
					s.t.Errorf("missed call %d: chat %d is %s missed=%v reason %q", id, ch.ID, ch.State, ch.Missed, ch.MissedReason)
				}
			}
			key := string(c.Direction) + "/" + string(c.MissedReason)
			if answered {
				key = string(c.Direction) + "/answered"
			}
			outcomes[key]++
		}
		return nil
	}))
	s.t.Logf("outcomes: %v", outcomes)
	for _, want := range coverageOf(coverage) {
		if outcomes[want] == 0 {
			s.t.Errorf("the simulation never produced %s: %v", want, outcomes)
		}
	}
	if len(e.m.inCall) != 0 || len(e.m.ringing) != 0 || len(e.m.calls) != 0 {
		s.t.Errorf("after Close: in call %v ringing %v live %d", e.m.inCall, e.m.ringing, len(e.m.calls))
	}
}

func coverageOf(on bool) []string {
	if !on {
		return nil
	}
	return []string{"inbound/answered", "inbound/userLeft", "inbound/ringTimeout", "inbound/notInOperation", "inbound/noOperator", "outbound/answered"}
}
