// Package calls is the call lifecycle of meetd: one state machine per call,
// driven by the SIP trunk (it implements trunk.Handler) and by staff through
// the HTTP API (it implements httpapi.CallControl). It asks server/routing who
// rings, persists every change with its event through store.Store, and drives
// the trunk and the call's room through the Trunk and Media interfaces.
//
// Inbound:  guidance (greeting or out-of-hours) → waiting ⇄ ringing → active → ended
// Outbound: dialing → active → ended
//
// Every call ends through Manager.end, which sets the outcome (answered, or
// missed with notInOperation / noOperator / userLeft / ringTimeout), writes
// call.ended and closes the chat of a missed call with its reason.
//
// Concurrency: one mutex guards every call's state. The state changes under
// it and its store writes (one transaction per input, events included) are
// recorded there, then written in the order they were recorded without
// holding it (commit/flush), so the store never holds up other inputs;
// Inbound creates a call in one transaction before the call becomes live.
// Trunk and media calls never run under it. They run on
// the effect queue, in order per call and in parallel across calls, so the
// trunk may call the Handler methods from any goroutine and Media may call a
// guidance's done from inside PlayGuidance. HandleEvents only queues work:
// it may be called from a store's OnCommit hook.
//
// Wiring: m := calls.New(store, trunk, media, calls.WithLogger(l)); pass m to
// trunk.New as its Handler and to httpapi as its CallControl; feed committed
// events to m.HandleEvents; call m.Close on shutdown. New ends calls a
// previous run left unfinished in the store.
package calls

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// Trunk is the SIP side (implemented by server/trunk).
type Trunk interface {
	EarlyMedia(callID int64) error            // 183 Session Progress with SDP: guidance can play before answer
	Answer(callID int64) error                // 200 OK to the inbound INVITE
	Dial(callID int64, from, to string) error // outbound INVITE; result arrives as OutboundAnswered / OutboundFailed
	Hangup(callID int64, detail string)       // BYE, CANCEL or a final error response, whatever fits the dialog state
}

// Media is the room side (implemented by server/room + glue).
type Media interface {
	OpenRoom(callID int64) error
	CloseRoom(callID int64)
	PlayGuidance(callID, channelID int64, kind api.GuidanceKind, loop bool, done func()) // into the caller's leg; done after one play when !loop (at once when none is set)
	StopGuidance(callID int64)
	Attach(callID, staffID int64, mode api.JoinMode) error // re-point the staff's persistent peer connection into the room
	Detach(callID, staffID int64)
	Online(staffID int64) bool // softphone peer connection connected
	// StartRecording records what the room hears to rec.Path; done is
	// called once when it ends (bounds, StopRecording or CloseRoom).
	StartRecording(callID int64, rec Recording, done func(RecordingResult)) error
	StopRecording(callID int64)
	// AddTrunkLeg bridges trunk call legID (dialled for an external
	// transfer) into callID's room; RemoveTrunkLeg takes it out.
	AddTrunkLeg(callID, legID int64) error
	RemoveTrunkLeg(callID, legID int64)
}

// Claims make a member's ring or call exclusive across the nodes of a
// cluster (cluster.StaffClaims, a compare-and-set in NATS KV): a node rings
// or seats a member only while it holds their claim for that call. On a
// single meetd there are none: the maps under Manager.mu are the whole truth.
type Claims interface {
	// Ring takes staffID for callID unless another call (on any node)
	// holds them; true when held for callID now.
	Ring(staffID, callID int64) bool
	// Seat takes staffID for callID whatever they held (accepting or
	// joining a call leaves the one before, wherever it runs).
	Seat(staffID, callID int64)
	// Release gives staffID's claim up if it is held for callID.
	Release(staffID, callID int64)
	// Elsewhere reports whether another call than callID holds staffID
	// (a view that may lag; Ring decides).
	Elsewhere(staffID, callID int64) bool
}

// Defaults used when a channel leaves a setting at zero, and for the timers
// that have no channel setting.
const (
	DefaultRingTimeout       = 30 * time.Second
	DefaultMaxWait           = 120 * time.Second
	DefaultMemberRingTimeout = 15 * time.Second
	DefaultGuidanceTimeout   = 2 * time.Minute
	DefaultDialTimeout       = 60 * time.Second
	DefaultRecheckInterval   = 10 * time.Second
)

