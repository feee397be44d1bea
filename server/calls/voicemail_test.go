package calls

import (
	"fmt"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

func vmEnv(t *testing.T, mutate func(*api.Channel)) *env {
	return newEnv(t, newMemStore(), "", func(c *api.Channel) {
		c.Voicemail, c.MaxWaitS = true, 10
		if mutate != nil {
			mutate(c)
		}
	}, WithRecordingsDir(t.TempDir()))
}

func (e *env) recordings(t *testing.T, chatID int64) []api.Recording {
	var out []api.Recording
	must(t, e.st.View(e.ctx, func(tx store.Tx) (err error) { out, err = tx.ChatRecordings(chatID); return }))
	return out
}

// TestVoicemailAfterMaxWait: nobody is there; after max wait the caller is
// answered, hears the voicemail guidance and a beep, leaves a message (#
// ends it) and the call ends missed noOperator with the recording on its chat.
func TestVoicemailAfterMaxWait(t *testing.T) {
	e := vmEnv(t, nil)
	id := e.inbound(t, "+4915100")
	e.advance(10 * time.Second)
	if e.state(id) != api.CallVoicemail || !e.trunk.has(fmt.Sprintf("answer %d", id)) ||
		!e.media.has(fmt.Sprintf("play %d voicemail", id)) || !e.media.has(fmt.Sprintf("record %d beep=true max=2m0s", id)) {
		t.Fatalf("state %s trunk %v media %v", e.state(id), e.trunk.log, e.media.log)
	}
	e.m.DTMF(id, '5') // not the end key
	e.drain()
	if e.state(id) != api.CallVoicemail {
		t.Fatal("a key other than # ended the voicemail")
	}
	e.m.DTMF(id, '#')
	e.drain()
	c := missed(t, e, id, api.ReasonNoOperator)
	recs := e.recordings(t, c.ChatID)
	if len(recs) != 1 || recs[0].Kind != api.RecordingVoicemail || recs[0].DurationMS != 2000 || recs[0].Path != e.media.paths[0] {
		t.Fatalf("recordings %+v", recs)
	}
	if ch := e.chat(t, c.ChatID); !ch.Voicemail {
		t.Fatal("chat has no voicemail marker")
	}
	if countType(e.events(t, id), api.EvCallVoicemail) != 1 || !e.trunk.has(fmt.Sprintf("hangup %d", id)) {
		t.Fatalf("events %v trunk %v", e.events(t, id), e.trunk.log)
	}
}

// TestVoicemailOutOfHoursCallerHangsUp: out of hours the message is kept
// when the caller simply hangs up, and the call stays notInOperation.
func TestVoicemailOutOfHoursCallerHangsUp(t *testing.T) {
	e := vmEnv(t, func(c *api.Channel) {
		c.Hours = api.Hours{Weekly: []api.Span{{Day: time.Wednesday, Start: "14:00", End: "18:00"}}}
	})
	id := e.inbound(t, "+4915100")
	if e.state(id) != api.CallVoicemail {
		t.Fatalf("state %s", e.state(id))
	}
	e.m.CallerHungUp(id, "")
	e.drain()
	c := missed(t, e, id, api.ReasonNotInOperation)
	if recs := e.recordings(t, c.ChatID); len(recs) != 1 {
		t.Fatalf("recordings %+v", recs)
	}
}

// TestVoicemailSilentIsDropped: a recording with no sound is not kept.
func TestVoicemailSilentIsDropped(t *testing.T) {
	e := vmEnv(t, nil)
	id := e.inbound(t, "+4915100")
	e.advance(10 * time.Second)
	e.media.endRecording(id, RecordingResult{Duration: 5 * time.Second, Reason: "silence"})
	e.drain()
	c := missed(t, e, id, api.ReasonNoOperator)
	if recs := e.recordings(t, c.ChatID); len(recs) != 0 || e.chat(t, c.ChatID).Voicemail {
		t.Fatalf("a silent voicemail was kept: %+v", recs)
	}
	if countType(e.events(t, id), api.EvCallVoicemail) != 1 {
		t.Fatal("no call.voicemail event")
	}
}

func TestVoicemailOffEndsMissed(t *testing.T) {
	e := vmEnv(t, func(c *api.Channel) { c.Voicemail = false })
	id := e.inbound(t, "+4915100")
	e.advance(10 * time.Second)
	missed(t, e, id, api.ReasonNoOperator)
	if e.trunk.has(fmt.Sprintf("answer %d", id)) {
		t.Fatal("answered without voicemail")
	}
}
