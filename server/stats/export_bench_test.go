package stats

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlite"
)

const exportRows = 1_000_000

var exportBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// exportDB builds (once, cached in the temp dir) a store with a million calls.
func exportDB(tb testing.TB) string {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("meet-export-1m-v%d.db", sqlite.SchemaVersion()))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".building"
	os.Remove(tmp)
	db, err := sqlite.Open(tmp)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	var ch api.Channel
	if err := db.Update(ctx, func(tx store.Tx) error { ch = api.Channel{Name: "bench"}; return tx.CreateChannel(&ch) }); err != nil {
		tb.Fatal(err)
	}
	reasons := append([]api.MissedReason{""}, api.MissedReasons...)
	const batch = 50_000
	for start := 0; start < exportRows; start += batch {
		err := db.Update(ctx, func(tx store.Tx) error {
			for i := start; i < start+batch; i++ {
				chat := api.Chat{ChannelID: ch.ID, Customer: api.Customer{Number: "+81" + strconv.Itoa(900000000+i%20000)}}
				if err := tx.CreateChat(&chat); err != nil {
					return err
				}
				at := exportBase.Add(time.Duration(i) * 2 * time.Second)
				end := at.Add(90 * time.Second)
				c := api.Call{ChatID: chat.ID, ChannelID: ch.ID, Direction: api.Inbound, From: chat.Customer.Number, To: "+8150",
					State: api.CallEnded, Created: at, Ended: &end, MissedReason: reasons[i%len(reasons)], DurationS: 90}
				if err := tx.CreateCall(&c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	db.Close()
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	os.Rename(tmp+"-wal", path+"-wal")
	os.Remove(tmp + "-shm")
	return path
}

// TestExportChild is the exporting process of BenchmarkExport1M; it only
// runs when the benchmark starts it.
func TestExportChild(t *testing.T) {
	path := os.Getenv("MEET_EXPORT_CHILD_DB")
	if path == "" {
		t.Skip("run by BenchmarkExport1M")
	}
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := NewService(db, db)
	start := time.Now()
	n, err := svc.Export(context.Background(), ExportRequest{StaffID: 1, Format: os.Getenv("MEET_EXPORT_FORMAT"),
		Filter: store.ExportFilter{From: exportBase, To: exportBase.AddDate(1, 0, 0)}, Purpose: "benchmark"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("EXPORT rows=%d seconds=%.3f\n", n, time.Since(start).Seconds())
}

// BenchmarkExport1M exports a million rows in a child process and reports
// rows per second and the child's peak RSS (the whole process, Go runtime included).
func BenchmarkExport1M(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a million-call store")
	}
	path := exportDB(b)
	for _, format := range []string{"csv", "jsonl"} {
		b.Run(format, func(b *testing.B) {
			for range b.N {
				cmd := exec.Command(os.Args[0], "-test.run=^TestExportChild$", "-test.count=1", "-test.v")
				cmd.Env = append(os.Environ(), "MEET_EXPORT_CHILD_DB="+path, "MEET_EXPORT_FORMAT="+format)
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("%v: %s", err, out)
				}
				var rows int
				var secs float64
				for _, line := range strings.Split(string(out), "\n") {
					if strings.HasPrefix(line, "EXPORT ") {
						fmt.Sscanf(line, "EXPORT rows=%d seconds=%f", &rows, &secs)
					}
				}
				if rows != exportRows {
					b.Fatalf("exported %d rows: %s", rows, out)
				}
				ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
				b.ReportMetric(float64(rows)/secs, "rows/s")
				b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
			}
		})
	}
}
