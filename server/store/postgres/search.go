package postgres

import (
	"strings"
	"unicode/utf8"

	"github.com/meet-dev/meet/server/store/sqlstore"
)

// Page sizes of SearchChats.
const (
	DefaultPageSize = sqlstore.DefaultPageSize
	MaxPageSize     = sqlstore.MaxPageSize
)

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
// TextCondition is the search's free-text condition (sqlstore.Searchable).
func (t *tx) TextCondition(text string, page bool) (sqlstore.TextMatch, error) {
	cond, args, err := t.textCondition(text, page)
	return sqlstore.TextMatch{Cond: cond, Args: args, JoinCustomer: strings.Contains(cond, "u.name_lc")}, err
}

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
	customers, err := t.Int64s(customersSQL+` LIMIT ?`, append(custArgs, textSetLimit+1)...)
	if err != nil {
		return "", nil, err
	}
	memoChats, err := t.Int64s(memosSQL+` LIMIT ?`, like, textSetLimit+1)
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
