package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

func TestListCallsPagesNewestFirst(t *testing.T) {
	db, _ := openTest(t)
	f := seed(t, db)
	ctx := context.Background()
	var other api.Channel
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	want := map[int64][]int64{} // channel → call ids, oldest first
	err := db.Update(ctx, func(tx store.Tx) error {
		other = api.Channel{Name: "sales"}
		if err := tx.CreateChannel(&other); err != nil {
			return err
		}
		for i := 0; i < 25; i++ {
			ch := f.channel.ID
			if i%4 == 0 {
				ch = other.ID
			}
			c := api.Call{ChatID: f.chat.ID, ChannelID: ch, Direction: api.Inbound, From: "+4917000",
				State: api.CallEnded, Created: base.Add(time.Duration(i) * time.Hour)}
			if i == 24 {
				c.State = api.CallWaiting // live calls are history too
			}
			if err := tx.CreateCall(&c); err != nil {
				return err
			}
			if err := tx.AddParticipant(c.ID, api.Participant{StaffID: f.staff.ID, Mode: api.ModeTalk}); err != nil {
				return err
			}
			want[ch] = append(want[ch], c.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	list := func(q api.CallQuery, channels []int64) (api.CallList, error) {
		var l api.CallList
		err := db.View(ctx, func(tx store.Tx) (err error) {
			l, err = tx.ListCalls(q, channels)
			return err
		})
		return l, err
	}
	// Page through one channel 4 at a time.
	var got []int64
	q := api.CallQuery{Limit: 4}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		l, err := list(q, []int64{f.channel.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range l.Calls {
			if c.ChannelID != f.channel.ID || len(c.Participants) != 1 {
				t.Fatalf("call %+v", c)
			}
			got = append(got, c.ID)
		}
		if l.NextCursor == "" {
			break
		}
		q.Cursor = l.NextCursor
	}
	ids := want[f.channel.ID]
	if len(got) != len(ids) {
		t.Fatalf("paged %d calls, want %d", len(got), len(ids))
	}
	for i := range got {
		if got[i] != ids[len(ids)-1-i] {
			t.Fatalf("order: got %v, want reverse of %v", got, ids)
		}
	}
	// Both channels, a time window [base+2h, base+6h): calls 2..5.
	from, to := base.Add(2*time.Hour), base.Add(6*time.Hour)
	l, err := list(api.CallQuery{From: &from, To: &to}, []int64{f.channel.ID, other.ID})
	if err != nil || len(l.Calls) != 4 || l.NextCursor != "" || !l.Calls[0].Created.Equal(base.Add(5*time.Hour)) {
		t.Fatalf("window: %+v %v", l, err)
	}
	// A channel filter outside the visible set finds nothing.
	if l, err := list(api.CallQuery{ChannelID: other.ID}, []int64{f.channel.ID}); err != nil || len(l.Calls) != 0 {
		t.Fatalf("hidden channel: %d calls %v", len(l.Calls), err)
	}
	if l, err := list(api.CallQuery{}, nil); err != nil || len(l.Calls) != 25 || l.Calls[0].State != api.CallWaiting {
		t.Fatalf("all: %d calls %v", len(l.Calls), err)
	}
	if l, err := list(api.CallQuery{}, []int64{}); err != nil || len(l.Calls) != 0 {
		t.Fatalf("no channels: %d calls %v", len(l.Calls), err)
	}
	if _, err := list(api.CallQuery{Cursor: "x"}, nil); api.CodeOf(err) != api.CodeBadRequest {
		t.Fatalf("bad cursor: %v", err)
	}
}

// TestChatCountsMatchChats mutates chats at random and checks the counts
// (from the trigger-kept table and from a filtered count) against a tally.
func TestChatCountsMatchChats(t *testing.T) {
	db, _ := openTest(t)
	f := seed(t, db)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	var other api.Channel
	chats := []api.Chat{f.chat}
	err := db.Update(ctx, func(tx store.Tx) error {
		other = api.Channel{Name: "sales"}
		if err := tx.CreateChannel(&other); err != nil {
			return err
		}
		for i := 0; i < 200; i++ {
			c := api.Chat{ChannelID: []int64{f.channel.ID, other.ID}[rng.IntN(2)],
				Customer: api.Customer{Number: fmt.Sprintf("+49171%04d", i%50)}}
			if rng.IntN(3) == 0 {
				c.Tags = []string{"vip"}
			}
			if err := tx.CreateChat(&c); err != nil {
				return err
			}
			chats = append(chats, c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	states := []api.ChatState{api.ChatOpened, api.ChatSnoozed, api.ChatClosed}
	counts := func(q api.ChatQuery, channels []int64) api.ChatCounts {
		t.Helper()
		var c api.ChatCounts
		err := db.View(ctx, func(st store.Tx) (err error) { c, err = st.(*tx).ChatCounts(q, channels); return })
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for round := 0; round < 5; round++ {
		err := db.Update(ctx, func(tx store.Tx) error {
			for i := 0; i < 60; i++ {
				c := &chats[rng.IntN(len(chats))]
				c.State = states[rng.IntN(3)]
				c.Missed = rng.IntN(2) == 0
				c.MissedReason = ""
				if c.Missed {
					c.MissedReason = api.MissedReasons[rng.IntN(len(api.MissedReasons))]
				}
				if rng.IntN(4) == 0 {
					c.AssigneeID = &f.staff.ID
				} else {
					c.AssigneeID = nil
				}
				if c.State == api.ChatSnoozed {
					until := time.Now().Add(time.Hour)
					c.SnoozedUntil = &until
				}
				if err := tx.UpdateChat(c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		tally := func(keep func(api.Chat) bool) api.ChatCounts {
			var w api.ChatCounts
			for _, c := range chats {
				if !keep(c) {
					continue
				}
				switch c.State {
				case api.ChatOpened:
					w.Opened++
				case api.ChatSnoozed:
					w.Snoozed++
				case api.ChatClosed:
					w.Closed++
				}
				if c.Missed {
					w.Missed++
				}
			}
			return w
		}
		all := tally(func(api.Chat) bool { return true })
		if got := counts(api.ChatQuery{State: api.ChatClosed, Cursor: "5"}, nil); got != all {
			t.Fatalf("round %d all: %+v, want %+v", round, got, all)
		}
		one := tally(func(c api.Chat) bool { return c.ChannelID == other.ID })
		if got := counts(api.ChatQuery{Medium: api.MediumPhone}, []int64{other.ID}); got != one {
			t.Fatalf("round %d channel: %+v, want %+v", round, got, one)
		}
		past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		if got := counts(api.ChatQuery{From: &past, To: &future}, nil); got != all {
			t.Fatalf("round %d window: %+v, want %+v", round, got, all)
		}
		if got := counts(api.ChatQuery{From: &future}, nil); got != (api.ChatCounts{}) {
			t.Fatalf("round %d future: %+v", round, got)
		}
		byReason := tally(func(c api.Chat) bool { return c.MissedReason == api.ReasonUserLeft })
		if got := counts(api.ChatQuery{Reason: api.ReasonUserLeft}, nil); got != byReason {
			t.Fatalf("round %d reason: %+v, want %+v", round, got, byReason)
		}
		unassigned := tally(func(c api.Chat) bool { return c.AssigneeID == nil && c.ChannelID == f.channel.ID })
		none := int64(0)
		if got := counts(api.ChatQuery{AssigneeID: &none}, []int64{f.channel.ID}); got != unassigned {
			t.Fatalf("round %d unassigned: %+v, want %+v", round, got, unassigned)
		}
		mine := tally(func(c api.Chat) bool {
			return c.ChannelID == f.channel.ID && c.AssigneeID != nil && len(c.Tags) > 0
		})
		q := api.ChatQuery{AssigneeID: &f.staff.ID, Tag: "vip", ChannelID: f.channel.ID}
		if got := counts(q, []int64{f.channel.ID, other.ID}); got != mine {
			t.Fatalf("round %d filtered: %+v, want %+v", round, got, mine)
		}
	}
	if got := counts(api.ChatQuery{}, []int64{}); got != (api.ChatCounts{}) {
		t.Fatalf("no channels: %+v", got)
	}
	// The table agrees with the chats after deletes too.
	err = db.Update(ctx, func(st store.Tx) error {
		_, err := st.(*tx).exec(`DELETE FROM chats WHERE id = ?`, chats[0].ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var bad int
	err = db.View(ctx, func(st store.Tx) error {
		return st.(*tx).row(`SELECT count(*) FROM (SELECT channel_id, medium, state, missed, missed_reason,
				coalesce(assignee_id, 0) AS assignee_id, count(*) AS n FROM chats GROUP BY 1,2,3,4,5,6) g
			FULL JOIN (SELECT * FROM chat_counts WHERE n <> 0) k USING (channel_id, medium, state, missed, missed_reason, assignee_id)
			WHERE g.n IS NOT k.n`).Scan(&bad)
	})
	if err != nil || bad != 0 {
		t.Fatalf("chat_counts disagrees with chats in %d rows (%v)", bad, err)
	}
}
