package calls

import (
	"fmt"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
)

func TestHoldAndResume(t *testing.T) {
	e := newEnv(t, newMemStore(), "", nil)
	ann := e.addStaff(t, "ann", api.RoleOperator)
	bob := e.addStaff(t, "bob", api.RoleOperator)
	id := e.inbound(t, "+4915100")
	wantCode(t, e.m.Hold(e.ctx, ann, id), api.CodeForbidden) // ringing: ann is not in it yet
	if _, err := e.m.Accept(e.ctx, ann, id); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.m.Hold(e.ctx, bob, id), api.CodeForbidden) // not in the call, not a supervisor
	wantCode(t, e.m.Resume(e.ctx, ann, id), api.CodeConflict)
	must(t, e.m.Hold(e.ctx, ann, id))
	e.drain()
	if !e.media.has(fmt.Sprintf("detach %d %d", id, ann)) || !e.media.has(fmt.Sprintf("play %d hold", id)) {
		t.Fatalf("hold: media %v", e.media.log)
	}
	if c, _ := e.m.Call(id); c.HeldSince == nil {
		t.Fatal("no held_since")
	}
	wantCode(t, e.m.Hold(e.ctx, ann, id), api.CodeConflict)
	e.advance(12 * time.Second)
	must(t, e.m.Resume(e.ctx, ann, id))
	e.drain()
	if c := e.call(t, id); c.HeldS != 12 || c.HeldSince != nil || e.media.attached[id][ann] != api.ModeTalk {
		t.Fatalf("after resume: held %d since %v attached %v", c.HeldS, c.HeldSince, e.media.attached[id])
	}
	must(t, e.m.Hold(e.ctx, ann, id))
	e.advance(3 * time.Second)
	must(t, e.m.Hangup(e.ctx, ann, id))
	e.drain()
	if c := e.call(t, id); c.HeldS != 15 || c.State != api.CallEnded {
		t.Fatalf("ended on hold: held %d state %s", c.HeldS, c.State)
	}
	evs := e.events(t, id)
	if countType(evs, api.EvCallHeld) != 2 || countType(evs, api.EvCallResumed) != 1 {
		t.Fatalf("events %v", evs)
	}
}

// TestCallRecording: an answered call of a recording channel plays the
// announcement and is recorded; the recording is listed when the call ends.
func TestCallRecording(t *testing.T) {
	e := newEnv(t, newMemStore(), "", func(c *api.Channel) { c.Recording = true }, WithRecordingsDir(t.TempDir()))
	ann := e.addStaff(t, "ann", api.RoleOperator)
	id := e.inbound(t, "+4915100")
	if _, err := e.m.Accept(e.ctx, ann, id); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if !e.media.has(fmt.Sprintf("play %d recording", id)) || !e.media.has(fmt.Sprintf("record %d beep=false max=0s", id)) {
		t.Fatalf("media %v", e.media.log)
	}
	must(t, e.m.Hangup(e.ctx, ann, id))
	e.drain() // CloseRoom ends the fake recording
	e.drain()
	c := e.call(t, id)
	recs := e.recordings(t, c.ChatID)
	if len(recs) != 1 || recs[0].Kind != api.RecordingCall || !e.chat(t, c.ChatID).Recorded {
		t.Fatalf("recordings %+v", recs)
	}
	if countType(e.events(t, id), api.EvCallRecorded) != 1 {
		t.Fatal("no call.recorded event")
	}
}
