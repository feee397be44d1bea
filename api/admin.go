package api

// Wire types added by the core API beside routes.go (admin and inbox).

// Event types for account and team changes (admin routes and `meetd admin`).
const (
	EvStaffCreated EventType = "staff.created" // staff_id; data: {"email","role"}
	EvTeamUpdated  EventType = "team.updated"  // channel_id; data: {"team_id","what"}
)

// ChannelPatch is the body of PATCH /v1/admin/channels/{id}; nil fields stay.
// AutoAssignTeamID 0 turns team auto-assignment off.
type ChannelPatch struct {
	Name             *string `json:"name,omitempty"`
	Timezone         *string `json:"timezone,omitempty"`
	RingTimeoutS     *int    `json:"ring_timeout_s,omitempty"`
	MaxWaitS         *int    `json:"max_wait_s,omitempty"`
	AutoAssignTeamID *int64  `json:"auto_assign_team_id,omitempty"`
	ServiceLevelS    *int    `json:"service_level_s,omitempty"`
	Voicemail        *bool   `json:"voicemail,omitempty"`
	VoicemailMaxS    *int    `json:"voicemail_max_s,omitempty"`
	Recording        *bool   `json:"recording,omitempty"`
	RecordingDays    *int    `json:"recording_retention_days,omitempty"`
	VoicemailDays    *int    `json:"voicemail_retention_days,omitempty"`
}

// CustomerPatch is the body of PATCH /v1/customers/{id}; nil fields stay. A whole
// Customer is accepted too: id and number, when sent, must match (numbers are
// identities and do not change).
type CustomerPatch struct {
	ID      *int64             `json:"id,omitempty"`
	Number  *string            `json:"number,omitempty"`
	Name    *string            `json:"name,omitempty"`
	Profile *map[string]string `json:"profile,omitempty"`
	Tags    *[]string          `json:"tags,omitempty"`
}
