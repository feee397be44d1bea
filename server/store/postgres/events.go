package postgres

import (
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store/sqlstore"
)

// WriteEvent records a checked event (sqlstore.Tx.Append). Its id is set
// at the end of the transaction, when the events are written under the
// event counter's row lock (FlushEvents): see the package doc on commit
// order.
func (t *tx) WriteEvent(e *api.Event) error {
	t.pending = append(t.pending, e)
	return nil
}

// FlushEvents gives the pending events their ids and writes them. The ids
// come from the event counter row, whose lock is held from here to the end
// of the transaction: write transactions run side by side and only their
// last step — this and the commit — goes one at a time, so ids are gapless
// and in commit order. Nothing is locked after the counter (events have no
// foreign keys), so taking it last cannot deadlock.
func (t *tx) FlushEvents() error {
	n := len(t.pending)
	if n == 0 {
		return nil
	}
	var last int64
	if err := t.row(`UPDATE event_counter SET last_id = last_id + ? WHERE id = 1 RETURNING last_id`, n).Scan(&last); err != nil {
		return err
	}
	ids := make([]int64, n)
	types := make([]string, n)
	ats := make([]int64, n)
	chans, chats, calls, staff, actors := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	datas := make([]*string, n)
	for i, e := range t.pending {
		e.ID = last - int64(n) + 1 + int64(i)
		ids[i], types[i], ats[i] = e.ID, string(e.Type), sqlstore.NS(e.At)
		chans[i], chats[i], calls[i], staff[i], actors[i] = e.ChannelID, e.ChatID, e.CallID, e.StaffID, e.ActorID
		if len(e.Data) > 0 {
			d := string(e.Data)
			datas[i] = &d
		}
	}
	for i, s := range types {
		types[i] = cleanArgs([]any{s})[0].(string)
	}
	for i, d := range datas {
		if d != nil {
			c := cleanArgs([]any{*d})[0].(string)
			datas[i] = &c
		}
	}
	if _, err := t.q.Exec(t.ctx, `INSERT INTO events(id, type, at, channel_id, chat_id, call_id, staff_id, actor_id, data)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[])`,
		ids, types, ats, chans, chats, calls, staff, actors, datas); err != nil {
		return err
	}
	for _, e := range t.pending {
		t.events = append(t.events, *e)
	}
	t.pending = t.pending[:0]
	return nil
}
