package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/internal/udpbatch"
	"github.com/meet-dev/meet/server"
	"github.com/meet-dev/meet/server/automation"
	"github.com/meet-dev/meet/server/calls"
	"github.com/meet-dev/meet/server/eventbus"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/room"
	"github.com/meet-dev/meet/server/stats"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/dbopen"
	"github.com/meet-dev/meet/server/telephony"
	"github.com/meet-dev/meet/server/trunk"
)

// features are the parts of meetd beyond the core API: the phone side
// (trunk, routing lifecycle, rooms), statistics and exports, automations
// and the SMS sender. One function wires them so `serve` and `demo` agree.
type features struct {
	Phone phoneConfig
	// SMS enables the SMS sender; nil queues nothing (automations still tag and close).
	SMS *automation.ProviderConfig
	// SMSRetry is the first retry delay of a failed SMS (default 5 s, doubling).
	SMSRetry time.Duration
	// PublicURL is the base of chat links in SMS templates ({{chat_url}}).
	PublicURL string
	// SurveyURL is a template base for {{survey_url}}; chat and call ids are appended as query.
	SurveyURL string
	// Cluster joins other meetd nodes over NATS (zero: single node).
	Cluster clusterConfig
}

// newServer is meetd's one composition root: it opens the store and the
// event bus, builds the inbox, the phone side, statistics and automations
// over them and hands everything to the HTTP server. `serve` and `demo`
// both come through here so they agree.
func newServer(cfg server.Config, log *slog.Logger, f features) (*server.Server, error) {
	if err := cfg.Defaults(); err != nil {
		return nil, err
	}
	dsn, err := store.ParseDSN(cfg.DBPath) // before joining a cluster
	if err != nil {
		return nil, err
	}
	if f.Phone.RecordingsDir == "" { // voicemails and recordings: beside a SQLite file, else in the data directory
		dir := server.DefaultDataDir()
		if dsn.Backend == store.BackendSQLite {
			dir = filepath.Dir(dsn.Target)
		}
		f.Phone.RecordingsDir = filepath.Join(dir, "recordings")
	}
	bus := eventbus.New()
	onCommit := bus.Publish
	cl, err := f.Cluster.join(bus.Publish, log)
	if err != nil {
		return nil, err
	}
	if cl != nil {
		onCommit = cl.events.Committed // the relay feeds the bus, in id order, with every node's events
	}
	db, err := dbopen.Open(context.Background(), cfg.DBPath, dbopen.Options{Logger: log, BusyTimeout: cfg.BusyTimeout,
		OnCommit: onCommit})
	if err != nil {
		cl.close()
		return nil, err
	}
	in := inbox.New(db, inbox.WithLogger(log))
	opts, tel, err := f.options(db, bus, in, cl, log)
	if err != nil {
		db.Close()
		cl.close()
		return nil, err
	}
	copts, err := cl.options(db, bus, tel.Calls.EndNodeCalls, log)
	if err != nil {
		tel.Close()
		db.Close()
		cl.close()
		return nil, err
	}
	opts = append(opts, copts...)
	opts = append(opts, server.WithLogger(log))
	return server.New(cfg, db, bus, in, opts...)
}

// phoneConfig is the phone side of meetd's configuration: the SIP trunk,
// the rooms' WebRTC side and the call lifecycle.
type phoneConfig struct {
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
	// IOUring sends callers' RTP through io_uring where the kernel allows it.
	IOUring bool
}

// phone is the phone side's concrete parts, built by newPhone.
type phone struct {
	rooms    *room.Manager
	guidance *room.GuidanceStore
	trunk    *trunk.Server   // nil when SIP is off
	batch    *udpbatch.Batch // the trunk's sends through io_uring (nil when SIP or io_uring is off, or the kernel refuses it)
}

