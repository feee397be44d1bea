package inbox

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlite"
)

func TestParseWeekly(t *testing.T) {
	spans, err := ParseWeekly("mon-fri 09:00-12:00 13:00-18:00; sat+sun 22:00-02:00")
	if err != nil {
		t.Fatal(err)
	}
	if len(spans) != 12 || spans[0] != (api.Span{Day: time.Monday, Start: "09:00", End: "12:00"}) ||
		spans[11] != (api.Span{Day: time.Sunday, Start: "22:00", End: "02:00"}) {
		t.Fatalf("spans = %+v", spans)
	}
	if spans, _ := ParseWeekly("daily 00:00-24:00"); len(spans) != 7 {
		t.Fatalf("daily: %+v", spans)
	}
	if spans, _ := ParseWeekly("fri-mon 10:00-11:00"); len(spans) != 4 {
		t.Fatalf("wrapping range: %+v", spans)
	}
	for _, bad := range []string{"", "mon", "funday 09:00-10:00", "mon 9-10", "mon 24:00-02:00", "mon 25:00-26:00", "mon 09:00"} {
		if _, err := ParseWeekly(bad); api.CodeOf(err) != api.CodeBadRequest {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if err := ValidateHours(api.Hours{Holidays: []string{"2026-13-01"}}); err == nil {
		t.Error("bad holiday accepted")
	}
}

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "correct horse") || CheckPassword(h, "correct hose") || CheckPassword("garbage", "x") {
		t.Fatal("password check wrong")
	}
	if _, err := HashPassword("short"); api.CodeOf(err) != api.CodeBadRequest {
		t.Fatalf("short password: %v", err)
	}
}

func TestChatTransitions(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"), sqlite.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := New(db, WithClock(func() time.Time { return now }))
	ctx := context.Background()
	ch, err := s.CreateChannel(ctx, 0, api.Channel{Name: "c"})
	if err != nil {
		t.Fatal(err)
	}
	var chat api.Chat
	db.Update(ctx, func(tx storeTx) error {
		chat = api.Chat{ChannelID: ch.ID, Customer: api.Customer{Number: "+1555"}}
		return tx.CreateChat(&chat)
	})
	st := func(s api.ChatState) *api.ChatState { return &s }
	past, future := now.Add(-time.Minute), now.Add(time.Hour)
	steps := []struct {
		p    api.ChatPatch
		code api.Code
		want api.ChatState
	}{
		{api.ChatPatch{State: st(api.ChatOpened)}, api.CodeInvalidTransition, ""},
		{api.ChatPatch{State: st(api.ChatSnoozed)}, api.CodeBadRequest, ""},
		{api.ChatPatch{State: st(api.ChatSnoozed), SnoozedUntil: &past}, api.CodeBadRequest, ""},
		{api.ChatPatch{State: st("lost")}, api.CodeBadRequest, ""},
		{api.ChatPatch{SnoozedUntil: &future}, api.CodeBadRequest, ""},
		{api.ChatPatch{}, api.CodeBadRequest, ""},
		{api.ChatPatch{State: st(api.ChatSnoozed), SnoozedUntil: &future}, "", api.ChatSnoozed},
		{api.ChatPatch{SnoozedUntil: &future}, "", api.ChatSnoozed},
		{api.ChatPatch{State: st(api.ChatClosed)}, "", api.ChatClosed},
		{api.ChatPatch{State: st(api.ChatClosed)}, api.CodeInvalidTransition, ""},
		{api.ChatPatch{State: st(api.ChatSnoozed), SnoozedUntil: &future}, "", api.ChatSnoozed},
	}
	for i, step := range steps {
		c, err := s.PatchChat(ctx, 0, chat.ID, step.p)
		if api.CodeOf(err) != step.code && !(err == nil && step.code == "") {
			t.Fatalf("step %d: %v, want %s", i, err, step.code)
		}
		if err == nil && c.State != step.want {
			t.Fatalf("step %d: state %s, want %s", i, c.State, step.want)
		}
	}
	now = future
	if n, err := s.WakeDueSnoozes(ctx); n != 1 || err != nil {
		t.Fatalf("woke %d (%v)", n, err)
	}
	db.View(ctx, func(tx storeTx) error {
		c, _ := tx.Chat(chat.ID)
		if c.State != api.ChatOpened || c.SnoozedUntil != nil || c.Closed != nil {
			t.Errorf("after wake: %+v", c)
		}
		evs, _ := tx.ChatEvents(chat.ID)
		if len(evs) != 5 { // snoozed, re-snoozed, closed, snoozed, woke
			t.Errorf("%d chat events", len(evs))
		}
		return nil
	})
}

type storeTx = store.Tx
