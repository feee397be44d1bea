package sqlite

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// BenchmarkCounts1M measures the inbox tab counts over 1,000,000 chats and
// reports p50/p99 latency in ms.
// Run: go test -run XXX -bench Counts1M ./server/store/sqlite/
func BenchmarkCounts1M(b *testing.B) {
	if testing.Short() {
		b.Skip("generates a 1,000,000-chat database")
	}
	db := open1M(b)
	me := int64(1)
	monthFrom, monthTo := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		q        api.ChatQuery
		channels []int64
	}{
		{"all", api.ChatQuery{}, nil},
		{"operator2ch", api.ChatQuery{}, []int64{1, 2}},
		{"channel_phone", api.ChatQuery{ChannelID: 2, Medium: api.MediumPhone}, nil},
		{"tag_vip", api.ChatQuery{Tag: "vip"}, nil},
		{"text_memo_rare", api.ChatQuery{Q: "escalated to legal"}, nil},
		{"assignee_me", api.ChatQuery{AssigneeID: &me}, nil},
		{"reason_noOperator", api.ChatQuery{Reason: api.ReasonNoOperator}, nil},
		{"month", api.ChatQuery{From: &monthFrom, To: &monthTo}, nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			var got api.ChatCounts
			for i := 0; i < b.N; i++ {
				start := time.Now()
				err := db.View(context.Background(), func(t store.Tx) (err error) {
					got, err = t.(*tx).ChatCounts(c.q, c.channels)
					return err
				})
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
			}
			if got.Opened+got.Snoozed+got.Closed == 0 {
				b.Fatalf("%s counted nothing", c.name)
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			ms := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
		})
	}
}
