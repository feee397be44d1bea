package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

const benchChats = 1_000_000

var benchNames = []string{"Tanaka", "Suzuki", "Sato", "Takahashi", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi",
	"Kato", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez"}

var benchTags = []string{"vip", "blacklist", "callback", "billing", "complaint", "sales-lead"}

// open1M opens (generating on first use) a store of 1,000,000 chats cached
// under os.TempDir(), keyed by the schema so a changed schema regenerates.
func open1M(b *testing.B) *DB {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("meet-bench-1m-%s.db", SchemaHash()))
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		// A name of our own: benchmarks of several packages (or people) may
		// generate at once, and must not write into or remove each other's file.
		tmp := fmt.Sprintf("%s.partial-%d", path, os.Getpid())
		if err := generate(tmp, benchChats); err != nil {
			os.Remove(tmp)
			b.Fatal(err)
		}
		if fi, err := os.Stat(tmp + "-wal"); err == nil && fi.Size() == 0 { // checkpointed and closed
			os.Remove(tmp + "-wal")
			os.Remove(tmp + "-shm")
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %d chats in %s: %s", benchChats, time.Since(start).Round(time.Second), path)
	}
	db, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// generate bulk-inserts n chats in one transaction: 3 channels, n/5
// customers, 40 % missed (spread over the reasons), a tag on ~10 %, a memo
// on ~5 %.
func generate(path string, n int) error {
	db, err := Open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.w.ExecContext(ctx, `PRAGMA synchronous=OFF`); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	// Drop the bulk tables' indexes while loading; rebuilt below.
	var idx []string
	rows, err := db.w.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL
		AND tbl_name IN ('chats', 'chat_tags', 'memos')`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var name, sql string
		if err := rows.Scan(&name, &sql); err != nil {
			rows.Close()
			return err
		}
		names, idx = append(names, name), append(idx, sql)
	}
	rows.Close()
	for _, n := range names {
		if _, err := db.w.ExecContext(ctx, `DROP INDEX `+n); err != nil {
			return err
		}
	}
	err = db.Update(ctx, func(t store.Tx) error {
		tx := t.(*tx)
		stx := tx.q.(*sql.Tx)
		insChat, err := stx.PrepareContext(ctx, `INSERT INTO chats(id, channel_id, medium, state, assignee_id, customer_id, missed,
			missed_reason, created, updated, closed) VALUES (?,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		insTag, err := stx.PrepareContext(ctx, `INSERT INTO chat_tags(tag, chat_id) VALUES (?,?)`)
		if err != nil {
			return err
		}
		insMemo, err := stx.PrepareContext(ctx, `INSERT INTO memos(chat_id, staff_id, text, created) VALUES (?,?,?,?)`)
		if err != nil {
			return err
		}
		insCustomer, err := stx.PrepareContext(ctx, `INSERT INTO customers(id, number, name) VALUES (?,?,?)`)
		if err != nil {
			return err
		}
		var staff api.Staff
		for i := 1; i <= 3; i++ {
			c := api.Channel{Name: fmt.Sprintf("channel-%d", i)}
			if err := tx.CreateChannel(&c); err != nil {
				return err
			}
		}
		staff = api.Staff{Email: "bench@example.com", Role: api.RoleOperator, Channels: []int64{1, 2, 3}}
		if err := tx.CreateStaff(&staff, "x"); err != nil {
			return err
		}
		customers := n / 5
		for i := 1; i <= customers; i++ {
			name := benchNames[rng.IntN(len(benchNames))] + " " + benchNames[rng.IntN(len(benchNames))]
			if _, err := insCustomer.ExecContext(ctx, i, fmt.Sprintf("+8190%08d", i), name); err != nil {
				return err
			}
		}
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
		step := int64(30 * time.Second)
		memo := 0
		for i := 1; i <= n; i++ {
			created := base + int64(i)*step
			state, missed, reason := "closed", 0, ""
			var assignee any = staff.ID
			switch r := rng.IntN(100); {
			case r < 40:
				missed, reason, assignee = 1, string(api.MissedReasons[r%4]), nil
			case r < 50:
				state = "opened"
			case r < 53:
				state = "snoozed"
			}
			if _, err := insChat.ExecContext(ctx, i, 1+rng.IntN(3), "phone", state, assignee,
				1+rng.IntN(customers), missed, reason, created, created, created); err != nil {
				return err
			}
			if rng.IntN(10) == 0 {
				if _, err := insTag.ExecContext(ctx, benchTags[rng.IntN(len(benchTags))], i); err != nil {
					return err
				}
			}
			if rng.IntN(20) == 0 {
				memo++
				text := fmt.Sprintf("customer asked about order %d and the %s invoice", rng.IntN(1_000_000), benchTags[rng.IntN(len(benchTags))])
				if memo%5000 == 0 {
					text += " — escalated to legal"
				}
				if _, err := insMemo.ExecContext(ctx, i, staff.ID, text, created); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, q := range idx {
		if _, err := db.w.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	if _, err := db.w.ExecContext(ctx, `ANALYZE`); err != nil {
		return err
	}
	_, err = db.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// BenchmarkSearch1M measures the first page (50 chats) of inbox searches
// over 1,000,000 chats and reports p50/p99 latency in ms.
// Run: go test -run XXX -bench Search1M ./server/store/sqlite/
func BenchmarkSearch1M(b *testing.B) {
	if testing.Short() {
		b.Skip("generates a 1,000,000-chat database")
	}
	db := open1M(b)
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
				err := db.View(context.Background(), func(tx store.Tx) error {
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

// TestGenerateSmall checks the benchmark generator on a small store.
func TestGenerateSmall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	if err := generate(path, 2000); err != nil {
		t.Fatal(err)
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	yes := true
	err = db.View(context.Background(), func(st store.Tx) error {
		l, err := st.SearchChats(api.ChatQuery{Missed: &yes, Reason: api.ReasonNoOperator, Limit: 100}, nil)
		if err != nil || len(l.Chats) != 100 || l.Chats[0].MissedReason != api.ReasonNoOperator {
			t.Errorf("missed page: %d chats, %v", len(l.Chats), err)
		}
		var n int
		if err := st.(*tx).row(`SELECT count(*) FROM sqlite_master WHERE type='index' AND tbl_name='chats'`).Scan(&n); err != nil || n < 8 {
			t.Errorf("chat indexes after generation: %d %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