// Manager runs every live call of this meetd. It is safe for concurrent use.
type Manager struct {
	st    store.Store
	trunk Trunk
	media Media
	clock Clock
	log   *slog.Logger
	node  string // cluster node name stamped on calls created here ("" on a single meetd)
	claim Claims // nil on a single meetd
	// stampAt, when set (with mu held), is the time end and its helpers
	// stamp instead of the clock's: recovering a crashed node's calls
	// stamps them with its last heartbeat.
	stampAt time.Time

	memberRing   time.Duration
	guidanceTO   time.Duration
	dialTO       time.Duration
	recheckEvery time.Duration
	ringTO       time.Duration
	maxWait      time.Duration
	recDir       string // voicemails and recordings; "" takes none

	q        *queue
	reevalQd atomic.Bool // a Reevaluate is queued

	w writer // store writes in the order records were made under mu (see flush)
	r reader // store reads of Inbound, off the INVITE's goroutine (see reader)

	mu        sync.Mutex
	closed    bool
	seq       uint64
	calls     map[int64]*call     // live calls
	inCall    map[int64]int64     // staff → the call they take part in
	ringing   map[int64]int64     // staff → the call ringing for them
	lastEnded map[int64]time.Time // staff → when their last call ended
	cursor    map[int64]int64     // team → member rung last (round-robin)
}

// Option configures New.
type Option func(*Manager)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(m *Manager) { m.log = l } }

// WithNode names this meetd in a cluster: calls created here carry the
// name, and only they count as this node's unfinished calls at start.
func WithNode(name string) Option { return func(m *Manager) { m.node = name } }

// WithClaims makes rings and seats exclusive across a cluster's nodes.
func WithClaims(c Claims) Option { return func(m *Manager) { m.claim = c } }

// WithClock sets the clock (default SystemClock()).
func WithClock(c Clock) Option { return func(m *Manager) { m.clock = c } }

// WithMemberRingTimeout sets how long one member rings under auto-assignment
// before the next one is tried (default 15 s; never past the channel's ring timeout).
func WithMemberRingTimeout(d time.Duration) Option { return func(m *Manager) { m.memberRing = d } }

// WithGuidanceTimeout bounds one guidance play whose done never comes (default 2 min).
func WithGuidanceTimeout(d time.Duration) Option { return func(m *Manager) { m.guidanceTO = d } }

// WithDialTimeout bounds an outbound call that is neither answered nor failed (default 60 s).
func WithDialTimeout(d time.Duration) Option { return func(m *Manager) { m.dialTO = d } }

// WithRecheckInterval sets how often a waiting call looks for staff again on
// its own (default 10 s; 0 turns it off and relies on HandleEvents alone).
func WithRecheckInterval(d time.Duration) Option { return func(m *Manager) { m.recheckEvery = d } }

// WithChannelDefaults sets the ring timeout and max wait used for channels that
// leave them at zero (defaults 30 s and 120 s).
func WithChannelDefaults(ringTimeout, maxWait time.Duration) Option {
	return func(m *Manager) { m.ringTO, m.maxWait = ringTimeout, maxWait }
}

// New builds a Manager over a store, the trunk and the media side. A nil
// trunk or media stands for "not configured": calls then end or fail with
// unavailable instead of panicking. Call Close to end live calls.
func New(st store.Store, trunk Trunk, media Media, opts ...Option) *Manager {
	if trunk == nil {
		trunk = noTrunk{}
	}
	if media == nil {
		media = noMedia{}
	}
	m := &Manager{
		st: st, trunk: trunk, media: media, clock: SystemClock(), log: slog.Default(),
		memberRing: DefaultMemberRingTimeout, guidanceTO: DefaultGuidanceTimeout, dialTO: DefaultDialTimeout,
		recheckEvery: DefaultRecheckInterval,
		ringTO:       DefaultRingTimeout, maxWait: DefaultMaxWait,
		calls: map[int64]*call{}, inCall: map[int64]int64{}, ringing: map[int64]int64{},
		lastEnded: map[int64]time.Time{}, cursor: map[int64]int64{},
	}
	for _, o := range opts {
		o(m)
	}
	m.q = newQueue()
	m.w = writer{workers: 1, batch: maxBatch, run: m.writeBatch}
	m.r = reader{workers: maxReaders, batch: 1, run: m.readBatch}
	m.recoverStale()
	return m
}

// recoverStale ends the calls a previous run of this node left unfinished
// in the store (a crash or a kill): their trunk dialogs and rooms are gone,
// so they end at once through the one end function, "meetd restarted", and
// missed inbound ones close their chats with noOperator.
func (m *Manager) recoverStale() {
	n, err := m.endOrphans(context.Background(), m.node, endFor(causeRestart, "meetd restarted"))
	if err == nil {
		m.beat(context.Background()) // alive from here on
	}
	if err != nil {
		m.log.Error("listing unfinished calls failed", "err", err)
		return
	}
	if n > 0 {
		m.log.Warn("ended calls left unfinished by a previous run", "count", n)
	}
}

