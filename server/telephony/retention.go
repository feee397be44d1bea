package telephony

import (
	"context"
	"os"
	"strconv"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// RetentionInterval is how often expired call recordings are deleted.
const RetentionInterval = time.Hour

// SweepRecordings deletes the call recordings older than their channel's
// retention days at now: the file, then the row (with a recording.deleted
// event). It returns how many it deleted.
func SweepRecordings(ctx context.Context, st store.Store, now time.Time) (int, error) {
	n := 0
	for {
		var due []api.Recording
		if err := st.View(ctx, func(tx store.Tx) (err error) { due, err = tx.ExpiredRecordings(now, 100); return }); err != nil {
			return n, err
		}
		if len(due) == 0 {
			return n, nil
		}
		for _, r := range due {
			if err := os.Remove(r.Path); err != nil && !os.IsNotExist(err) {
				return n, err // keep the row: the file is still there
			}
			err := st.Update(ctx, func(tx store.Tx) error {
				if err := tx.DeleteRecording(r.ID); err != nil {
					return err
				}
				return tx.Append(&api.Event{Type: api.EvRecordingDeleted, ChannelID: r.ChannelID, ChatID: r.ChatID, CallID: r.CallID,
					Data: []byte(`{"recording_id":` + strconv.FormatInt(r.ID, 10) + `,"reason":"retention"}`)})
			})
			if err != nil {
				return n, err
			}
			n++
		}
	}
}

// sweep runs SweepRecordings now and every RetentionInterval until ctx ends.
func (t *Telephony) sweep(ctx context.Context, st store.Store) {
	tick := time.NewTicker(RetentionInterval)
	defer tick.Stop()
	for {
		if n, err := SweepRecordings(ctx, st, time.Now()); err != nil && ctx.Err() == nil {
			t.log.Warn("recording retention", "err", err)
		} else if n > 0 {
			t.log.Info("recordings past retention deleted", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
