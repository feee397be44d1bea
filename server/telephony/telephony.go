// Package telephony runs meetd's phone side: the SIP trunk (server/trunk)
// feeds the call lifecycle (server/calls), which rings staff through the
// routing policy and moves audio between the caller's RTP and the staff's
// WebRTC legs in per-call rooms (server/room). cmd/meetd builds the trunk
// and the rooms; New builds the lifecycle over them and gives the rooms
// their presence listener, Start gives the trunk its handler.
//
//	trunk ──Handler──▶ calls.Manager ──Trunk──▶ trunk
//	                        │
//	                      Media (this package: rooms + the trunk's RTP)
//	                        ▼
//	                  room.Manager ◀── WebRTC signalling (httpapi /v1/ws)
package telephony

import (
	"context"
	"errors"
	"log/slog"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/calls"
	"github.com/meet-dev/meet/server/recording"
	"github.com/meet-dev/meet/server/room"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/trunk"
)

// Trunk is the SIP side as the phone side drives it: a *trunk.Server,
// built by cmd/meetd. It is given its handler, the lifecycle, at Start.
type Trunk interface {
	calls.Trunk
	// Media is a call's decoded RTP audio (the caller's, or a dialled leg's).
	Media(callID int64) trunk.CallMedia
	// Start binds the listeners and serves the calls to h from then on.
	Start(ctx context.Context, h trunk.Handler) error
	Close() error
}

// Telephony owns the lifecycle and runs the trunk and the rooms it is given.
type Telephony struct {
	Calls *calls.Manager
	Rooms *room.Manager

	trunk    Trunk // nil when SIP is disabled
	log      *slog.Logger
	st       store.Store // recording retention (retention.go)
	node     string      // whose recordings the retention sweep deletes
	presence chan presenceChange
	record   func(ctx context.Context, staffID int64, online bool) error
	remote   Remote
	copts    []calls.Option
}

// Option configures New.
type Option func(*Telephony)

// WithCallOptions adds options of the call lifecycle (ring time-out,
// recordings directory, a cluster's claims).
func WithCallOptions(opts ...calls.Option) Option {
	return func(t *Telephony) { t.copts = append(t.copts, opts...) }
}

// WithNode names this meetd in a cluster (--node): calls created here
// carry it, and the retention sweep deletes only its recordings.
func WithNode(node string) Option { return func(t *Telephony) { t.node = node } }

// Remote reaches the softphones connected to other nodes of a cluster
// (cluster.Bridges): a member whose softphone is elsewhere is online, and
// attaching them to a room here bridges the media to their node.
type Remote interface {
	Online(staffID int64) bool
	Attach(callID, staffID int64, mode api.JoinMode) error
	Detach(callID, staffID int64)
	CloseRoom(callID int64)
}

// WithRemote bridges the media of this node's calls to softphones on other
// nodes (cmd/meetd builds the bridges over the same rooms and trunk).
func WithRemote(r Remote) Option { return func(t *Telephony) { t.remote = r } }

type presenceChange struct {
	staffID int64
	online  bool
}

// WithPresenceRecorder records softphone presence changes (e.g.
// inbox.Service.SetPresence, which writes staff.presence events). Changes
// are recorded in order on one goroutine, never under the room's locks.
func WithPresenceRecorder(f func(ctx context.Context, staffID int64, online bool) error) Option {
	return func(t *Telephony) { t.record = f }
}

// ErrNoRooms is returned by New without rooms.
var ErrNoRooms = errors.New("telephony: no rooms")

// New builds the call lifecycle over the store and the parts cmd/meetd
// built: the rooms and the trunk (nil: SIP is off, calls cannot be dialled
// and none arrive). The rooms hear the lifecycle from here on (their
// presence listener); the trunk gets it at Start. Close closes both.
func New(st store.Store, rooms *room.Manager, tr Trunk, log *slog.Logger, opts ...Option) (*Telephony, error) {
	if rooms == nil {
		return nil, ErrNoRooms
	}
	if log == nil {
		log = slog.Default()
	}
	t := &Telephony{Rooms: rooms, trunk: tr, log: log, presence: make(chan presenceChange, 1024), st: st}
	for _, o := range opts {
		o(t)
	}
	var sipTrunk calls.Trunk = noTrunk{}
	if tr != nil {
		sipTrunk = tr
	}
	md := &media{rooms: rooms, trunk: tr, log: log, remote: t.remote}
	copts := []calls.Option{calls.WithLogger(log), calls.WithNode(t.node)}
	t.Calls = calls.New(st, sipTrunk, md, append(copts, t.copts...)...)
	if err := rooms.Listen(presence{t}); err != nil {
		t.Calls.Close()
		return nil, err
	}
	return t, nil
}

// Start starts the presence recorder and the SIP listeners, which hand
// their calls to the lifecycle from here on.
func (t *Telephony) Start(ctx context.Context) error {
	go t.recordPresence(ctx)
	go t.Calls.RunHeartbeat(ctx, 0)
	go t.sweep(ctx, t.st)
	if t.trunk == nil {
		return nil
	}
	return t.trunk.Start(ctx, t.Calls)
}

