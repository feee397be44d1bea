package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/httpapi"
	"github.com/meet-dev/meet/server/store"
)

// Node-to-node requests go over NATS request/reply, one subject per node
// and kind: meet.node.<node>.call carries staff actions on a call to the
// node that owns it; meet.node.<node>.bridge opens and closes media bridges
// (bridge.go). Bodies are JSON; a failure comes back as an api.Error, so a
// staff member on any node gets the owner's own answer (conflict, forbidden…).
const nodeSubject = "meet.node."

// RequestTimeout bounds one node-to-node request.
const RequestTimeout = 5 * time.Second

func callSubject(node string) string   { return nodeSubject + node + ".call" }
func bridgeSubject(node string) string { return nodeSubject + node + ".bridge" }

// callOp names a forwarded staff action.
type callOp string

const (
	opAccept  callOp = "accept"
	opDecline callOp = "decline"
	opJoin    callOp = "join"
	opInvite  callOp = "invite"
	opLeave   callOp = "leave"
	opHangup  callOp = "hangup"
	opHold    callOp = "hold"
	opResume  callOp = "resume"
	opElig    callOp = "eligibility"
	// call transfer (server/calls/transfer.go)
	opTransfer         callOp = "transfer"
	opTransferComplete callOp = "transfer.complete"
	opTransferCancel   callOp = "transfer.cancel"
)

type callRequest struct {
	Op      callOp       `json:"op"`
	StaffID int64        `json:"staff_id"`
	CallID  int64        `json:"call_id"`
	Mode    api.JoinMode `json:"mode,omitempty"`
	Target  int64        `json:"target,omitempty"` // invite: who is invited
	// Transfer is the request of opTransfer.
	Transfer *api.TransferRequest `json:"transfer,omitempty"`
}

type callReply struct {
	Join  *api.JoinResult  `json:"join,omitempty"`
	Elig  *api.Eligibility `json:"eligibility,omitempty"`
	Call  *api.Call        `json:"call,omitempty"` // the transfer ops' answer
	Error *api.Error       `json:"error,omitempty"`
}

// Calls is the call control of a cluster node: an action on a call this
// node owns runs here; an action on a call another node owns is forwarded
// to that node (the owner runs its call's state machine and room, and
// bridges the media to this node's softphone when it attaches one). Every
// other method is the local one's.
type Calls struct {
	httpapi.CallControl // this node's own lifecycle (calls.Manager)

	nc    *nats.Conn
	node  string
	st    store.Store
	live  func(callID int64) bool // the local lifecycle owns this live call
	claim *StaffClaims            // which call holds a member (nil: none kept)
	log   *slog.Logger
	sub   *nats.Subscription
	inFly chan struct{} // bounds the forwarded actions run at once
}

// NewCalls wraps local (this node's lifecycle; live says whether it runs a
// call) and serves the actions other nodes forward to this node until
// Close. claims (may be nil) say which call a member is in, so accepting or
// joining a call on one node leaves their call on another.
func NewCalls(nc *nats.Conn, node string, st store.Store, local httpapi.CallControl, live func(callID int64) bool, claims *StaffClaims, log *slog.Logger) (*Calls, error) {
	if node == "" {
		return nil, ErrNoNode
	}
	if log == nil {
		log = slog.Default()
	}
	c := &Calls{CallControl: local, nc: nc, node: node, st: st, live: live, claim: claims, log: log, inFly: make(chan struct{}, 64)}
	sub, err := nc.Subscribe(callSubject(node), c.serve)
	if err != nil {
		return nil, fmt.Errorf("call requests: %w", err)
	}
	// A subscription reaches the NATS server asynchronously: without the
	// round trip, another node's request right after this returns can
	// find no responder ("no responders available"), which failed a test
	// here once.
	if err := nc.FlushTimeout(5 * time.Second); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("call requests: %w", err)
	}
	c.sub = sub
	return c, nil
}

