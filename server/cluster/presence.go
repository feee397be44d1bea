package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/meet-dev/meet/api"
)

// PresenceBucket is the NATS key-value bucket saying which node each staff
// member's softphone is connected to.
const PresenceBucket = "meet_presence"

// Presence makes a staff member's softphone connection exclusive across
// the cluster: one node at a time holds it (a compare-and-set claim in NATS
// KV). Everything that is per staff member — one call at a time, rung once,
// picked once by team auto-assignment — is decided by the call lifecycle of
// the node the softphone is connected to (a node rings only the softphones
// connected to it), so one connection per member makes those rules hold for
// the whole cluster, not just for each node.
type Presence struct {
	js     jetstream.JetStream
	kv     jetstream.KeyValue
	leases jetstream.KeyValue
	node   string
	now    func() time.Time
	log    *slog.Logger

	// A view of both buckets kept by Watch, for lookups on hot paths
	// (routing asks whether a member is online anywhere).
	mu      sync.RWMutex
	where   map[int64]string     // staff → node their softphone is on
	expires map[string]time.Time // node → lease expiry (live leases only)
}

type presenceClaim struct {
	Node string `json:"node"`
}

// NewPresence opens the presence bucket of node (and reads node leases from
// the lease bucket to tell a live holder from a dead one).
func NewPresence(ctx context.Context, nc *nats.Conn, node string, log *slog.Logger) (*Presence, error) {
	js, kv, err := nodeKV(ctx, nc, node, PresenceBucket, "which meetd node each softphone is connected to")
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	leases, err := openLeases(ctx, js)
	if err != nil {
		return nil, err
	}
	p := &Presence{js: js, kv: kv, leases: leases, node: node, now: time.Now, log: log,
		where: map[int64]string{}, expires: map[string]time.Time{}}
	p.dropStale(ctx)
	return p, nil
}

// dropStale gives up the claims a previous run of this node left: a fresh
// start has no softphone connected.
func (p *Presence) dropStale(ctx context.Context) {
	keys, err := p.kv.Keys(ctx)
	if err != nil {
		return
	}
	for _, k := range keys {
		e, err := p.kv.Get(ctx, k)
		if err != nil {
			continue
		}
		var cur presenceClaim
		if json.Unmarshal(e.Value(), &cur) == nil && cur.Node == p.node {
			_ = p.kv.Delete(ctx, k, jetstream.LastRevision(e.Revision()))
		}
	}
}

func presenceKey(staffID int64) string { return "staff." + strconv.FormatInt(staffID, 10) }

// Claim takes staffID's softphone connection for this node. It fails with
// conflict while another live node holds it; a dead node's claim is taken
// over.
func (p *Presence) Claim(ctx context.Context, staffID int64) error {
	key := presenceKey(staffID)
	mine, _ := json.Marshal(presenceClaim{Node: p.node})
	for range 5 { // lost races retry against the new state
		e, err := p.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			if _, err := p.kv.Create(ctx, key, mine); err == nil {
				return nil
			}
			continue
		}
		if err != nil {
			return api.Errorf(api.CodeUnavailable, "softphone presence: %v", err)
		}
		var cur presenceClaim
		_ = json.Unmarshal(e.Value(), &cur)
		if cur.Node == p.node {
			return nil
		}
		if p.alive(ctx, cur.Node) {
			return api.Errorf(api.CodeConflict, "staff %d's softphone is connected to node %s: one softphone per member in the cluster", staffID, cur.Node)
		}
		if _, err := p.kv.Update(ctx, key, mine, e.Revision()); err == nil {
			p.log.Info("softphone presence taken over from a lost node", "staff_id", staffID, "from", cur.Node, "node", p.node)
			return nil
		}
	}
	return api.Errorf(api.CodeConflict, "staff %d's softphone is being connected elsewhere at the same time", staffID)
}

// Release gives staffID's claim up when this node holds it.
func (p *Presence) Release(ctx context.Context, staffID int64) {
	key := presenceKey(staffID)
	e, err := p.kv.Get(ctx, key)
	if err != nil {
		return
	}
	var cur presenceClaim
	if json.Unmarshal(e.Value(), &cur) != nil || cur.Node != p.node {
		return
	}
	if err := p.kv.Delete(ctx, key, jetstream.LastRevision(e.Revision())); err != nil {
		p.log.Warn("releasing softphone presence", "staff_id", staffID, "err", err)
	}
}

// alive reports whether node holds an unexpired live lease.
func (p *Presence) alive(ctx context.Context, node string) bool {
	e, err := p.leases.Get(ctx, node)
	if err != nil {
		return false
	}
	var l lease
	if json.Unmarshal(e.Value(), &l) != nil {
		return false
	}
	return l.State == leaseLive && p.now().Before(l.Expires)
}

// Signaller is what Presence guards (httpapi.Signaller).
type Signaller interface {
	Offer(ctx context.Context, staffID int64, offerSDP string) (string, error)
	Online(staffID int64) bool
}

// Guard wraps a signaller so a softphone connects only once its member's
// presence is claimed for this node.
func (p *Presence) Guard(next Signaller) Signaller { return guarded{p: p, next: next} }

type guarded struct {
	p    *Presence
	next Signaller
}

func (g guarded) Offer(ctx context.Context, staffID int64, sdp string) (string, error) {
	if err := g.p.Claim(ctx, staffID); err != nil {
		return "", err
	}
	answer, err := g.next.Offer(ctx, staffID, sdp)
	if err != nil && !g.next.Online(staffID) {
		g.p.Release(context.WithoutCancel(ctx), staffID)
	}
	return answer, err
}

func (g guarded) Online(staffID int64) bool { return g.next.Online(staffID) }

// Watch keeps the view RemoteNode reads in step with both buckets until
// ctx ends.
func (p *Presence) Watch(ctx context.Context) error {
	pw, err := p.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watching presence: %w", err)
	}
	defer pw.Stop()
	lw, err := p.leases.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watching leases: %w", err)
	}
	defer lw.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-pw.Updates():
			if !ok {
				return nil
			}
			if e != nil {
				p.seePresence(e)
			}
		case e, ok := <-lw.Updates():
			if !ok {
				return nil
			}
			if e != nil {
				p.seeLease(e)
			}
		}
	}
}

func (p *Presence) seePresence(e jetstream.KeyValueEntry) {
	id, err := strconv.ParseInt(strings.TrimPrefix(e.Key(), "staff."), 10, 64)
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var cur presenceClaim
	if e.Operation() != jetstream.KeyValuePut || json.Unmarshal(e.Value(), &cur) != nil {
		delete(p.where, id)
		return
	}
	p.where[id] = cur.Node
}

func (p *Presence) seeLease(e jetstream.KeyValueEntry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var l lease
	if e.Operation() != jetstream.KeyValuePut || json.Unmarshal(e.Value(), &l) != nil || l.State != leaseLive {
		delete(p.expires, e.Key())
		return
	}
	p.expires[e.Key()] = l.Expires
}

// Live reports whether node holds an unexpired live lease, from the
// watched view.
func (p *Presence) Live(node string) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	exp, ok := p.expires[node]
	return ok && p.now().Before(exp)
}

// RemoteNode names the live node other than this one that staffID's
// softphone is connected to ("" when none), from the watched view.
func (p *Presence) RemoteNode(staffID int64) string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	n := p.where[staffID]
	if n == "" || n == p.node {
		return ""
	}
	if exp, ok := p.expires[n]; !ok || !p.now().Before(exp) {
		return ""
	}
	return n
}
