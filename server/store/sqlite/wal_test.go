package sqlite

import (
	"context"
	"sync"
	"testing"
	"time"
)

// walFrames is the WAL's length in pages (after a passive checkpoint).
func walFrames(t *testing.T, db *DB) int {
	t.Helper()
	var busy, logged, done int
	if err := db.cp.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &done); err != nil {
		t.Fatal(err)
	}
	return logged
}

// TestCheckpointRestartsWALUnderReaders writes while short reads overlap
// so that some reader always uses the WAL, as calls' routing reads do under
// load. SQLite then never starts the WAL again by itself and it grows with
// every write; the checkpointer's restart keeps it near its limit.
func TestCheckpointRestartsWALUnderReaders(t *testing.T) {
	db, _ := openTest(t)
	if _, err := db.w.Exec(`CREATE TABLE walfill(b BLOB)`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// Two readers, each holding a read transaction for 2 ms, half a period
	// apart: one of them always has one open.
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * time.Millisecond)
			for ctx.Err() == nil {
				tx, err := db.r.BeginTx(ctx, nil)
				if err != nil {
					return
				}
				var n int
				tx.QueryRow(`SELECT count(*) FROM walfill`).Scan(&n)
				time.Sleep(2 * time.Millisecond)
				tx.Rollback()
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	blob := make([]byte, 16<<10) // 4 or 5 pages a write
	write := func(n int) {
		for range n {
			if _, err := db.w.Exec(`INSERT INTO walfill(b) VALUES (?)`, blob); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	// Passive checkpoints only: the WAL grows (this is what the test is
	// about; if it did not, the readers did not keep it in use).
	start := walFrames(t, db)
	for range 20 {
		write(20)
		if err := db.checkpoint(1 << 30); err != nil {
			t.Fatal(err)
		}
	}
	if grown := walFrames(t, db) - start; grown < 1000 {
		t.Fatalf("with passive checkpoints the WAL grew by %d pages over 400 writes of 4 pages: the readers did not keep it in use", grown)
	}
	// Restarting past 256 pages: it stays near that.
	most := 0
	for range 40 {
		write(20)
		if err := db.checkpoint(256); err != nil {
			t.Fatal(err)
		}
		most = max(most, walFrames(t, db))
	}
	if last := walFrames(t, db); last > 1024 {
		t.Fatalf("with restarts past 256 pages the WAL holds %d pages after 800 writes (at most %d seen)", last, most)
	}
}