// Close stops serving other nodes.
func (c *Calls) Close() {
	if c.sub != nil {
		_ = c.sub.Unsubscribe()
	}
}

// serve runs one action another node forwarded (on its own goroutine: an
// accept waits for the trunk's answer and the bridge).
func (c *Calls) serve(msg *nats.Msg) {
	var req callRequest
	if err := json.Unmarshal(msg.Data, &req); err != nil {
		reply(msg, callReply{Error: api.Errorf(api.CodeBadRequest, "bad call request: %v", err)})
		return
	}
	select {
	case c.inFly <- struct{}{}:
	default:
		reply(msg, callReply{Error: api.Errorf(api.CodeUnavailable, "node %s is busy", c.node)})
		return
	}
	go func() {
		defer func() { <-c.inFly }()
		ctx, cancel := context.WithTimeout(context.Background(), RequestTimeout)
		defer cancel()
		rep := c.runLocal(ctx, req)
		reply(msg, rep)
	}()
}

func reply(msg *nats.Msg, v any) {
	b, _ := json.Marshal(v)
	_ = msg.Respond(b)
}

// runLocal carries out an action on a call of this node.
func (c *Calls) runLocal(ctx context.Context, req callRequest) callReply {
	var rep callReply
	var err error
	switch req.Op {
	case opAccept:
		var j api.JoinResult
		j, err = c.CallControl.Accept(ctx, req.StaffID, req.CallID)
		rep.Join = &j
	case opJoin:
		var j api.JoinResult
		j, err = c.CallControl.Join(ctx, req.StaffID, req.CallID, req.Mode)
		rep.Join = &j
	case opDecline:
		err = c.CallControl.Decline(ctx, req.StaffID, req.CallID)
	case opInvite:
		err = c.CallControl.Invite(ctx, req.StaffID, req.CallID, req.Target)
	case opLeave:
		err = c.CallControl.Leave(ctx, req.StaffID, req.CallID)
	case opHangup:
		err = c.CallControl.Hangup(ctx, req.StaffID, req.CallID)
	case opHold:
		err = c.CallControl.Hold(ctx, req.StaffID, req.CallID)
	case opResume:
		err = c.CallControl.Resume(ctx, req.StaffID, req.CallID)
	case opElig:
		var e api.Eligibility
		e, err = c.CallControl.CallEligibility(ctx, req.CallID)
		rep.Elig = &e
	case opTransfer, opTransferComplete, opTransferCancel:
		var call api.Call
		switch {
		case req.Op == opTransferComplete:
			call, err = c.CallControl.CompleteTransfer(ctx, req.StaffID, req.CallID)
		case req.Op == opTransferCancel:
			call, err = c.CallControl.CancelTransfer(ctx, req.StaffID, req.CallID)
		case req.Transfer == nil:
			err = api.Errorf(api.CodeBadRequest, "transfer without a request")
		default:
			call, err = c.CallControl.Transfer(ctx, req.StaffID, req.CallID, *req.Transfer)
		}
		rep.Call = &call
	default:
		err = api.Errorf(api.CodeBadRequest, "unknown call action %q", req.Op)
	}
	if err != nil {
		rep.Error = asAPIError(err)
	}
	return rep
}

func asAPIError(err error) *api.Error {
	var ae *api.Error
	if errors.As(err, &ae) {
		return ae
	}
	return api.Errorf(api.CodeInternal, "%v", err)
}

