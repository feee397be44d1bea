package sqlite

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// The batch reads agree with the per-member ones.
func TestBatchReadsMatchPerMember(t *testing.T) {
	db, _ := openTest(t)
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
	err = db.View(ctx, func(st store.Tx) error {
		tx := st.(*tx)
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

func contains(s []int64, v int64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
