package stats

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlite"
)

type callSpec struct {
	dir      api.Direction
	at       time.Time
	wait     time.Duration // to answer (or to the end when missed)
	talk     time.Duration // 0 = not answered
	reason   api.MissedReason
	tag      string
	callback bool
	menu     string // IVR path on the chat
}

func openDB(t testing.TB) *sqlite.DB {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "meet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func seed(t testing.TB, db *sqlite.DB, tz string, specs []callSpec) (channelID int64) {
	ctx := context.Background()
	err := db.Update(ctx, func(tx store.Tx) error {
		ch := api.Channel{Name: "support", Timezone: tz, ServiceLevelS: 20}
		if err := tx.CreateChannel(&ch); err != nil {
			return err
		}
		channelID = ch.ID
		var prevChat int64
		for i, s := range specs {
			chat := api.Chat{ChannelID: ch.ID, Customer: api.Customer{Number: "+8190" + string(rune('0'+i%10))}}
			if err := tx.CreateChat(&chat); err != nil {
				return err
			}
			if s.menu != "" {
				chat.MenuPath = s.menu
				if err := tx.UpdateChat(&chat); err != nil {
					return err
				}
			}
			if s.tag != "" {
				if err := tx.AddTag(chat.ID, s.tag); err != nil {
					return err
				}
			}
			if s.callback && prevChat != 0 {
				if err := tx.LinkCallback(prevChat, chat.ID); err != nil {
					return err
				}
			}
			prevChat = chat.ID
			c := api.Call{ChatID: chat.ID, ChannelID: ch.ID, Direction: s.dir, From: "+8190", To: "+8150", State: api.CallEnded,
				Created: s.at, MissedReason: s.reason}
			c.FirstWaitingStarted = &c.Created
			if s.talk > 0 {
				a, e := s.at.Add(s.wait), s.at.Add(s.wait+s.talk)
				c.Answered, c.Ended, c.DurationS = &a, &e, int(s.talk/time.Second)
			} else {
				e := s.at.Add(s.wait)
				c.Ended = &e
			}
			if err := tx.CreateCall(&c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return channelID
}

// TestMonthAcrossDST checks a generated March (New York springs forward on
// the 8th) against figures computed by hand for the DST day and by a plain
// count for the rest.
func TestMonthAcrossDST(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	local := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, ny) }
	var specs []callSpec
	wantIn := map[int]int{}
	for d := 1; d <= 31; d++ {
		if d == 8 {
			continue
		}
		for k := 0; k < d%4+1; k++ {
			specs = append(specs, callSpec{dir: api.Inbound, at: local(d, 9+k, 15), wait: 5 * time.Second, talk: time.Minute})
			wantIn[d]++
		}
	}
	// The DST day, by hand: 01:30 EST answered after 10 s for 60 s; 03:30 EDT
	// missed noOperator after 30 s; 23:59 EDT answered after 30 s for 120 s;
	// one outbound at noon, answered at once for 10 s.
	specs = append(specs,
		callSpec{dir: api.Inbound, at: local(8, 1, 30), wait: 10 * time.Second, talk: time.Minute},
		callSpec{dir: api.Inbound, at: local(8, 3, 30), wait: 30 * time.Second, reason: api.ReasonNoOperator},
		callSpec{dir: api.Inbound, at: local(8, 23, 59), wait: 30 * time.Second, talk: 2 * time.Minute},
		callSpec{dir: api.Outbound, at: local(8, 12, 0), talk: 10 * time.Second},
	)
	db := openDB(t)
	ch := seed(t, db, "America/New_York", specs)
	svc := NewService(db, db)
	st, err := svc.Stats(context.Background(), api.StatsQuery{From: local(1, 0, 0), To: local(32, 0, 0), Interval: "day", ChannelID: ch}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Periods) != 31 {
		t.Fatalf("%d periods", len(st.Periods))
	}
	d8 := st.Periods[7]
	if d8.End.Sub(d8.Start) != 23*time.Hour {
		t.Fatalf("DST day length %v", d8.End.Sub(d8.Start))
	}
	if d8.Inbound != 3 || d8.Outbound != 1 || d8.Answered != 3 || d8.Missed != 1 || d8.MissedBy[api.ReasonNoOperator] != 1 {
		t.Fatalf("DST day %+v", d8)
	}
	if math.Abs(d8.AvgWaitS-70.0/3) > 1e-9 || math.Abs(d8.AvgTalkS-190.0/3) > 1e-9 || math.Abs(d8.ServiceLevel-1.0/3) > 1e-9 {
		t.Fatalf("DST day wait %v talk %v sl %v", d8.AvgWaitS, d8.AvgTalkS, d8.ServiceLevel)
	}
	total := 3
	for d := 1; d <= 31; d++ {
		if d == 8 {
			continue
		}
		p := st.Periods[d-1]
		if p.Inbound != wantIn[d] || p.Answered != wantIn[d] || p.AvgWaitS != 5 || p.AvgTalkS != 60 || p.ServiceLevel != 1 {
			t.Fatalf("day %d: %+v want %d", d, p, wantIn[d])
		}
		total += wantIn[d]
	}
	if st.Total.Inbound != total {
		t.Fatalf("total inbound %d want %d", st.Total.Inbound, total)
	}
	// Monthly and weekly views add up to the same total.
	for _, iv := range []string{"week", "month"} {
		s2, err := svc.Stats(context.Background(), api.StatsQuery{From: local(1, 0, 0), To: local(32, 0, 0), Interval: iv, ChannelID: ch}, nil)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, p := range s2.Periods {
			sum += p.Inbound
		}
		if sum != total || s2.Total.Inbound != total {
			t.Fatalf("%s: %d", iv, sum)
		}
	}
	if _, err := svc.Stats(context.Background(), api.StatsQuery{From: local(1, 0, 0), To: local(2, 0, 0), ChannelID: ch}, []int64{ch + 1}); api.CodeOf(err) != api.CodeForbidden {
		t.Fatalf("foreign channel: %v", err)
	}
}

func TestExportIsAuditedAndFiltered(t *testing.T) {
	base := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	db := openDB(t)
	ch := seed(t, db, "UTC", []callSpec{
		{dir: api.Inbound, at: base, wait: 40 * time.Second, reason: api.ReasonRingTimeout, tag: "vip"},
		{dir: api.Outbound, at: base.Add(time.Hour), talk: time.Minute, callback: true},
		{dir: api.Inbound, at: base.Add(2 * time.Hour), wait: 3 * time.Second, reason: api.ReasonUserLeft},
	})
	svc := NewService(db, db)
	ctx := context.Background()
	f := store.ExportFilter{From: base, To: base.Add(24 * time.Hour), ChannelID: ch}
	if _, err := svc.Export(ctx, ExportRequest{StaffID: 1, Format: "csv", Filter: f}, &bytes.Buffer{}); api.CodeOf(err) != api.CodeBadRequest {
		t.Fatalf("export without purpose: %v", err)
	}
	var b bytes.Buffer
	n, err := svc.Export(ctx, ExportRequest{StaffID: 1, Format: "csv", Filter: f, Purpose: "monthly report"}, &b)
	if err != nil || n != 3 {
		t.Fatalf("export: %v %d", err, n)
	}
	recs, _ := csv.NewReader(&b).ReadAll()
	if len(recs) != 4 || recs[1][8] != "vip" || recs[1][15] != "ringTimeout" || recs[2][16] != recs[1][0] || recs[1][5] != "support" {
		t.Fatalf("rows %q", recs)
	}
	f.Reason = api.ReasonUserLeft
	b.Reset()
	n, err = svc.Export(ctx, ExportRequest{StaffID: 2, Format: "jsonl", Filter: f, Purpose: "why do callers hang up"}, &b)
	if err != nil || n != 1 {
		t.Fatalf("filtered export: %v %d", err, n)
	}
	audit, err := db.ListAudit(ctx, 10)
	if err != nil || len(audit) != 2 {
		t.Fatalf("audit %v %+v", err, audit)
	}
	if audit[0].StaffID != 2 || audit[0].Rows != 1 || audit[0].Purpose != "why do callers hang up" || audit[0].Action != "export.calls.jsonl" {
		t.Fatalf("audit entry %+v", audit[0])
	}
}

// TestStatsByMenuPath: over a real SQLite store, the statistics break the
// inbound calls down by the IVR path their callers took, the menu_path
// filter keeps a branch of the menu (statistics and export), and a path
// that is not one is refused.
func TestStatsByMenuPath(t *testing.T) {
	base := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	db := openDB(t)
	ch := seed(t, db, "UTC", []callSpec{
		{dir: api.Inbound, at: base, wait: 10 * time.Second, talk: time.Minute, menu: "1/2"},
		{dir: api.Inbound, at: base.Add(time.Minute), wait: 30 * time.Second, talk: 3 * time.Minute, menu: "1/2"},
		{dir: api.Inbound, at: base.Add(2 * time.Minute), wait: 50 * time.Second, reason: api.ReasonNoOperator, menu: "1/2"},
		{dir: api.Inbound, at: base.Add(3 * time.Minute), wait: 5 * time.Second, reason: api.ReasonUserLeft, menu: "2"},
		{dir: api.Inbound, at: base.Add(4 * time.Minute), wait: 5 * time.Second, talk: time.Minute, menu: "1"},
		{dir: api.Inbound, at: base.Add(5 * time.Minute), wait: 5 * time.Second, talk: time.Minute}, // no key pressed
		{dir: api.Outbound, at: base.Add(6 * time.Minute), talk: time.Minute},
	})
	svc := NewService(db, db)
	ctx := context.Background()
	q := api.StatsQuery{From: base, To: base.Add(24 * time.Hour), ChannelID: ch}
	st, err := svc.Stats(ctx, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Total.Inbound != 6 || len(st.ByMenuPath) != 3 {
		t.Fatalf("total %+v by path %+v", st.Total, st.ByMenuPath)
	}
	p1, p12, p2 := st.ByMenuPath[0], st.ByMenuPath[1], st.ByMenuPath[2]
	if p1.Path != "1" || p12.Path != "1/2" || p2.Path != "2" {
		t.Fatalf("paths %q %q %q", p1.Path, p12.Path, p2.Path)
	}
	if p12.Inbound != 3 || p12.Answered != 2 || p12.Missed != 1 || p12.MissedBy[api.ReasonNoOperator] != 1 ||
		p12.AvgWaitS != 30 || p12.AvgTalkS != 120 || math.Abs(p12.ServiceLevel-1.0/3) > 1e-9 {
		t.Fatalf("path 1/2: %+v", p12)
	}
	if p2.Inbound != 1 || p2.Answered != 0 || p2.MissedBy[api.ReasonUserLeft] != 1 || p1.Answered != 1 {
		t.Fatalf("paths 1 and 2: %+v %+v", p1, p2)
	}

	q.MenuPath = "1"
	st, err = svc.Stats(ctx, q, nil)
	if err != nil || st.Total.Inbound != 4 || st.Total.Answered != 3 || st.Total.Outbound != 0 || len(st.ByMenuPath) != 2 || st.Query.MenuPath != "1" {
		t.Fatalf("menu_path=1: %v %+v %+v", err, st.Total, st.ByMenuPath)
	}
	for _, bad := range []string{"1//2", "12", "a", "1/", "/1"} {
		q.MenuPath = bad
		if _, err := svc.Stats(ctx, q, nil); api.CodeOf(err) != api.CodeBadRequest {
			t.Errorf("menu_path=%q: %v", bad, err)
		}
	}

	f := store.ExportFilter{From: base, To: base.Add(24 * time.Hour), ChannelID: ch, MenuPath: "1/2"}
	var b bytes.Buffer
	n, err := svc.Export(ctx, ExportRequest{StaffID: 1, Format: "csv", Filter: f, Purpose: "menu review"}, &b)
	if err != nil || n != 3 {
		t.Fatalf("export menu_path=1/2: %d %v", n, err)
	}
	recs, _ := csv.NewReader(&b).ReadAll()
	last := len(api.ExportColumns) - 1
	if api.ExportColumns[last] != "menu_path" || recs[1][last] != "1/2" || recs[3][last] != "1/2" {
		t.Fatalf("rows %q", recs)
	}
	audit, err := db.ListAudit(ctx, 1)
	if err != nil || len(audit) != 1 || audit[0].Filters == "" || !bytes.Contains([]byte(audit[0].Filters), []byte("menu_path=1%2F2")) {
		t.Fatalf("audit of a filtered export %+v %v", audit, err)
	}
	f.MenuPath = "x"
	if _, err := svc.Export(ctx, ExportRequest{StaffID: 1, Format: "csv", Filter: f, Purpose: "menu review"}, &b); api.CodeOf(err) != api.CodeBadRequest {
		t.Fatalf("export with a bad menu_path: %v", err)
	}
}
