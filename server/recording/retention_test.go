package recording_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/recording"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlite"
)

// TestSweepExpiresFilesAndRows: on a real SQLite store with real files, a
// channel keeping call recordings 30 days and voicemails 7 loses exactly
// the ones past that: the files are deleted, the rows stay marked expired
// without a path, each chat gets a recording.deleted event, and a second
// sweep (or one after a file vanished by hand) has nothing more to do.
func TestSweepExpiresFilesAndRows(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "meet.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 12, 3, 4, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	type want struct {
		kind    api.RecordingKind
		age     time.Duration
		expired bool
		node    string // the cluster node that owns the call ("" here)
	}
	cases := []want{
		{api.RecordingCall, 31 * day, true, ""},
		{api.RecordingCall, 29 * day, false, ""},
		{api.RecordingVoicemail, 8 * day, true, ""},
		{api.RecordingVoicemail, 6 * day, false, ""},
		{api.RecordingVoicemail, 40 * day, true, ""},   // its file is already gone
		{api.RecordingCall, 90 * day, false, "node-b"}, // another node's disk: its own sweep deletes it
	}
	var recs []api.Recording
	var keptChannel api.Channel
	err = db.Update(ctx, func(tx store.Tx) error {
		ch := api.Channel{Name: "support", Numbers: []string{"+4930123"}}
		if err := tx.CreateChannel(&ch); err != nil {
			return err
		}
		ch.Recording, ch.RecordingDays, ch.Voicemail, ch.VoicemailDays = true, 30, true, 7
		if err := tx.UpdateChannel(&ch); err != nil {
			return err
		}
		// A channel without retention keeps everything, however old.
		keptChannel = api.Channel{Name: "archive", Numbers: []string{"+4930999"}}
		if err := tx.CreateChannel(&keptChannel); err != nil {
			return err
		}
		add := func(ch api.Channel, w want, i int) error {
			chat := api.Chat{ChannelID: ch.ID, Customer: api.Customer{Number: "+491700" + string(rune('0'+i))}}
			if err := tx.CreateChat(&chat); err != nil {
				return err
			}
			call := api.Call{ChatID: chat.ID, ChannelID: ch.ID, Direction: api.Inbound, From: chat.Customer.Number, To: ch.Numbers[0],
				State: api.CallEnded, Created: now.Add(-w.age), Node: w.node}
			if err := tx.CreateCall(&call); err != nil {
				return err
			}
			p := filepath.Join(dir, "recordings", string(w.kind), filepath.Base(chat.Customer.Number)+".wav")
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, make([]byte, 4044), 0o600); err != nil {
				return err
			}
			r := api.Recording{ChatID: chat.ID, CallID: call.ID, ChannelID: ch.ID, Kind: w.kind, Path: p, DurationMS: 250, Bytes: 4044, Created: now.Add(-w.age)}
			if err := tx.AddRecording(&r); err != nil {
				return err
			}
			recs = append(recs, r)
			return nil
		}
		for i, w := range cases {
			if err := add(ch, w, i); err != nil {
				return err
			}
		}
		return add(keptChannel, want{api.RecordingVoicemail, 400 * day, false, ""}, 9)
	})
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, want{api.RecordingVoicemail, 400 * day, false, ""})
	if err := os.Remove(recs[4].Path); err != nil {
		t.Fatal(err)
	}

	n, err := recording.Sweep(ctx, db, "", now)
	if err != nil || n != 3 {
		t.Fatalf("sweep: %d expired, %v; want 3", n, err)
	}
	err = db.View(ctx, func(tx store.Tx) error {
		for i, w := range cases {
			r, err := tx.Recording(recs[i].ID)
			if err != nil {
				return err
			}
			_, statErr := os.Stat(recs[i].Path)
			gone := errors.Is(statErr, fs.ErrNotExist)
			if w.expired != (r.Expired != nil) || w.expired != (r.Path == "") || w.expired != gone {
				t.Errorf("%s %v old: expired %v path %q file gone %v; want expired %v", w.kind, w.age, r.Expired, r.Path, gone, w.expired)
			}
			if r.Expired != nil && !r.Expired.Equal(now) {
				t.Errorf("recording %d expired at %v, want %v", r.ID, r.Expired, now)
			}
			evs, err := tx.ChatEvents(recs[i].ChatID)
			if err != nil {
				return err
			}
			var got []api.RecordingDeleted
			for _, e := range evs {
				if e.Type == api.EvRecordingDeleted {
					var d api.RecordingDeleted
					if err := json.Unmarshal(e.Data, &d); err != nil {
						return err
					}
					got = append(got, d)
				}
			}
			wantDays := 30
			if w.kind == api.RecordingVoicemail {
				wantDays = 7
			}
			switch {
			case !w.expired && len(got) != 0:
				t.Errorf("recording %d kept but has deletion events %+v", r.ID, got)
			case w.expired && (len(got) != 1 || got[0].RecordingID != r.ID || got[0].Kind != w.kind || got[0].Days != wantDays || got[0].Reason != "retention"):
				t.Errorf("recording %d deletion events %+v", r.ID, got)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := recording.Sweep(ctx, db, "", now.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("second sweep: %d, %v", n, err)
	}
	// Two days later the 6-day voicemail and the 29-day call recording are due.
	if n, err := recording.Sweep(ctx, db, "", now.Add(2*day)); err != nil || n != 2 {
		t.Fatalf("sweep two days later: %d, %v; want 2", n, err)
	}
	if n, err := recording.Sweep(ctx, db, "node-b", now); err != nil || n != 1 {
		t.Fatalf("node-b's sweep: %d, %v; want its 90-day call recording", n, err)
	}
}
