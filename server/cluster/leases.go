package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// LeaseBucket is the NATS key-value bucket of node leases.
const LeaseBucket = "meet_nodes"

// ErrFenced says another node took this node's lease over (it was presumed
// dead and its calls were ended): the node must stop, and start afresh.
var ErrFenced = errors.New("cluster: this node's lease was taken over by another node")

// Lease states.
const (
	leaseLive    = "live"
	leaseReaping = "reaping" // a survivor is ending the dead node's calls
)

// lease is one key of the bucket, keyed by node name. Expiry is judged on
// the reader's clock: nodes must keep their clocks in step (NTP) to well
// under the TTL.
type lease struct {
	Node    string    `json:"node"`
	State   string    `json:"state"`
	By      string    `json:"by,omitempty"` // the reaping node
	Expires time.Time `json:"expires"`
}

// Leases keeps this node's lease alive and ends the calls of nodes whose
// lease ran out. Exactly one survivor ends a dead node's calls: it claims
// the dead lease with a compare-and-set on its revision first.
type Leases struct {
	js       jetstream.JetStream
	kv       jetstream.KeyValue
	node     string
	st       store.Store
	endCalls func(ctx context.Context, node string) (int, error)
	ttl      time.Duration
	every    time.Duration
	now      func() time.Time
	log      *slog.Logger
	rev      uint64 // revision of this node's last write
	onLost   func(node string, calls int)
	// judgeAfter holds reaping back after this node could not renew: the
	// others may have been cut off from NATS as well, and need a TTL to renew.
	judgeAfter time.Time
}

// LeasesOption configures NewLeases.
type LeasesOption func(*Leases)

// WithLeaseTTL sets how long a lease lasts without renewal (default 6 s) and
// how often it is renewed and the others checked (default TTL/4).
func WithLeaseTTL(ttl time.Duration) LeasesOption {
	return func(l *Leases) { l.ttl, l.every = ttl, ttl/4 }
}

// WithLeasesLogger sets the logger.
func WithLeasesLogger(lg *slog.Logger) LeasesOption { return func(l *Leases) { l.log = lg } }

// WithOnNodeLost is told when this node ended a dead node's calls (tests, metrics).
func WithOnNodeLost(f func(node string, calls int)) LeasesOption {
	return func(l *Leases) { l.onLost = f }
}

// NewLeases builds the lease keeper of node. endCalls ends a dead node's
// live calls (calls.Manager.EndNodeCalls); st lists which nodes own live
// calls, so calls of a node that has no lease at all are ended too.
func NewLeases(nc *nats.Conn, node string, st store.Store, endCalls func(ctx context.Context, node string) (int, error), opts ...LeasesOption) (*Leases, error) {
	if node == "" {
		return nil, ErrNoNode
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	l := &Leases{js: js, node: node, st: st, endCalls: endCalls, ttl: 6 * time.Second, every: 1500 * time.Millisecond,
		now: time.Now, log: slog.Default(), onLost: func(string, int) {}}
	for _, o := range opts {
		o(l)
	}
	return l, nil
}

// openKV opens (creating or updating) the key-value bucket name: the
// latest value of each key only, kept on disk by the NATS servers.
func openKV(ctx context.Context, js jetstream.JetStream, name, description string) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, History: 1,
		Storage: jetstream.FileStorage, Description: description})
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	return kv, nil
}

