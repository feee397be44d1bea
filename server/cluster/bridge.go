package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/room"
)

// Bridges carries a call's audio between the node that owns the call (and
// its room) and the node a staff member's softphone is connected to. Each
// bridged member gets a pair of RTP legs (G.711 μ-law, 20 ms; the trunk's
// RTPLeg), one per node:
//
//	owner A: room(call) ── bridge leg in the member's mode ── RTP ─┐
//	                                                                │ UDP
//	node  B: relay room ── "caller" leg ◀───────────────────────────┘
//	             └── the member's softphone, attached in talk
//
// so the owner's room applies the member's mode (a listener is heard by
// nobody, a whisper by the talk legs only) exactly as for a local leg, and
// the softphone keeps its one peer connection to B. One pair per member
// and call: two members on B never hear each other twice.
//
// Set-up is one request from A to B over NATS (meet.node.B.bridge) naming
// A's leg address; B answers with its own. Either side closing its leg
// stops the audio; B also drops the relays of a call that ended (its
// owner may have died: HandleEvents).
type Bridges struct {
	nc       *nats.Conn
	node     string
	rooms    Rooms
	newLeg   func() (Leg, error)
	presence *Presence
	log      *slog.Logger
	sub      *nats.Subscription

	mu     sync.Mutex
	out    map[bridgeKey]*outBridge // owner side
	relays map[bridgeKey]*relay     // softphone side
	nextID int64                    // relay room ids count down from -1
}

// Rooms is what a bridge needs of the room manager (room.Manager).
type Rooms interface {
	Online(staffID int64) bool
	AddBridge(callID, staffID int64, mode api.JoinMode, media room.CallerMedia) error
	HasBridge(callID, staffID int64) bool
	RemoveBridge(callID, staffID int64)
	OpenRoom(callID int64) error
	CloseRoom(callID int64)
	SetCaller(callID int64, media room.CallerMedia) error
	Attach(callID, staffID int64, mode api.JoinMode) error
	Detach(callID, staffID int64)
}

// Leg is one node's end of a bridge (trunk.RTPLeg).
type Leg interface {
	room.CallerMedia
	LocalAddr() netip.AddrPort
	Connect(peer netip.AddrPort)
	Close()
}

type bridgeKey struct{ call, staff int64 }

type outBridge struct {
	leg  Leg
	node string
}

type relay struct {
	leg    Leg
	roomID int64
}

type bridgeRequest struct {
	Op      string `json:"op"` // open, close
	CallID  int64  `json:"call_id"`
	StaffID int64  `json:"staff_id"`
	Addr    string `json:"addr,omitempty"`
}

type bridgeReply struct {
	Addr  string     `json:"addr,omitempty"`
	Error *api.Error `json:"error,omitempty"`
}

// NewBridges serves bridge requests for this node until Close. newLeg
// opens an RTP leg on this node's media address; presence says where each
// softphone is.
func NewBridges(nc *nats.Conn, node string, rooms Rooms, newLeg func() (Leg, error), presence *Presence, log *slog.Logger) (*Bridges, error) {
	if node == "" {
		return nil, ErrNoNode
	}
	if log == nil {
		log = slog.Default()
	}
	b := &Bridges{nc: nc, node: node, rooms: rooms, newLeg: newLeg, presence: presence, log: log,
		out: map[bridgeKey]*outBridge{}, relays: map[bridgeKey]*relay{}}
	sub, err := nc.Subscribe(bridgeSubject(node), b.serve)
	if err != nil {
		return nil, fmt.Errorf("bridge requests: %w", err)
	}
	b.sub = sub
	return b, nil
}

// Close stops serving and closes every bridge of this node.
func (b *Bridges) Close() {
	if b.sub != nil {
		_ = b.sub.Unsubscribe()
	}
	b.mu.Lock()
	out, relays := b.out, b.relays
	b.out, b.relays = map[bridgeKey]*outBridge{}, map[bridgeKey]*relay{}
	b.mu.Unlock()
	for k, o := range out {
		b.rooms.RemoveBridge(k.call, k.staff)
		o.leg.Close()
	}
	for k, r := range relays {
		b.closeRelay(k, r)
	}
}

