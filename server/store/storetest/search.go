package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

func testSearchFiltersAndPaging(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
	f := seed(t, db)
	ctx := context.Background()
	var other api.Channel
	err := db.Update(ctx, func(tx store.Tx) error {
		other = api.Channel{Name: "sales"}
		if err := tx.CreateChannel(&other); err != nil {
			return err
		}
		for i := 0; i < 30; i++ {
			c := api.Chat{ChannelID: f.channel.ID, Customer: api.Customer{Number: fmt.Sprintf("+49170%04d", i), Name: fmt.Sprintf("Kunde %d", i)}}
			if i%3 == 0 {
				c.Missed, c.MissedReason, c.State = true, api.ReasonNoOperator, api.ChatClosed
			}
			if i%5 == 0 {
				c.Tags = []string{"vip"}
			}
			if i == 7 {
				c.ChannelID = other.ID
				c.AssigneeID = &f.staff.ID
			}
			if err := tx.CreateChat(&c); err != nil {
				return err
			}
			if i == 11 {
				if err := tx.AddMemo(&api.Memo{ChatID: c.ID, StaffID: f.staff.ID, Text: "Kündigung angedroht"}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	search := func(q api.ChatQuery, channels []int64) api.ChatList {
		t.Helper()
		var l api.ChatList
		if err := db.View(ctx, func(tx store.Tx) (err error) { l, err = tx.SearchChats(q, channels); return }); err != nil {
			t.Fatal(err)
		}
		return l
	}
	if l := search(api.ChatQuery{Missed: &yes, Reason: api.ReasonNoOperator}, nil); len(l.Chats) != 10 {
		t.Errorf("missed: %d chats", len(l.Chats))
	}
	if l := search(api.ChatQuery{Tag: "vip"}, nil); len(l.Chats) != 6 {
		t.Errorf("tag: %d chats", len(l.Chats))
	}
	if l := search(api.ChatQuery{Tag: "vip", State: api.ChatClosed}, nil); len(l.Chats) != 2 { // 0, 15
		t.Errorf("tag+state: %d chats", len(l.Chats))
	}
	if l := search(api.ChatQuery{}, []int64{other.ID}); len(l.Chats) != 1 || l.Chats[0].ChannelID != other.ID {
		t.Errorf("channel restriction: %+v", l.Chats)
	}
	if l := search(api.ChatQuery{AssigneeID: &f.staff.ID}, nil); len(l.Chats) != 1 {
		t.Errorf("assignee: %d", len(l.Chats))
	}
	if l := search(api.ChatQuery{}, []int64{}); len(l.Chats) != 0 {
		t.Errorf("no channels: %d", len(l.Chats))
	}
	for q, want := range map[string]int{"kunde 2": 11, "müller": 1, "0017": 1, "KÜNDIGUNG": 1, "+49170": 31, "Ku": 30, "17": 31} {
		if l := search(api.ChatQuery{Q: q, Limit: 100}, nil); len(l.Chats) != want {
			t.Errorf("q=%q: %d chats, want %d", q, len(l.Chats), want)
		}
	}
	// Pages of 7 visit every chat once, newest first.
	seen := map[int64]bool{}
	cursor, last := "", int64(1<<62)
	for pages := 0; ; pages++ {
		l := search(api.ChatQuery{Limit: 7, Cursor: cursor}, nil)
		for _, c := range l.Chats {
			if seen[c.ID] || c.ID >= last {
				t.Fatalf("chat %d repeated or out of order", c.ID)
			}
			seen[c.ID], last = true, c.ID
		}
		if l.NextCursor == "" {
			break
		}
		cursor = l.NextCursor
	}
	if len(seen) != 31 {
		t.Errorf("paged through %d chats, want 31", len(seen))
	}
	var err2 error
	db.View(ctx, func(tx store.Tx) error { _, err2 = tx.SearchChats(api.ChatQuery{Cursor: "abc"}, nil); return nil })
	if api.CodeOf(err2) != api.CodeBadRequest {
		t.Errorf("bad cursor: %v", err2)
	}
	from := time.Now().Add(-time.Hour)
	to := time.Now().Add(time.Hour)
	if l := search(api.ChatQuery{From: &from, To: &to, Limit: 100}, nil); len(l.Chats) != 31 {
		t.Errorf("date range: %d", len(l.Chats))
	}
	if l := search(api.ChatQuery{To: &from}, nil); len(l.Chats) != 0 {
		t.Errorf("date range before: %d", len(l.Chats))
	}
}

func testSnoozesAndOpenedPhoneChats(t *testing.T, h Harness) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	db := h.Open(t, Options{Now: func() time.Time { return now }})
	f := seed(t, db)
	ctx := context.Background()
	err := db.Update(ctx, func(tx store.Tx) error {
		c, err := tx.Chat(f.chat.ID)
		if err != nil {
			return err
		}
		call := api.Call{ChatID: c.ID, ChannelID: c.ChannelID, Direction: api.Inbound, State: api.CallEnded}
		if err := tx.CreateCall(&call); err != nil {
			return err
		}
		c.AssigneeID, c.LastCallID = &f.staff.ID, &call.ID
		if err := tx.UpdateChat(&c); err != nil {
			return err
		}
		n, err := tx.OpenedPhoneChats(f.channel.ID)
		if err != nil || n[f.staff.ID] != 1 {
			t.Errorf("opened phone chats = %v %v", n, err)
		}
		until := now.Add(time.Minute)
		c.State, c.SnoozedUntil = api.ChatSnoozed, &until
		if err := tx.UpdateChat(&c); err != nil {
			return err
		}
		if n, _ := tx.OpenedPhoneChats(f.channel.ID); len(n) != 0 {
			t.Errorf("snoozed chat still counted: %v", n)
		}
		if due, _ := tx.DueSnoozes(now); len(due) != 0 {
			t.Errorf("due too early: %v", due)
		}
		if due, _ := tx.DueSnoozes(until); len(due) != 1 || due[0] != c.ID {
			t.Errorf("due = %v", due)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
