package sqlstore

import (
	"context"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// HandStored hands the stored events after *handed and before `before` (0:
// all) to onCommit, in id order, a thousand at a time, and moves *handed
// on: events that other processes (meetd admin, other nodes) or other
// transactions committed. Callers hold the lock that guards handed.
func HandStored(ctx context.Context, st store.Store, handed *int64, before int64, onCommit func([]api.Event)) error {
	for {
		var evs []api.Event
		err := st.View(ctx, func(tx store.Tx) (err error) { evs, err = tx.EventsSince(*handed, 1000); return })
		if err != nil {
			return err
		}
		for i, e := range evs {
			if before > 0 && e.ID >= before {
				evs = evs[:i]
				break
			}
		}
		if len(evs) == 0 {
			return nil
		}
		onCommit(evs)
		*handed = evs[len(evs)-1].ID
	}
}
