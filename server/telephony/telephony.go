// Package telephony wires meetd's phone side together: the SIP trunk
// (server/trunk) feeds the call lifecycle (server/calls), which rings staff
// through the routing policy and moves audio between the caller's RTP and
// the staff's WebRTC legs in per-call rooms (server/room).
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
	"fmt"
	"log/slog"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/calls"
	"github.com/meet-dev/meet/server/recording"
	"github.com/meet-dev/meet/server/room"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/trunk"
)

// Config is the phone side of meetd's configuration.
type Config struct {
	// SIPListen is where SIP listens over UDP and TCP ("127.0.0.1:5060"); empty disables the trunk.
	SIPListen string
	// SIPTLSListen, SIPCert and SIPKey enable SIP over TLS.
	SIPTLSListen, SIPCert, SIPKey string
	// ExternalHost is the host put in Contact/Via and SDP when it differs from the listen address (NAT).
	ExternalHost string
	RTPIP        string
	RTPPortMin   int
	RTPPortMax   int
	TrunkAllow   []string          // CIDRs admitted without digest auth
	DigestUsers  map[string]string // trunk peers admitted with digest auth
	Outbound     *trunk.OutboundConfig
	Register     *trunk.RegisterConfig
	RTPTimeout   time.Duration
	DialTimeout  time.Duration
	// TrunkOptions are further trunk options (load and connection limits).
	TrunkOptions []trunk.Option
	// WebRTC side.
	ICELoopback  bool     // loopback candidates, UDP4 only, no mDNS (local demo and tests)
	PublicIPs    []string // NAT 1:1 addresses announced in ICE candidates
	ICEPortMin   uint16
	ICEPortMax   uint16
	MemberRingTO time.Duration
	// Node names this meetd in a cluster (--node); calls created here carry it.
	Node string
	// RecordingsDir holds voicemails and call recordings ("" takes none).
	RecordingsDir string
}

// Telephony owns the trunk, the rooms and the lifecycle.
type Telephony struct {
	Calls    *calls.Manager
	Trunk    *trunk.Server // nil when SIP is disabled
	Rooms    *room.Manager
	Guidance *room.GuidanceStore

	log      *slog.Logger
	st       store.Store // recording retention (retention.go)
	node     string      // whose recordings the retention sweep deletes
	presence chan presenceChange
	record   func(ctx context.Context, staffID int64, online bool) error
	remote   func(rooms *room.Manager, tr *trunk.Server) (Remote, error)
	copts    []calls.Option
}

// WithCallOptions adds options of the call lifecycle (a cluster's claims).
func WithCallOptions(opts ...calls.Option) Option {
	return func(t *Telephony) { t.copts = append(t.copts, opts...) }
}

// Remote reaches the softphones connected to other nodes of a cluster
// (cluster.Bridges): a member whose softphone is elsewhere is online, and
// attaching them to a room here bridges the media to their node.
type Remote interface {
	Online(staffID int64) bool
	Attach(callID, staffID int64, mode api.JoinMode) error
	Detach(callID, staffID int64)
	CloseRoom(callID int64)
}

// WithRemote builds the cluster's media bridges over this node's rooms and
// trunk (the trunk is nil when SIP is off).
func WithRemote(build func(rooms *room.Manager, tr *trunk.Server) (Remote, error)) Option {
	return func(t *Telephony) { t.remote = build }
}

type presenceChange struct {
	staffID int64
	online  bool
}

// Option configures New.
type Option func(*Telephony)

// WithPresenceRecorder records softphone presence changes (e.g.
// inbox.Service.SetPresence, which writes staff.presence events). Changes
// are recorded in order on one goroutine, never under the room's locks.
func WithPresenceRecorder(f func(ctx context.Context, staffID int64, online bool) error) Option {
	return func(t *Telephony) { t.record = f }
}

