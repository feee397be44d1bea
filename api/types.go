// Package api is the wire contract between meetd and its clients: JSON types,
// event types, WebSocket messages and error codes. It imports only the
// standard library so every other package (server, client, tui, softphone)
// can share it.
package api

import "time"

// Role is a staff member's role. The zero value is unknown.
type Role string

const (
	RoleOperator   Role = "operator"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// Rank orders roles by privilege: operator < supervisor < admin.
func (r Role) Rank() int {
	switch r {
	case RoleOperator:
		return 1
	case RoleSupervisor:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if r.Rank() == 0 {
		return "", Errorf(CodeBadRequest, "unknown role %q (want operator, supervisor or admin)", s)
	}
	return r, nil
}

// ChatState is the state of a chat in the inbox.
type ChatState string

const (
	ChatOpened  ChatState = "opened"
	ChatSnoozed ChatState = "snoozed"
	ChatClosed  ChatState = "closed"
)

// Valid reports whether s is a known chat state.
func (s ChatState) Valid() bool { return s == ChatOpened || s == ChatSnoozed || s == ChatClosed }

// Medium is how a chat came in. Only phone exists today.
type Medium string

const MediumPhone Medium = "phone"

// Direction of a call.
type Direction string

const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// MissedReason explains why a call was not answered (SPEC §2.5).
type MissedReason string

const (
	ReasonNone           MissedReason = ""
	ReasonNotInOperation MissedReason = "notInOperation"
	ReasonNoOperator     MissedReason = "noOperator"
	ReasonUserLeft       MissedReason = "userLeft"
	ReasonRingTimeout    MissedReason = "ringTimeout"
	// ReasonNodeLost: the cluster node that owned the call died; a surviving
	// node ended it. Only clustered meetd (--nats) records it. Answered calls
	// ended this way carry it in end_detail instead.
	ReasonNodeLost MissedReason = "nodeLost"
)

// MissedReasons lists every reason a single meetd's routing misses a call with.
var MissedReasons = []MissedReason{ReasonNotInOperation, ReasonNoOperator, ReasonUserLeft, ReasonRingTimeout}

// ClusterReasons lists the reasons only a cluster of meetd nodes records.
var ClusterReasons = []MissedReason{ReasonNodeLost}

// Valid reports whether r is a known, non-empty missed reason.
func (r MissedReason) Valid() bool {
	for _, m := range MissedReasons {
		if r == m {
			return true
		}
	}
	for _, m := range ClusterReasons {
		if r == m {
			return true
		}
	}
	return false
}

// CallState is where a call is in its lifecycle.
type CallState string

const (
	CallGuidance CallState = "guidance" // playing greeting / out-of-hours / not-accepting
	CallWaiting  CallState = "waiting"  // nobody eligible yet; caller hears wait guidance
	CallRinging  CallState = "ringing"  // one or more staff are being rung
	CallDialing  CallState = "dialing"  // outbound: the trunk is dialing the customer
	CallActive   CallState = "active"   // answered, audio flows
	CallEnded    CallState = "ended"
)

// JoinMode is how a staff member takes part in a call.
type JoinMode string

const (
	ModeTalk    JoinMode = "talk"    // hears all, heard by all
	ModeListen  JoinMode = "listen"  // hears all, heard by nobody (supervisors)
	ModeWhisper JoinMode = "whisper" // hears all, heard by the operator(s) only (supervisors)
	ModeBarge   JoinMode = "barge"   // hears all, heard by all (supervisors)
)

// Valid reports whether m is a known join mode.
func (m JoinMode) Valid() bool {
	return m == ModeTalk || m == ModeListen || m == ModeWhisper || m == ModeBarge
}

// Supervisory reports whether the mode needs the supervisor role.
func (m JoinMode) Supervisory() bool { return m == ModeListen || m == ModeWhisper || m == ModeBarge }

// RingOutcome is how one ring attempt ended.
type RingOutcome string

const (
	RingPending   RingOutcome = ""
	RingAccepted  RingOutcome = "accepted"
	RingDeclined  RingOutcome = "declined"
	RingTimedOut  RingOutcome = "timeout"   // this member did not answer in time
	RingCancelled RingOutcome = "cancelled" // someone else answered or the caller left
)

// IneligibleReason says why a staff member was not rung (SPEC §2.3).
type IneligibleReason string

const (
	IneligibleNotificationOff  IneligibleReason = "notification_off"
	IneligibleDND              IneligibleReason = "dnd"
	IneligibleInCall           IneligibleReason = "in_call"
	IneligibleAlreadyRinging   IneligibleReason = "already_ringing"
	IneligibleOpenedPhoneChat  IneligibleReason = "opened_phone_chat"
	IneligibleSoftphoneOffline IneligibleReason = "softphone_offline"
	IneligibleNotInTeam        IneligibleReason = "not_in_team"
	IneligibleNotInChannel     IneligibleReason = "not_in_channel"
)

// Strategy picks the next team member under auto-assignment.
type Strategy string

const (
	StrategyLongestIdle     Strategy = "longest-idle"
	StrategyRoundRobin      Strategy = "round-robin"
	StrategyFewestOpenChats Strategy = "fewest-open-chats"
)

// Valid reports whether s is a known strategy.
func (s Strategy) Valid() bool {
	return s == StrategyLongestIdle || s == StrategyRoundRobin || s == StrategyFewestOpenChats
}

// GuidanceKind names a voice guidance slot of a channel (SPEC §2.11).
type GuidanceKind string

const (
	GuidanceGreeting     GuidanceKind = "greeting"
	GuidanceWait         GuidanceKind = "wait"
	GuidanceOutOfHours   GuidanceKind = "out-of-hours"
	GuidanceNotAccepting GuidanceKind = "not-accepting"
	GuidanceHold         GuidanceKind = "hold"
	GuidanceVoicemail    GuidanceKind = "voicemail" // before the beep of a voicemail
	GuidanceRecording    GuidanceKind = "recording" // "this call is recorded", when a recorded call is answered
)

// Staff is an account.
type Staff struct {
	ID       int64     `json:"id"`
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Role     Role      `json:"role"`
	Channels []int64   `json:"channels"`
	Teams    []int64   `json:"teams"`
	Online   bool      `json:"online"` // softphone connected
	Created  time.Time `json:"created"`
}

// Settings are a staff member's own preferences.
type Settings struct {
	DND        bool `json:"dnd"`
	MuteOnJoin bool `json:"mute_on_join"`
	// UnassignedCallNotification is keyed by channel id; a channel missing
	// from the map counts as on.
	UnassignedCallNotification map[int64]bool `json:"unassigned_call_notification"`
}

// NotificationOn reports whether unassigned calls of channel ring this member.
func (s Settings) NotificationOn(channel int64) bool {
	v, ok := s.UnassignedCallNotification[channel]
	return !ok || v
}

// Channel is a company workspace with its numbers and call settings.
type Channel struct {
	ID               int64    `json:"id"`
	Name             string   `json:"name"`
	Timezone         string   `json:"timezone"`
	Numbers          []string `json:"numbers"`
	RingTimeoutS     int      `json:"ring_timeout_s"`
	MaxWaitS         int      `json:"max_wait_s"`
	AutoAssignTeamID *int64   `json:"auto_assign_team_id,omitempty"`
	ServiceLevelS    int      `json:"service_level_s"`
	Hours            Hours    `json:"hours"`
	Menu             *Menu    `json:"menu,omitempty"`           // IVR menu (api/callcentre.go); nil: none
	Voicemail        bool     `json:"voicemail"`                // callers who would be missed (noOperator, notInOperation) may leave a message
	VoicemailMaxS    int      `json:"voicemail_max_s"`          // longest message (0: 120 s)
	Recording        bool     `json:"recording"`                // answered calls are recorded (both parties), after an announcement
	RecordingDays    int      `json:"recording_retention_days"` // call recordings are deleted after this many days (0: kept)
	VoicemailDays    int      `json:"voicemail_retention_days"` // voicemails are deleted after this many days (0: kept)
}

// Hours is a channel's operating schedule in its time zone.
type Hours struct {
	// Weekly spans; End before or equal to Start means the span runs past midnight.
	Weekly []Span `json:"weekly"`
	// Holidays are whole local dates ("2026-12-25") when the channel is closed.
	Holidays []string `json:"holidays,omitempty"`
	// Closures are one-off closed intervals.
	Closures []Closure `json:"closures,omitempty"`
	// AlwaysOpen ignores Weekly (holidays and closures still apply).
	AlwaysOpen bool `json:"always_open,omitempty"`
	// Closed: never open (a line that only plays out-of-hours guidance).
	// Without it, a channel with no weekly spans is open 24/7 — "no hours
	// set" means open, as Aircall and Asterisk treat it.
	Closed bool `json:"closed,omitempty"`
}

// Span is an opening span on a weekday, "HH:MM" local time.
type Span struct {
	Day   time.Weekday `json:"day"`
	Start string       `json:"start"`
	End   string       `json:"end"`
}

// Closure is a one-off closed interval.
type Closure struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	Note string    `json:"note,omitempty"`
}

// Team groups staff of a channel.
type Team struct {
	ID         int64    `json:"id"`
	ChannelID  int64    `json:"channel_id"`
	Name       string   `json:"name"`
	AutoAssign bool     `json:"auto_assign"`
	Strategy   Strategy `json:"strategy"`
	Members    []int64  `json:"members"`
}

// Customer is a caller.
type Customer struct {
	ID      int64             `json:"id"`
	Number  string            `json:"number"`
	Name    string            `json:"name"`
	Profile map[string]string `json:"profile,omitempty"` // up to 3 fields shown when ringing
	Tags    []string          `json:"tags,omitempty"`
}

// Chat is a conversation in the inbox.
type Chat struct {
	ID           int64        `json:"id"`
	ChannelID    int64        `json:"channel_id"`
	Medium       Medium       `json:"medium"`
	State        ChatState    `json:"state"`
	SnoozedUntil *time.Time   `json:"snoozed_until,omitempty"`
	AssigneeID   *int64       `json:"assignee_id,omitempty"`
	TeamID       *int64       `json:"team_id,omitempty"`
	Followers    []int64      `json:"followers"`
	Tags         []string     `json:"tags"`
	Customer     Customer     `json:"customer"`
	Missed       bool         `json:"missed"`
	MissedReason MissedReason `json:"missed_reason,omitempty"`
	CallbackOf   *int64       `json:"callback_of,omitempty"`
	Callbacks    []int64      `json:"callbacks"`
	LastCallID   *int64       `json:"last_call_id,omitempty"`
	MenuPath     string       `json:"menu_path,omitempty"`  // IVR keys of its last call, e.g. "1/2"
	Voicemail    bool         `json:"voicemail,omitempty"`  // a voicemail was left (the missed list's marker)
	Recorded     bool         `json:"recorded,omitempty"`   // a call of the chat was recorded
	Recordings   []Recording  `json:"recordings,omitempty"` // GET /v1/chats/{id} only: voicemails and call recordings
	Created      time.Time    `json:"created"`
	Updated      time.Time    `json:"updated"`
	Closed       *time.Time   `json:"closed,omitempty"`
}

// ChatPatch changes a chat; nil fields stay as they are.
type ChatPatch struct {
	State        *ChatState `json:"state,omitempty"`
	SnoozedUntil *time.Time `json:"snoozed_until,omitempty"`
	AssigneeID   *int64     `json:"assignee_id,omitempty"`
	TeamID       *int64     `json:"team_id,omitempty"`
}

// ChatQuery filters the inbox (GET /v1/chats).
type ChatQuery struct {
	ChannelID  int64        `json:"channel_id,omitempty"`
	Medium     Medium       `json:"medium,omitempty"`
	State      ChatState    `json:"state,omitempty"`
	Missed     *bool        `json:"missed,omitempty"`
	Reason     MissedReason `json:"reason,omitempty"`
	Tag        string       `json:"tag,omitempty"`
	AssigneeID *int64       `json:"assignee_id,omitempty"`
	From       *time.Time   `json:"from,omitempty"`
	To         *time.Time   `json:"to,omitempty"`
	Q          string       `json:"q,omitempty"`
	Cursor     string       `json:"cursor,omitempty"`
	Limit      int          `json:"limit,omitempty"`
}

// ChatList is one page of chats, newest first.
type ChatList struct {
	Chats      []Chat `json:"chats"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Memo is a note on a chat.
type Memo struct {
	ID      int64     `json:"id"`
	ChatID  int64     `json:"chat_id"`
	StaffID int64     `json:"staff_id"`
	Text    string    `json:"text"`
	Created time.Time `json:"created"`
}

// Message is an internal message between staff in a chat.
type Message struct {
	ID      int64     `json:"id"`
	ChatID  int64     `json:"chat_id"`
	StaffID int64     `json:"staff_id"`
	Text    string    `json:"text"`
	Created time.Time `json:"created"`
}

// Call is one phone session inside a chat.
type Call struct {
	ID                  int64        `json:"id"`
	ChatID              int64        `json:"chat_id"`
	ChannelID           int64        `json:"channel_id"`
	Direction           Direction    `json:"direction"`
	From                string       `json:"from"`
	To                  string       `json:"to"`
	State               CallState    `json:"state"`
	AssigneeID          *int64       `json:"assignee_id,omitempty"`
	Created             time.Time    `json:"created"`
	FirstWaitingStarted *time.Time   `json:"first_waiting_started,omitempty"`
	FirstRingStarted    *time.Time   `json:"first_ring_started,omitempty"`
	Answered            *time.Time   `json:"answered,omitempty"`
	Ended               *time.Time   `json:"ended,omitempty"`
	DurationS           int          `json:"duration_s"`
	MissedReason        MissedReason `json:"missed_reason,omitempty"`
	EndDetail           string       `json:"end_detail,omitempty"` // e.g. "rtp timeout", "caller hung up"
	HeldS               int          `json:"held_s,omitempty"`     // seconds on hold so far (finished holds)
	HeldSince           *time.Time   `json:"held_since,omitempty"` // on hold now, since then
	// Transfer is the transfer in progress on a live call (answers of the
	// transfer routes; not stored: the state and the events record it).
	Transfer *Transfer `json:"transfer,omitempty"`
	// Transfers counts the transfers of this call that went through.
	Transfers int `json:"transfers,omitempty"`
	// Node is the cluster node that owns the call (its SIP dialog and room);
	// empty on a single meetd.
	Node         string        `json:"node,omitempty"`
	Participants []Participant `json:"participants"`
	RingAttempts []RingAttempt `json:"ring_attempts"`
}

// Participant is a staff member's presence in a call.
type Participant struct {
	StaffID int64      `json:"staff_id"`
	Mode    JoinMode   `json:"mode"`
	Joined  time.Time  `json:"joined"`
	Left    *time.Time `json:"left,omitempty"`
	Muted   bool       `json:"muted"`
}

// RingAttempt is one staff member being rung for a call.
type RingAttempt struct {
	StaffID int64       `json:"staff_id"`
	Started time.Time   `json:"started"`
	Ended   *time.Time  `json:"ended,omitempty"`
	Outcome RingOutcome `json:"outcome,omitempty"`
}

// Ineligible names a staff member who was not rung and why.
type Ineligible struct {
	StaffID int64            `json:"staff_id"`
	Reason  IneligibleReason `json:"reason"`
}

// Eligibility answers "who would ring, and why not the others".
type Eligibility struct {
	CallID      int64        `json:"call_id,omitempty"`
	ChannelID   int64        `json:"channel_id"`
	At          time.Time    `json:"at"`
	InOperation bool         `json:"in_operation"`
	Eligible    []int64      `json:"eligible"` // in ring order
	NotEligible []Ineligible `json:"not_eligible"`
}

// StaffEligibility answers "why didn't I ring?" for one member, per channel.
type StaffEligibility struct {
	StaffID  int64                      `json:"staff_id"`
	Channels map[int64]IneligibleReason `json:"channels"` // "" means eligible
	// Closed are the channels outside operating hours now: a call there
	// rings nobody, whoever is eligible.
	Closed map[int64]bool `json:"closed,omitempty"`
}

// JoinRequest is the body of POST /v1/calls/{id}/join.
type JoinRequest struct {
	Mode JoinMode `json:"mode"`
}

// InviteRequest is the body of POST /v1/calls/{id}/invite.
type InviteRequest struct {
	StaffID int64 `json:"staff_id"`
}

// JoinResult tells the softphone how to join.
type JoinResult struct {
	Call       Call     `json:"call"`
	Mode       JoinMode `json:"mode"`
	MuteOnJoin bool     `json:"mute_on_join"`
	LeftCallID *int64   `json:"left_call_id,omitempty"` // the call this join left (one call per staff)
}

// DialRequest is the body of POST /v1/calls (an outbound call from the terminal).
type DialRequest struct {
	ChannelID int64  `json:"channel_id,omitempty"`
	To        string `json:"to"`
}

// CallbackResult is returned by POST /v1/chats/{id}/callback and POST /v1/calls.
type CallbackResult struct {
	Chat Chat `json:"chat"`
	Call Call `json:"call"`
}

// LoginRequest is the body of POST /v1/login.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// LoginResponse carries the bearer token.
type LoginResponse struct {
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
	Staff   Staff     `json:"staff"`
}

// TextBody is the body of memo, message and tag posts.
type TextBody struct {
	Text string `json:"text"`
}

// TagBody is the body of POST /v1/chats/{id}/tags.
type TagBody struct {
	Tag string `json:"tag"`
}
