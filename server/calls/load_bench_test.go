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

// plainStore hides the sqlite transaction's optional batch methods, so
// loadView takes the per-member path.
type plainStore struct{ store.Store }

func (p plainStore) View(ctx context.Context, fn func(store.Tx) error) error {
	return p.Store.View(ctx, func(tx store.Tx) error { return fn(struct{ store.Tx }{tx}) })
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
		if _, ok := any(struct{ store.Tx }{}).(channelBatch); ok {
			t.Fatal("the wrapper does not hide the batch methods")
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
