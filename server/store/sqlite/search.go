package sqlite

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/meet-dev/meet/api"
)

// Page sizes of SearchChats.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// SearchChats pages through the inbox newest first (by id, which is creation
// order). The cursor is the id of the last chat of the previous page.
// Free text (q) matches customer name and number and memo text as a
// case-insensitive substring: trigram FTS5 from 3 characters, LIKE below.
func (t *tx) SearchChats(q api.ChatQuery, channels []int64) (api.ChatList, error) {
	out := api.ChatList{Chats: []api.Chat{}}
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = DefaultPageSize
	case limit > MaxPageSize:
		limit = MaxPageSize
	}
	if channels != nil && len(channels) == 0 {
		return out, nil
	}
	f, err := t.chatFilter(q, channels, true)
	if err != nil {
		return out, err
	}
	from, idCol, where, args := f.from, f.idCol, f.where, f.args
	query := `SELECT ` + idCol + from
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY ` + idCol + ` DESC LIMIT ` + strconv.Itoa(limit+1)
	ids, err := t.int64s(query, args...)
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
		ph, a := placeholders(channels)
		add("+c.channel_id IN ("+ph+")", a...) // "+": keep id order from another index
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
		add("c.missed = ?", boolInt(*q.Missed))
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
	// Pages keep id order ("+": no created index); counts may use it.
	created := "+c.created"
	if !withState {
		created = "c.created"
	}
	if q.From != nil {
		add(created+" >= ?", ns(*q.From))
	}
	if q.To != nil {
		add(created+" < ?", ns(*q.To))
	}
	if text := strings.TrimSpace(q.Q); text != "" {
		cond, a, err := t.textCondition(text)
		if err != nil {
			return f, err
		}
		add(cond, a...)
	}
	return f, nil
}

// textSetLimit is the number of matching customers or memos up to which a
// text search looks the matches up by id; above it, matches are common and
// walking chats newest first fills a page sooner.
const textSetLimit = 2000

// textCheckLimit is the number of matching customers above which a text
// search checks each chat's customer in place instead of building the set
// of matches: beyond it (2 % of 200,000 customers) a page of chats is found
// sooner than the set is built.
const textCheckLimit = 4 * textSetLimit

// textCondition matches q against customer name/number and memo text.
func (t *tx) textCondition(text string) (string, []any, error) {
	// Control characters never match stored text (names, numbers and memos
	// hold none) and a NUL would end FTS5's query string early.
	text = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(text, " ")))
	if text == "" {
		return "1", nil, nil
	}
	if utf8.RuneCountInString(text) < 3 { // below the trigram size: LIKE
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text) + "%"
		return `(c.customer_id IN (SELECT id FROM customers WHERE name LIKE ? ESCAPE '\' OR number LIKE ? ESCAPE '\')
			OR c.id IN (SELECT chat_id FROM memos WHERE text LIKE ? ESCAPE '\'))`, []any{like, like, like}, nil
	}
	m := `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
	// Customers: a range of the suffix index when lower-casing the text is
	// ASCII-only (as SQLite's lower() that filled it), trigram FTS otherwise.
	custSQL, custArgs := `SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?`, []any{m}
	lower, suffixes := asciiFolded(text)
	nCustomers := 0
	if suffixes {
		custSQL, custArgs = `SELECT customer_id FROM customer_suffixes WHERE suffix >= ? AND suffix < ?`, []any{lower, lower + "\xff"}
		// Counted inside SQLite (a range read): fetching thousands of ids
		// row by row only to count them cost more than the search.
		if err := t.row(`SELECT count(*) FROM (`+custSQL+` LIMIT ?)`, append(custArgs, textCheckLimit+1)...).Scan(&nCustomers); err != nil {
			return "", nil, err
		}
	}
	var customers []int64
	if !suffixes || nCustomers <= textSetLimit {
		var err error
		if customers, err = t.int64s(custSQL+` LIMIT ?`, append(custArgs, textSetLimit+1)...); err != nil {
			return "", nil, err
		}
		nCustomers = len(customers)
	}
	memoChats, err := t.int64s(`SELECT chat_id FROM memos_fts WHERE memos_fts MATCH ? LIMIT ?`, m, textSetLimit+1)
	if err != nil {
		return "", nil, err
	}
	if suffixes && nCustomers > textCheckLimit {
		// Very common text (a frequent surname): a page fills within a few
		// hundred chats, so each chat's customer is checked where it is
		// rather than building a set of tens of thousands of customers.
		return `(EXISTS (SELECT 1 FROM customers u WHERE u.id = c.customer_id AND (instr(lower(u.name), ?) > 0 OR instr(lower(u.number), ?) > 0))
			OR +c.id IN (SELECT chat_id FROM memos_fts WHERE memos_fts MATCH ?))`, []any{lower, lower, m}, nil
	}
	if nCustomers > textSetLimit || len(memoChats) > textSetLimit {
		// Common text: scan chats newest first ("+": no index), checking each
		// against the match sets, which SQLite builds once.
		return `(+c.customer_id IN (` + custSQL + `)
			OR +c.id IN (SELECT chat_id FROM memos_fts WHERE memos_fts MATCH ?))`, append(custArgs, m), nil
	}
	if len(customers)+len(memoChats) == 0 {
		return "0", nil, nil
	}
	var parts []string
	var args []any
	if len(customers) > 0 {
		ph, a := placeholders(customers)
		parts, args = append(parts, "c.customer_id IN ("+ph+")"), append(args, a...)
	}
	if len(memoChats) > 0 {
		ph, a := placeholders(memoChats)
		parts, args = append(parts, "c.id IN ("+ph+")"), append(args, a...)
	}
	return "(" + strings.Join(parts, " OR ") + ")", args, nil
}

// asciiFolded lower-cases text as SQLite's lower() does (ASCII letters
// only); ok is false when text holds a letter outside ASCII that has other
// cases (É, Ü, Ж), which only the FTS index folds.
func asciiFolded(text string) (lower string, ok bool) {
	b := []byte(text)
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if unicode.SimpleFold(r) != r {
			return "", false
		}
		i += n
	}
	return string(b), true
}
