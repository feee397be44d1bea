package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/storetest"
)

// TestStore runs the shared store suite on SQLite.
func TestStore(t *testing.T) {
	open := func(t *testing.T, path string, o storetest.Options) store.DB {
		var opts []Option
		if o.OnCommit != nil {
			opts = append(opts, WithOnCommit(o.OnCommit))
		}
		if o.Now != nil {
			opts = append(opts, WithClock(o.Now))
		}
		db, err := Open(path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T, o storetest.Options) store.DB {
			return open(t, filepath.Join(t.TempDir(), "meet.db"), o)
		},
		Reopen: func(t *testing.T, st store.DB, o storetest.Options) store.DB {
			return open(t, st.(*DB).Path(), o)
		},
		DeleteChat: func(st store.DB, chatID int64) error {
			return st.Update(t.Context(), func(st store.Tx) error {
				_, err := st.(*tx).exec(`DELETE FROM chats WHERE id = ?`, chatID)
				return err
			})
		},
		CountsDrift: func(st store.DB) (bad int, err error) {
			err = st.View(t.Context(), func(st store.Tx) error {
				return st.(*tx).row(`SELECT count(*) FROM (SELECT channel_id, medium, state, missed, missed_reason,
						coalesce(assignee_id, 0) AS assignee_id, count(*) AS n FROM chats GROUP BY 1,2,3,4,5,6) g
					FULL JOIN (SELECT * FROM chat_counts WHERE n <> 0) k USING (channel_id, medium, state, missed, missed_reason, assignee_id)
					WHERE g.n IS NOT k.n`).Scan(&bad)
			})
			return bad, err
		},
	})
}