// presence is the rooms' presence listener (room.PresenceListener).
type presence struct{ t *Telephony }

// PresenceChanged is called by the room manager (only once softphones
// connect, so after New has built the lifecycle): the lifecycle is only
// told through its queue (HandleEvents never blocks and never calls back),
// so Reevaluate's Online lookups cannot re-enter the room manager from
// here, and the recorder gets the change on its own goroutine.
func (p presence) PresenceChanged(staffID int64, online bool) {
	p.t.queuePresence(staffID, online)
	p.t.Calls.HandleEvents([]api.Event{{Type: api.EvStaffPresence, StaffID: staffID}})
}

func (t *Telephony) queuePresence(staffID int64, online bool) {
	select {
	case t.presence <- presenceChange{staffID, online}:
	default:
		t.log.Warn("presence change dropped: recorder behind", "staff_id", staffID, "online", online)
	}
}

func (t *Telephony) recordPresence(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case c := <-t.presence:
			if t.record == nil {
				continue
			}
			if err := t.record(ctx, c.staffID, c.online); err != nil && ctx.Err() == nil {
				t.log.Warn("presence not recorded", "staff_id", c.staffID, "online", c.online, "err", err)
			}
		}
	}
}

// HandleEvents feeds committed events to the lifecycle (chat closed or
// snoozed, settings and presence changes can free staff for waiting calls).
func (t *Telephony) HandleEvents(evs []api.Event) { t.Calls.HandleEvents(evs) }

// Close stops everything; live calls end.
func (t *Telephony) Close() error {
	var errs []error
	errs = append(errs, t.Calls.Close())
	if t.trunk != nil {
		errs = append(errs, t.trunk.Close())
	}
	errs = append(errs, t.Rooms.Close())
	return errors.Join(errs...)
}

// media implements calls.Media: a room per call, with the caller's RTP as
// one leg, and bridges to softphones on other nodes (remote, in a cluster).
type media struct {
	rooms  *room.Manager
	trunk  Trunk // nil when SIP is disabled
	log    *slog.Logger
	remote Remote // nil on a single meetd
}

func (m *media) OpenRoom(callID int64) error {
	if err := m.rooms.OpenRoom(callID); err != nil {
		return err
	}
	if m.trunk != nil {
		if cm := m.trunk.Media(callID); cm != nil {
			if err := m.rooms.SetCaller(callID, cm); err != nil {
				m.log.Warn("caller leg", "call_id", callID, "err", err)
			}
		}
	}
	return nil
}

func (m *media) CloseRoom(callID int64) {
	if m.remote != nil {
		m.remote.CloseRoom(callID)
	}
	m.rooms.CloseRoom(callID)
}
func (m *media) PlayGuidance(callID, channelID int64, kind api.GuidanceKind, loop bool, done func()) {
	m.rooms.PlayGuidance(callID, channelID, kind, loop, done)
}
func (m *media) StopGuidance(callID int64) { m.rooms.StopGuidance(callID) }

// Attach points a local softphone into the room, or bridges one connected
// to another node.
func (m *media) Attach(callID, staffID int64, mode api.JoinMode) error {
	if m.remote == nil || m.rooms.Online(staffID) {
		return m.rooms.Attach(callID, staffID, mode)
	}
	return m.remote.Attach(callID, staffID, mode)
}
func (m *media) Detach(callID, staffID int64) {
	m.rooms.Detach(callID, staffID)
	if m.remote != nil {
		m.remote.Detach(callID, staffID)
	}
}
func (m *media) Online(staffID int64) bool {
	return m.rooms.Online(staffID) || (m.remote != nil && m.remote.Online(staffID))
}
func (m *media) StartRecording(callID int64, rec calls.Recording, done func(calls.RecordingResult)) error {
	spec := room.RecordSpec{Path: rec.Path, Beep: rec.Beep, Options: recording.Options{Max: rec.Max, Silence: rec.Silence}}
	return m.rooms.StartRecording(callID, spec, func(res recording.Result) {
		done(calls.RecordingResult{Duration: res.Duration, Heard: res.Heard, Bytes: res.Bytes, Reason: string(res.Reason), Err: res.Err})
	})
}
func (m *media) StopRecording(callID int64) { m.rooms.StopRecording(callID) }
func (m *media) AddTrunkLeg(callID, legID int64) error {
	if m.trunk == nil {
		return api.Errorf(api.CodeUnavailable, "no SIP trunk is configured")
	}
	return m.rooms.AddTrunkLeg(callID, legID, m.trunk.Media(legID))
}
func (m *media) RemoveTrunkLeg(callID, legID int64) { m.rooms.RemoveTrunkLeg(callID, legID) }

// noTrunk answers every trunk request with "not configured" (meetd without SIP).
type noTrunk struct{}

var errNoTrunk = api.Errorf(api.CodeUnavailable, "no SIP trunk is configured (meetd serve --sip)")

func (noTrunk) EarlyMedia(int64) error           { return errNoTrunk }
func (noTrunk) Answer(int64) error               { return errNoTrunk }
func (noTrunk) Dial(int64, string, string) error { return errNoTrunk }
func (noTrunk) Hangup(int64, string)             {}
