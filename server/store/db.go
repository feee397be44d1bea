package store

import "context"

// DB is an open database as meetd uses it: transactions, the reporting
// side, and the hand-over of events that other processes committed.
// server/store/sqlite and server/store/postgres implement it.
type DB interface {
	Store
	Reports
	// SyncExternal hands events that other processes (meetd admin, other
	// nodes) committed to the store's OnCommit hook, in id order and once.
	SyncExternal(ctx context.Context) error
}
