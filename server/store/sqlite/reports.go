package sqlite

import (
	"context"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlstore"
)

var (
	_ store.Reports      = (*DB)(nil)
	_ store.AutomationTx = (*tx)(nil)
)

// UpdateTx is Update for the shared reporting bodies (sqlstore.ReportDB).
func (d *DB) UpdateTx(ctx context.Context, fn func(*sqlstore.Tx) error) error {
	return d.Update(ctx, func(st store.Tx) error { return fn(&st.(*tx).Tx) })
}

// Stream runs a query on a reader connection (outside any transaction) and
// calls fn per row (sqlstore.ReportDB).
func (d *DB) Stream(ctx context.Context, query string, args []any, fn func(sqlstore.Rows) error) error {
	rows, err := d.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}

// AutomationCursor is the last call.ended event id the automations handled.
func (t *tx) AutomationCursor() (int64, error) {
	var id int64
	err := t.row(`SELECT last_event_id FROM automation_cursor WHERE id = 1`).Scan(&id)
	if sqlstore.NoRows(err) {
		return 0, nil
	}
	return id, err
}

// DueSMS lists queued messages due at now, oldest first.
func (d *DB) DueSMS(ctx context.Context, now time.Time, limit int) ([]api.SMS, error) {
	return d.QuerySMS(ctx, `SELECT `+sqlstore.SMSCols+` FROM sms_outbox WHERE status = 'queued' AND next_at <= ? ORDER BY id LIMIT ?`,
		sqlstore.NS(now), limit)
}
