// Package room runs one conference per call: the caller's SIP leg, the
// operators' and supervisors' WebRTC legs, guidance playback, all mixed by
// audio/mixer at 48 kHz in 20 ms ticks. The common case, the caller and one
// operator alone, skips the 48 kHz mix (pair.go, narrow.go) and switches
// to it, without a click, when anyone else joins or guidance plays.
//
// Each logged-in softphone keeps ONE peer connection (Offer); Attach points
// that connection's audio into a call's room and Detach takes it out again,
// without any renegotiation. *Manager implements the lifecycle's Media
// interface and httpapi's Signaller.
package room

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/meet-dev/meet/internal/litertc"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio/mixer"
	"github.com/meet-dev/meet/server/recording"
)

// CallerMedia is one call's decoded trunk audio: 8 kHz mono, 20 ms =
// 160-sample frames. A trunk.CallMedia satisfies it.
type CallerMedia interface {
	ReadFrame(dst []int16) bool   // next jitter-buffered frame; never blocks; false when nothing flows
	WriteFrame(src []int16) error // encode and send
}

// PresenceListener hears whether staff members' softphones are connected:
// true when a peer connection becomes connected, false when it is
// disconnected, failed or closed. Changes for one staff member arrive in
// order, with no Manager lock held (it may call Online, Attach…); it
// should not block for long.
type PresenceListener interface {
	PresenceChanged(staffID int64, online bool)
}

// ErrListening is returned by Listen when the Manager has its listener.
var ErrListening = errors.New("room: presence listener already set")

// Manager owns every room and every softphone connection.
type Manager struct {
	cfg      config
	log      *slog.Logger
	ep       *litertc.Endpoint
	gc       *guidanceCache
	clk      *mixer.Clock                     // drives every room's mixer (the default), or nil (WithOwnTickers)
	listener atomic.Pointer[presenceListener] // set once by Listen

	mu     sync.Mutex
	rooms  map[int64]*Room
	staff  map[int64]*staffLeg
	closed bool

	retiredMu sync.Mutex
	retired   MediaStats // the streams of softphone connections since replaced or closed
}

// Room is one call's conference.
type Room struct {
	callID int64
	log    *slog.Logger
	mix    *mixer.Mixer
	prompt *prompt
	share  *sharedSend
	// Guarded by Manager.mu.
	caller    *callerLeg
	callerLeg *mixer.Leg
	staff     map[int64]*staffLeg
	bridges   map[int64]*bridge   // staff on other nodes (bridge.go)
	rec       *recording.Recorder // voicemail or call recording (record.go)
	recLeg    *mixer.Leg
	trunks    map[int64]*mixer.Leg // further trunk legs, by trunk call id (trunkleg.go)
}

// New builds a Manager.
func New(opts ...Option) (*Manager, error) {
	c := config{log: slog.Default(), jitter: 2, clockWorkers: -1}
	for _, o := range opts {
		o(&c)
	}
	ep, err := newEndpoint(&c)
	if err != nil {
		return nil, err
	}
	var clk *mixer.Clock
	if c.clockWorkers != 0 {
		// Each worker holds the operators' socket (and the callers'
		// send batches) while it ticks the rooms due together, whose
		// packets then leave in one system call.
		hs := append([]Holder{ep}, c.batches...)
		hold := func() {
			for _, h := range hs {
				h.Hold()
			}
		}
		release := func() {
			for _, h := range hs {
				h.Release()
			}
		}
		clk = mixer.NewClock(max(0, c.clockWorkers), mixer.WithBatch(hold, release))
	}
	return &Manager{
		clk:   clk,
		cfg:   c,
		log:   c.log,
		ep:    ep,
		gc:    newGuidanceCache(c.guidance),
		rooms: map[int64]*Room{},
		staff: map[int64]*staffLeg{},
	}, nil
}

