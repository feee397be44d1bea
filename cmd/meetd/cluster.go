package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server"
	"github.com/meet-dev/meet/server/calls"
	"github.com/meet-dev/meet/server/cluster"
	"github.com/meet-dev/meet/server/eventbus"
	"github.com/meet-dev/meet/server/httpapi"
	"github.com/meet-dev/meet/server/room"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/telephony"
	"github.com/meet-dev/meet/server/trunk"
)

// clusterConfig joins this meetd to other nodes over NATS (--nats); empty
// NATS is the single-node default with the in-process bus alone.
type clusterConfig struct {
	NATS string // nats://host:port[,nats://…]
	Node string // this node's name, unique in the cluster
}

func addClusterFlags(fs *pflag.FlagSet) {
	fs.String("nats", "", "NATS server URL(s), e.g. nats://10.0.0.5:4222: publish events on JetStream and join a cluster of meetd nodes over one Postgres database (MEETD_NATS)")
	fs.String("node", "", "this node's name in the cluster, unique per node (default: host name)")
}

func clusterFromViper(v *viper.Viper) (clusterConfig, error) {
	c := clusterConfig{NATS: v.GetString("nats"), Node: v.GetString("node")}
	if c.NATS == "" {
		return clusterConfig{}, nil // a single meetd: its calls carry no node name
	}
	if c.Node == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			return c, fmt.Errorf("--node: no host name to default to (%v)", err)
		}
		c.Node = h
	}
	return c, nil
}

// clusterNode is this meetd's membership of a cluster.
type clusterNode struct {
	cfg        clusterConfig
	nc         *nats.Conn
	events     *cluster.Events
	presence   *cluster.Presence
	claims     *cluster.StaffClaims
	bridges    *cluster.Bridges // built with the phone side (telephonyOptions)
	calls      *cluster.Calls
	recordings *cluster.Recordings // any node's recordings, through the archive
}

// join connects to NATS and builds the event relay feeding deliver (the
// local bus). It returns nil when no cluster is configured.
func (c clusterConfig) join(deliver func([]api.Event), log *slog.Logger) (*clusterNode, error) {
	if c.NATS == "" {
		return nil, nil
	}
	nc, err := nats.Connect(c.NATS, nats.Name("meetd "+c.Node), nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond), nats.RetryOnFailedConnect(false),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("nats disconnected", "err", err) }),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted()) }))
	if err != nil {
		return nil, fmt.Errorf("--nats %s: %w", c.NATS, err)
	}
	ev, err := cluster.NewEvents(nc, c.Node, deliver, cluster.WithEventsLogger(log))
	if err != nil {
		nc.Close()
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pres, err := cluster.NewPresence(ctx, nc, c.Node, log)
	if err != nil {
		nc.Close()
		return nil, err
	}
	claims, err := cluster.NewStaffClaims(ctx, nc, c.Node, pres, log)
	if err != nil {
		nc.Close()
		return nil, err
	}
	log.Info("joining cluster", "node", c.Node, "nats", nc.ConnectedUrlRedacted())
	return &clusterNode{cfg: c, nc: nc, events: ev, presence: pres, claims: claims}, nil
}

// signaller lets a softphone connect only when its member is not connected
// to another node (one node per member: see cluster.Presence).
func (n *clusterNode) signaller(s httpapi.Signaller) httpapi.Signaller {
	if n == nil {
		return s
	}
	return n.presence.Guard(s)
}

// telephonyOptions bridge the media of calls this node owns to softphones
// connected to other nodes, over RTP legs on this node's media address
// (tr, nil when SIP is off).
func (n *clusterNode) telephonyOptions(rooms *room.Manager, tr *trunk.Server, log *slog.Logger) ([]telephony.Option, error) {
	if n == nil {
		return nil, nil
	}
	newLeg := func() (cluster.Leg, error) {
		if tr == nil {
			return nil, api.Errorf(api.CodeUnavailable, "node %s has no SIP trunk (--sip), so no media address to bridge from", n.cfg.Node)
		}
		return tr.NewRTPLeg(log.With("leg", "bridge"))
	}
	b, err := cluster.NewBridges(n.nc, n.cfg.Node, rooms, newLeg, n.presence, log)
	if err != nil {
		return nil, err
	}
	n.bridges = b
	return []telephony.Option{telephony.WithCallOptions(calls.WithClaims(n.claims)), telephony.WithRemote(b)}, nil
}

// callControl forwards staff actions on calls another node owns to that
// node (see cluster.Calls).
func (n *clusterNode) callControl(local *calls.Manager, st store.Store, log *slog.Logger) (httpapi.CallControl, error) {
	if n == nil {
		return local, nil
	}
	c, err := cluster.NewCalls(n.nc, n.cfg.Node, st, local, func(id int64) bool { _, ok := local.Call(id); return ok }, n.claims, log)
	if err != nil {
		return nil, err
	}
	n.calls = c
	return c, nil
}

// presenceRecorder gives the member's cluster presence up when their
// softphone leaves this node, then records the change as before.
func (n *clusterNode) presenceRecorder(rec func(ctx context.Context, staffID int64, online bool) error) func(context.Context, int64, bool) error {
	if n == nil {
		return rec
	}
	return func(ctx context.Context, staffID int64, online bool) error {
		if !online {
			n.presence.Release(ctx, staffID)
		}
		return rec(ctx, staffID, online)
	}
}

// options take this node's lease (before any call can arrive: a node that
// owns calls without a lease counts as dead) and return the cluster's
// background loops: the event relay and the lease keeper, which ends the
// calls of dead nodes through endCalls. None without a cluster.
func (n *clusterNode) options(st store.Store, bus *eventbus.Bus, endCalls func(context.Context, string) (int, error), log *slog.Logger) ([]server.Option, error) {
	if n == nil {
		return nil, nil
	}
	leases, err := cluster.NewLeases(n.nc, n.cfg.Node, st, endCalls, cluster.WithLeasesLogger(log))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := leases.Register(ctx); err != nil {
		return nil, err
	}
	opts := []server.Option{
		server.WithRunner(func(ctx context.Context) error { return n.events.Run(ctx, st) }),
		server.WithRunner(leases.Run),
		server.WithRunner(n.presence.Watch),
		server.WithRunner(n.claims.Watch),
	}
	if n.bridges != nil {
		opts = append(opts, server.WithRunner(func(ctx context.Context) error {
			follow(ctx, bus, n.bridges.HandleEvents, func() {})
			return nil
		}))
	}
	recs, err := cluster.NewRecordings(ctx, n.nc, st, log)
	if err != nil {
		return nil, err
	}
	n.recordings = recs
	opts = append(opts, server.WithRecordingFiles(recs), server.WithRunner(func(ctx context.Context) error {
		follow(ctx, bus, recs.Watch, func() {})
		return nil
	}))
	return opts, nil
}

func (n *clusterNode) close() {
	if n == nil {
		return
	}
	if n.calls != nil {
		n.calls.Close()
	}
	if n.bridges != nil {
		n.bridges.Close()
	}
	if n.recordings != nil {
		n.recordings.Close()
	}
	n.nc.Close()
}
