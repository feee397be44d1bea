package stats

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
)

func at(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

func TestPeriodsAcrossDST(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	// 2026-03-08: clocks go forward at 02:00, the day is 23 hours long.
	q := api.StatsQuery{From: at(ny, "2026-03-07 00:00:00"), To: at(ny, "2026-03-10 00:00:00"), Interval: "day"}
	a, err := NewAcc(q, ny, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.periods) != 3 {
		t.Fatalf("%d periods", len(a.periods))
	}
	if d := a.periods[1].End.Sub(a.periods[1].Start); d != 23*time.Hour {
		t.Fatalf("DST day is %v long", d)
	}
	// 23:30 local on the short day belongs to that day, not the next.
	late := at(ny, "2026-03-08 23:30:00")
	a.Add(api.Call{Direction: api.Inbound, Created: late, Answered: ptr(late.Add(10 * time.Second)), Ended: ptr(late.Add(70 * time.Second))})
	a.Add(api.Call{Direction: api.Inbound, Created: late, Ended: ptr(late.Add(30 * time.Second)), MissedReason: api.ReasonNoOperator})
	a.Add(api.Call{Direction: api.Inbound, Created: at(ny, "2026-03-07 03:00:00"), MissedReason: api.ReasonNotInOperation, Ended: ptr(at(ny, "2026-03-07 03:00:05"))})
	a.Add(api.Call{Direction: api.Outbound, Created: at(ny, "2026-03-09 10:00:00")})
	a.Add(api.Call{Direction: api.Inbound, Created: at(ny, "2026-03-10 00:00:00")}) // outside: To is exclusive
	r := a.Result()
	d := r.Periods[1]
	if d.Inbound != 2 || d.Answered != 1 || d.Missed != 1 || d.MissedBy[api.ReasonNoOperator] != 1 {
		t.Fatalf("short day %+v", d)
	}
	if d.AvgWaitS != 20 || d.AvgTalkS != 60 || d.ServiceLevel != 0.5 {
		t.Fatalf("wait %v talk %v sl %v", d.AvgWaitS, d.AvgTalkS, d.ServiceLevel)
	}
	if r.Periods[0].MissedBy[api.ReasonNotInOperation] != 1 || r.Periods[0].ServiceLevel != 0 {
		t.Fatalf("first day %+v", r.Periods[0])
	}
	if r.Periods[2].Outbound != 1 || r.Total.Inbound != 3 || r.Total.Outbound != 1 {
		t.Fatalf("total %+v", r.Total)
	}
}

func TestWeekAndMonthBoundaries(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	q := api.StatsQuery{From: at(tokyo, "2026-11-01 00:00:00"), To: at(tokyo, "2027-01-01 00:00:00"), Interval: "month"}
	a, err := NewAcc(q, tokyo, 20*time.Second)
	if err != nil || len(a.periods) != 2 {
		t.Fatalf("months: %v %d", err, len(a.periods))
	}
	q.Interval = "week"
	w, _ := NewAcc(q, tokyo, time.Second)
	if wd := w.periods[0].Start.Weekday(); wd != time.Monday {
		t.Fatalf("week starts on %v", wd)
	}
	if _, err := NewAcc(api.StatsQuery{From: q.To, To: q.From}, tokyo, 0); api.CodeOf(err) != api.CodeBadRequest {
		t.Fatalf("reversed range: %v", err)
	}
	if _, err := ParseInterval("year"); err == nil {
		t.Fatal("year accepted")
	}
}

func TestExportFormats(t *testing.T) {
	cb := int64(7)
	row := api.ExportRow{ChatID: 1, CallID: 2, Direction: api.Inbound, From: "+8190", To: "+8150", Channel: "demo, \"main\"",
		Tags: []string{"vip", "blacklist"}, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), MissedReason: api.ReasonRingTimeout, CallbackOf: &cb}
	var b bytes.Buffer
	w, err := NewRowWriter("csv", &b)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(&row); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("csv: %v %d", err, len(recs))
	}
	if strings.Join(recs[0], ",") != strings.Join(api.ExportColumns, ",") || recs[1][5] != "demo, \"main\"" || recs[1][8] != "vip;blacklist" || recs[1][16] != "7" || recs[1][9] != "2026-01-02T03:04:05Z" {
		t.Fatalf("csv row %q", recs[1])
	}
	b.Reset()
	w, _ = NewRowWriter("jsonl", &b)
	_ = w.Write(&row)
	_ = w.Flush()
	var back api.ExportRow
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back.CallID != 2 || *back.CallbackOf != 7 {
		t.Fatalf("jsonl %v %+v", err, back)
	}
	if _, err := NewRowWriter("xml", &b); api.CodeOf(err) != api.CodeBadRequest {
		t.Fatal("xml accepted")
	}
}

func TestJSONLMatchesEncodingJSON(t *testing.T) {
	ans := time.Date(2026, 3, 8, 7, 30, 1, 500, time.UTC)
	cb := int64(42)
	rows := []api.ExportRow{
		{ChatID: 1, CallID: 2, Direction: api.Outbound, From: "\"quoted\"\\back", To: "line\nbreak\ttab\x01",
			Channel: "日本語チャネル", Team: "", Assignee: "Zoë", Tags: []string{"a,b", "</script>"}, Created: ans,
			Answered: &ans, Ended: &ans, DurationS: 7, CallbackOf: &cb},
		{ChatID: 3, CallID: 4, Direction: api.Inbound, From: "bad\xffutf8", Tags: nil, Created: ans, MissedReason: api.ReasonUserLeft},
	}
	var b bytes.Buffer
	w, _ := NewRowWriter("jsonl", &b)
	for i := range rows {
		if err := w.Write(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, line := range lines {
		var got api.ExportRow
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i, err, line)
		}
		want := rows[i]
		if want.Tags == nil {
			want.Tags = []string{}
		}
		// What encoding/json would have produced, decoded the same way.
		ref, _ := json.Marshal(want)
		var wantBack api.ExportRow
		_ = json.Unmarshal(ref, &wantBack)
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(wantBack)
		if string(gb) != string(wb) {
			t.Fatalf("line %d:\n got %s\nwant %s", i, gb, wb)
		}
	}
}

// TestTransfersCounted: a call's transfers add up per period and in total.
func TestTransfersCounted(t *testing.T) {
	q := api.StatsQuery{From: at(time.UTC, "2026-03-07 00:00:00"), To: at(time.UTC, "2026-03-09 00:00:00"), Interval: "day"}
	a, err := NewAcc(q, time.UTC, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := at(time.UTC, "2026-03-07 10:00:00")
	a.Add(api.Call{Direction: api.Inbound, Created: c, Answered: ptr(c), Ended: ptr(c.Add(time.Minute)), Transfers: 2})
	a.Add(api.Call{Direction: api.Inbound, Created: c.Add(24 * time.Hour), Answered: ptr(c), Ended: ptr(c.Add(25 * time.Hour)), Transfers: 1})
	a.Add(api.Call{Direction: api.Inbound, Created: c, Answered: ptr(c), Ended: ptr(c.Add(time.Minute))})
	r := a.Result()
	if r.Periods[0].Transfers != 2 || r.Periods[1].Transfers != 1 || r.Total.Transfers != 3 {
		t.Fatalf("transfers %d %d total %d", r.Periods[0].Transfers, r.Periods[1].Transfers, r.Total.Transfers)
	}
}
