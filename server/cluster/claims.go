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
)

// ClaimBucket is the NATS key-value bucket saying which call holds each
// staff member (ringing for them, or with them in it) and on which node.
const ClaimBucket = "meet_staff"

// StaffClaims makes "one call per member" and "a member rung once" hold
// across nodes (calls.Claims). A node rings a member only after a
// compare-and-set on their key (create, or update at the revision it read)
// gave it the claim for that call, so two nodes can never both ring the
// same member, and a member in a call on one node is never rung by
// another. Team auto-assignment picks one member per call on the node
// that owns the call, under that node's lock; the claim makes the pick
// exclusive in the cluster. A dead node's claims (its lease expired) are
// free for the taking.
type StaffClaims struct {
	kv       jetstream.KeyValue
	node     string
	presence *Presence // node liveness
	log      *slog.Logger

	mu   sync.RWMutex
	held map[int64]staffClaim // the watched view, for Elsewhere
}

type staffClaim struct {
	Node string `json:"node"`
	Call int64  `json:"call"`
}

// claimTimeout bounds one KV round trip (a few ms on a LAN). The call
// lifecycle asks under its lock, so NATS being away holds its decisions up
// by at most this; a member whose claim cannot be read is not rung (the
// decision comes again on the next change or recheck).
const claimTimeout = 500 * time.Millisecond

// NewStaffClaims opens the claim bucket of node.
func NewStaffClaims(ctx context.Context, nc *nats.Conn, node string, presence *Presence, log *slog.Logger) (*StaffClaims, error) {
	_, kv, err := nodeKV(ctx, nc, node, ClaimBucket, "which call holds each staff member")
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	return &StaffClaims{kv: kv, node: node, presence: presence, log: log, held: map[int64]staffClaim{}}, nil
}

func claimKey(staffID int64) string { return "staff." + strconv.FormatInt(staffID, 10) }

// Ring takes staffID for callID unless a live node holds them for another
// call.
func (c *StaffClaims) Ring(staffID, callID int64) bool {
	ctx, cancel := context.WithTimeout(context.Background(), claimTimeout)
	defer cancel()
	key := claimKey(staffID)
	mine, _ := json.Marshal(staffClaim{Node: c.node, Call: callID})
	for range 3 { // a lost race reads the new state
		e, err := c.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			if _, err := c.kv.Create(ctx, key, mine); err == nil {
				c.see(staffID, staffClaim{Node: c.node, Call: callID})
				return true
			}
			continue
		}
		if err != nil {
			c.log.Warn("staff claim unreadable: not ringing", "staff_id", staffID, "call_id", callID, "err", err)
			return false
		}
		var cur staffClaim
		_ = json.Unmarshal(e.Value(), &cur)
		if cur.Node == c.node && cur.Call == callID {
			return true
		}
		// This node's own claim for another call is stale: the lifecycle
		// found the member neither ringing nor in a call here.
		if cur.Node != c.node && c.presence.alive(ctx, cur.Node) { // read, not the watched view: a fresh node's view may lack a live lease
			c.see(staffID, cur)
			return false
		}
		if _, err := c.kv.Update(ctx, key, mine, e.Revision()); err == nil {
			c.see(staffID, staffClaim{Node: c.node, Call: callID})
			return true
		}
	}
	return false
}

// Seat takes staffID for callID whatever held them: they accepted or
// joined it (and leave the call before, wherever it runs).
func (c *StaffClaims) Seat(staffID, callID int64) {
	ctx, cancel := context.WithTimeout(context.Background(), claimTimeout)
	defer cancel()
	v := staffClaim{Node: c.node, Call: callID}
	b, _ := json.Marshal(v)
	if _, err := c.kv.Put(ctx, claimKey(staffID), b); err != nil {
		c.log.Warn("staff claim not recorded", "staff_id", staffID, "call_id", callID, "err", err)
		return
	}
	c.see(staffID, v)
}

// Release gives staffID up if this node holds them for callID.
func (c *StaffClaims) Release(staffID, callID int64) {
	ctx, cancel := context.WithTimeout(context.Background(), claimTimeout)
	defer cancel()
	key := claimKey(staffID)
	e, err := c.kv.Get(ctx, key)
	if err != nil {
		return
	}
	var cur staffClaim
	if json.Unmarshal(e.Value(), &cur) != nil || cur.Node != c.node || cur.Call != callID {
		return
	}
	if err := c.kv.Delete(ctx, key, jetstream.LastRevision(e.Revision())); err != nil {
		c.log.Warn("staff claim not released", "staff_id", staffID, "call_id", callID, "err", err)
		return
	}
	c.mu.Lock()
	if c.held[staffID] == cur {
		delete(c.held, staffID)
	}
	c.mu.Unlock()
}

// Elsewhere reports whether another call than callID holds staffID on a
// live node, from the watched view.
func (c *StaffClaims) Elsewhere(staffID, callID int64) bool {
	c.mu.RLock()
	cur, ok := c.held[staffID]
	c.mu.RUnlock()
	if !ok || (cur.Node == c.node && cur.Call == callID) {
		return false
	}
	if cur.Node == c.node {
		return false // this node's own state is in its lifecycle's maps
	}
	return c.presence.Live(cur.Node)
}

// HolderOf says which node and call hold staffID ("" and 0: none), read
// from the bucket itself.
func (c *StaffClaims) HolderOf(ctx context.Context, staffID int64) (node string, callID int64, err error) {
	e, err := c.kv.Get(ctx, claimKey(staffID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, err
	}
	var cur staffClaim
	if err := json.Unmarshal(e.Value(), &cur); err != nil {
		return "", 0, err
	}
	return cur.Node, cur.Call, nil
}

func (c *StaffClaims) see(staffID int64, v staffClaim) {
	c.mu.Lock()
	c.held[staffID] = v
	c.mu.Unlock()
}

// Watch keeps the view Elsewhere reads in step with the bucket until ctx
// ends.
func (c *StaffClaims) Watch(ctx context.Context) error {
	w, err := c.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watching staff claims: %w", err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return nil
			}
			if e == nil {
				continue
			}
			id, err := strconv.ParseInt(strings.TrimPrefix(e.Key(), "staff."), 10, 64)
			if err != nil {
				continue
			}
			var cur staffClaim
			c.mu.Lock()
			if e.Operation() != jetstream.KeyValuePut || json.Unmarshal(e.Value(), &cur) != nil {
				delete(c.held, id)
			} else {
				c.held[id] = cur
			}
			c.mu.Unlock()
		}
	}
}
