package calls

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// After a kill -9, the calls left live end at the last heartbeat, not at
// the restart: the downtime is neither waiting nor talking.
func TestRecoveredCallsStampedWithLastHeartbeat(t *testing.T) {
	st := newMemStore()
	e := newEnv(t, st, "", nil)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	e.addStaff(t, "ann", api.RoleOperator)
	waiting := e.inbound(t, "+4915100")
	answered := e.inbound(t, "+4915101")
	if _, err := e.m.Accept(e.ctx, bob, answered); err != nil {
		t.Fatal(err)
	}
	e.drain()
	e.advance(7 * time.Second)
	alive := e.clock.Now()
	ctx, cancel := context.WithCancel(context.Background())
	e.m.beat(ctx) // what RunHeartbeat does every HeartbeatInterval
	cancel()
	// kill -9, and meetd comes back an hour later.
	e.m.mu.Lock()
	e.m.calls, e.m.closed = map[int64]*call{}, true
	e.m.mu.Unlock()
	e.clock.Advance(time.Hour)
	m2 := New(st, &fakeTrunk{}, newFakeMedia(), WithClock(e.clock), WithLogger(slog.New(storeErrors{t: t})))
	defer m2.Close()
	m2.q.drain()
	for _, id := range []int64{waiting, answered} {
		c := e.call(t, id)
		if c.State != api.CallEnded || c.Ended == nil || !c.Ended.Equal(alive) {
			t.Errorf("call %d ended %v, want the last heartbeat %v", id, c.Ended, alive)
		}
	}
	if c := e.call(t, answered); c.DurationS != 7 {
		t.Errorf("answered call lasted %d s, want 7 (not the downtime)", c.DurationS)
	}
	if ch := e.chat(t, e.call(t, waiting).ChatID); ch.State != api.ChatClosed {
		t.Errorf("missed chat %s", ch.State)
	}
	// The new run beats at once.
	var last time.Time
	must(t, st.View(context.Background(), func(tx store.Tx) (err error) { last, err = tx.LastBeat(""); return }))
	if !last.Equal(e.clock.Now()) {
		t.Errorf("last beat %v, want the restart %v", last, e.clock.Now())
	}
}

// Without a heartbeat on record (a database from before heartbeats) the
// restart time is all there is.
func TestRecoveryWithoutHeartbeatUsesNow(t *testing.T) {
	st := newMemStore()
	e := newEnv(t, st, "", nil)
	e.addStaff(t, "ann", api.RoleOperator)
	id := e.inbound(t, "+4915100")
	e.drain()
	st.beats = nil
	e.m.mu.Lock()
	e.m.calls, e.m.closed = map[int64]*call{}, true
	e.m.mu.Unlock()
	e.clock.Advance(time.Minute)
	m2 := New(st, &fakeTrunk{}, newFakeMedia(), WithClock(e.clock), WithLogger(slog.New(storeErrors{t: t})))
	defer m2.Close()
	m2.q.drain()
	if c := e.call(t, id); c.Ended == nil || !c.Ended.Equal(e.clock.Now()) {
		t.Errorf("ended %v, want now %v", c.Ended, e.clock.Now())
	}
}
