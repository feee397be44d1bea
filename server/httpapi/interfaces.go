package httpapi

import (
	"context"
	"io"

	"github.com/meet-dev/meet/api"
)

// CallControl is implemented by server/calls (the call lifecycle).
type CallControl interface {
	Accept(ctx context.Context, staffID, callID int64) (api.JoinResult, error)
	Decline(ctx context.Context, staffID, callID int64) error
	Join(ctx context.Context, staffID, callID int64, mode api.JoinMode) (api.JoinResult, error)
	Invite(ctx context.Context, byStaffID, callID, staffID int64) error
	Leave(ctx context.Context, staffID, callID int64) error
	Hangup(ctx context.Context, staffID, callID int64) error
	Hold(ctx context.Context, staffID, callID int64) error
	Resume(ctx context.Context, staffID, callID int64) error
	Transfer(ctx context.Context, staffID, callID int64, req api.TransferRequest) (api.Call, error)
	CompleteTransfer(ctx context.Context, staffID, callID int64) (api.Call, error)
	CancelTransfer(ctx context.Context, staffID, callID int64) (api.Call, error)
	Dial(ctx context.Context, staffID, channelID int64, to string) (api.CallbackResult, error)
	Callback(ctx context.Context, staffID, chatID int64) (api.CallbackResult, error)
	CallEligibility(ctx context.Context, callID int64) (api.Eligibility, error)
	StaffEligibility(ctx context.Context, staffID int64) (api.StaffEligibility, error)
}

// Signaller is implemented by server/room: WebRTC signalling of a softphone over /v1/ws.
type Signaller interface {
	Offer(ctx context.Context, staffID int64, offerSDP string) (answerSDP string, err error) // non-trickle, complete SDP both ways
	Online(staffID int64) bool
}

// GuidanceStore converts an uploaded WAV and stores it (implemented by server/room using store.SetGuidance).
type GuidanceStore interface {
	SetGuidance(ctx context.Context, channelID int64, kind api.GuidanceKind, wav io.Reader) error
}
