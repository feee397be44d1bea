package stats

import (
	"io"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
	"github.com/stretchr/testify/require"
)

// The screen shows hold time and the IVR paths callers took when the
// figures have them, and neither line when they do not.
func TestHoldAndMenuPaths(t *testing.T) {
	ctx := common.NewContext(common.NewStyles(io.Discard, false), common.MustDefaultKeys())
	ctx.Now = func() time.Time { return time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC) }
	m := New(ctx)
	m.SetSize(100, 40)
	s := api.Stats{Total: api.StatsPeriod{Inbound: 4, Answered: 3, Missed: 1, MissedBy: map[api.MissedReason]int{}}}
	m.Set(s)
	require.NotContains(t, m.View(), "on hold")
	require.NotContains(t, m.View(), "by menu path")

	s.Total.Held, s.Total.HoldS, s.Total.AvgHoldS = 2, 150, 75
	s.ByMenuPath = []api.StatsMenuPath{{Path: "1/2", Inbound: 3, Answered: 2, Missed: 1, AvgWaitS: 30}, {Path: "2", Inbound: 1, Answered: 1, AvgWaitS: 5}}
	m.Set(s)
	v := m.View()
	require.Contains(t, v, "on hold: 2 calls · 2:30 in all · avg 1:15")
	require.Contains(t, v, "by menu path (keys pressed)")
	require.Regexp(t, `1/2 +3 calls · answered 2 · missed 1 · avg wait 0:30`, v)
	require.Regexp(t, `2 +1 calls · answered 1 · missed 0 · avg wait 0:05`, v)
}
