package postgres

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/postgres/pgtest"
)

const benchChats = 1_000_000

// generate fills a migrated database with n chats on the server side (the
// SQLite benchmark's shape): 3 channels, n/5 customers with two of 30
// names, 40 % missed (spread over the reasons), 10 % opened, 3 % snoozed, a
// tag on ~10 %, a memo on ~5 % (every 5000th "escalated to legal").
// Indexes are built after the load and chat_counts computed once.
func generate(ctx context.Context, url string, n int) error {
	db, err := Open(ctx, url, WithLogger(quiet))
	if err != nil {
		return err
	}
	err = db.Update(ctx, func(st store.Tx) error {
		for i := 1; i <= 3; i++ {
			if err := st.CreateChannel(&api.Channel{Name: fmt.Sprintf("channel-%d", i)}); err != nil {
				return err
			}
		}
		return st.CreateStaff(&api.Staff{Email: "bench@example.com", Role: api.RoleOperator, Channels: []int64{1, 2, 3}}, "x")
	})
	db.Close()
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	var idx []string
	rows, err := pool.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('chats', 'chat_tags', 'memos', 'customers')
		AND indexname NOT IN (SELECT conname FROM pg_constraint)`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return err
		}
		names, idx = append(names, name), append(idx, def)
	}
	rows.Close()
	steps := []string{`SELECT setseed(0.42)`, `ALTER TABLE chats DISABLE TRIGGER USER`}
	for _, n := range names {
		steps = append(steps, `DROP INDEX `+n)
	}
	customers := n / 5
	steps = append(steps,
		fmt.Sprintf(`INSERT INTO customers(id, number, name, name_lc)
			SELECT i, '+8190' || lpad(i::text, 8, '0'), nm, lower(nm) FROM (
				SELECT i, (%[1]s)[1 + floor(random() * 30)::int] || ' ' || (%[1]s)[1 + floor(random() * 30)::int] AS nm
				FROM generate_series(1, %[2]d) i) g`, benchNamesArray, customers),
		fmt.Sprintf(`INSERT INTO chats(id, channel_id, medium, state, assignee_id, customer_id, missed, missed_reason, created, updated, closed)
			SELECT i, 1 + floor(random() * 3)::int, 'phone',
				CASE WHEN r < 40 THEN 'closed' WHEN r < 50 THEN 'opened' WHEN r < 53 THEN 'snoozed' ELSE 'closed' END,
				CASE WHEN r < 40 THEN NULL ELSE 1 END, 1 + floor(random() * %[2]d)::int, r < 40,
				CASE WHEN r < 40 THEN (ARRAY['notInOperation', 'userLeft', 'noOperator', 'ringTimeout'])[1 + r %% 4] ELSE '' END,
				c, c, c
			FROM (SELECT i, floor(random() * 100)::int AS r, %[3]d + i * %[4]d AS c FROM generate_series(1, %[1]d) i) g`,
			n, customers, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano(), int64(30*time.Second)),
		fmt.Sprintf(`INSERT INTO chat_tags(tag, chat_id) SELECT (ARRAY['vip', 'blacklist', 'callback', 'billing', 'complaint', 'sales-lead'])[1 + floor(random() * 6)::int], i
			FROM generate_series(1, %d) i WHERE random() < 0.1`, n),
		fmt.Sprintf(`INSERT INTO memos(chat_id, staff_id, text, text_lc, created)
			SELECT i, 1, t, lower(t), 0 FROM (
				SELECT i, 'customer asked about order ' || floor(random() * 1000000)::int || ' and the '
					|| (ARRAY['vip', 'blacklist', 'callback', 'billing', 'complaint', 'sales-lead'])[1 + floor(random() * 6)::int]
					|| ' invoice' || CASE WHEN row_number() OVER (ORDER BY i) %% 5000 = 0 THEN ' — escalated to legal' ELSE '' END AS t
				FROM generate_series(1, %d) i WHERE random() < 0.05) g`, n),
		`SELECT setval(pg_get_serial_sequence('chats', 'id'), (SELECT max(id) FROM chats))`,
		`SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT max(id) FROM customers))`,
		`INSERT INTO chat_counts(channel_id, medium, state, missed, missed_reason, assignee_id, n)
			SELECT channel_id, medium, state, missed, missed_reason, coalesce(assignee_id, 0), count(*) FROM chats GROUP BY 1, 2, 3, 4, 5, 6`,
		`ALTER TABLE chats ENABLE TRIGGER USER`)
	steps = append(steps, idx...)
	steps = append(steps, `ANALYZE`)
	conn, err := pool.Acquire(ctx) // one session: setseed holds for it
	if err != nil {
		return err
	}
	defer conn.Release()
	for _, s := range steps {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%.60s…: %w", s, err)
		}
	}
	return nil
}

var benchNamesArray = `ARRAY['Tanaka', 'Suzuki', 'Sato', 'Takahashi', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura', 'Kobayashi',
	'Kato', 'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann',
	'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez']`

// BenchmarkSearch1M measures the first page (50 chats) of inbox searches
// over 1,000,000 chats on a local Postgres (loopback TCP, fsync off, 256 MB
// shared buffers) and reports p50/p99 wall latency in ms: the same cases as
// the SQLite store's benchmark. The database is generated on each run.
// Run: go test -run XXX -bench Search1M ./server/store/postgres/
func BenchmarkSearch1M(b *testing.B) {
	if testing.Short() {
		b.Skip("generates a 1,000,000-chat database")
	}
	ctx := context.Background()
	// A server's usual buffer size (the tests' default is small for a fast
	// start); effective when the benchmark starts the server, as with -run XXX.
	pgtest.Settings = append(pgtest.Settings, "shared_buffers=256MB")
	url := migratedURL(b)
	start := time.Now()
	if err := generate(ctx, url, benchChats); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d chats in %s", benchChats, time.Since(start).Round(time.Second))
	db, err := Open(ctx, url, WithLogger(quiet))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	yes := true
	cases := []struct {
		name     string
		q        api.ChatQuery
		channels []int64
	}{
		{"missed_noOperator", api.ChatQuery{Missed: &yes, Reason: api.ReasonNoOperator}, nil},
		{"missed_noOperator_operator2ch", api.ChatQuery{Missed: &yes, Reason: api.ReasonNoOperator}, []int64{1, 2}},
		{"tag_vip", api.ChatQuery{Tag: "vip"}, nil},
		{"tag_vip_opened", api.ChatQuery{Tag: "vip", State: api.ChatOpened}, nil},
		{"state_snoozed", api.ChatQuery{State: api.ChatSnoozed}, nil},
		{"text_name", api.ChatQuery{Q: "tanaka"}, nil},
		{"text_number", api.ChatQuery{Q: "9000012"}, nil},
		{"text_memo_rare", api.ChatQuery{Q: "escalated to legal"}, nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			var n int
			for i := 0; i < b.N; i++ {
				start := time.Now()
				err := db.View(ctx, func(tx store.Tx) error {
					l, err := tx.SearchChats(c.q, c.channels)
					n = len(l.Chats)
					return err
				})
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
			}
			if n == 0 {
				b.Fatalf("%s found nothing", c.name)
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			ms := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
			b.ReportMetric(float64(n), "rows")
		})
	}
}

// TestGenerateSmall checks the benchmark generator (and the searches it
// serves) on a small database.
func TestGenerateSmall(t *testing.T) {
	ctx := context.Background()
	url := migratedURL(t)
	if err := generate(ctx, url, 2000); err != nil {
		t.Fatal(err)
	}
	db := openURL(t, url)
	yes := true
	err := db.View(ctx, func(st store.Tx) error {
		l, err := st.SearchChats(api.ChatQuery{Missed: &yes, Reason: api.ReasonNoOperator, Limit: 100}, nil)
		if err != nil || len(l.Chats) != 100 || l.Chats[0].MissedReason != api.ReasonNoOperator {
			t.Errorf("missed page: %d chats, %v", len(l.Chats), err)
		}
		for _, q := range []string{"tanaka", "billing invoice", "müller", "+81900000"} {
			if l, err := st.SearchChats(api.ChatQuery{Q: q}, nil); err != nil || len(l.Chats) == 0 {
				t.Errorf("q=%q: %d chats, %v", q, len(l.Chats), err)
			}
		}
		counts, err := st.ChatCounts(api.ChatQuery{}, nil)
		if err != nil || counts.Opened+counts.Snoozed+counts.Closed != 2000 {
			t.Errorf("counts %+v %v", counts, err)
		}
		var n int
		if err := st.(*tx).row(`SELECT count(*) FROM pg_indexes WHERE tablename = 'chats'`).Scan(&n); err != nil || n < 10 {
			t.Errorf("chat indexes after generation: %d %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
