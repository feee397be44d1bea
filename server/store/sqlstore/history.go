package sqlstore

import (
	"sort"
	"strconv"
	"strings"

	"github.com/meet-dev/meet/api"
)

// ListCalls pages through call history newest first (by id, which is
// creation order), live and ended alike. channels nil means every channel;
// an empty, non-nil set finds nothing. The cursor is the id of the last call
// of the previous page.
func (t *Tx) ListCalls(q api.CallQuery, channels []int64) (api.CallList, error) {
	out := api.CallList{Calls: []api.Call{}}
	limit := pageLimit(q.Limit)
	if channels != nil && len(channels) == 0 {
		return out, nil
	}
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if q.Cursor != "" {
		cur, err := strconv.ParseInt(q.Cursor, 10, 64)
		if err != nil || cur <= 0 {
			return out, api.Errorf(api.CodeBadRequest, "invalid cursor %q", q.Cursor)
		}
		add("id < ?", cur)
	}
	switch len(channels) {
	case 0:
	case 1:
		add("channel_id = ?", channels[0])
	default:
		in, a := t.D.In(channels)
		add(t.D.NoIndex("channel_id")+in, a...) // walk the rowid newest first
	}
	if q.ChannelID != 0 {
		add("channel_id = ?", q.ChannelID)
	}
	if q.From != nil {
		add(t.D.NoIndex("created")+" >= ?", NS(*q.From))
	}
	if q.To != nil {
		add(t.D.NoIndex("created")+" < ?", NS(*q.To))
	}
	query := `SELECT id FROM calls`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit+1)
	ids, err := t.Int64s(query, args...)
	if err != nil {
		return out, err
	}
	if len(ids) > limit {
		ids = ids[:limit]
		out.NextCursor = strconv.FormatInt(ids[len(ids)-1], 10)
	}
	if len(ids) == 0 {
		return out, nil
	}
	in, a := t.D.In(ids)
	calls, err := t.LoadCalls(`id`+in, a...)
	if err != nil {
		return out, err
	}
	sort.Slice(calls, func(i, j int) bool { return calls[i].ID > calls[j].ID })
	out.Calls = calls
	return out, nil
}

// ChatCounts counts the inbox tabs under q (state, missed, cursor and limit
// are ignored: the counts split by them). Filters on channel, medium, missed
// reason and assignee only read the chat_counts table kept by triggers; tag,
// date and text filters count the matching chats.
func (t *Tx) ChatCounts(q api.ChatQuery, channels []int64) (api.ChatCounts, error) {
	var out api.ChatCounts
	if channels != nil && len(channels) == 0 {
		return out, nil
	}
	if q.Tag == "" && q.From == nil && q.To == nil && strings.TrimSpace(q.Q) == "" {
		return t.countsFromTable(q, channels)
	}
	f, err := t.chatFilter(q, channels, false)
	if err != nil {
		return out, err
	}
	query := `SELECT ` + t.D.CountIf("c.state = 'opened'") + `, ` + t.D.CountIf("c.state = 'snoozed'") + `, ` +
		t.D.CountIf("c.state = 'closed'") + `, ` + t.D.CountIf("c.missed") + f.from
	if len(f.where) > 0 {
		query += ` WHERE ` + strings.Join(f.where, " AND ")
	}
	err = t.Conn.Row(query, f.args...).Scan(&out.Opened, &out.Snoozed, &out.Closed, &out.Missed)
	return out, err
}

func (t *Tx) countsFromTable(q api.ChatQuery, channels []int64) (api.ChatCounts, error) {
	var out api.ChatCounts
	var where []string
	var args []any
	if len(channels) > 0 {
		in, a := t.D.In(channels)
		where, args = append(where, "channel_id"+in), append(args, a...)
	}
	if q.ChannelID != 0 {
		where, args = append(where, "channel_id = ?"), append(args, q.ChannelID)
	}
	if q.Medium != "" {
		where, args = append(where, "medium = ?"), append(args, string(q.Medium))
	}
	if q.Reason != "" {
		where, args = append(where, "missed_reason = ?"), append(args, string(q.Reason))
	}
	if q.AssigneeID != nil {
		where, args = append(where, "assignee_id = ?"), append(args, *q.AssigneeID) // 0: unassigned
	}
	query := `SELECT state, missed, ` + t.D.Sum("n") + ` FROM chat_counts`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := t.Conn.Query(query+` GROUP BY state, missed`, args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var missed bool
		var n int
		if err := rows.Scan(&state, &missed, &n); err != nil {
			return out, err
		}
		switch api.ChatState(state) {
		case api.ChatOpened:
			out.Opened += n
		case api.ChatSnoozed:
			out.Snoozed += n
		case api.ChatClosed:
			out.Closed += n
		}
		if missed {
			out.Missed += n
		}
	}
	return out, rows.Err()
}
