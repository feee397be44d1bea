package cluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/cluster"
	"github.com/meet-dev/meet/server/cluster/natstest"
	"github.com/meet-dev/meet/server/httpapi"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlite"
)

// fakeControl is one node's lifecycle: the calls it runs, and what it
// answers (a struct of funcs; methods a test does not set panic).
type fakeControl struct {
	httpapi.CallControl
	node   string
	runs   map[int64]bool
	seen   []string
	accept func(staffID, callID int64) (api.JoinResult, error)
}

func (f *fakeControl) Accept(_ context.Context, staffID, callID int64) (api.JoinResult, error) {
	f.seen = append(f.seen, "accept")
	return f.accept(staffID, callID)
}

func (f *fakeControl) Transfer(_ context.Context, staffID, callID int64, req api.TransferRequest) (api.Call, error) {
	f.seen = append(f.seen, "transfer "+req.To.String())
	return api.Call{ID: callID, Node: f.node, State: api.CallConsulting}, nil
}

func (f *fakeControl) CompleteTransfer(_ context.Context, staffID, callID int64) (api.Call, error) {
	f.seen = append(f.seen, "complete")
	return api.Call{}, api.Errorf(api.CodeInvalidTransition, "nobody has answered the consult of call %d yet; wait or cancel", callID)
}

func (f *fakeControl) Join(_ context.Context, staffID, callID int64, mode api.JoinMode) (api.JoinResult, error) {
	f.seen = append(f.seen, "join "+string(mode))
	if !f.runs[callID] {
		return api.JoinResult{}, api.Errorf(api.CodeInvalidTransition, "call %d has ended", callID)
	}
	return api.JoinResult{Call: api.Call{ID: callID, Node: f.node}, Mode: mode}, nil
}

// TestCallActionsGoToTheOwner: a staff action on a call another node owns
// runs on that node, and its answer — result or api error with its code —
// comes back as if it ran here; calls of this node, ended calls and calls
// of a single meetd run locally.
func TestCallActionsGoToTheOwner(t *testing.T) {
	srv := natstest.Start(t)
	db := testDB(t)
	onA := storedCall(t, db, "a", api.CallActive, "one")
	onB := storedCall(t, db, "b", api.CallActive, "two")
	ended := storedCall(t, db, "a", api.CallEnded, "three")

	nodes := map[string]*fakeControl{}
	wrapped := map[string]*cluster.Calls{}
	for _, n := range []string{"a", "b"} {
		nc, err := nats.Connect(srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		f := &fakeControl{node: n, runs: map[int64]bool{}}
		nodes[n] = f
		c, err := cluster.NewCalls(nc, n, db, f, func(id int64) bool { return f.runs[id] }, nil, quiet())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		wrapped[n] = c
	}
	nodes["a"].runs[onA] = true
	nodes["b"].runs[onB] = true
	nodes["a"].accept = func(staffID, callID int64) (api.JoinResult, error) {
		return api.JoinResult{}, api.Errorf(api.CodeConflict, "call %d was already answered by staff member 9", callID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// From b, on a's call: a runs it, b passes its answer on.
	res, err := wrapped["b"].Join(ctx, 7, onA, api.ModeListen)
	if err != nil || res.Call.Node != "a" || res.Mode != api.ModeListen {
		t.Fatalf("join of a's call from b: %+v %v", res, err)
	}
	_, err = wrapped["b"].Accept(ctx, 7, onA)
	if api.CodeOf(err) != api.CodeConflict || err.(*api.Error).Message != "call 1 was already answered by staff member 9" || err.(*api.Error).Status != 409 {
		t.Fatalf("accept refused on a, seen from b: %#v", err)
	}
	if got := nodes["a"].seen; len(got) != 2 || len(nodes["b"].seen) != 0 {
		t.Fatalf("a ran %v, b ran %v; want both actions on a only", got, nodes["b"].seen)
	}
	// b's own call, and an ended call, run where asked.
	if res, err := wrapped["b"].Join(ctx, 7, onB, api.ModeTalk); err != nil || res.Call.Node != "b" {
		t.Fatalf("b's own call: %+v %v", res, err)
	}
	if _, err := wrapped["b"].Join(ctx, 7, ended, api.ModeTalk); api.CodeOf(err) != api.CodeInvalidTransition || len(nodes["b"].seen) != 2 {
		t.Fatalf("ended call: %v (b ran %v)", err, nodes["b"].seen)
	}
	// A transfer of a's call asked on b runs on a, its answer and refusal come back.
	nodes["a"].seen = nil
	call, err := wrapped["b"].Transfer(ctx, 7, onA, api.TransferRequest{To: api.TransferTarget{StaffID: 8}, Mode: api.TransferAttended})
	if err != nil || call.Node != "a" || call.State != api.CallConsulting {
		t.Fatalf("transfer of a's call from b: %+v %v", call, err)
	}
	if _, err := wrapped["b"].CompleteTransfer(ctx, 7, onA); api.CodeOf(err) != api.CodeInvalidTransition {
		t.Fatalf("complete refused on a, seen from b: %v", err)
	}
	if got := nodes["a"].seen; len(got) != 2 || got[0] != "transfer staff:8" {
		t.Fatalf("a ran %v", got)
	}
	// A dead owner: the forward fails as unavailable, nothing runs.
	gone := storedCall(t, db, "c", api.CallActive, "four")
	_, err = wrapped["b"].Join(ctx, 7, gone, api.ModeTalk)
	if api.CodeOf(err) != api.CodeUnavailable {
		t.Fatalf("call of a node nobody serves: %v", err)
	}
}

// storedCall stores a call of node in a channel of its own.
func storedCall(t *testing.T, db *sqlite.DB, node string, state api.CallState, channel string) int64 {
	t.Helper()
	var id int64
	err := db.Update(context.Background(), func(tx store.Tx) error {
		ch := api.Channel{Name: channel, Timezone: "UTC"}
		if err := tx.CreateChannel(&ch); err != nil {
			return err
		}
		chat := api.Chat{ChannelID: ch.ID, Medium: api.MediumPhone, State: api.ChatOpened, Customer: api.Customer{Number: "+1" + channel}}
		if err := tx.CreateChat(&chat); err != nil {
			return err
		}
		c := api.Call{ChatID: chat.ID, ChannelID: ch.ID, Direction: api.Inbound, From: "+1", To: "+2",
			State: state, Created: time.Now(), Node: node}
		if err := tx.CreateCall(&c); err != nil {
			return err
		}
		id = c.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
