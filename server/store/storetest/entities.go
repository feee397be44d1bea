package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

func testEntitiesRoundTrip(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
	f := seed(t, db)
	ctx := context.Background()
	err := db.View(ctx, func(tx store.Tx) error {
		c, err := tx.ChannelByNumber("+4930123")
		if err != nil {
			return err
		}
		if c.ID != f.channel.ID || c.Timezone != "Europe/Berlin" || c.RingTimeoutS != 20 || len(c.Numbers) != 1 {
			t.Errorf("channel = %+v", c)
		}
		s, hash, err := tx.StaffByEmail("ANN@example.com")
		if err != nil {
			return err
		}
		if hash != "hash" || s.ID != f.staff.ID || len(s.Channels) != 1 || len(s.Teams) != 1 {
			t.Errorf("staff = %+v %q", s, hash)
		}
		tm, err := tx.TeamByName(f.channel.ID, "first line")
		if err != nil {
			return err
		}
		if !tm.AutoAssign || tm.Strategy != api.StrategyLongestIdle || len(tm.Members) != 1 {
			t.Errorf("team = %+v", tm)
		}
		ch, err := tx.Chat(f.chat.ID)
		if err != nil {
			return err
		}
		if ch.Customer.Name != "Bob Müller" || ch.State != api.ChatOpened || ch.Medium != api.MediumPhone {
			t.Errorf("chat = %+v", ch)
		}
		set, err := tx.Settings(f.staff.ID)
		if err != nil {
			return err
		}
		if set.DND || !set.NotificationOn(f.channel.ID) {
			t.Errorf("default settings = %+v", set)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx store.Tx) error {
		if err := tx.PutSettings(f.staff.ID, api.Settings{DND: true, UnassignedCallNotification: map[int64]bool{f.channel.ID: false}}); err != nil {
			return err
		}
		if err := tx.AddTag(f.chat.ID, "vip"); err != nil {
			return err
		}
		if err := tx.AddFollower(f.chat.ID, f.staff.ID); err != nil {
			return err
		}
		if err := tx.AddMemo(&api.Memo{ChatID: f.chat.ID, StaffID: f.staff.ID, Text: "wants a refund"}); err != nil {
			return err
		}
		cb := api.Chat{ChannelID: f.channel.ID, Customer: api.Customer{ID: f.chat.Customer.ID}, CallbackOf: &f.chat.ID}
		if err := tx.CreateChat(&cb); err != nil {
			return err
		}
		call := api.Call{ChatID: cb.ID, ChannelID: f.channel.ID, Direction: api.Outbound, To: "+4917000", State: api.CallDialing, Node: "n1"}
		if err := tx.CreateCall(&call); err != nil {
			return err
		}
		if err := tx.AddRingAttempt(call.ID, api.RingAttempt{StaffID: f.staff.ID}); err != nil {
			return err
		}
		if err := tx.EndRingAttempt(call.ID, f.staff.ID, time.Now(), api.RingAccepted); err != nil {
			return err
		}
		if err := tx.AddParticipant(call.ID, api.Participant{StaffID: f.staff.ID, Mode: api.ModeTalk}); err != nil {
			return err
		}
		now := time.Now()
		call.State, call.Answered = api.CallActive, &now
		return tx.UpdateCall(&call)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx store.Tx) error {
		set, _ := tx.Settings(f.staff.ID)
		if !set.DND || set.NotificationOn(f.channel.ID) {
			t.Errorf("settings = %+v", set)
		}
		ch, err := tx.Chat(f.chat.ID)
		if err != nil {
			return err
		}
		if len(ch.Tags) != 1 || len(ch.Followers) != 1 || len(ch.Callbacks) != 1 {
			t.Errorf("chat = %+v", ch)
		}
		cb, err := tx.Chat(ch.Callbacks[0])
		if err != nil {
			return err
		}
		if cb.CallbackOf == nil || *cb.CallbackOf != f.chat.ID {
			t.Errorf("callback chat = %+v", cb)
		}
		calls, err := tx.ChatCalls(cb.ID)
		if err != nil {
			return err
		}
		if len(calls) != 1 || calls[0].Answered == nil || len(calls[0].RingAttempts) != 1 ||
			calls[0].RingAttempts[0].Outcome != api.RingAccepted || len(calls[0].Participants) != 1 {
			t.Errorf("calls = %+v", calls)
		}
		live, err := tx.LiveCalls(0)
		if err != nil || len(live) != 1 || live[0].Node != "n1" {
			t.Errorf("live = %+v %v (want one call of node n1)", live, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testErrorsCarryCodes(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
	f := seed(t, db)
	ctx := context.Background()
	cases := []struct {
		name string
		fn   func(store.Tx) error
		code api.Code
	}{
		{"missing chat", func(tx store.Tx) error { _, err := tx.Chat(999); return err }, api.CodeNotFound},
		{"taken email", func(tx store.Tx) error {
			return tx.CreateStaff(&api.Staff{Email: "ann@example.com", Role: api.RoleAdmin}, "x")
		}, api.CodeConflict},
		{"number of another channel", func(tx store.Tx) error {
			c := api.Channel{Name: "sales"}
			if err := tx.CreateChannel(&c); err != nil {
				return err
			}
			return tx.AddNumber(c.ID, "+4930123")
		}, api.CodeConflict},
		{"duplicate channel", func(tx store.Tx) error { return tx.CreateChannel(&api.Channel{Name: "support"}) }, api.CodeConflict},
		{"remove absent tag", func(tx store.Tx) error { return tx.RemoveTag(f.chat.ID, "nope") }, api.CodeNotFound},
		{"foreign key", func(tx store.Tx) error {
			return tx.AddMemo(&api.Memo{ChatID: f.chat.ID, StaffID: 4242, Text: "x"})
		}, api.CodeNotFound},
		{"update missing call", func(tx store.Tx) error { return tx.UpdateCall(&api.Call{ID: 77}) }, api.CodeNotFound},
		{"no guidance", func(tx store.Tx) error { _, err := tx.Guidance(f.channel.ID, api.GuidanceWait); return err }, api.CodeNotFound},
	}
	for _, c := range cases {
		err := db.Update(ctx, c.fn)
		if got := api.CodeOf(err); got != c.code {
			t.Errorf("%s: code %s (%v), want %s", c.name, got, err, c.code)
		}
	}
	// Nothing of the failed transactions was kept.
	db.View(ctx, func(tx store.Tx) error {
		if _, err := tx.ChannelByName("sales"); api.CodeOf(err) != api.CodeNotFound {
			t.Errorf("rolled back channel exists: %v", err)
		}
		return nil
	})
}

func testOnCommitOrderAndRollback(t *testing.T, h Harness) {
	var mu sync.Mutex
	var got []int64
	db := h.Open(t, Options{OnCommit: func(evs []api.Event) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range evs {
			got = append(got, e.ID)
		}
	}})
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			err := db.Update(ctx, func(tx store.Tx) error {
				for j := 0; j < 3; j++ {
					if err := tx.Append(&api.Event{Type: api.EvChannelUpdated}); err != nil {
						return err
					}
				}
				if i%4 == 0 {
					return errors.New("rollback on purpose")
				}
				return nil
			})
			if (err != nil) != (i%4 == 0) {
				t.Errorf("update %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	if len(got) != 15*3 {
		t.Fatalf("got %d committed events, want 45", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("events out of order: %v", got)
		}
	}
	db.View(ctx, func(tx store.Tx) error {
		evs, err := tx.EventsSince(0, 0)
		if err != nil || len(evs) != 45 {
			t.Errorf("stored %d events (%v)", len(evs), err)
		}
		return nil
	})
}
