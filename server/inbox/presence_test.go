package inbox

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store/sqlite"
)

func TestSetPresenceWritesChangesOnce(t *testing.T) {
	var mu sync.Mutex
	var announced []api.Event
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"), sqlite.WithOnCommit(func(evs []api.Event) {
		mu.Lock()
		announced = append(announced, evs...)
		mu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := New(db)
	ctx := context.Background()
	var ann api.Staff
	err = db.Update(ctx, func(tx storeTx) error {
		ann = api.Staff{Email: "ann@example.com", Role: api.RoleOperator}
		return tx.CreateStaff(&ann, "x")
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, online := range []bool{true, true, false, false, true} {
		if err := s.SetPresence(ctx, ann.ID, online); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetPresence(ctx, ann.ID+100, true); api.CodeOf(err) != api.CodeNotFound {
		t.Fatalf("unknown staff: %v", err)
	}
	if err := s.SetPresence(ctx, 0, true); api.CodeOf(err) != api.CodeBadRequest {
		t.Fatalf("staff 0: %v", err)
	}
	var got []bool
	err = db.View(ctx, func(tx storeTx) error {
		evs, err := tx.EventsSince(0, 100)
		for _, e := range evs {
			if e.Type != api.EvStaffPresence {
				continue
			}
			var d struct{ Online *bool }
			if e.StaffID != ann.ID || e.ChannelID != 0 || json.Unmarshal(e.Data, &d) != nil || d.Online == nil {
				t.Fatalf("event %+v", e)
			}
			got = append(got, *d.Online)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !got[0] || got[1] || !got[2] {
		t.Fatalf("presence events %v, want [true false true]", got)
	}
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, e := range announced {
		if e.Type == api.EvStaffPresence {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d presence events announced, want 3", n)
	}
}
