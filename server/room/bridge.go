package room

import (
	"fmt"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio/mixer"
)

// A bridge is a staff member's place in a room when their softphone is
// connected to another node of a cluster: an 8 kHz leg (a node-to-node RTP
// leg, server/cluster) that stands for them in the mix, in their mode, so
// the room treats them as if they were here — a listening supervisor is
// heard by nobody, a whisper reaches the talk legs only:
//
//	receive: Bridge(8000) -> Resample(8000->48000) -> Mixer(48000)
//	send:    Mixer(48000) -> Resample(48000->8000) -> Bridge(8000)
//
// On the softphone's node the other end of the leg is the caller of a
// relay room (OpenRoom + SetCaller), where the softphone attaches in talk.
type bridge struct {
	leg  *mixer.Leg
	io   *callerLeg // the 8 kHz adapter; never paired (twoParty wants a staff leg)
	mode api.JoinMode
}

// AddBridge puts staffID into the call's room through media, in mode. A
// bridge already there changes mode (media is then left unused: the caller
// closes it).
func (m *Manager) AddBridge(callID, staffID int64, mode api.JoinMode, media CallerMedia) error {
	role, err := roleOf(mode)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.roomLocked(callID)
	if err != nil {
		return err
	}
	if r.bridges == nil {
		r.bridges = map[int64]*bridge{}
	}
	if b := r.bridges[staffID]; b != nil {
		r.mix.SetRole(b.leg, role)
		b.mode = mode
		r.log.Info("bridged staff mode changed", "staff_id", staffID, "mode", mode)
		return nil
	}
	b := &bridge{io: newBridgeLeg(media), mode: mode}
	b.leg = r.mix.Add(fmt.Sprintf("bridge:%d", staffID), role, b.io, b.io)
	r.bridges[staffID] = b
	r.log.Info("staff bridged in from another node", "staff_id", staffID, "mode", mode)
	return nil
}

// HasBridge reports whether staffID is in the call's room over a bridge.
func (m *Manager) HasBridge(callID, staffID int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[callID]
	return r != nil && r.bridges[staffID] != nil
}

// RemoveBridge takes staffID's bridge out of the call's room.
func (m *Manager) RemoveBridge(callID, staffID int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[callID]
	if r == nil || r.bridges[staffID] == nil {
		return
	}
	r.mix.Remove(r.bridges[staffID].leg)
	delete(r.bridges, staffID)
	r.log.Info("bridged staff left", "staff_id", staffID)
}