// Online reports whether staffID's softphone is connected to another live
// node (the local room manager answers for this one).
func (b *Bridges) Online(staffID int64) bool { return b.presence.RemoteNode(staffID) != "" }

// Attach brings staffID, whose softphone is on another node, into the
// call's room in mode (owner side). Attaching again changes the mode.
func (b *Bridges) Attach(callID, staffID int64, mode api.JoinMode) error {
	if b.rooms.HasBridge(callID, staffID) {
		return b.rooms.AddBridge(callID, staffID, mode, nil)
	}
	node := b.presence.RemoteNode(staffID)
	if node == "" {
		return api.Errorf(api.CodeUnavailable, "softphone of staff %d is not connected to any node", staffID)
	}
	leg, err := b.newLeg()
	if err != nil {
		return api.Errorf(api.CodeUnavailable, "bridge leg: %v", err)
	}
	var rep bridgeReply
	if err := b.request(node, bridgeRequest{Op: "open", CallID: callID, StaffID: staffID, Addr: leg.LocalAddr().String()}, &rep); err != nil {
		leg.Close()
		return err
	}
	peer, err := netip.ParseAddrPort(rep.Addr)
	if err != nil {
		leg.Close()
		b.closeRemote(node, callID, staffID)
		return api.Errorf(api.CodeUnavailable, "node %s gave a bad bridge address %q", node, rep.Addr)
	}
	leg.Connect(peer)
	if err := b.rooms.AddBridge(callID, staffID, mode, leg); err != nil {
		leg.Close()
		b.closeRemote(node, callID, staffID)
		return err
	}
	k := bridgeKey{callID, staffID}
	b.mu.Lock()
	old := b.out[k]
	b.out[k] = &outBridge{leg: leg, node: node}
	b.mu.Unlock()
	if old != nil {
		old.leg.Close()
	}
	b.log.Info("media bridged", "call_id", callID, "staff_id", staffID, "node", node, "mode", mode,
		"local", leg.LocalAddr().String(), "remote", rep.Addr)
	return nil
}

// Detach takes a bridged member out of the call's room (owner side).
func (b *Bridges) Detach(callID, staffID int64) {
	k := bridgeKey{callID, staffID}
	b.mu.Lock()
	o := b.out[k]
	delete(b.out, k)
	b.mu.Unlock()
	if o == nil {
		return
	}
	b.rooms.RemoveBridge(callID, staffID)
	o.leg.Close()
	b.closeRemote(o.node, callID, staffID)
}

// CloseRoom closes every bridge of a call whose room closes (owner side).
func (b *Bridges) CloseRoom(callID int64) {
	b.mu.Lock()
	var staff []int64
	for k := range b.out {
		if k.call == callID {
			staff = append(staff, k.staff)
		}
	}
	b.mu.Unlock()
	for _, s := range staff {
		b.Detach(callID, s)
	}
}

// HandleEvents drops the relays of calls that ended: the owner says so
// itself, but a dead owner's calls are ended by another node.
func (b *Bridges) HandleEvents(evs []api.Event) {
	for _, e := range evs {
		if e.Type != api.EvCallEnded || e.CallID == 0 {
			continue
		}
		b.mu.Lock()
		var ks []bridgeKey
		for k := range b.relays {
			if k.call == e.CallID {
				ks = append(ks, k)
			}
		}
		b.mu.Unlock()
		for _, k := range ks {
			b.dropRelay(k)
		}
	}
}

func (b *Bridges) closeRemote(node string, callID, staffID int64) {
	go func() {
		var rep bridgeReply
		if err := b.request(node, bridgeRequest{Op: "close", CallID: callID, StaffID: staffID}, &rep); err != nil {
			b.log.Warn("closing the far end of a bridge", "call_id", callID, "staff_id", staffID, "node", node, "err", err)
		}
	}()
}

