package calls

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/httpapi"
	"github.com/meet-dev/meet/server/store/sqlite"
	"github.com/meet-dev/meet/server/trunk"
)

// The manager is the API's call control and the trunk's handler.
var (
	_ httpapi.CallControl = (*Manager)(nil)
	_ trunk.Handler       = (*Manager)(nil)
)

func openSQLite(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "meet.db"), sqlite.WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The lifecycle against the real SQLite store: answered, missed and callback.
func TestLifecycleOnSQLite(t *testing.T) {
	db := openSQLite(t)
	e := newEnv(t, db, api.StrategyLongestIdle, nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	sue := e.addStaff(t, "sue", api.RoleSupervisor)
	e.settings(t, sue, func(s *api.Settings) { s.DND = true })

	id := e.inbound(t, "+4915100")
	res, err := e.m.Accept(e.ctx, ann, id)
	must(t, err)
	_, err = e.m.Join(e.ctx, sue, id, api.ModeListen)
	must(t, err)
	e.m.DTMF(id, '5')
	e.advance(42 * time.Second)
	must(t, e.m.Hangup(e.ctx, ann, id))
	e.drain()
	c := e.call(t, id)
	if c.State != api.CallEnded || c.DurationS != 42 || c.AssigneeID == nil || *c.AssigneeID != ann || len(c.Participants) != 2 ||
		len(c.RingAttempts) != 1 || c.RingAttempts[0].Outcome != api.RingAccepted {
		t.Fatalf("answered call on sqlite: %+v", c)
	}
	if res.Call.ChatID != c.ChatID || e.chat(t, c.ChatID).AssigneeID == nil {
		t.Errorf("chat not assigned")
	}
	evs := e.events(t, id)
	for _, typ := range []api.EventType{api.EvCallCreated, api.EvCallGuidance, api.EvCallEligibility, api.EvCallRinging,
		api.EvCallRingEnded, api.EvCallAnswered, api.EvCallJoined, api.EvCallDTMF, api.EvCallLeft, api.EvCallEnded} {
		if countType(evs, typ) == 0 {
			t.Errorf("no %s event stored", typ)
		}
	}

	// ann's chat is still opened (wrap-up): under auto-assignment the next call waits.
	id2 := e.inbound(t, "+4915101")
	if e.state(id2) != api.CallWaiting {
		t.Fatalf("state %s, want waiting", e.state(id2))
	}
	e.m.CallerHungUp(id2, "")
	e.drain()
	missed(t, e, id2, api.ReasonUserLeft)
	el, err := e.m.CallEligibility(e.ctx, id2)
	must(t, err)
	reasons := map[int64]api.IneligibleReason{}
	for _, n := range el.NotEligible {
		reasons[n.StaffID] = n.Reason
	}
	if reasons[ann] != api.IneligibleOpenedPhoneChat || reasons[sue] != api.IneligibleDND {
		t.Errorf("stored eligibility %+v", el)
	}

	cb, err := e.m.Callback(e.ctx, ann, e.call(t, id2).ChatID)
	must(t, err)
	e.drain()
	if cb.Chat.CallbackOf == nil || *cb.Chat.CallbackOf != e.call(t, id2).ChatID {
		t.Fatalf("callback chat %+v", cb.Chat)
	}
	orig := e.chat(t, e.call(t, id2).ChatID)
	if len(orig.Callbacks) != 1 || orig.Callbacks[0] != cb.Chat.ID {
		t.Errorf("original chat callbacks %v", orig.Callbacks)
	}
	e.m.OutboundAnswered(cb.Call.ID)
	e.drain()
	must(t, e.m.Leave(e.ctx, ann, cb.Call.ID))
	e.drain()
	if c := e.call(t, cb.Call.ID); c.State != api.CallEnded || c.Answered == nil {
		t.Errorf("callback call %+v", c)
	}
}

// The randomized simulation on SQLite (shorter: every step is a real write).
func TestSimulationOnSQLite(t *testing.T) {
	steps := 600
	if testing.Short() {
		steps = 150
	}
	runSimulation(t, openSQLite(t), 11, steps, false)
}