// newPhone builds the rooms (with their guidance from the store) and, when
// SIP listens, the trunk. The lifecycle (telephony.New) is built over them
// and closes them; close is for when it could not be.
func newPhone(cfg phoneConfig, st store.Store, log *slog.Logger) (*phone, error) {
	guidance := func(channelID int64, kind api.GuidanceKind) ([]byte, error) {
		var pcm []byte
		err := st.View(context.Background(), func(tx store.Tx) (err error) { pcm, err = tx.Guidance(channelID, kind); return err })
		return pcm, err
	}
	ropts := []room.Option{room.WithLogger(log), room.WithGuidance(room.DefaultGuidance(guidance))} // a built-in hold chime
	if cfg.ICELoopback {
		ropts = append(ropts, room.WithLoopbackICE())
	}
	if len(cfg.PublicIPs) > 0 {
		ropts = append(ropts, room.WithPublicIP(cfg.PublicIPs...))
	}
	if cfg.ICEPortMin > 0 && cfg.ICEPortMax >= cfg.ICEPortMin {
		ropts = append(ropts, room.WithPortRange(cfg.ICEPortMin, cfg.ICEPortMax))
	}
	var batch *udpbatch.Batch // nil: a sendto a packet, as before io_uring
	if cfg.IOUring && (cfg.SIPListen != "" || cfg.SIPTLSListen != "") {
		// The callers' RTP, held by the rooms' clock like the operators'.
		if b := udpbatch.NewBatch(true); b.Uring() {
			batch = b
			log.Info("callers' RTP goes out through io_uring")
			ropts = append(ropts, room.WithSendBatch(batch))
		} else {
			log.Info("the kernel refuses io_uring: one system call per RTP packet to callers")
		}
	}
	rooms, err := room.New(ropts...)
	if err != nil {
		return nil, fmt.Errorf("rooms: %w", err)
	}
	p := &phone{rooms: rooms, batch: batch, guidance: room.NewGuidanceStore(st, room.WithStoreLogger(log),
		room.WithOnStored(func(channelID int64, kind api.GuidanceKind) { rooms.InvalidateGuidance(channelID, kind) }))}
	if cfg.SIPListen == "" && cfg.SIPTLSListen == "" {
		return p, nil
	}
	topts := []trunk.Option{trunk.WithLogger(log), trunk.WithSendBatch(batch)}
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
	if p.trunk, err = trunk.New(append(topts, cfg.TrunkOptions...)...); err != nil {
		rooms.Close()
		return nil, fmt.Errorf("trunk: %w", err)
	}
	return p, nil
}

// sip is the trunk as the lifecycle sees it: none (a nil interface) when SIP is off.
func (p *phone) sip() telephony.Trunk {
	if p.trunk == nil {
		return nil
	}
	return p.trunk
}

func (p *phone) close() {
	if p.trunk != nil {
		p.trunk.Close()
	}
	p.rooms.Close()
	if p.batch != nil {
		p.batch.Close()
	}
}

// newTelephony builds the phone side: its parts, then the lifecycle over them.
func (f features) newTelephony(db store.DB, in *inbox.Service, cl *clusterNode, log *slog.Logger) (*telephony.Telephony, *phone, error) {
	ph, err := newPhone(f.Phone, db, log)
	if err != nil {
		return nil, nil, err
	}
	topts, err := cl.telephonyOptions(ph.rooms, ph.trunk, log)
	if err != nil {
		ph.close()
		return nil, nil, fmt.Errorf("media bridges: %w", err)
	}
	copts := []calls.Option{calls.WithRecordingsDir(f.Phone.RecordingsDir)}
	if f.Phone.MemberRingTO > 0 {
		copts = append(copts, calls.WithMemberRingTimeout(f.Phone.MemberRingTO))
	}
	tel, err := telephony.New(db, ph.rooms, ph.sip(), log, append(topts, telephony.WithNode(f.Phone.Node),
		telephony.WithCallOptions(copts...), telephony.WithPresenceRecorder(cl.presenceRecorder(in.SetPresence)))...)
	if err != nil {
		ph.close()
		return nil, nil, err
	}
	return tel, ph, nil
}