// Close closes every room and every softphone connection.
func (m *Manager) Close() error {
	m.mu.Lock()
	m.closed = true
	var ids []int64
	for id := range m.rooms {
		ids = append(ids, id)
	}
	var staff []int64
	for id := range m.staff {
		staff = append(staff, id)
	}
	m.mu.Unlock()
	for _, id := range ids {
		m.CloseRoom(id)
	}
	var wg sync.WaitGroup
	for _, id := range staff {
		wg.Go(func() { m.Disconnect(id) })
	}
	wg.Wait()
	if m.clk != nil {
		m.clk.Close()
	}
	return m.ep.Close()
}

type presenceListener struct{ PresenceListener }

// Listen makes l hear every softphone presence change from now on. The
// listener is the call lifecycle, which is built over the Manager, so it
// is given here, once, after both exist and before softphones connect
// (server/telephony.New); a second call returns ErrListening.
func (m *Manager) Listen(l PresenceListener) error {
	if !m.listener.CompareAndSwap(nil, &presenceListener{l}) {
		return ErrListening
	}
	return nil
}

func (m *Manager) staffLeg(id int64) *staffLeg {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.staff[id]
	if s == nil {
		s = &staffLeg{id: id, log: m.log.With("staff_id", id, "leg", "webrtc")}
		m.staff[id] = s
	}
	return s
}

// OpenRoom starts the call's room; opening an open room is a no-op.
func (m *Manager) OpenRoom(callID int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return api.Errorf(api.CodeUnavailable, "media is shut down")
	}
	if m.rooms[callID] != nil {
		return nil
	}
	log := m.log.With("call_id", callID)
	r := &Room{callID: callID, log: log, staff: map[int64]*staffLeg{}, prompt: &prompt{},
		share: newSharedSend(m.newOpusEncoder)}
	opts := r.mixerOptions()
	if m.clk != nil {
		opts = append(opts, mixer.WithClock(m.clk))
	}
	r.mix = mixer.New(opts...)
	r.mix.Add("guidance", mixer.RolePrompt, r.prompt, nil)
	m.rooms[callID] = r
	log.Debug("room opened")
	return nil
}

// mixerOptions are the room's mixer's: the one- and two-party fast paths
// and the silence gate under shared encoding.
func (r *Room) mixerOptions() []mixer.Option {
	return []mixer.Option{mixer.WithLogger(r.log), mixer.WithPair(twoParty), mixer.WithSolo(r.solo),
		mixer.WithSilenceGate(silenceGate, gateHangover)}
}

// CloseRoom stops the room: staff legs are detached (their connections
// stay up), guidance stops without calling done.
func (m *Manager) CloseRoom(callID int64) {
	m.mu.Lock()
	r := m.rooms[callID]
	if r == nil {
		m.mu.Unlock()
		return
	}
	delete(m.rooms, callID)
	for id, s := range r.staff {
		r.mix.Remove(s.leg) // not ticked again, even if attached elsewhere at once
		s.leaveRoom()
		delete(r.staff, id)
	}
	rec := r.rec
	m.mu.Unlock()
	r.prompt.stop()
	r.mix.Close()
	if rec != nil {
		rec.Stop()
	}
	st := r.mix.Stats()
	r.log.Info("room closed", "ticks", st.Ticks, "two_party_ticks", st.Paired, "solo_ticks", st.Solo, "late_ticks", st.Late,
		"max_lateness", st.MaxLateness)
}

// roomLocked is the room of call callID, or a not-found error; m.mu is
// held.
func (m *Manager) roomLocked(callID int64) (*Room, error) {
	if r := m.rooms[callID]; r != nil {
		return r, nil
	}
	return nil, api.Errorf(api.CodeNotFound, "no room for call %d", callID)
}

// SetCaller connects the caller's trunk audio to the room (nil removes it).
func (m *Manager) SetCaller(callID int64, media CallerMedia) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.roomLocked(callID)
	if err != nil {
		return err
	}
	if r.callerLeg != nil {
		r.mix.Remove(r.callerLeg)
		r.caller, r.callerLeg = nil, nil
	}
	if media == nil {
		return nil
	}
	r.caller = newCallerLeg(media)
	r.callerLeg = r.mix.Add("caller", mixer.RoleCaller, r.caller, r.caller)
	return nil
}

