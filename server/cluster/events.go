// Package cluster joins several meetd nodes that share one database
// (Postgres): committed events travel between them over NATS JetStream
// (Events), and nodes hold leases in a NATS key-value bucket so a survivor
// ends the calls of a node that died (Leases).
//
// The database stays the source of truth. Every event is stored before it is
// announced, and event ids are handed out in commit order, so a node that
// sees event n on NATS while its local bus stands at m < n-1 reads m+1…n
// from the database first: the local bus of every node carries every event
// once, in id order, whatever order NATS brought them in, and a node that
// died between its commit and its publish loses nobody an event (the others'
// store poll finds it).
//
//	node A: commit ─▶ Events.Committed ─┬─▶ sequencer ─▶ local bus ─▶ WebSocket, calls, automations
//	                                    └─▶ JetStream "meet.events" ─▶ node B: sequencer ─▶ B's bus
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// Names on the NATS side.
const (
	StreamName   = "MEET_EVENTS"
	EventSubject = "meet.events"
	// HeaderNode names the node that committed an event.
	HeaderNode = "Meet-Node"
)

// ErrNoNode is returned when a node is started without a name.
var ErrNoNode = errors.New("cluster: node name is empty")

// Events relays committed events between nodes. Build it with NewEvents,
// hand its Committed to the store's OnCommit hook, then Run it.
type Events struct {
	js      jetstream.JetStream
	node    string
	deliver func([]api.Event)
	log     *slog.Logger
	poll    time.Duration
	maxAge  time.Duration

	in  chan []api.Event // to the sequencer: local commits and remote events
	pub chan []api.Event // to the publisher: local commits

	last        atomic.Int64 // highest id handed to deliver
	published   atomic.Uint64
	publishLost atomic.Uint64
	remote      atomic.Uint64
	filled      atomic.Uint64
}

// EventsOption configures NewEvents.
type EventsOption func(*Events)

// WithEventsLogger sets the logger.
func WithEventsLogger(l *slog.Logger) EventsOption { return func(e *Events) { e.log = l } }

// WithPoll sets how often the database is checked for events no NATS message
// announced (a node that died between commit and publish; default 1 s).
func WithPoll(d time.Duration) EventsOption { return func(e *Events) { e.poll = d } }

// WithStreamMaxAge bounds how long JetStream keeps events (default 24 h; the
// database keeps them for good).
func WithStreamMaxAge(d time.Duration) EventsOption { return func(e *Events) { e.maxAge = d } }

// NewEvents builds the relay of node over a NATS connection; deliver receives
// every event of the cluster once, in id order (the local bus's Publish).
func NewEvents(nc *nats.Conn, node string, deliver func([]api.Event), opts ...EventsOption) (*Events, error) {
	if node == "" {
		return nil, ErrNoNode
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	e := &Events{js: js, node: node, deliver: deliver, log: slog.Default(), poll: time.Second, maxAge: 24 * time.Hour,
		in: make(chan []api.Event, 8192), pub: make(chan []api.Event, 8192)}
	for _, o := range opts {
		o(e)
	}
	return e, nil
}

// Committed takes the events of one committed transaction (the store's
// OnCommit hook). It never blocks: when a queue is full the event is left
// to the database poll of every node, which finds it.
func (e *Events) Committed(evs []api.Event) {
	if len(evs) == 0 {
		return
	}
	select {
	case e.in <- evs:
	default:
	}
	select {
	case e.pub <- evs:
	default:
		e.publishLost.Add(uint64(len(evs)))
	}
}

// Stats are counters for /metrics and tests.
type Stats struct {
	Last        int64  // highest event id delivered locally
	Published   uint64 // events this node published on NATS
	PublishLost uint64 // events not published (queue full or NATS down); others poll them
	Remote      uint64 // events received from other nodes over NATS
	Filled      uint64 // events read from the database to close a gap
}

// Stats returns the counters.
func (e *Events) Stats() Stats {
	return Stats{Last: e.last.Load(), Published: e.published.Load(), PublishLost: e.publishLost.Load(),
		Remote: e.remote.Load(), Filled: e.filled.Load()}
}

// Run relays until ctx ends: it makes sure the stream exists, starts
// delivering after the newest stored event, consumes other nodes' events
// and publishes this node's.
func (e *Events) Run(ctx context.Context, st store.Store) error {
	if _, err := e.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: StreamName, Subjects: []string{EventSubject}, Storage: jetstream.FileStorage,
		MaxAge: e.maxAge, Duplicates: 2 * time.Minute,
	}); err != nil {
		return fmt.Errorf("event stream: %w", err)
	}
	var newest int64
	if err := st.View(ctx, func(tx store.Tx) (err error) { newest, err = tx.LastEventID(); return }); err != nil {
		return fmt.Errorf("newest event: %w", err)
	}
	e.last.Store(newest)
	cons, err := e.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{EventSubject}, DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		return fmt.Errorf("event consumer: %w", err)
	}
	cc, err := cons.Consume(e.receive)
	if err != nil {
		return fmt.Errorf("event consumer: %w", err)
	}
	defer cc.Stop()
	go e.publishLoop(ctx)
	e.sequence(ctx, st)
	st2 := e.Stats()
	e.log.Info("event relay stopped", "last", st2.Last, "published", st2.Published, "publish_lost", st2.PublishLost,
		"remote", st2.Remote, "filled", st2.Filled)
	return nil
}

