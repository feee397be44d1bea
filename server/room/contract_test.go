package room

import (
	"context"
	"io"

	"github.com/meet-dev/meet/api"
)

// Copies of the CONTRACTS.md interfaces this package implements, so the
// build breaks here if a method shape drifts.
type contractMedia interface {
	OpenRoom(callID int64) error
	CloseRoom(callID int64)
	PlayGuidance(callID, channelID int64, kind api.GuidanceKind, loop bool, done func())
	StopGuidance(callID int64)
	Attach(callID, staffID int64, mode api.JoinMode) error
	Detach(callID, staffID int64)
	Online(staffID int64) bool
}

type contractSignaller interface {
	Offer(ctx context.Context, staffID int64, offerSDP string) (answerSDP string, err error)
	Online(staffID int64) bool
}

type contractGuidanceStore interface {
	SetGuidance(ctx context.Context, channelID int64, kind api.GuidanceKind, wav io.Reader) error
}

type contractCallMedia interface {
	ReadFrame(dst []int16) bool
	WriteFrame(src []int16) error
}

var (
	_ contractMedia         = (*Manager)(nil)
	_ contractSignaller     = (*Manager)(nil)
	_ contractGuidanceStore = (*GuidanceStore)(nil)
	_ CallerMedia           = contractCallMedia(nil)
)
