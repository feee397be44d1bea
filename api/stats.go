package api

import (
	"strings"
	"time"
)

// StatsQuery is GET /v1/stats?from&to&interval=day|week|month&channel&team&sl=&menu_path=.
type StatsQuery struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Interval  string    `json:"interval"` // day, week, month
	ChannelID int64     `json:"channel_id,omitempty"`
	TeamID    int64     `json:"team_id,omitempty"`
	// ServiceLevelS overrides the channel's service-level threshold.
	ServiceLevelS int `json:"service_level_s,omitempty"`
	// MenuPath keeps the calls whose caller took this IVR path or one
	// below it ("1" keeps "1" and "1/2"), as the automation condition does.
	MenuPath string `json:"menu_path,omitempty"`
}

// StatsPeriod holds the figures of one period.
type StatsPeriod struct {
	Start        time.Time            `json:"start"`
	End          time.Time            `json:"end"`
	Inbound      int                  `json:"inbound"`
	Outbound     int                  `json:"outbound"`
	Answered     int                  `json:"answered"`
	Missed       int                  `json:"missed"`
	MissedBy     map[MissedReason]int `json:"missed_by_reason"`
	AvgWaitS     float64              `json:"avg_wait_s"`
	AvgTalkS     float64              `json:"avg_talk_s"`
	Held         int                  `json:"held"`          // calls put on hold
	HoldS        int                  `json:"hold_s"`        // seconds on hold in all
	Transfers    int                  `json:"transfers"`     // transfers that went through (a call may have several)
	AvgHoldS     float64              `json:"avg_hold_s"`    // per call put on hold
	ServiceLevel float64              `json:"service_level"` // answered within N s / inbound, 0..1
}

// Stats is the response of GET /v1/stats.
type Stats struct {
	Query   StatsQuery    `json:"query"`
	Periods []StatsPeriod `json:"periods"`
	Total   StatsPeriod   `json:"total"`
	// ByMenuPath breaks the inbound calls of the whole range down by the
	// IVR path their callers took (only calls whose caller pressed a key),
	// ordered by path.
	ByMenuPath []StatsMenuPath `json:"by_menu_path"`
}

// StatsMenuPath holds the figures of the inbound calls that took one IVR path.
type StatsMenuPath struct {
	Path         string               `json:"path"` // keys pressed, e.g. "1/2"
	Inbound      int                  `json:"inbound"`
	Answered     int                  `json:"answered"`
	Missed       int                  `json:"missed"`
	MissedBy     map[MissedReason]int `json:"missed_by_reason"`
	AvgWaitS     float64              `json:"avg_wait_s"`
	AvgTalkS     float64              `json:"avg_talk_s"`
	ServiceLevel float64              `json:"service_level"`
}

// ValidMenuPath reports whether p is a path of IVR keys as chats record
// it: keys (0-9, *, #) joined by "/", at most 32 of them.
func ValidMenuPath(p string) bool {
	keys := strings.Split(p, "/")
	if p == "" || len(keys) > 32 {
		return false
	}
	for _, k := range keys {
		if !ValidMenuKey(k) {
			return false
		}
	}
	return true
}

// ExportRow is one call of the raw export (SPEC §3), CSV columns in this order.
type ExportRow struct {
	ChatID              int64        `json:"chat_id"`
	CallID              int64        `json:"call_id"`
	Direction           Direction    `json:"direction"`
	From                string       `json:"from"`
	To                  string       `json:"to"`
	Channel             string       `json:"channel"`
	Team                string       `json:"team"`
	Assignee            string       `json:"assignee"`
	Tags                []string     `json:"tags"`
	Created             time.Time    `json:"created"`
	FirstWaitingStarted *time.Time   `json:"first_waiting_started"`
	FirstRingStarted    *time.Time   `json:"first_ring_started"`
	Answered            *time.Time   `json:"answered"`
	Ended               *time.Time   `json:"ended"`
	DurationS           int          `json:"duration_seconds"`
	MissedReason        MissedReason `json:"missed_reason"`
	CallbackOf          *int64       `json:"callback_of"`
	HeldS               int          `json:"held_seconds"` // time on hold
	MenuPath            string       `json:"menu_path"`    // IVR keys the caller pressed, e.g. "1/2"
}

// ExportColumns is the CSV header of the raw export.
var ExportColumns = []string{"chat_id", "call_id", "direction", "from", "to", "channel", "team",
	"assignee", "tags", "created", "first_waiting_started", "first_ring_started", "answered",
	"ended", "duration_seconds", "missed_reason", "callback_of", "held_seconds", "menu_path"}

// AuditEntry records one export (who, when, why, filters, rows).
type AuditEntry struct {
	ID      int64     `json:"id"`
	StaffID int64     `json:"staff_id"`
	At      time.Time `json:"at"`
	Action  string    `json:"action"` // "export.calls.csv", "export.calls.jsonl"
	Purpose string    `json:"purpose"`
	Filters string    `json:"filters"`
	Rows    int64     `json:"rows"`
}

// Automation is a post-call rule of a channel, evaluated in order on call end.
type Automation struct {
	ID        int64            `json:"id"`
	ChannelID int64            `json:"channel_id"`
	Name      string           `json:"name"`
	Enabled   bool             `json:"enabled"`
	When      AutomationCond   `json:"when"`
	Actions   []AutomationStep `json:"actions"`
}

// AutomationCond are the conditions; empty fields match anything.
type AutomationCond struct {
	Direction   Direction      `json:"direction,omitempty"`
	Outcome     string         `json:"outcome,omitempty"` // "answered" or "missed"
	Reasons     []MissedReason `json:"reasons,omitempty"`
	TagsInclude []string       `json:"tags_include,omitempty"`
	TagsExclude []string       `json:"tags_exclude,omitempty"`
	TeamID      int64          `json:"team_id,omitempty"`
	// MenuPath matches chats whose IVR keys are this path or start with it
	// ("1" matches "1" and "1/2").
	MenuPath string `json:"menu_path,omitempty"`
}

// AutomationStep is one action: "sms" (Template), "tag" (Tag), "close".
type AutomationStep struct {
	Type     string `json:"type"`
	Template string `json:"template,omitempty"`
	Tag      string `json:"tag,omitempty"`
}

// SMS is one message of the durable outbox.
type SMS struct {
	ID       int64      `json:"id"`
	ChatID   int64      `json:"chat_id"`
	CallID   int64      `json:"call_id"`
	To       string     `json:"to"`
	From     string     `json:"from"`
	Body     string     `json:"body"`
	Status   string     `json:"status"` // queued, sent, failed
	Attempts int        `json:"attempts"`
	LastErr  string     `json:"last_error,omitempty"`
	NextAt   *time.Time `json:"next_at,omitempty"`
	SentAt   *time.Time `json:"sent_at,omitempty"`
}
