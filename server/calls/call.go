package calls

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/ivr"
	"github.com/meet-dev/meet/server/routing"
	"github.com/meet-dev/meet/server/store"
)

// timer slots of a call.
type slot int

const (
	slotRing     slot = iota // overall ring timeout (ringTimeout)
	slotMember               // one member's ring under auto-assignment
	slotWait                 // max wait (noOperator)
	slotGuidance             // a guidance whose done never came
	slotDial                 // outbound not answered
	slotRecheck              // a waiting call looks for staff again (missed events, other processes)
	slotMenu                 // no key pressed after a menu prompt
	numSlots
)

// call is one live call: the persisted api.Call plus what the state machine
// needs in memory. It is guarded by Manager.mu.
type call struct {
	api.Call
	seq       uint64
	channel   api.Channel
	queued    bool            // looking for staff (waiting or ringing)
	guidance  routing.Outcome // the guidance playing; its Missed ends the call once played, else it routes
	guideTok  uint64          // identifies the current guidance play
	early     bool            // 183 sent
	music     bool            // wait guidance looping
	trunkGone bool            // the trunk side already ended (BYE/CANCEL/failure)
	ringing   map[int64]bool  // staff rung right now
	tried     map[int64]api.RingOutcome
	parts     map[int64]api.JoinMode // staff taking part now
	ringDue   time.Time              // first ring + ring timeout
	timers    [numSlots]Timer
	toks      [numSlots]uint64
	tok       uint64
	lastElig  *api.Eligibility // last recorded eligibility, to record changes only
	mode      routing.Mode
	ivr       ivrState   // the caller's way through the channel's menu (menu.go)
	vm        *vmState   // voicemail being taken (voicemail.go)
	xfer      *xferState // transfer in progress (transfer.go)
	bridged   int64      // trunk call of a completed external transfer, bridged in the room
}

// ivrState is a call's part in the channel's IVR menu.
type ivrState struct {
	st     ivr.State
	done   bool  // the menu decided (or the channel has none)
	target int64 // team chosen in the menu, 0 when none
}

func (c *call) snapshot() api.Call {
	s := c.Call
	s.Participants = slices.Clone(c.Participants)
	s.RingAttempts = slices.Clone(c.RingAttempts)
	if c.xfer != nil {
		t := c.xfer.Transfer
		s.Transfer = &t
	}
	return s
}

// rec collects one input's store writes (run in one transaction, events
// included) and its side effects (run on the queue after the commit).
type rec struct {
	ops     []func(store.Tx) error
	effects []effect
	reroute bool // staff may have become free or a call needs routing
}

func (m *Manager) newRec() *rec { return &rec{} }

func (r *rec) do(op func(store.Tx) error) { r.ops = append(r.ops, op) }

// effect queues f on the lane of call lane, after the commit.
func (r *rec) effect(lane int64, f func()) { r.effects = append(r.effects, effect{lane, f}) }

type effect struct {
	lane int64
	f    func()
}

// event appends an event about call c.
func (m *Manager) event(r *rec, c *call, typ api.EventType, staffID, actorID int64, data any) {
	e := api.Event{Type: typ, At: m.now().UTC(), ChannelID: c.ChannelID, ChatID: c.ChatID, CallID: c.ID,
		StaffID: staffID, ActorID: actorID, Data: mustJSON(data)}
	r.do(func(tx store.Tx) error { return tx.Append(&e) })
}

func mustJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// saveCall writes the call row as it is now.
func (m *Manager) saveCall(r *rec, c *call) {
	snap := c.snapshot()
	r.do(func(tx store.Tx) error { return tx.UpdateCall(&snap) })
}

// commit writes r's operations in one transaction and queues its effects;
// while it asks for rerouting, routes every waiting call (in arrival order)
// and commits again. Storage errors are logged: a live call goes on.
//
// The caller holds m.mu; commit releases it while the store is written and
// takes it again before it returns (see flush), so callers must not rely on
// state read before the commit.
//
// Every record routing makes is flushed: the rounds are bounded (8), and a
// record that still asks for rerouting after the last one queues a
// Reevaluate instead of another round. (The last round's record used to be
// dropped unflushed: under load, calls ended by it — max wait passed while
// the writer worked — stayed live in the store.)
func (m *Manager) commit(ctx context.Context, r *rec) error {
	var first error
	for round := 1; ; round++ {
		if err := m.flush(ctx, r); err != nil && first == nil {
			first = err
		}
		if !r.reroute || m.closed {
			return first
		}
		if round == maxRerouteRounds {
			if m.reevalQd.CompareAndSwap(false, true) {
				m.q.push(laneGeneral, m.Reevaluate)
			}
			return first
		}
		*r = rec{}
		m.routeAll(r)
	}
}

// maxRerouteRounds bounds the routing rounds one commit runs.
const maxRerouteRounds = 8

// flush writes r's operations and then queues its effects, in the order
// the records were made under m.mu (see writer), but without holding m.mu
// while the store works: the in-memory state is already changed, so other
// inputs go on meanwhile, and the store and the effect lanes see every
// record in the order the state changed.
func (m *Manager) flush(_ context.Context, r *rec) error {
	if len(r.ops) == 0 && len(r.effects) == 0 {
		return nil
	}
	req := &writeReq{ops: r.ops, effects: r.effects, done: make(chan error, 1)}
	m.submit(req)
	m.mu.Unlock()
	defer m.mu.Lock()
	return <-req.done
}

// inOrder runs fn, a store write made under m.mu outside a rec, in its
// turn among the records flushed so far. The caller holds m.mu and keeps
// it (the writer never needs m.mu).
func (m *Manager) inOrder(fn func() error) error {
	req := &writeReq{solo: fn, done: make(chan error, 1)}
	m.submit(req)
	return <-req.done
}

// startTimer arms slot s of c; fire runs under the manager's lock unless the
// slot was re-armed or stopped meanwhile.
func (m *Manager) startTimer(c *call, s slot, d time.Duration, fire func(r *rec)) {
	m.stopTimer(c, s)
	c.tok++
	tok := c.tok
	c.toks[s] = tok
	id := c.ID
	c.timers[s] = m.clock.AfterFunc(d, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		c, ok := m.calls[id]
		if !ok || c.toks[s] != tok {
			return
		}
		c.timers[s], c.toks[s] = nil, 0
		r := m.newRec()
		fire(r)
		m.commit(context.Background(), r)
	})
}

func (m *Manager) stopTimer(c *call, s slot) {
	if c.timers[s] != nil {
		c.timers[s].Stop()
	}
	c.timers[s], c.toks[s] = nil, 0
}

func (m *Manager) sortedCalls() []*call {
	out := make([]*call, 0, len(m.calls))
	for _, c := range m.calls {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *call) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

func ptrTime(t time.Time) *time.Time { return &t }
func ptrInt(v int64) *int64          { return &v }
