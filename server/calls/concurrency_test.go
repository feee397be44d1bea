package calls

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/meet-dev/meet/api"
)

// Many staff accept the same ringing call at once: exactly one wins, the
// others get conflict, nobody ends up in the call twice.
func TestConcurrentAccept(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	var staff []int64
	for i := range 16 {
		staff = append(staff, e.addStaff(t, fmt.Sprint("op", i), api.RoleOperator))
	}
	for round := range 20 {
		id := e.inbound(t, fmt.Sprintf("+49151%04d", round))
		var wins, conflicts atomic.Int32
		var wg sync.WaitGroup
		for _, s := range staff {
			wg.Go(func() {
				_, err := e.m.Accept(e.ctx, s, id)
				switch {
				case err == nil:
					wins.Add(1)
				case api.CodeOf(err) == api.CodeConflict:
					conflicts.Add(1)
				default:
					t.Errorf("accept: %v", err)
				}
			})
		}
		wg.Wait()
		e.drain()
		if wins.Load() != 1 || conflicts.Load() != int32(len(staff)-1) {
			t.Fatalf("round %d: %d accepted, %d conflicts", round, wins.Load(), conflicts.Load())
		}
		c, _ := e.m.Call(id)
		if c.State != api.CallActive || len(c.Participants) != 1 {
			t.Fatalf("call %+v", c)
		}
		// The trunk hangs up while staff hang up and join from other goroutines.
		var wg2 sync.WaitGroup
		wg2.Go(func() { e.m.CallerHungUp(id, "") })
		wg2.Go(func() { _ = e.m.Hangup(e.ctx, *c.AssigneeID, id) })
		wg2.Go(func() { _, _ = e.m.Join(e.ctx, staff[(round+1)%len(staff)], id, api.ModeTalk) })
		wg2.Go(func() { e.m.HandleEvents([]api.Event{{Type: api.EvStaffPresence}}) })
		wg2.Wait()
		e.drain()
		if n := countType(e.events(t, id), api.EvCallEnded); n != 1 || e.state(id) != api.CallEnded {
			t.Fatalf("round %d: call.ended %d times, state %s", round, n, e.state(id))
		}
		e.m.mu.Lock()
		busy := len(e.m.inCall)
		e.m.mu.Unlock()
		if busy != 0 {
			t.Fatalf("round %d: %d staff still in calls", round, busy)
		}
	}
}
