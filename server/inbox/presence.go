package inbox

import (
	"context"
	"sync"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// presence remembers the last presence written per staff member, so a
// repeated signal (a softphone renegotiating) writes no duplicate event.
type presence struct {
	mu   sync.Mutex
	last map[int64]bool
}

// SetPresence records that staffID's softphone connected (online) or
// disconnected: an api.EvStaffPresence event with data {"online":bool},
// visible to every signed-in user (channel 0), so boards and the call
// lifecycle react. A signal equal to the last one written is a no-op.
func (s *Service) SetPresence(ctx context.Context, staffID int64, online bool) error {
	if staffID <= 0 {
		return badRequest("staff id %d: want a positive id", staffID)
	}
	s.presence.mu.Lock()
	defer s.presence.mu.Unlock()
	if was, ok := s.presence.last[staffID]; ok && was == online {
		return nil
	}
	err := s.update(ctx, func(tx store.Tx) error {
		if _, err := tx.Staff(staffID); err != nil {
			return err
		}
		return tx.Append(&api.Event{Type: api.EvStaffPresence, StaffID: staffID, ActorID: staffID,
			Data: data(map[string]bool{"online": online})})
	})
	if err != nil {
		return err
	}
	if s.presence.last == nil {
		s.presence.last = map[int64]bool{}
	}
	s.presence.last[staffID] = online
	s.log.Info("staff presence", "staff_id", staffID, "online", online)
	return nil
}
