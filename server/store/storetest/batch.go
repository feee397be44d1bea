package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

func testBatchReadsMatchPerMember(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
	f := seed(t, db)
	ctx := context.Background()
	var other api.Channel
	var ids []int64
	err := db.Update(ctx, func(st store.Tx) error {
		other = api.Channel{Name: "sales"}
		if err := st.CreateChannel(&other); err != nil {
			return err
		}
		ids = append(ids, f.staff.ID)
		for i := 0; i < 12; i++ {
			s := api.Staff{Email: fmt.Sprintf("op%d@example.com", i), Name: fmt.Sprint("op", i), Role: api.RoleOperator,
				Channels: []int64{f.channel.ID}}
			if i%2 == 0 {
				s.Channels = append(s.Channels, other.ID)
				s.Teams = []int64{f.team.ID}
			}
			if i == 11 {
				s.Channels = []int64{other.ID} // not in the routed channel
			}
			if err := st.CreateStaff(&s, "x"); err != nil {
				return err
			}
			ids = append(ids, s.ID)
			if i%3 == 0 {
				set := api.Settings{DND: i%2 == 0, MuteOnJoin: true, UnassignedCallNotification: map[int64]bool{f.channel.ID: i%4 == 0}}
				if err := st.PutSettings(s.ID, set); err != nil {
					return err
				}
			}
			for j := 0; j < i; j++ {
				c := api.Chat{ChannelID: f.channel.ID, AssigneeID: &s.ID, Customer: api.Customer{Number: fmt.Sprintf("+4915%02d%02d", i, j)}}
				switch j % 3 {
				case 1:
					until := time.Now().Add(time.Hour)
					c.State, c.SnoozedUntil = api.ChatSnoozed, &until
				case 2:
					c.State = api.ChatClosed
				}
				if err := st.CreateChat(&c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx store.Tx) error {
		for _, ch := range []int64{0, f.channel.ID, other.ID} {
			list, err := tx.ListStaff(ch)
			if err != nil {
				return err
			}
			var want []api.Staff
			for _, id := range ids {
				s, err := tx.Staff(id)
				if err != nil {
					return err
				}
				if ch == 0 || contains(s.Channels, ch) {
					want = append(want, s)
				}
			}
			if !reflect.DeepEqual(list, want) {
				t.Errorf("ListStaff(%d) = %+v\nwant %+v", ch, list, want)
			}
		}
		sets, err := tx.ChannelSettings(f.channel.ID)
		if err != nil {
			return err
		}
		members, _ := tx.ListStaff(f.channel.ID)
		if len(sets) != len(members) {
			t.Errorf("%d settings for %d members", len(sets), len(members))
		}
		open, err := tx.OpenChatsByAssignee(f.channel.ID, 4)
		if err != nil {
			return err
		}
		for _, m := range members {
			want, err := tx.Settings(m.ID)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(sets[m.ID], want) {
				t.Errorf("staff %d settings %+v, want %+v", m.ID, sets[m.ID], want)
			}
			n := 0
			for _, state := range []api.ChatState{api.ChatOpened, api.ChatSnoozed} {
				l, err := tx.SearchChats(api.ChatQuery{ChannelID: f.channel.ID, State: state, AssigneeID: &m.ID, Limit: 200}, nil)
				if err != nil {
					return err
				}
				n += len(l.Chats)
			}
			if open[m.ID] != min(n, 4) {
				t.Errorf("staff %d: %d open chats, want %d", m.ID, open[m.ID], min(n, 4))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testCloseMissedChat(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
	f := seed(t, db)
	ctx := context.Background()
	at := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
	err := db.Update(ctx, func(tx store.Tx) error {
		c, err := tx.Chat(f.chat.ID)
		if err != nil {
			return err
		}
		c.State, c.SnoozedUntil, c.AssigneeID = api.ChatSnoozed, &at, &f.staff.ID
		if err := tx.UpdateChat(&c); err != nil {
			return err
		}
		return tx.CloseMissedChat(f.chat.ID, api.ReasonNotInOperation, at)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx store.Tx) error {
		c, err := tx.Chat(f.chat.ID)
		if err != nil {
			return err
		}
		if c.State != api.ChatClosed || c.SnoozedUntil != nil || !c.Missed || c.MissedReason != api.ReasonNotInOperation ||
			c.Closed == nil || !c.Closed.Equal(at) || c.AssigneeID == nil || *c.AssigneeID != f.staff.ID {
			t.Errorf("chat after CloseMissedChat: %+v", c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx store.Tx) error {
		return tx.CloseMissedChat(f.chat.ID+1000, api.ReasonNoOperator, at)
	})
	if !errors.Is(err, api.ErrNotFound) {
		t.Errorf("unknown chat: err %v, want not found", err)
	}
}

func testListCallsPagesNewestFirst(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
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

func testChatCountsMatchChats(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
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
		err := db.View(ctx, func(st store.Tx) (err error) { c, err = st.ChatCounts(q, channels); return })
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
	if err := h.DeleteChat(db, chats[0].ID); err != nil {
		t.Fatal(err)
	}
	bad, err := h.CountsDrift(db)
	if err != nil || bad != 0 {
		t.Fatalf("chat_counts disagrees with chats in %d rows (%v)", bad, err)
	}
}
