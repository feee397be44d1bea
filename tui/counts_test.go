package tui

import (
	"context"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/stretchr/testify/require"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
)

// countingBackend is the fake with the server's exact tab counts.
type countingBackend struct {
	*fakeBackend
	counts api.ChatCounts
	asked  []api.ChatQuery
}

func (c *countingBackend) ChatCounts(_ context.Context, q api.ChatQuery) (api.ChatCounts, error) {
	c.asked = append(c.asked, q)
	return c.counts, nil
}

func TestTabsShowServerTotals(t *testing.T) {
	f := newFake()
	seed(f)
	b := &countingBackend{fakeBackend: f, counts: api.ChatCounts{Opened: 1234, Snoozed: 5, Closed: 99999, Missed: 321}}
	h := &harness{t: t, f: f, phone: &fakePhone{}, now: t0}
	ctx := common.NewContext(common.NewStyles(io.Discard, false), common.MustDefaultKeys())
	ctx.Now = func() time.Time { return h.now }
	h.m = New(context.Background(), ctx, b, nil, WithPhone(h.phone))
	h.m.tick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.drive(h.m.Init())
	require.Equal(t, "1234", h.m.inbox.Count(common.TabOpened))
	require.Equal(t, "99999", h.m.inbox.Count(common.TabClosed))
	require.Equal(t, "321", h.m.inbox.Count(common.TabMissed))
	require.NotEmpty(t, b.asked)
	q := b.asked[len(b.asked)-1]
	require.Empty(t, q.State, "counts are asked across states")
	require.Nil(t, q.Missed)
	require.Contains(t, h.m.View(), "Opened 1234")
}
