package calls

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
)

// fakeClaims is the cluster's member claims for one node: held maps a
// member to the call holding them ("another node" when the call is not
// this node's); rings lists every member a Ring asked for.
type fakeClaims struct {
	mu    sync.Mutex
	held  map[int64]int64
	stale bool // the watched view lags: it shows everyone free
	rings []int64
}

func (f *fakeClaims) Ring(staffID, callID int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rings = append(f.rings, staffID)
	if cur, ok := f.held[staffID]; ok && cur != callID {
		f.stale = false // the refused claim was read: the view knows now
		return false
	}
	f.held[staffID] = callID
	return true
}

func (f *fakeClaims) Seat(staffID, callID int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.held[staffID] = callID
}

func (f *fakeClaims) Release(staffID, callID int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.held[staffID] == callID {
		delete(f.held, staffID)
	}
}

func (f *fakeClaims) Elsewhere(staffID, callID int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stale {
		return false
	}
	cur, ok := f.held[staffID]
	return ok && cur != callID
}

// TestClaimsAcrossNodes: with team auto-assignment, a member another node
// holds is not rung; when the watched view is stale and the member is
// taken at the last moment, the compare-and-set refuses the ring and the
// next member rings instead; answering keeps the claim, and the claim is
// given up when the call ends.
func TestClaimsAcrossNodes(t *testing.T) {
	const elsewhere = 9999 // a call of another node
	cl := &fakeClaims{held: map[int64]int64{}}
	e := newEnv(t, newMemStore(), api.StrategyRoundRobin, nil, WithMemberRingTimeout(10*time.Second), WithClaims(cl))
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	cid := e.addStaff(t, "cid", api.RoleOperator)

	cl.Seat(ann, elsewhere) // ann talks on another node
	id := e.inbound(t, "+4915100")
	if got := e.ringingFor(id); !slices.Equal(got, []int64{bob}) {
		t.Fatalf("ringing %v, want bob (ann is in a call on another node)", got)
	}
	if cl.held[bob] != id {
		t.Fatalf("bob rings without the claim: %v", cl.held)
	}

	// The view says cid is free, but another node takes cid first: bob's
	// turn ends, cid's ring is refused by the claim, and nobody else is
	// free (ann elsewhere, bob just tried), so the call waits on bob.
	cl.stale = true
	cl.Seat(cid, elsewhere+1)
	e.advance(10 * time.Second)
	for _, s := range e.ringingFor(id) {
		if s == cid {
			t.Fatalf("cid rang although another node holds them: %v", cl.held)
		}
	}
	if n := countOf(cl.rings, cid); n != 1 {
		t.Fatalf("the lifecycle asked for cid's claim %d times, want once (rings asked %v)", n, cl.rings)
	}

	// ann's call elsewhere ends: she is free, and rings once bob's turn
	// is over (one member at a time); she answers.
	cl.Release(ann, elsewhere)
	e.m.HandleEvents([]api.Event{{Type: api.EvCallEnded}})
	e.drain()
	e.advance(10 * time.Second)
	if !slices.Contains(e.ringingFor(id), ann) {
		t.Fatalf("ringing %v, want ann (%d) once she is free; bob %d cid %d; claims %v rings %v", e.ringingFor(id), ann, bob, cid, cl.held, cl.rings)
	}
	_, err := e.m.Accept(e.ctx, ann, id)
	must(t, err)
	e.drain()
	if cl.held[ann] != id || cl.held[bob] == id {
		t.Fatalf("after ann answered: claims %v (ann must hold the call, bob be free)", cl.held)
	}
	must(t, e.m.Hangup(e.ctx, ann, id))
	e.drain()
	if _, ok := cl.held[ann]; ok {
		t.Fatalf("ann's claim kept after the call ended: %v", cl.held)
	}
}

func countOf(s []int64, v int64) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}
