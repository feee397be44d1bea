package calls

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// BenchmarkLoadChannel measures reading one channel's routing view (staff,
// settings, opened phone chats, open chats for fewest-open-chats) from
// SQLite with 200 members: what every routing pass over a channel pays.
func BenchmarkLoadChannel(b *testing.B) {
	for _, strategy := range []api.Strategy{"", api.StrategyFewestOpenChats} {
		b.Run(fmt.Sprintf("strategy=%s", strategy), func(b *testing.B) {
			db := openSQLite(b)
			e := newEnv(b, db, strategy, nil)
			for i := range 200 {
				id := e.addStaff(b, fmt.Sprint("op", i), api.RoleOperator)
				if i%3 == 0 {
					e.settings(b, id, func(s *api.Settings) { s.DND = true })
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				v, err := loadView(e.ctx, db, e.ch.ID)
				if err != nil || len(v.staff) != 200 {
					b.Fatalf("%d staff, %v", len(v.staff), err)
				}
			}
		})
	}
}

// plainStore answers the channel-wide reads member by member (Settings
// and SearchChats per member), so loadView's view can be checked against
// the per-member one.
type plainStore struct{ store.Store }

func (p plainStore) View(ctx context.Context, fn func(store.Tx) error) error {
	return p.Store.View(ctx, func(tx store.Tx) error { return fn(perMemberTx{tx}) })
}

type perMemberTx struct{ store.Tx }

func (t perMemberTx) ChannelSettings(channelID int64) (map[int64]api.Settings, error) {
	staff, err := t.ListStaff(channelID)
	if err != nil {
		return nil, err
	}
	out := map[int64]api.Settings{}
	for _, s := range staff {
		if out[s.ID], err = t.Settings(s.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t perMemberTx) OpenChatsByAssignee(channelID int64, limit int) (map[int64]int, error) {
	staff, err := t.ListStaff(channelID)
	if err != nil {
		return nil, err
	}
	out := map[int64]int{}
	for _, s := range staff {
		id := s.ID
		for _, st := range []api.ChatState{api.ChatOpened, api.ChatSnoozed} {
			q := api.ChatQuery{ChannelID: channelID, State: st, AssigneeID: &id, Limit: 100}
			for pages := 0; pages < 5; pages++ {
				l, err := t.SearchChats(q, nil)
				if err != nil {
					return nil, err
				}
				out[id] += len(l.Chats)
				if l.NextCursor == "" {
					break
				}
				q.Cursor = l.NextCursor
			}
		}
		if out[id] == 0 {
			delete(out, id)
		} else if limit > 0 && out[id] > limit {
			out[id] = limit
		}
	}
	return out, nil
}

// The batch reads build the same routing view as the per-member ones.
func TestLoadViewBatchMatchesPerMember(t *testing.T) {
	for _, strategy := range []api.Strategy{"", api.StrategyFewestOpenChats} {
		db := openSQLite(t)
		e := newEnv(t, db, strategy, nil)
		for i := range 9 {
			id := e.addStaff(t, fmt.Sprint("op", i), api.RoleOperator)
			e.settings(t, id, func(s *api.Settings) {
				s.DND = i%2 == 0
				s.UnassignedCallNotification = map[int64]bool{e.ch.ID: i%3 != 0}
			})
			must(t, db.Update(e.ctx, func(tx store.Tx) error {
				for j := 0; j < i; j++ {
					c := api.Chat{ChannelID: e.ch.ID, AssigneeID: &id, Customer: api.Customer{Number: fmt.Sprintf("+4916%d%d", i, j)}}
					if err := tx.CreateChat(&c); err != nil {
						return err
					}
				}
				return nil
			}))
		}
		batch, err := loadView(e.ctx, db, e.ch.ID)
		must(t, err)
		plain, err := loadView(e.ctx, plainStore{db}, e.ch.ID)
		must(t, err)
		if len(batch.staff) != 9 || !reflect.DeepEqual(batch.staff, plain.staff) {
			t.Fatalf("strategy %q: batch view %+v\nper-member view %+v", strategy, batch.staff, plain.staff)
		}
		if strategy != "" && batch.staff[8].OpenChats != 8 {
			t.Fatalf("open chats %d, want 8", batch.staff[8].OpenChats)
		}
	}
}