// owner names the node that runs callID ("" when it is this node's, or
// when the call is not live anywhere: the local lifecycle then answers).
func (c *Calls) owner(ctx context.Context, callID int64) (string, error) {
	if c.live(callID) {
		return "", nil
	}
	var call api.Call
	err := c.st.View(ctx, func(tx store.Tx) (err error) { call, err = tx.Call(callID); return })
	if errors.Is(err, api.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if call.State == api.CallEnded || call.Node == "" || call.Node == c.node {
		return "", nil
	}
	return call.Node, nil
}

// forward sends req to the node owning its call; local is false when this
// node runs the call itself.
func (c *Calls) forward(ctx context.Context, req callRequest) (rep callReply, local bool, err error) {
	node, err := c.owner(ctx, req.CallID)
	if err != nil {
		return rep, false, err
	}
	if node == "" {
		return rep, true, nil
	}
	b, _ := json.Marshal(req)
	ctx, cancel := context.WithTimeout(ctx, RequestTimeout)
	defer cancel()
	msg, err := c.nc.RequestWithContext(ctx, callSubject(node), b)
	if err != nil {
		return rep, false, api.Errorf(api.CodeUnavailable, "call %d is run by node %s, which did not answer: %v", req.CallID, node, err)
	}
	if err := json.Unmarshal(msg.Data, &rep); err != nil {
		return rep, false, api.Errorf(api.CodeUnavailable, "node %s answered garbage: %v", node, err)
	}
	c.log.Debug("call action forwarded", "op", req.Op, "call_id", req.CallID, "staff_id", req.StaffID, "owner", node)
	if rep.Error != nil {
		return rep, false, api.Errorf(rep.Error.Code, "%s", rep.Error.Message)
	}
	return rep, false, nil
}

// Accept answers a call wherever it runs.
func (c *Calls) Accept(ctx context.Context, staffID, callID int64) (api.JoinResult, error) {
	before := c.holder(ctx, staffID)
	rep, local, err := c.forward(ctx, callRequest{Op: opAccept, StaffID: staffID, CallID: callID})
	var res api.JoinResult
	if local {
		res, err = c.CallControl.Accept(ctx, staffID, callID)
	} else {
		res = joinOf(rep)
	}
	return c.leftBehind(ctx, staffID, callID, before, res, err)
}

// Join joins a call wherever it runs.
func (c *Calls) Join(ctx context.Context, staffID, callID int64, mode api.JoinMode) (api.JoinResult, error) {
	before := c.holder(ctx, staffID)
	rep, local, err := c.forward(ctx, callRequest{Op: opJoin, StaffID: staffID, CallID: callID, Mode: mode})
	var res api.JoinResult
	if local {
		res, err = c.CallControl.Join(ctx, staffID, callID, mode)
	} else {
		res = joinOf(rep)
	}
	return c.leftBehind(ctx, staffID, callID, before, res, err)
}

// heldBy is the node and call that held a member before an action.
type heldBy struct {
	node string
	call int64
}

func (c *Calls) holder(ctx context.Context, staffID int64) heldBy {
	if c.claim == nil {
		return heldBy{}
	}
	node, call, err := c.claim.HolderOf(ctx, staffID)
	if err != nil {
		c.log.Warn("reading a member's claim", "staff_id", staffID, "err", err)
	}
	return heldBy{node, call}
}

// leftBehind takes a member who accepted or joined callID out of the call
// they were in on another node (one call per member in the whole cluster;
// the owner of callID already left any call of its own).
func (c *Calls) leftBehind(ctx context.Context, staffID, callID int64, before heldBy, res api.JoinResult, err error) (api.JoinResult, error) {
	if err != nil || before.call == 0 || before.call == callID || res.LeftCallID != nil {
		return res, err
	}
	if owner, oerr := c.owner(ctx, callID); oerr != nil || (owner == "" && before.node == c.node) || owner == before.node {
		return res, err // the same node ran both: its lifecycle did it
	}
	lerr := c.Leave(ctx, staffID, before.call)
	switch {
	case lerr == nil:
		res.LeftCallID = &before.call
	case errors.Is(lerr, api.ErrInvalidTransition):
		// They were only ringing there, or it ended meanwhile.
	default:
		c.log.Warn("leaving the call on another node", "staff_id", staffID, "call_id", before.call, "node", before.node, "err", lerr)
	}
	return res, nil
}

func joinOf(rep callReply) api.JoinResult {
	if rep.Join == nil {
		return api.JoinResult{}
	}
	return *rep.Join
}

// Decline stops a call ringing for staffID wherever it runs.
func (c *Calls) Decline(ctx context.Context, staffID, callID int64) error {
	return c.simple(ctx, callRequest{Op: opDecline, StaffID: staffID, CallID: callID}, c.CallControl.Decline)
}

// Invite invites a member into a call wherever it runs.
func (c *Calls) Invite(ctx context.Context, byStaffID, callID, staffID int64) error {
	_, local, err := c.forward(ctx, callRequest{Op: opInvite, StaffID: byStaffID, CallID: callID, Target: staffID})
	if local {
		return c.CallControl.Invite(ctx, byStaffID, callID, staffID)
	}
	return err
}

// Leave leaves a call wherever it runs.
func (c *Calls) Leave(ctx context.Context, staffID, callID int64) error {
	return c.simple(ctx, callRequest{Op: opLeave, StaffID: staffID, CallID: callID}, c.CallControl.Leave)
}

// Hangup ends a call wherever it runs.
func (c *Calls) Hangup(ctx context.Context, staffID, callID int64) error {
	return c.simple(ctx, callRequest{Op: opHangup, StaffID: staffID, CallID: callID}, c.CallControl.Hangup)
}

// Hold holds a call wherever it runs.
func (c *Calls) Hold(ctx context.Context, staffID, callID int64) error {
	return c.simple(ctx, callRequest{Op: opHold, StaffID: staffID, CallID: callID}, c.CallControl.Hold)
}

// Resume resumes a held call wherever it runs.
func (c *Calls) Resume(ctx context.Context, staffID, callID int64) error {
	return c.simple(ctx, callRequest{Op: opResume, StaffID: staffID, CallID: callID}, c.CallControl.Resume)
}

// CallEligibility explains a call's routing on the node that routes it.
func (c *Calls) CallEligibility(ctx context.Context, callID int64) (api.Eligibility, error) {
	rep, local, err := c.forward(ctx, callRequest{Op: opElig, CallID: callID})
	if local {
		return c.CallControl.CallEligibility(ctx, callID)
	}
	if rep.Elig == nil {
		return api.Eligibility{}, err
	}
	return *rep.Elig, err
}

func (c *Calls) simple(ctx context.Context, req callRequest, local func(context.Context, int64, int64) error) error {
	_, isLocal, err := c.forward(ctx, req)
	if isLocal {
		return local(ctx, req.StaffID, req.CallID)
	}
	return err
}

// Transfer starts a transfer of a call wherever it runs (its owner dials
// and holds the consult room).
func (c *Calls) Transfer(ctx context.Context, staffID, callID int64, req api.TransferRequest) (api.Call, error) {
	rep, local, err := c.forward(ctx, callRequest{Op: opTransfer, StaffID: staffID, CallID: callID, Transfer: &req})
	if local {
		return c.CallControl.Transfer(ctx, staffID, callID, req)
	}
	return callOf(rep), err
}

// CompleteTransfer completes an attended transfer wherever its call runs.
func (c *Calls) CompleteTransfer(ctx context.Context, staffID, callID int64) (api.Call, error) {
	rep, local, err := c.forward(ctx, callRequest{Op: opTransferComplete, StaffID: staffID, CallID: callID})
	if local {
		return c.CallControl.CompleteTransfer(ctx, staffID, callID)
	}
	return callOf(rep), err
}

// CancelTransfer cancels an attended transfer wherever its call runs.
func (c *Calls) CancelTransfer(ctx context.Context, staffID, callID int64) (api.Call, error) {
	rep, local, err := c.forward(ctx, callRequest{Op: opTransferCancel, StaffID: staffID, CallID: callID})
	if local {
		return c.CallControl.CancelTransfer(ctx, staffID, callID)
	}
	return callOf(rep), err
}

func callOf(rep callReply) api.Call {
	if rep.Call == nil {
		return api.Call{}
	}
	return *rep.Call
}
