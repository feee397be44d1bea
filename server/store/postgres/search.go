package postgres

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/meet-dev/meet/api"
)

// Page sizes of SearchChats (the SQLite store's).
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

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
// case-insensitive substring, through pg_trgm GIN indexes (from 3
// characters; shorter text scans).
func (t *tx) SearchChats(q api.ChatQuery, channels []int64) (api.ChatList, error) {
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
	ids, err := t.int64s(query, f.args...)
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
func (t *tx) chatFilter(q api.ChatQuery, channels []int64, withState bool) (chatFilter, error) {
	f := chatFilter{from: ` FROM chats c`, idCol: "c.id"}
	add := func(cond string, a ...any) {
		f.where = append(f.where, cond)
		f.args = append(f.args, a...)
	}
	if q.Tag != "" {
		// Drive from the tag index: (tag, chat_id) walks backwards in id order.
		f.from = ` FROM chat_tags g JOIN chats c ON c.id = g.chat_id`
		if withState {
			// A page looks each tagged chat up by key (the OFFSET 0 fence
			// keeps the planner from merge-joining a walk over all chats,
			// which reads thousands of rows when the other filters are rare).
			f.from = ` FROM chat_tags g CROSS JOIN LATERAL (SELECT * FROM chats c0 WHERE c0.id = g.chat_id OFFSET 0) c`
		}
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
		add("c.channel_id = ANY(?)", channels)
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
	if q.From != nil {
		add("c.created >= ?", ns(*q.From))
	}
	if q.To != nil {
		add("c.created < ?", ns(*q.To))
	}
	if text := strings.TrimSpace(q.Q); text != "" {
		cond, a, err := t.textCondition(text, withState)
		if err != nil {
			return f, err
		}
		if strings.Contains(cond, "u.name_lc") {
			f.from += ` JOIN customers u ON u.id = c.customer_id`
		}
		add(cond, a...)
	}
	return f, nil
}

// textSetLimit is the number of matching customers or memos up to which a
// text search looks the matches up by id; above it, matches are common and
// walking chats newest first fills a page sooner.
const textSetLimit = 2000

// pageWalkAbove is the number of matching customers above which a search
// page walks chats newest first against the set of matches rather than
// fetching every chat of every match (about five each).
const pageWalkAbove = 300

// textCondition matches text against customer name/number and memo text,
// case-insensitively: the search columns hold Go-folded text (name_lc,
// text_lc), so folding does not depend on the database's locale. page is
// true for a search page (a walk that stops after a page of chats), false
// for counts (which visit every chat).
func (t *tx) textCondition(text string, page bool) (string, []any, error) {
	// Control characters never match stored text (names, numbers and memos
	// hold none), and Postgres refuses a NUL or invalid UTF-8 in a parameter:
	// as on SQLite, they count as spaces.
	text = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(text, " ")))
	if text == "" {
		return "true", nil, nil
	}
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(fold(text)) + "%"
	customersSQL := `SELECT id FROM customers WHERE name_lc LIKE ? OR number ILIKE ?`
	memosSQL := `SELECT chat_id FROM memos WHERE text_lc LIKE ?`
	if utf8.RuneCountInString(text) < 3 { // below the trigram size: no index helps
		return `(c.customer_id IN (` + customersSQL + `) OR c.id IN (` + memosSQL + `))`, []any{like, like, like}, nil
	}
	// From the trigram size on, customers come from a range of the suffix
	// index (0900): the folded text is a prefix of some suffix of the folded
	// name or number exactly when it is a substring of either.
	q := fold(text)
	customersSQL = `SELECT customer_id FROM customer_suffixes WHERE suffix >= ? AND suffix < ?`
	custArgs := []any{q, q + "\U0010FFFF"}
	customers, err := t.int64s(customersSQL+` LIMIT ?`, append(custArgs, textSetLimit+1)...)
	if err != nil {
		return "", nil, err
	}
	memoChats, err := t.int64s(memosSQL+` LIMIT ?`, like, textSetLimit+1)
	if err != nil {
		return "", nil, err
	}
	if page && len(customers) > pageWalkAbove && len(customers) <= textSetLimit && len(memoChats) <= textSetLimit {
		// Matches spread over a few thousand chats: fetching them all by
		// customer reads that many random heap pages (11-24 ms for 1,000
		// customers over 1M chats); walking chats newest first against the
		// hashed sets fills a page after some thousands of index-ordered
		// rows (4 ms).
		return `(c.customer_id IN (` + customersSQL + `) OR c.id IN (` + memosSQL + `))`, append(custArgs, like), nil
	}
	if len(customers) > textSetLimit || len(memoChats) > textSetLimit {
		if page {
			// Common text: walk chats newest first and check each one's
			// customer and memos by key; a page fills after a few hundred
			// chats, where collecting every match first reads them all.
			// (chatFilter joins customers u for the "u." columns.)
			return `(u.name_lc LIKE ? OR u.number ILIKE ? OR EXISTS (SELECT 1 FROM memos m WHERE m.chat_id = c.id AND m.text_lc LIKE ?))`,
				[]any{like, like, like}, nil
		}
		// Counts visit every chat: check them against the match sets,
		// hashed once.
		return `(c.customer_id IN (` + customersSQL + `) OR c.id IN (` + memosSQL + `))`, append(custArgs, like), nil
	}
	switch {
	case len(customers)+len(memoChats) == 0:
		return "false", nil, nil
	case len(memoChats) == 0:
		return "c.customer_id = ANY(?)", []any{customers}, nil
	case len(customers) == 0:
		return "c.id = ANY(?)", []any{memoChats}, nil
	}
	return "(c.customer_id = ANY(?) OR c.id = ANY(?))", []any{customers, memoChats}, nil
}
