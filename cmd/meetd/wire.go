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
	"github.com/meet-dev/meet/server"
	"github.com/meet-dev/meet/server/automation"
	"github.com/meet-dev/meet/server/eventbus"
	"github.com/meet-dev/meet/server/inbox"
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
	Phone telephony.Config
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

// options builds the features over the open store and returns what the
// server needs of them: API parts, routes and background loops.
func (f features) options(db store.DB, bus *eventbus.Bus, in *inbox.Service, cl *clusterNode, log *slog.Logger) ([]server.Option, *telephony.Telephony, error) {
	tel, err := telephony.New(db, f.Phone, log, append(cl.telephonyOptions(log),
		telephony.WithPresenceRecorder(cl.presenceRecorder(in.SetPresence)))...)
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
		server.WithSignaller(cl.signaller(tel.Rooms)),
		server.WithGuidanceStore(tel.Guidance),
		server.WithAudit(db),
		server.WithRunner(func(ctx context.Context) error {
			if err := tel.Start(ctx); err != nil {
				tel.Close()
				return fmt.Errorf("sip: %w", err)
			}
			if tel.Trunk != nil {
				log.Info("sip listening", "udp", addrString(tel.Trunk, "udp"), "tcp", addrString(tel.Trunk, "tcp"))
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
