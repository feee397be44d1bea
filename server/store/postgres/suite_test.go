package postgres

import (
	"context"
	"testing"

	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/postgres/pgtest"
	"github.com/meet-dev/meet/server/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func openOpts(o storetest.Options) []Option {
	opts := []Option{WithLogger(quiet)}
	if o.OnCommit != nil {
		opts = append(opts, WithOnCommit(o.OnCommit))
	}
	if o.Now != nil {
		opts = append(opts, WithClock(o.Now))
	}
	return opts
}

func openURL(t *testing.T, url string, opts ...Option) *DB {
	t.Helper()
	db, err := Open(context.Background(), url, append([]Option{WithLogger(quiet)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// migratedURL is a new database with the schema applied (copied from a
// template migrated once per test binary).
func migratedURL(t testing.TB) string {
	return pgtest.URLFrom(t, "migrated", func(url string) error {
		db, err := Open(context.Background(), url, WithLogger(quiet))
		if err != nil {
			return err
		}
		return db.Close()
	})
}

// TestStore runs the shared store suite on Postgres.
func TestStore(t *testing.T) {
	urls := map[store.DB]string{}
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T, o storetest.Options) store.DB {
			url := migratedURL(t)
			db := openURL(t, url, openOpts(o)...)
			urls[db] = url
			return db
		},
		Reopen: func(t *testing.T, st store.DB, o storetest.Options) store.DB {
			return openURL(t, urls[st], openOpts(o)...)
		},
		DeleteChat: func(st store.DB, chatID int64) error {
			_, err := st.(*DB).pool.Exec(context.Background(), `DELETE FROM chats WHERE id = $1`, chatID)
			return err
		},
		CountsDrift: func(st store.DB) (bad int, err error) {
			err = st.(*DB).pool.QueryRow(context.Background(), `SELECT count(*) FROM (SELECT channel_id, medium, state, missed, missed_reason,
					coalesce(assignee_id, 0) AS assignee_id, count(*) AS n FROM chats GROUP BY 1,2,3,4,5,6) g
				FULL JOIN (SELECT * FROM chat_counts WHERE n <> 0) k USING (channel_id, medium, state, missed, missed_reason, assignee_id)
				WHERE g.n IS DISTINCT FROM k.n`).Scan(&bad)
			return bad, err
		},
	})
}
