package sqlite

import (
	"strings"
	"unicode"
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

// textCheckLimit is the number of matching customers above which a text
// search checks each chat's customer in place instead of building the set
// of matches: beyond it (2 % of 200,000 customers) a page of chats is found
// sooner than the set is built.
const textCheckLimit = 4 * textSetLimit

// textCondition matches q against customer name/number and memo text.
// TextCondition is the search's free-text condition (sqlstore.Searchable):
// the same for pages and counts.
func (t *tx) TextCondition(text string, _ bool) (sqlstore.TextMatch, error) {
	cond, args, err := t.textCondition(text)
	return sqlstore.TextMatch{Cond: cond, Args: args}, err
}

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
		if customers, err = t.Int64s(custSQL+` LIMIT ?`, append(custArgs, textSetLimit+1)...); err != nil {
			return "", nil, err
		}
		nCustomers = len(customers)
	}
	memoChats, err := t.Int64s(`SELECT chat_id FROM memos_fts WHERE memos_fts MATCH ? LIMIT ?`, m, textSetLimit+1)
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
