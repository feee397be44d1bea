package sqlstore

import (
	"strconv"
	"strings"

	"github.com/meet-dev/meet/api"
)

// Page sizes of SearchChats and ListCalls.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// pageLimit is a page size asked for, within bounds.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultPageSize
	case n > MaxPageSize:
		return MaxPageSize
	}
	return n
}

// SearchChats pages through the inbox newest first (by id, which is creation
// order). The cursor is the id of the last chat of the previous page.
// Free text (q) matches customer name and number and memo text as a
// case-insensitive substring, as the backend's TextCondition says.
func (t *Tx) SearchChats(q api.ChatQuery, channels []int64) (api.ChatList, error) {
	out := api.ChatList{Chats: []api.Chat{}}
	limit := pageLimit(q.Limit)
	if channels != nil && len(channels) == 0 {
		return out, nil
	}
	f, err := t.chatFilter(q, channels, true)
	if err != nil {
		return out, err
	}
	query := `SELECT ` + f.idCol + f.from
	if len(f.where) > 0 {
		query += ` WHERE ` + strings.Join(f.where, " AND ")
	}
	query += ` ORDER BY ` + f.idCol + ` DESC LIMIT ` + strconv.Itoa(limit+1)
	ids, err := t.Int64s(query, f.args...)
	if err != nil {
		return out, err
	}
	if len(ids) > limit {
		ids = ids[:limit]
		out.NextCursor = strconv.FormatInt(ids[len(ids)-1], 10)
	}
	out.Chats, err = t.LoadChats(ids)
	return out, err
}

// chatFilter is the FROM and WHERE of a chat search.
type chatFilter struct {
	from, idCol string
	where       []string
	args        []any
}

// chatFilter turns q into SQL conditions over chats c; withState false leaves
// out state, missed and cursor (the tab counts split by those themselves).
func (t *Tx) chatFilter(q api.ChatQuery, channels []int64, withState bool) (chatFilter, error) {
	f := chatFilter{from: ` FROM chats c`, idCol: "c.id"}
	add := func(cond string, a ...any) {
		f.where = append(f.where, cond)
		f.args = append(f.args, a...)
	}
	if q.Tag != "" {
		// Drive from the tag index: (tag, chat_id) walks backwards in id order.
		f.from = t.D.TaggedChats(withState)
		f.idCol = "g.chat_id"
		add("g.tag = ?", q.Tag)
	}
	if q.Cursor != "" && withState {
		cur, err := strconv.ParseInt(q.Cursor, 10, 64)
		if err != nil || cur <= 0 {
			return f, api.Errorf(api.CodeBadRequest, "invalid cursor %q", q.Cursor)
		}
		add(f.idCol+" < ?", cur)
	}
	switch len(channels) {
	case 0:
	case 1:
		add("c.channel_id = ?", channels[0])
	default:
		in, a := t.D.In(channels)
		add(t.D.NoIndex("c.channel_id")+in, a...) // keep id order from another index
	}
	if q.ChannelID != 0 {
		add("c.channel_id = ?", q.ChannelID)
	}
	if q.Medium != "" {
		add("c.medium = ?", string(q.Medium))
	}
	if q.State != "" && withState {
		add("c.state = ?", string(q.State))
	}
	if q.Missed != nil && withState {
		add("c.missed = ?", *q.Missed)
	}
	if q.Reason != "" {
		add("c.missed_reason = ?", string(q.Reason))
	}
	if q.AssigneeID != nil {
		if *q.AssigneeID == 0 {
			add("c.assignee_id IS NULL")
		} else {
			add("c.assignee_id = ?", *q.AssigneeID)
		}
	}
	// Pages keep id order (no created index); counts may use it.
	created := "c.created"
	if withState {
		created = t.D.NoIndex(created)
	}
	if q.From != nil {
		add(created+" >= ?", NS(*q.From))
	}
	if q.To != nil {
		add(created+" < ?", NS(*q.To))
	}
	if text := strings.TrimSpace(q.Q); text != "" {
		m, err := t.Search.TextCondition(text, withState)
		if err != nil {
			return f, err
		}
		if m.JoinCustomer {
			f.from += ` JOIN customers u ON u.id = c.customer_id`
		}
		add(m.Cond, m.Args...)
	}
	return f, nil
}