func (b *Bridges) request(node string, req bridgeRequest, rep *bridgeReply) error {
	body, _ := json.Marshal(req)
	ctx, cancel := context.WithTimeout(context.Background(), RequestTimeout)
	defer cancel()
	msg, err := b.nc.RequestWithContext(ctx, bridgeSubject(node), body)
	if err != nil {
		return api.Errorf(api.CodeUnavailable, "node %s did not answer a bridge request: %v", node, err)
	}
	if err := json.Unmarshal(msg.Data, rep); err != nil {
		return api.Errorf(api.CodeUnavailable, "node %s answered garbage: %v", node, err)
	}
	if rep.Error != nil {
		return api.Errorf(rep.Error.Code, "%s", rep.Error.Message)
	}
	return nil
}

// serve answers another node's bridge request (softphone side).
func (b *Bridges) serve(msg *nats.Msg) {
	var req bridgeRequest
	if err := json.Unmarshal(msg.Data, &req); err != nil {
		reply(msg, bridgeReply{Error: api.Errorf(api.CodeBadRequest, "bad bridge request: %v", err)})
		return
	}
	k := bridgeKey{req.CallID, req.StaffID}
	switch req.Op {
	case "close":
		b.dropRelay(k)
		reply(msg, bridgeReply{})
	case "open":
		addr, err := b.openRelay(k, req.Addr)
		if err != nil {
			reply(msg, bridgeReply{Error: asAPIError(err)})
			return
		}
		reply(msg, bridgeReply{Addr: addr})
	default:
		reply(msg, bridgeReply{Error: api.Errorf(api.CodeBadRequest, "unknown bridge op %q", req.Op)})
	}
}

// openRelay attaches the member's softphone to a relay room whose caller is
// a leg towards the owner's address.
func (b *Bridges) openRelay(k bridgeKey, ownerAddr string) (string, error) {
	peer, err := netip.ParseAddrPort(ownerAddr)
	if err != nil {
		return "", api.Errorf(api.CodeBadRequest, "bad bridge address %q", ownerAddr)
	}
	if !b.rooms.Online(k.staff) {
		return "", api.Errorf(api.CodeUnavailable, "softphone of staff %d is not connected to node %s", k.staff, b.node)
	}
	b.dropRelay(k)
	leg, err := b.newLeg()
	if err != nil {
		return "", api.Errorf(api.CodeUnavailable, "bridge leg: %v", err)
	}
	leg.Connect(peer)
	b.mu.Lock()
	b.nextID--
	r := &relay{leg: leg, roomID: b.nextID}
	b.relays[k] = r
	b.mu.Unlock()
	err = b.rooms.OpenRoom(r.roomID)
	if err == nil {
		err = b.rooms.SetCaller(r.roomID, leg)
	}
	if err == nil {
		err = b.rooms.Attach(r.roomID, k.staff, api.ModeTalk)
	}
	if err != nil {
		b.dropRelay(k)
		return "", err
	}
	b.log.Info("media relayed to the owner of a call", "call_id", k.call, "staff_id", k.staff, "relay_room", r.roomID,
		"local", leg.LocalAddr().String(), "remote", ownerAddr)
	return leg.LocalAddr().String(), nil
}

func (b *Bridges) dropRelay(k bridgeKey) {
	b.mu.Lock()
	r := b.relays[k]
	delete(b.relays, k)
	b.mu.Unlock()
	if r != nil {
		b.closeRelay(k, r)
	}
}

func (b *Bridges) closeRelay(k bridgeKey, r *relay) {
	b.rooms.Detach(r.roomID, k.staff)
	b.rooms.CloseRoom(r.roomID)
	r.leg.Close()
	b.log.Info("media relay closed", "call_id", k.call, "staff_id", k.staff)
}
