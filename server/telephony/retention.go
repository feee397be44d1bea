package telephony

import (
	"context"
	"time"

	"github.com/meet-dev/meet/server/recording"
	"github.com/meet-dev/meet/server/store"
)

// RetentionInterval is how often recordings past their channel's retention
// (call recordings and voicemails) are deleted.
const RetentionInterval = time.Hour

// sweep runs recording.Sweep over this node's recordings now and every
// RetentionInterval until ctx ends.
func (t *Telephony) sweep(ctx context.Context, st store.Store) {
	tick := time.NewTicker(RetentionInterval)
	defer tick.Stop()
	for {
		if n, err := recording.Sweep(ctx, st, t.node, time.Now()); err != nil && ctx.Err() == nil {
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
