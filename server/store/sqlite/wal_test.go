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

// stopCheckpointer ends db's own checkpoint loop: its passive checkpoints,
// at moments of the scheduler's choosing, could let SQLite start the WAL
// again between the test's steps. Close still works afterwards.
func stopCheckpointer(db *DB) {
	close(db.cpStop)
	<-db.cpDone
	db.cpStop, db.cpDone = make(chan struct{}), make(chan struct{})
	close(db.cpDone)
}

// pin begins a read transaction and reads, so that it holds a WAL read
// mark while the WAL has pages not yet in the database file. It returns
// the function that ends it.
func pin(t *testing.T, db *DB) func() {
	t.Helper()
	tx, err := db.r.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM walfill`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return func() { tx.Rollback() }
}

// TestCheckpointRestartsWALUnderReaders writes while short reads overlap,
// as calls' routing reads do under load. SQLite starts the WAL again only
// when a write begins after a complete checkpoint while no reader uses the
// WAL; under load some reader always does, and the WAL grows with every
// write. The checkpointer's restart keeps it near its limit.
//
// Which reader is in the WAL at the moment that matters must not be left
// to the scheduler (on a loaded 2-core CI machine the overlapping readers
// leave gaps now and then, and one gap late in the run hid the growth), so
// a pinned reader holds a read mark across each checkpoint and the write
// after it. In the second part it ends by itself after 4 ms, as the
// restarting checkpoint waits for it (up to restartBusy), or as soon as
// that first write is done.
func TestCheckpointRestartsWALUnderReaders(t *testing.T) {
	db, _ := openTest(t)
	stopCheckpointer(db)
	if _, err := db.w.Exec(`CREATE TABLE walfill(b BLOB)`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// Two readers, each holding a read transaction for 2 ms, half a period
	// apart.
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
	// Passive checkpoints only: the WAL grows.
	start := walFrames(t, db)
	for range 20 {
		write(20)
		unpin := pin(t, db)
		if err := db.checkpoint(1 << 30); err != nil {
			t.Fatal(err)
		}
		write(1)
		unpin()
	}
	if grown := walFrames(t, db) - start; grown < 1000 {
		t.Fatalf("with passive checkpoints the WAL grew by %d pages over 420 writes of 4 pages: the pinned reader did not keep it in use", grown)
	}
	// Restarting past 256 pages: it stays near that.
	most := 0
	for range 40 {
		write(20)
		unpin, done, unpinned := pin(t, db), make(chan struct{}), make(chan struct{})
		go func() {
			defer close(unpinned)
			select {
			case <-time.After(4 * time.Millisecond):
			case <-done:
			}
			unpin()
		}()
		if err := db.checkpoint(256); err != nil {
			t.Fatal(err)
		}
		write(1)
		close(done)
		<-unpinned // no read transaction outlives its round
		most = max(most, walFrames(t, db))
	}
	if last := walFrames(t, db); last > 1024 {
		t.Fatalf("with restarts past 256 pages the WAL holds %d pages after 840 writes (at most %d seen)", last, most)
	}
}