// options builds the features over the open store and returns what the
// server needs of them: API parts, routes and background loops.
func (f features) options(db store.DB, bus *eventbus.Bus, in *inbox.Service, cl *clusterNode, log *slog.Logger) ([]server.Option, *telephony.Telephony, error) {
	tel, ph, err := f.newTelephony(db, in, cl, log)
	if err != nil {
		return nil, nil, err
	}
	control, err := cl.callControl(tel.Calls, db, log)
	if err != nil {
		tel.Close()
		return nil, nil, err
	}
	opts := []server.Option{
		server.WithCallControl(control),
		server.WithSignaller(cl.signaller(ph.rooms)),
		server.WithGuidanceStore(ph.guidance),
		server.WithAudit(db),
		server.WithCollectors(mediaCollector{rooms: ph.rooms, trunk: ph.trunk}),
		server.WithRunner(func(ctx context.Context) error {
			if err := tel.Start(ctx); err != nil {
				tel.Close()
				return fmt.Errorf("sip: %w", err)
			}
			if ph.trunk != nil {
				log.Info("sip listening", "udp", addrString(ph.trunk, "udp"), "tcp", addrString(ph.trunk, "tcp"))
			}
			defer tel.Close()
			follow(ctx, bus, func(evs []api.Event) { tel.HandleEvents(evs) }, tel.Calls.Reevaluate)
			return nil
		}),
		server.WithRoutes(stats.Routes(stats.NewService(db, db), db, log)),
		server.WithRoutes(automation.Routes(db, db, log)),
	}

	wake := func() {}
	from := ""
	if f.SMS != nil {
		snd, err := automation.NewSender(*f.SMS, &http.Client{})
		if err != nil {
			tel.Close()
			return nil, nil, err
		}
		from = snd.From()
		wopts := []automation.WorkerOption{automation.WithLogger(log)}
		if f.SMSRetry > 0 {
			wopts = append(wopts, automation.WithBackoff(automation.Backoff(f.SMSRetry), 12))
		}
		w := automation.NewWorker(db, snd.Send, wopts...)
		wake = w.Wake
		opts = append(opts, server.WithRunner(func(ctx context.Context) error { w.Run(ctx); return nil }))
	}
	runner := automation.NewRunner(db, automation.RunnerConfig{
		Rules: db.Automations, SMSFrom: from, Wake: wake, Logger: log,
		ChatURL: func(chatID int64) string {
			if f.PublicURL == "" {
				return ""
			}
			return strings.TrimSuffix(f.PublicURL, "/") + "/chats/" + strconv.FormatInt(chatID, 10)
		},
		SurveyURL: func(chatID, callID int64) string {
			if f.SurveyURL == "" {
				return ""
			}
			sep := "?"
			if strings.Contains(f.SurveyURL, "?") {
				sep = "&"
			}
			return f.SurveyURL + sep + "chat=" + strconv.FormatInt(chatID, 10) + "&call=" + strconv.FormatInt(callID, 10)
		},
	})
	opts = append(opts, server.WithRunner(func(ctx context.Context) error {
		catchup := func() {
			if err := runner.Catchup(ctx); err != nil && ctx.Err() == nil {
				log.Warn("automation catch-up", "err", err)
			}
		}
		follow(ctx, bus, func(evs []api.Event) {
			if err := runner.HandleBatch(ctx, evs); err != nil && ctx.Err() == nil {
				log.Warn("automation", "err", err)
			}
		}, catchup)
		return nil
	}))
	return opts, tel, nil
}

// maxFollowBatch bounds the events follow hands to fn at once.
const maxFollowBatch = 512

// follow feeds bus events to fn until ctx ends. resync runs at the start and
// whenever the subscription was dropped for falling behind (the store holds
// what was missed), and once a minute as a safety net.
func follow(ctx context.Context, bus *eventbus.Bus, fn func([]api.Event), resync func()) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for ctx.Err() == nil {
		ch, cancel := bus.Subscribe(4096)
		resync()
	loop:
		for {
			select {
			case <-ctx.Done():
				cancel()
				return
			case <-tick.C:
				resync()
			case ev, ok := <-ch:
				if !ok {
					break loop
				}
				// Hand what queued up meanwhile along in one batch: under
				// load, one store transaction for many events.
				evs := []api.Event{ev}
			more:
				for len(evs) < maxFollowBatch {
					select {
					case ev, ok := <-ch:
						if !ok {
							break more
						}
						evs = append(evs, ev)
					default:
						break more
					}
				}
				fn(evs)
			}
		}
		cancel()
	}
}

func addrString(tr *trunk.Server, network string) string {
	if a := tr.Addr(network); a != nil {
		return a.String()
	}
	return ""
}
