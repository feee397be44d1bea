package inbox

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
	"github.com/stretchr/testify/require"
)

func chat(id int64, st api.ChatState, r api.MissedReason) api.Chat {
	return api.Chat{ID: id, State: st, Missed: r != "", MissedReason: r, Medium: api.MediumPhone,
		Customer: api.Customer{Number: fmt.Sprintf("+81%d", id)}, Updated: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
}

func TestPagingApplyAndCounts(t *testing.T) {
	ctx := common.NewContext(common.NewStyles(io.Discard, false), common.MustDefaultKeys())
	m := New(ctx)
	m.SetSize(80, 10) // 7 rows
	require.Equal(t, "…", m.Count(common.TabOpened))
	q, ok := m.Query(common.TabOpened)
	require.True(t, ok)
	require.Equal(t, api.ChatOpened, q.State)
	_, ok = m.Query(common.TabOpened)
	require.False(t, ok, "one load at a time")
	var page api.ChatList
	for i := int64(20); i > 10; i-- {
		page.Chats = append(page.Chats, chat(i, api.ChatOpened, ""))
	}
	page.NextCursor = "c1"
	m.Loaded(common.TabOpened, "", page)
	require.Equal(t, "10+", m.Count(common.TabOpened))
	require.False(t, m.Move(common.ActDown), "far from the end")
	require.True(t, m.Move(common.ActBottom), "near the end asks for more")
	q, ok = m.Query(common.TabOpened)
	require.True(t, ok)
	require.Equal(t, "c1", q.Cursor)
	m.Loaded(common.TabOpened, "c1", api.ChatList{Chats: []api.Chat{chat(10, api.ChatOpened, ""), chat(11, api.ChatOpened, "")}})
	require.Equal(t, "11", m.Count(common.TabOpened), "duplicates across pages are dropped")
	_, ok = m.Query(common.TabOpened)
	require.False(t, ok, "all loaded")

	m.Loaded(common.TabMissed, "", api.ChatList{})
	sel, _ := m.Selected()
	m.Apply(chat(30, api.ChatOpened, ""))
	now, _ := m.Selected()
	require.Equal(t, sel.ID, now.ID, "a new chat at the top keeps the selection")
	require.Equal(t, "12", m.Count(common.TabOpened))
	m.Apply(chat(30, api.ChatClosed, api.ReasonRingTimeout))
	require.Equal(t, "11", m.Count(common.TabOpened))
	require.Equal(t, "1", m.Count(common.TabMissed))
	require.Equal(t, "…", m.Count(common.TabClosed), "unloaded tabs stay unloaded")

	v := m.View()
	require.Len(t, strings.Split(v, "\n"), 10)
	require.Contains(t, v, "Opened 11")
}
