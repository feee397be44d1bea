package room

import "github.com/meet-dev/meet/audio/mixer"

// A call transferred to an external number bridges two trunk calls in one
// room: the customer's (the caller leg) and the one dialled for the
// transfer, added here as a second caller leg. Each hears the other (and
// any staff and guidance); with two trunk legs the room always mixes, the
// two-party fast path being for the caller and one operator.

// AddTrunkLeg adds trunk call legID's audio to callID's room as another
// caller. Adding the same leg again is a no-op.
func (m *Manager) AddTrunkLeg(callID, legID int64, media CallerMedia) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.roomLocked(callID)
	if err != nil {
		return err
	}
	if r.trunks == nil {
		r.trunks = map[int64]*mixer.Leg{}
	}
	if r.trunks[legID] != nil {
		return nil
	}
	leg := newCallerLeg(media)
	r.trunks[legID] = r.mix.Add("trunk", mixer.RoleCaller, leg, leg)
	r.log.Info("trunk leg bridged", "leg_call_id", legID)
	return nil
}

// RemoveTrunkLeg takes a bridged trunk leg out of callID's room.
func (m *Manager) RemoveTrunkLeg(callID, legID int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[callID]
	if r == nil || r.trunks[legID] == nil {
		return
	}
	r.mix.Remove(r.trunks[legID])
	delete(r.trunks, legID)
}
