package postgres

import (
	"cmp"
	"context"
	"slices"
	"strings"
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

// Stream runs a read-only query and calls fn per row (sqlstore.ReportDB);
// rows come one at a time from the server, so memory does not grow with the
// result.
func (d *DB) Stream(ctx context.Context, query string, args []any, fn func(sqlstore.Rows) error) error {
	return d.View(ctx, func(st store.Tx) error {
		rows, err := st.(*tx).query(query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var r sqlstore.Rows = pgRows{rows}
		for rows.Next() {
			if err := fn(r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// AutomationCursor is the last call.ended event id the automations handled.
// In a write transaction it locks the cursor row until commit, so runners on
// several nodes handle each event once.
func (t *tx) AutomationCursor() (int64, error) {
	q := `SELECT last_event_id FROM automation_cursor WHERE id = 1`
	if t.Write {
		if _, err := t.exec(`INSERT INTO automation_cursor(id, last_event_id) VALUES (1, 0) ON CONFLICT DO NOTHING`); err != nil {
			return 0, err
		}
		q += ` FOR UPDATE`
	}
	var id int64
	err := t.row(q).Scan(&id)
	if sqlstore.NoRows(err) {
		return 0, nil
	}
	return id, err
}

// SMSClaim is how long DueSMS hands a message to one caller: the SMS workers
// of every node poll the same outbox, and a message one of them is sending
// is not due for the others. A worker that dies mid-send leaves it due again
// after the claim (the provider's idempotency key covers a repeated send).
const SMSClaim = 2 * time.Minute

// DueSMS lists queued messages due at now, oldest first, and claims them
// (next_at moves SMSClaim on; rows another caller is claiming are skipped),
// so concurrent workers never get the same message. The messages come back
// as they were before the claim.
func (d *DB) DueSMS(ctx context.Context, now time.Time, limit int) ([]api.SMS, error) {
	out := []api.SMS{}
	old := "o." + strings.ReplaceAll(sqlstore.SMSCols, ", ", ", o.")
	err := d.Update(ctx, func(st store.Tx) error {
		rows, err := st.(*tx).query(`WITH due AS (
				SELECT id FROM sms_outbox WHERE status = 'queued' AND next_at <= ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED),
			o AS (SELECT `+sqlstore.SMSCols+` FROM sms_outbox WHERE id IN (SELECT id FROM due))
			UPDATE sms_outbox s SET next_at = ? FROM o WHERE s.id = o.id RETURNING `+old,
			sqlstore.NS(now), limit, sqlstore.NS(now.Add(SMSClaim)))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := sqlstore.ScanSMS(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b api.SMS) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
