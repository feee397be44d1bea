package store

import (
	"context"
	"time"

	"github.com/meet-dev/meet/api"
)

// ExportFilter selects calls for statistics and the raw export.
type ExportFilter struct {
	From, To  time.Time // created in [From, To)
	ChannelID int64     // 0 = all
	TeamID    int64     // 0 = all
	Reason    api.MissedReason
	Channels  []int64 // visible channels; nil = all
	// MenuPath keeps calls whose chat's IVR path is this or below it ("" = all).
	MenuPath string
}

// CallStat is one call as statistics see it: the call and the IVR path
// its chat records.
type CallStat struct {
	api.Call
	MenuPath string // keys the caller pressed, "1/2"; "" when none
}

// Reports is the reporting side of the store: statistics and export
// streams, the export audit log, automations and the SMS outbox. Streams
// hold one row at a time, so a million rows cost no more memory than one.
type Reports interface {
	// StreamCalls calls fn for every call matching f, oldest first.
	StreamCalls(ctx context.Context, f ExportFilter, fn func(CallStat) error) error
	// StreamExport calls fn for every export row matching f, oldest first.
	StreamExport(ctx context.Context, f ExportFilter, fn func(*api.ExportRow) error) error
	// AddAudit appends to the audit log; there is no way to change an entry.
	AddAudit(ctx context.Context, e *api.AuditEntry) error
	ListAudit(ctx context.Context, limit int) ([]api.AuditEntry, error)

	Automations(ctx context.Context, channelID int64) ([]api.Automation, error)
	PutAutomations(ctx context.Context, channelID int64, list []api.Automation) ([]api.Automation, error)

	// ListSMS lists a chat's messages; chat 0 lists the newest of the whole outbox.
	ListSMS(ctx context.Context, chatID int64) ([]api.SMS, error)
	DueSMS(ctx context.Context, now time.Time, limit int) ([]api.SMS, error)
	MarkSMSSent(ctx context.Context, id int64, at time.Time, providerID string) error
	MarkSMSRetry(ctx context.Context, id int64, attempts int, next time.Time, lastErr string) error
	MarkSMSFailed(ctx context.Context, id int64, attempts int, lastErr string) error
}

// AutomationTx is the SMS outbox and automation cursor of a transaction, so
// an automation queues its message, writes its events and moves its
// cursor over the call.ended event in one transaction: each ended call is
// automated exactly once, also across restarts.
type AutomationTx interface {
	EnqueueSMS(m *api.SMS) error
	// AutomationCursor is the id of the last call.ended event handled.
	AutomationCursor() (int64, error)
	SetAutomationCursor(eventID int64) error
}
