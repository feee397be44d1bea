package cluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/cluster"
	"github.com/meet-dev/meet/server/cluster/natstest"
	"github.com/meet-dev/meet/server/store"
)

// TestRecordingsArchive: node a archives a recording on its disk when its
// event comes; node b, whose disk lacks the file, opens it from the
// archive (the same bytes, and the spooled copy is gone once closed);
// retention's recording.deleted removes the archived copy; a recording
// nobody archived is fs.ErrNotExist.
func TestRecordingsArchive(t *testing.T) {
	srv := natstest.Start(t)
	db := testDB(t)
	callID := storedCall(t, db, "a", api.CallEnded, "support")
	content := bytes.Repeat([]byte("RIFF-not-really-a-wav "), 50000) // ~1 MB: several chunks
	path := filepath.Join(t.TempDir(), "vm.wav")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	var rec api.Recording
	err := db.Update(context.Background(), func(tx store.Tx) error {
		c, err := tx.Call(callID)
		if err != nil {
			return err
		}
		rec = api.Recording{ChatID: c.ChatID, CallID: c.ID, ChannelID: c.ChannelID, Kind: api.RecordingVoicemail,
			Path: path, DurationMS: 1000, Bytes: int64(len(content)), Created: time.Now()}
		return tx.AddRecording(&rec)
	})
	if err != nil {
		t.Fatal(err)
	}
	node := func() *cluster.Recordings {
		nc, err := nats.Connect(srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		r, err := cluster.NewRecordings(context.Background(), nc, db, quiet())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := node(), node()
	data, _ := json.Marshal(map[string]any{"recording_id": rec.ID})
	a.Watch([]api.Event{{Type: api.EvCallVoicemail, CallID: callID, Data: data}})
	a.Close() // finishes the queued upload

	if err := os.Remove(path); err != nil { // b's disk: no file
		t.Fatal(err)
	}
	f, err := b.Open(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("archived copy: %d bytes, want %d (%v)", len(got), len(content), err)
	}
	spool := f.(interface{ Name() string }).Name()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(spool); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("spooled copy %s left behind: %v", spool, err)
	}

	b.Watch([]api.Event{{Type: api.EvRecordingDeleted, CallID: callID, Data: data}})
	b.Close()
	c := node()
	defer c.Close()
	if _, err := c.Open(context.Background(), rec); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("after recording.deleted: %v, want fs.ErrNotExist", err)
	}
}