// Stats returns the room's mixer counters.
func (m *Manager) Stats(callID int64) (mixer.Stats, bool) {
	m.mu.Lock()
	r := m.rooms[callID]
	m.mu.Unlock()
	if r == nil {
		return mixer.Stats{}, false
	}
	return r.mix.Stats(), true
}

func roleOf(mode api.JoinMode) (mixer.Role, error) {
	switch mode {
	case api.ModeTalk:
		return mixer.RoleTalk, nil
	case api.ModeListen:
		return mixer.RoleListen, nil
	case api.ModeWhisper:
		return mixer.RoleWhisper, nil
	case api.ModeBarge:
		return mixer.RoleBarge, nil
	}
	return mixer.RoleUnknown, api.Errorf(api.CodeBadRequest, "unknown join mode %q", mode)
}

// Attach points the staff member's softphone connection into the call's
// room in the given mode (talk, listen, whisper, barge). It leaves any other
// room first; attaching again to the same room changes the mode. No
// renegotiation: audio flows from the next tick.
func (m *Manager) Attach(callID, staffID int64, mode api.JoinMode) error {
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
	s := m.staff[staffID]
	if s == nil || !s.usable() {
		return api.Errorf(api.CodeUnavailable, "softphone of staff %d is not connected", staffID)
	}
	if s.room == r {
		r.mix.SetRole(s.leg, role)
		s.mode = mode
		r.updateNarrow()
		r.log.Info("staff mode changed", "staff_id", staffID, "mode", mode)
		return nil
	}
	if s.room != nil {
		m.detachLocked(s)
	}
	s.restart()
	s.setShare(r.share)
	s.room, s.mode = r, mode
	s.leg = r.mix.Add(fmt.Sprintf("staff:%d", staffID), role, s, s)
	r.staff[staffID] = s
	r.updateNarrow()
	r.log.Info("staff attached", "staff_id", staffID, "mode", mode)
	return nil
}

// Detach takes the staff member out of the call's room; their connection
// stays up and sends nothing until the next Attach.
func (m *Manager) Detach(callID, staffID int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.staff[staffID]
	if s == nil || s.room == nil || s.room.callID != callID {
		return
	}
	m.detachLocked(s)
}

func (m *Manager) detachLocked(s *staffLeg) {
	r := s.room
	r.mix.Remove(s.leg)
	delete(r.staff, s.id)
	s.leaveRoom()
	r.updateNarrow()
	r.log.Info("staff detached", "staff_id", s.id)
}

// leaveRoom clears what s had of its room (its leg, mode, shared stream
// and band flags; the softphone is hinted back to wideband). Called with
// Manager.mu held, after s was taken out of the room's mix.
func (s *staffLeg) leaveRoom() {
	s.setShare(nil)
	s.room, s.leg, s.mode = nil, nil, ""
	s.narrow.Store(false)
	s.setNarrowUp(false)
}

// updateNarrow tells each staff leg whether all it hears is the caller
// (true when every other staff member in the room only listens) and
// whether all that hears it takes 8 kHz (narrowUp). Called
// with Manager.mu held after any change of the room's staff.
func (r *Room) updateNarrow() {
	for id, s := range r.staff {
		narrow := true
		for other, t := range r.staff {
			if other != id && t.mode != api.ModeListen {
				narrow = false
				break
			}
		}
		s.narrow.Store(narrow)
		// Everyone who hears this leg takes 8 kHz when no other staff
		// leg is in the room (callers, trunks, cluster bridges and the
		// recording are all 8 kHz).
		s.setNarrowUp(len(r.staff) == 1)
	}
}

// usable reports whether the staff leg has a connection that is up or
// still coming up (a brief ICE disconnection counts as up).
func (s *staffLeg) usable() bool {
	s.mu.Lock()
	p := s.cur
	s.mu.Unlock()
	if p == nil {
		return false
	}
	if p.conn == nil {
		return true // a connection-less leg (benchmarks)
	}
	st := p.conn.State()
	return st != litertc.StateFailed && st != litertc.StateClosed
}
