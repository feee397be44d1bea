package httpapi_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/server/httpapi"
	"github.com/meet-dev/meet/server/recording"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlite"
)

// storeAudit is the store's audit log, set once the store is open.
type storeAudit struct{ db *sqlite.DB }

func (a *storeAudit) AddAudit(ctx context.Context, e *api.AuditEntry) error {
	return a.db.AddAudit(ctx, e)
}

// TestRecordingDownloadAndRetention: GET /v1/recordings/{id} over a real
// SQLite store and real WAV files. Voicemails go to the channel's staff;
// call recordings only to supervisors with a purpose, each download in the
// audit log. Retention set by PATCH expires both: the files are deleted,
// the chat lists them expired, the route answers 410 (and audits nothing),
// and the timeline says why.
func TestRecordingDownloadAndRetention(t *testing.T) {
	aud := &storeAudit{} // the audit log is the store's, as meetd wires it
	e := newEnv(t, httpapi.WithAudit(aud))
	aud.db = e.db
	chat := e.chat(e.ch1.ID, "+4930555", nil)
	call := e.call(chat, api.CallEnded)
	dir := t.TempDir()
	created := time.Now().Add(-10 * 24 * time.Hour).UTC()
	var recs []api.Recording
	for _, kind := range []api.RecordingKind{api.RecordingVoicemail, api.RecordingCall} {
		p := filepath.Join(dir, string(kind)+".wav")
		var buf bytes.Buffer
		if err := audio.WriteWAV(&buf, 8000, audiotest.Tone(8000, 1000, 0.3, 8000)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		r := api.Recording{ChatID: chat.ID, CallID: call.ID, ChannelID: chat.ChannelID, Kind: kind, Path: p,
			DurationMS: 1000, Bytes: int64(buf.Len()), Created: created}
		if err := e.db.Update(ctx, func(tx store.Tx) error { return tx.AddRecording(&r) }); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	vm, cr := recs[0], recs[1]
	audits := func() int {
		list, err := e.db.ListAudit(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, a := range list {
			if a.Action == api.AuditRecordingDownload {
				n++
			}
		}
		return n
	}

	var out bytes.Buffer
	if err := e.cOp1.Recording(ctx, vm.ID, &out); err != nil {
		t.Fatalf("operator's voicemail download: %v", err)
	}
	w, err := audio.ReadWAV(&out)
	if err != nil {
		t.Fatalf("voicemail served: %v", err)
	}
	audiotest.RequireTone(t, w.Samples, w.Rate, 1000)
	wantCode(t, e.cOp2.Recording(ctx, vm.ID, &out), api.CodeNotFound) // not their channel
	wantCode(t, e.cOp1.RecordingFor(ctx, cr.ID, "curious", &out), api.CodeForbidden)
	wantCode(t, e.cSup.Recording(ctx, cr.ID, &out), api.CodeBadRequest)
	if n := audits(); n != 0 {
		t.Fatalf("%d downloads audited before any call recording left", n)
	}
	out.Reset()
	if err := e.cSup.RecordingFor(ctx, cr.ID, "quality review", &out); err != nil || out.Len() != int(cr.Bytes) {
		t.Fatalf("supervisor's download: %d bytes, %v", out.Len(), err)
	}
	if n := audits(); n != 1 {
		t.Fatalf("%d downloads audited, want 1", n)
	}

	// Retention: 7 days for voicemails, 30 for call recordings; bad values refused.
	neg, week, month := -1, 7, 30
	_, err = e.cAdm.AdminPatchChannel(ctx, e.ch1.ID, api.ChannelPatch{VoicemailDays: &neg})
	wantCode(t, err, api.CodeBadRequest)
	_, err = e.cSup.AdminPatchChannel(ctx, e.ch1.ID, api.ChannelPatch{VoicemailDays: &week})
	wantCode(t, err, api.CodeForbidden)
	ch, err := e.cAdm.AdminPatchChannel(ctx, e.ch1.ID, api.ChannelPatch{VoicemailDays: &week, RecordingDays: &month})
	if err != nil || ch.VoicemailDays != 7 || ch.RecordingDays != 30 {
		t.Fatalf("patch retention: %+v %v", ch, err)
	}
	if n, err := recording.Sweep(ctx, e.db, "", time.Now()); err != nil || n != 1 {
		t.Fatalf("sweep now: %d %v; want the 10-day-old voicemail", n, err)
	}
	if _, err := os.Stat(vm.Path); !os.IsNotExist(err) {
		t.Fatalf("voicemail file still there: %v", err)
	}
	if _, err := os.Stat(cr.Path); err != nil {
		t.Fatalf("call recording file gone too early: %v", err)
	}
	wantCode(t, e.cOp1.Recording(ctx, vm.ID, &out), api.CodeGone)
	if n, err := recording.Sweep(ctx, e.db, "", time.Now().Add(21*24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("sweep in 21 days: %d %v", n, err)
	}
	wantCode(t, e.cSup.RecordingFor(ctx, cr.ID, "quality review", &out), api.CodeGone)
	if n := audits(); n != 1 {
		t.Fatalf("a refused download was audited (%d entries)", n)
	}
	got, err := e.cOp1.Chat(ctx, chat.ID)
	if err != nil || len(got.Recordings) != 2 || got.Recordings[0].Expired == nil || got.Recordings[1].Expired == nil || !got.Voicemail || !got.Recorded {
		t.Fatalf("chat after retention: %+v %v", got, err)
	}
	evs, err := e.cOp1.ChatEvents(ctx, chat.ID)
	if err != nil {
		t.Fatal(err)
	}
	deleted := 0
	for _, ev := range evs {
		if ev.Type == api.EvRecordingDeleted {
			deleted++
		}
	}
	if deleted != 2 {
		t.Fatalf("%d recording.deleted events in the timeline, want 2", deleted)
	}
}
