package sqlite

import (
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store/sqlstore"
)

// WriteEvent inserts a checked event (sqlstore.Tx.Append): SQLite gives it
// its id at once, since write transactions take turns from begin to commit.
func (t *tx) WriteEvent(e *api.Event) error {
	var data any
	if len(e.Data) > 0 {
		data = string(e.Data)
	}
	id, err := t.Insert(`INSERT INTO events(type, at, channel_id, chat_id, call_id, staff_id, actor_id, data)
		VALUES (?,?,?,?,?,?,?,?)`, string(e.Type), sqlstore.NS(e.At), e.ChannelID, e.ChatID, e.CallID, e.StaffID, e.ActorID, data)
	if err != nil {
		return err
	}
	e.ID = id
	t.events = append(t.events, *e)
	return nil
}

// FlushEvents does nothing: events are written as they are appended.
func (t *tx) FlushEvents() error { return nil }