// New builds the phone side over the store.
func New(st store.Store, cfg Config, log *slog.Logger, opts ...Option) (*Telephony, error) {
	if log == nil {
		log = slog.Default()
	}
	t := &Telephony{log: log, presence: make(chan presenceChange, 1024), st: st, node: cfg.Node}
	for _, o := range opts {
		o(t)
	}
	guidance := func(channelID int64, kind api.GuidanceKind) ([]byte, error) {
		var pcm []byte
		err := st.View(context.Background(), func(tx store.Tx) (err error) { pcm, err = tx.Guidance(channelID, kind); return err })
		return pcm, err
	}
	ropts := []room.Option{room.WithLogger(log), room.WithGuidance(room.DefaultGuidance(guidance)), // a built-in hold chime
		room.WithOnPresence(t.presenceChanged)}
	if cfg.ICELoopback {
		ropts = append(ropts, room.WithLoopbackICE())
	}
	if len(cfg.PublicIPs) > 0 {
		ropts = append(ropts, room.WithPublicIP(cfg.PublicIPs...))
	}
	if cfg.ICEPortMin > 0 && cfg.ICEPortMax >= cfg.ICEPortMin {
		ropts = append(ropts, room.WithPortRange(cfg.ICEPortMin, cfg.ICEPortMax))
	}
	rooms, err := room.New(ropts...)
	if err != nil {
		return nil, fmt.Errorf("rooms: %w", err)
	}
	t.Rooms = rooms
	t.Guidance = room.NewGuidanceStore(st, room.WithStoreLogger(log),
		room.WithOnStored(func(channelID int64, kind api.GuidanceKind) { rooms.InvalidateGuidance(channelID, kind) }))

	var sipTrunk calls.Trunk = noTrunk{}
	if cfg.SIPListen != "" || cfg.SIPTLSListen != "" {
		topts := []trunk.Option{trunk.WithLogger(log)}
		if cfg.SIPListen != "" {
			topts = append(topts, trunk.WithListen(cfg.SIPListen))
		}
		if cfg.SIPTLSListen != "" {
			topts = append(topts, trunk.WithTLS(cfg.SIPTLSListen, cfg.SIPCert, cfg.SIPKey))
		}
		if cfg.ExternalHost != "" {
			topts = append(topts, trunk.WithExternalHost(cfg.ExternalHost))
		}
		if cfg.RTPIP != "" {
			topts = append(topts, trunk.WithRTPIP(cfg.RTPIP))
		}
		if cfg.RTPPortMin > 0 {
			topts = append(topts, trunk.WithRTPPorts(cfg.RTPPortMin, cfg.RTPPortMax))
		}
		if len(cfg.TrunkAllow) > 0 {
			topts = append(topts, trunk.WithAllow(cfg.TrunkAllow...))
		}
		if len(cfg.DigestUsers) > 0 {
			topts = append(topts, trunk.WithDigestUsers(cfg.DigestUsers))
		}
		if cfg.Outbound != nil {
			topts = append(topts, trunk.WithOutbound(*cfg.Outbound))
		}
		if cfg.Register != nil {
			topts = append(topts, trunk.WithRegister(*cfg.Register))
		}
		if cfg.RTPTimeout > 0 {
			topts = append(topts, trunk.WithRTPTimeout(cfg.RTPTimeout))
		}
		if cfg.DialTimeout > 0 {
			topts = append(topts, trunk.WithDialTimeout(cfg.DialTimeout))
		}
		topts = append(topts, cfg.TrunkOptions...)
		tr, err := trunk.New(topts...)
		if err != nil {
			rooms.Close()
			return nil, fmt.Errorf("trunk: %w", err)
		}
		t.Trunk, sipTrunk = tr, tr
	}
	copts := []calls.Option{calls.WithLogger(log), calls.WithNode(cfg.Node), calls.WithRecordingsDir(cfg.RecordingsDir)}
	if cfg.MemberRingTO > 0 {
		copts = append(copts, calls.WithMemberRingTimeout(cfg.MemberRingTO))
	}
	md := &media{rooms: rooms, trunk: t.Trunk, log: log}
	if t.remote != nil {
		if md.remote, err = t.remote(rooms, t.Trunk); err != nil {
			if t.Trunk != nil {
				t.Trunk.Close()
			}
			rooms.Close()
			return nil, fmt.Errorf("media bridges: %w", err)
		}
	}
	t.Calls = calls.New(st, sipTrunk, md, append(copts, t.copts...)...)
	return t, nil
}

// Start starts the presence recorder and the SIP listeners, which hand
// their calls to the lifecycle from here on.
func (t *Telephony) Start(ctx context.Context) error {
	go t.recordPresence(ctx)
	go t.Calls.RunHeartbeat(ctx, 0)
	go t.sweep(ctx, t.st)
	if t.Trunk == nil {
		return nil
	}
	return t.Trunk.Start(ctx, t.Calls)
}

// presenceChanged is called by the room manager with its own lock held
// (only once softphones connect, so after New has built the lifecycle):
// the lifecycle is only told through its queue (HandleEvents never blocks
// and never calls back), so Reevaluate's Online lookups cannot re-enter the
// room manager from here, and the recorder gets the change on its own
// goroutine.
func (t *Telephony) presenceChanged(staffID int64, online bool) {
	t.queuePresence(staffID, online)
	t.Calls.HandleEvents([]api.Event{{Type: api.EvStaffPresence, StaffID: staffID}})
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
	if t.Trunk != nil {
		errs = append(errs, t.Trunk.Close())
	}
	errs = append(errs, t.Rooms.Close())
	return errors.Join(errs...)
}

// media implements calls.Media: a room per call, with the caller's RTP as
// one leg, and bridges to softphones on other nodes (remote, in a cluster).
type media struct {
	rooms  *room.Manager
	trunk  *trunk.Server
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
