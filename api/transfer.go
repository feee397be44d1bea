package api

import (
	"strconv"
	"strings"
	"time"
)

// Call transfer (SPEC §3b).
//
//	POST /v1/calls/{id}/transfer           TransferRequest → 200 Call
//	POST /v1/calls/{id}/transfer/complete  → 200 Call (attended: the customer joins the target, the operator leaves)
//	POST /v1/calls/{id}/transfer/cancel    → 200 Call (attended: the consult ends, the customer is back with the operator)
//	GET  /v1/teams                         → []Team of the caller's channels (transfer targets)
//
// Blind: the operator who has the call drops out at once; the customer hears
// the wait guidance while the target rings: only that staff member, or the
// team routed like a new inbound call to it. Nobody answering recalls it:
// the operator who transferred it rings again (call.transfer_recalled), as a
// desk phone's transfer recall does, when their softphone is connected; if
// they do not take it either (or cannot be rung), it ends the way routing
// ends an unanswered call (ring timeout, no operator → voicemail when the
// channel takes it), recorded as call.transfer_failed.
//
// Attended: the customer is put on hold (hold guidance) and the operator gets
// a private consult leg to the target; complete joins the customer to the
// target and takes the operator out, cancel ends the consult and resumes
// the customer with the operator. A consult nobody answers, declined, or left
// by the target cancels itself; the operator hanging up an answered consult
// completes it.
//
// Errors: forbidden (not in the call), not_found (no such staff member or
// team), conflict (target busy, offline, or a transfer already running),
// invalid_transition (call not live and answered), bad_request (bad number
// or request).

// TransferMode is blind or attended.
type TransferMode string

const (
	TransferBlind    TransferMode = "blind"
	TransferAttended TransferMode = "attended"
)

// Valid reports whether m is a known mode.
func (m TransferMode) Valid() bool { return m == TransferBlind || m == TransferAttended }

// TransferTarget is whom a call goes to: exactly one of a staff member, a
// team of the call's channel, or an external number dialled through the trunk.
type TransferTarget struct {
	StaffID int64  `json:"staff,omitempty"`
	TeamID  int64  `json:"team,omitempty"`
	Number  string `json:"number,omitempty"`
}

// Validate checks that exactly one target is set.
func (t TransferTarget) Validate() error {
	n := 0
	if t.StaffID != 0 {
		n++
	}
	if t.TeamID != 0 {
		n++
	}
	if strings.TrimSpace(t.Number) != "" {
		n++
	}
	if n != 1 || t.StaffID < 0 || t.TeamID < 0 {
		return Errorf(CodeBadRequest, `transfer target: give exactly one of {"staff":ID}, {"team":ID} or {"number":"+81..."}`)
	}
	return nil
}

// String renders t as the command line writes it: staff:ID, team:ID or number:N.
func (t TransferTarget) String() string {
	switch {
	case t.StaffID != 0:
		return "staff:" + strconv.FormatInt(t.StaffID, 10)
	case t.TeamID != 0:
		return "team:" + strconv.FormatInt(t.TeamID, 10)
	case t.Number != "":
		return "number:" + t.Number
	}
	return "nobody"
}

// TransferRequest is the body of POST /v1/calls/{id}/transfer. Mode "" is blind.
type TransferRequest struct {
	To   TransferTarget `json:"to"`
	Mode TransferMode   `json:"mode,omitempty"`
}

// Transfer is a live call's transfer in progress (Call.Transfer).
type Transfer struct {
	Mode    TransferMode   `json:"mode"`
	To      TransferTarget `json:"to"`
	By      int64          `json:"by"`
	Started time.Time      `json:"started"`
	// ConsultStaffID is the staff member in the attended consult with the
	// operator, 0 until one answers (and for a number).
	ConsultStaffID int64 `json:"consult_staff_id,omitempty"`
	// Consulting: the target answered and talks privately with the operator.
	Consulting bool `json:"consulting,omitempty"`
}

// States of a call being transferred.
const (
	// CallTransferring: a blind transfer left the operator; routing to the target starts.
	CallTransferring CallState = "transferring"
	// CallConsulting: an attended transfer's consult is running; the customer is on hold.
	CallConsulting CallState = "consulting"
)

// Transfer events. data: TransferEvent; staff_id is the staff member who has
// the customer after call.transferred, actor_id the operator who transferred.
const (
	EvCallTransferStarted   EventType = "call.transfer_started"
	EvCallConsultAnswered   EventType = "call.consult_answered" // the target answered the consult (staff_id)
	EvCallTransferred       EventType = "call.transferred"
	EvCallTransferFailed    EventType = "call.transfer_failed" // data.reason: why (a missed reason or a detail)
	EvCallTransferCancelled EventType = "call.transfer_cancelled"
	EvCallTransferRecalled  EventType = "call.transfer_recalled" // nobody took a blind transfer: its operator rings again (data.reason: why)
)

// TransferRecalled is call.transfer_failed's reason when the operator who
// transferred a call took it back on recall.
const TransferRecalled = "recalled"

// TransferEvent is the data of the transfer events.
type TransferEvent struct {
	Mode   TransferMode   `json:"mode"`
	To     TransferTarget `json:"to"`
	By     int64          `json:"by"`
	Reason string         `json:"reason,omitempty"`
}