// nodeKV opens bucket name (what it holds in description) for node: the
// JetStream context and the bucket.
func nodeKV(ctx context.Context, nc *nats.Conn, node, name, description string) (jetstream.JetStream, jetstream.KeyValue, error) {
	if node == "" {
		return nil, nil, ErrNoNode
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	kv, err := openKV(ctx, js, name, description)
	return js, kv, err
}

// openLeases opens the node lease bucket (Leases writes it, Presence reads
// it to tell a live holder from a dead one).
func openLeases(ctx context.Context, js jetstream.JetStream) (jetstream.KeyValue, error) {
	return openKV(ctx, js, LeaseBucket, "meetd node leases")
}

// Register opens the bucket and takes this node's lease. Call it before the
// node takes calls: a node with live calls and no lease counts as dead.
func (l *Leases) Register(ctx context.Context) error {
	kv, err := openLeases(ctx, l.js)
	if err != nil {
		return err
	}
	l.kv = kv
	// A fresh start owns its name whatever the old lease says: the calls of
	// a previous run end at start (calls.Manager) or by whoever reaps them.
	rev, err := kv.Put(ctx, l.node, l.encode(lease{Node: l.node, State: leaseLive, Expires: l.now().Add(l.ttl)}))
	if err != nil {
		return fmt.Errorf("lease of %s: %w", l.node, err)
	}
	l.rev = rev
	l.log.Info("node lease taken", "node", l.node, "ttl", l.ttl)
	return nil
}

// Run renews the lease and reaps dead nodes until ctx ends. It returns
// ErrFenced when another node took the lease over; the lease is left to
// expire on a clean stop (the node's calls end on its own way out).
func (l *Leases) Run(ctx context.Context) error {
	if l.kv == nil {
		if err := l.Register(ctx); err != nil {
			return err
		}
	}
	t := time.NewTicker(l.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := l.renew(ctx); err != nil {
			if errors.Is(err, ErrFenced) {
				return err
			}
			if ctx.Err() == nil {
				l.log.Warn("renewing the node lease", "node", l.node, "err", err)
			}
			l.judgeAfter = l.now().Add(l.ttl + l.every) // NATS away: do not judge others either
			continue
		}
		if l.now().Before(l.judgeAfter) {
			continue
		}
		if err := l.reap(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("checking node leases", "err", err)
		}
	}
}

// renew extends the lease with a compare-and-set on our last revision: a
// failure means someone else wrote our key.
func (l *Leases) renew(ctx context.Context) error {
	rev, err := l.kv.Update(ctx, l.node, l.encode(lease{Node: l.node, State: leaseLive, Expires: l.now().Add(l.ttl)}), l.rev)
	if err == nil {
		l.rev = rev
		return nil
	}
	if e, gerr := l.kv.Get(ctx, l.node); gerr == nil && e.Revision() != l.rev {
		var cur lease
		_ = json.Unmarshal(e.Value(), &cur)
		l.log.Error("node lease taken over: stopping", "node", l.node, "by", cur.By, "state", cur.State)
		return ErrFenced
	} else if errors.Is(gerr, jetstream.ErrKeyNotFound) {
		l.log.Error("node lease gone: stopping", "node", l.node)
		return ErrFenced
	}
	return err
}

// reap ends the calls of every node whose lease expired, and of nodes that
// own live calls without holding a lease at all.
func (l *Leases) reap(ctx context.Context) error {
	now := l.now()
	keys, err := l.kv.Keys(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		return err
	}
	for _, k := range keys {
		if k == l.node {
			continue
		}
		e, err := l.kv.Get(ctx, k)
		if err != nil {
			continue // deleted meanwhile
		}
		var cur lease
		if err := json.Unmarshal(e.Value(), &cur); err != nil || now.Before(cur.Expires) {
			continue
		}
		claim := lease{Node: k, State: leaseReaping, By: l.node, Expires: now.Add(l.ttl)}
		rev, err := l.kv.Update(ctx, k, l.encode(claim), e.Revision())
		if err != nil {
			continue // another survivor claimed it, or the node came back
		}
		l.endNode(ctx, k, rev)
	}
	owners, err := liveCallNodes(ctx, l.st)
	if err != nil {
		return err
	}
	for _, n := range owners {
		if n == "" || n == l.node || slices.Contains(keys, n) {
			continue
		}
		claim := lease{Node: n, State: leaseReaping, By: l.node, Expires: now.Add(l.ttl)}
		rev, err := l.kv.Create(ctx, n, l.encode(claim))
		if err != nil {
			continue // it (re)registered, or another survivor claimed it
		}
		l.endNode(ctx, n, rev)
	}
	return nil
}

// endNode ends a claimed dead node's calls and drops its lease; on failure
// the claim runs out and a survivor tries again.
func (l *Leases) endNode(ctx context.Context, node string, claimRev uint64) {
	n, err := l.endCalls(ctx, node)
	if err != nil {
		l.log.Error("ending a lost node's calls", "node", node, "err", err)
		return
	}
	if err := l.kv.Delete(ctx, node, jetstream.LastRevision(claimRev)); err != nil {
		l.log.Warn("dropping a lost node's lease", "node", node, "err", err)
	}
	l.log.Warn("node lost: its calls ended", "node", node, "calls", n, "by", l.node)
	l.onLost(node, n)
}

func (l *Leases) encode(v lease) []byte {
	b, _ := json.Marshal(v)
	return b
}

// liveCallNodes lists the nodes that own live calls in the store.
func liveCallNodes(ctx context.Context, st store.Store) ([]string, error) {
	var live []api.Call
	if err := st.View(ctx, func(tx store.Tx) (err error) { live, err = tx.LiveCalls(0); return }); err != nil {
		return nil, err
	}
	var nodes []string
	for _, c := range live {
		if c.Node != "" && !slices.Contains(nodes, c.Node) {
			nodes = append(nodes, c.Node)
		}
	}
	return nodes, nil
}