// receive takes one NATS message of another node to the sequencer.
func (e *Events) receive(msg jetstream.Msg) {
	if msg.Headers().Get(HeaderNode) == e.node {
		return // delivered at commit already
	}
	var ev api.Event
	if err := json.Unmarshal(msg.Data(), &ev); err != nil || ev.ID <= 0 {
		e.log.Warn("dropping a malformed event message", "err", err, "subject", msg.Subject())
		return
	}
	e.remote.Add(1)
	e.in <- []api.Event{ev} // blocking: NATS flow control holds back the stream, nothing is dropped
}

// sequence hands events to deliver in id order, each once, filling gaps
// from the database.
func (e *Events) sequence(ctx context.Context, st store.Store) {
	tick := time.NewTicker(e.poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case evs := <-e.in:
			e.offer(ctx, st, evs)
		case <-tick.C:
			e.fill(ctx, st, 0)
		}
	}
}

func (e *Events) offer(ctx context.Context, st store.Store, evs []api.Event) {
	var out []api.Event
	for _, ev := range evs {
		last := e.last.Load()
		switch {
		case ev.ID <= last:
			continue
		case ev.ID == last+1:
			out = append(out, ev)
			e.last.Store(ev.ID)
		default:
			// A gap: what lies between is committed (ids follow commit
			// order), so the database has it.
			e.flush(out)
			out = nil
			e.fill(ctx, st, ev.ID)
			if ev.ID > e.last.Load() {
				out = append(out, ev)
				e.last.Store(ev.ID)
			}
		}
	}
	e.flush(out)
}

func (e *Events) flush(evs []api.Event) {
	if len(evs) > 0 {
		e.deliver(evs)
	}
}

const fillPage = 500

// fill delivers stored events after the last delivered one, up to and
// including upTo (0: all there are).
func (e *Events) fill(ctx context.Context, st store.Store, upTo int64) {
	for ctx.Err() == nil {
		last := e.last.Load()
		if upTo > 0 && last >= upTo {
			return
		}
		var evs []api.Event
		err := st.View(ctx, func(tx store.Tx) (err error) { evs, err = tx.EventsSince(last, fillPage); return })
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("reading missed events", "after", last, "err", err)
			}
			return
		}
		if upTo > 0 {
			for i, ev := range evs {
				if ev.ID > upTo {
					evs = evs[:i]
					break
				}
			}
		}
		if len(evs) == 0 {
			return
		}
		e.filled.Add(uint64(len(evs)))
		e.last.Store(evs[len(evs)-1].ID)
		e.deliver(evs)
		if len(evs) < fillPage && upTo == 0 {
			return
		}
	}
}

// publishLoop publishes this node's events, retrying while NATS is away
// (JetStream drops the duplicates by message id).
func (e *Events) publishLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case evs := <-e.pub:
			for backoff := 50 * time.Millisecond; ; backoff = min(2*backoff, 2*time.Second) {
				err := e.publish(ctx, evs)
				if err == nil {
					e.published.Add(uint64(len(evs)))
					break
				}
				if ctx.Err() != nil {
					return
				}
				if backoff >= 2*time.Second && len(e.pub) > cap(e.pub)/2 {
					// NATS has been away a while and the queue fills: leave
					// these to the other nodes' database poll.
					e.publishLost.Add(uint64(len(evs)))
					e.log.Warn("events not published on NATS; other nodes will poll them", "first", evs[0].ID, "err", err)
					break
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(backoff):
				}
			}
		}
	}
}

func (e *Events) publish(ctx context.Context, evs []api.Event) error {
	futs := make([]jetstream.PubAckFuture, 0, len(evs))
	for _, ev := range evs {
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		msg := &nats.Msg{Subject: EventSubject, Data: b, Header: nats.Header{}}
		msg.Header.Set(HeaderNode, e.node)
		msg.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("ev-%d", ev.ID))
		f, err := e.js.PublishMsgAsync(msg)
		if err != nil {
			return err
		}
		futs = append(futs, f)
	}
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, f := range futs {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return err
		case <-tctx.Done():
			return tctx.Err()
		}
	}
	return nil
}
