package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the statements a pool keeps prepared: queries built
// from input (filters, id lists of any length) each have their own text, and
// a long-running server must not hold one prepared statement per shape.
const maxCachedStmts = 256

// stmtCache keeps the prepared statements of one pool. Parsing SQL is the
// biggest cost of a small statement in SQLite (a third of the CPU of the
// call lifecycle), so statements that run again are prepared once and reused
// inside transactions (sql.Tx.StmtContext reuses the connection's prepared
// statement). A statement is prepared on the pool only when no transaction
// of this store holds a connection it could wait for: the writer pool has
// one connection, so preparing there while a write transaction is open would
// deadlock. Queries missed during a transaction are therefore prepared after
// it ended (finish), and only from their second run on, so one-off query
// shapes never take a slot.
type stmtCache struct {
	db   *sql.DB
	mu   sync.Mutex
	m    map[string]*sql.Stmt
	seen map[string]bool // ran once unprepared
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, seen: map[string]bool{}}
}

// get returns the prepared statement of query, or nil (the caller runs it
// unprepared and hands the query to finish after its transaction).
func (c *stmtCache) get(query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// finish notes queries that ran unprepared in a transaction that has ended
// and prepares those that ran before. It must not be called while a
// transaction of the pool is open on the calling goroutine.
func (c *stmtCache) finish(ctx context.Context, missed []string) {
	if c == nil || len(missed) == 0 {
		return
	}
	var prep []string
	c.mu.Lock()
	for _, q := range missed {
		if _, ok := c.m[q]; ok || len(c.m)+len(prep) >= maxCachedStmts {
			continue
		}
		if !c.seen[q] {
			if len(c.seen) < 4*maxCachedStmts {
				c.seen[q] = true
			}
			continue
		}
		delete(c.seen, q)
		prep = append(prep, q)
	}
	c.mu.Unlock()
	for _, q := range prep {
		st, err := c.db.PrepareContext(context.WithoutCancel(ctx), q)
		if err != nil {
			continue // runs unprepared, as before
		}
		c.mu.Lock()
		if _, ok := c.m[q]; ok {
			st.Close()
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
}

// close closes every prepared statement.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
}