// EndNodeCalls ends the live calls another cluster node owned, after that
// node died (its lease ran out): through the one end function, missed
// inbound ones with nodeLost, every one with end detail "nodeLost". It
// returns how many it ended.
func (m *Manager) EndNodeCalls(ctx context.Context, node string) (int, error) {
	if node == "" || node == m.node {
		return 0, api.Errorf(api.CodeBadRequest, "node %q is not another node", node)
	}
	return m.endOrphans(ctx, node, endFor(causeNodeLost, string(api.ReasonNodeLost)))
}

// endOrphans ends the live calls of node whose trunk dialog and room are
// gone (that node crashed): they are adopted and ended at once.
func (m *Manager) endOrphans(ctx context.Context, node string, e ending) (int, error) {
	var live []api.Call
	err := m.st.View(ctx, func(tx store.Tx) error {
		var err error
		live, err = tx.LiveCalls(0)
		return err
	})
	if err != nil {
		return 0, err
	}
	var stale []api.Call
	for _, c := range live {
		if c.Node == node {
			stale = append(stale, c)
		}
	}
	if len(stale) == 0 {
		return 0, nil
	}
	var lastAlive time.Time
	if err := m.st.View(ctx, func(tx store.Tx) (err error) { lastAlive, err = tx.LastBeat(node); return }); err != nil {
		m.log.Warn("reading the last heartbeat failed: stamping orphaned calls with the time now", "node", node, "err", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	defer func() { m.stampAt = time.Time{} }()
	r := m.newRec()
	for _, sc := range stale {
		if _, mine := m.calls[sc.ID]; mine {
			continue // live here: not an orphan
		}
		// The call ended when its node was last known alive (not now, which
		// would count the downtime as waiting or talking), but never before
		// what is already recorded of it.
		m.stampAt = time.Time{}
		if !lastAlive.IsZero() {
			m.stampAt = maxTime(lastAlive, latestStamp(sc))
		}
		c := m.register(sc, api.Channel{ID: sc.ChannelID})
		c.trunkGone = true
		for _, a := range sc.RingAttempts {
			if a.Ended == nil {
				c.ringing[a.StaffID] = true
			}
		}
		for _, p := range sc.Participants {
			if p.Left == nil {
				c.parts[p.StaffID] = p.Mode
			}
		}
		m.end(r, c, e, true)
	}
	r.reroute = false
	return len(stale), m.commit(ctx, r)
}

// now is the time state changes are stamped with (see stampAt).
func (m *Manager) now() time.Time {
	if !m.stampAt.IsZero() {
		return m.stampAt
	}
	return m.clock.Now()
}

// HeartbeatInterval is how often RunHeartbeat records that this node is alive.
const HeartbeatInterval = 5 * time.Second

// RunHeartbeat records every interval that this node is alive (one row
// upserted in its own small transaction), until ctx ends. After a crash,
// recoverStale stamps the calls left unfinished with the last beat.
func (m *Manager) RunHeartbeat(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = HeartbeatInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.beat(ctx)
		}
	}
}

func (m *Manager) beat(ctx context.Context) {
	at := m.clock.Now()
	if err := m.st.Update(ctx, func(tx store.Tx) error { return tx.Beat(m.node, at) }); err != nil && ctx.Err() == nil {
		m.log.Warn("heartbeat not recorded", "node", m.node, "err", err)
	}
}

// latestStamp is the newest moment recorded on a call.
func latestStamp(c api.Call) time.Time {
	t := c.Created
	for _, p := range []*time.Time{c.FirstWaitingStarted, c.FirstRingStarted, c.Answered} {
		if p != nil {
			t = maxTime(t, *p)
		}
	}
	for _, a := range c.RingAttempts {
		t = maxTime(t, a.Started)
		if a.Ended != nil {
			t = maxTime(t, *a.Ended)
		}
	}
	for _, p := range c.Participants {
		t = maxTime(t, p.Joined)
		if p.Left != nil {
			t = maxTime(t, *p.Left)
		}
	}
	return t
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Close ends every live call ("server shutting down"), waits for the trunk
// and media side effects to run and stops the worker. Later inbound calls are
// refused with unavailable.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	r := m.newRec()
	for _, c := range m.sortedCalls() {
		m.end(r, c, endFor(causeShutdown, "server shutting down"), false)
	}
	m.commit(context.Background(), r)
	m.mu.Unlock()
	m.q.close()
	return nil
}

// LiveCalls returns a snapshot of the calls in progress, oldest first.
func (m *Manager) LiveCalls() []api.Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]api.Call, 0, len(m.calls))
	for _, c := range m.sortedCalls() {
		out = append(out, c.snapshot())
	}
	return out
}

// Call returns a live call's current state.
func (m *Manager) Call(callID int64) (api.Call, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.calls[callID]
	if !ok {
		return api.Call{}, false
	}
	return c.snapshot(), true
}
