package sqlstore

import (
	"encoding/json"

	"github.com/meet-dev/meet/api"
)

// Append checks one event and hands it to the backend's EventLog; it
// reaches OnCommit once the transaction commits.
func (t *Tx) Append(e *api.Event) error {
	if !t.Write {
		return api.Errorf(api.CodeInternal, "append in a read-only transaction")
	}
	if e.At.IsZero() {
		e.At = t.Now
	}
	e.At = e.At.UTC()
	if len(e.Data) > 0 && !json.Valid(e.Data) {
		return api.Errorf(api.CodeInternal, "event %s: data is not JSON", e.Type)
	}
	return t.Events.WriteEvent(e)
}

const eventCols = `id, type, at, channel_id, chat_id, call_id, staff_id, actor_id, data`

func (t *Tx) loadEvents(query string, args ...any) ([]api.Event, error) {
	if err := t.Events.FlushEvents(); err != nil { // a transaction reading its own events sees them
		return nil, err
	}
	rows, err := t.Conn.Query(`SELECT `+eventCols+` FROM events `+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []api.Event{}
	for rows.Next() {
		var e api.Event
		var typ string
		var at int64
		var data *string
		if err := rows.Scan(&e.ID, &typ, &at, &e.ChannelID, &e.ChatID, &e.CallID, &e.StaffID, &e.ActorID, &data); err != nil {
			return nil, err
		}
		e.Type, e.At = api.EventType(typ), FromNS(at)
		if data != nil {
			e.Data = json.RawMessage(*data)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EventsSince returns up to limit events after afterID in id order (limit ≤ 0: 1000).
func (t *Tx) EventsSince(afterID int64, limit int) ([]api.Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	return t.loadEvents(`WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
}

func (t *Tx) ChatEvents(chatID int64) ([]api.Event, error) {
	return t.loadEvents(`WHERE chat_id = ? AND chat_id <> 0 ORDER BY id`, chatID)
}

func (t *Tx) CallEvents(callID int64) ([]api.Event, error) {
	return t.loadEvents(`WHERE call_id = ? AND call_id <> 0 ORDER BY id`, callID)
}

// LastEventID is the id of the newest committed event.
func (t *Tx) LastEventID() (int64, error) {
	if err := t.Events.FlushEvents(); err != nil {
		return 0, err
	}
	var id int64
	err := t.Conn.Row(`SELECT coalesce(max(id), 0) FROM events`).Scan(&id)
	return id, err
}
