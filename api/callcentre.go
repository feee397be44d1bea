package api

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Call-centre wire types (SPEC §3b): IVR menus, voicemail, recordings.
//
//	GET    /v1/admin/channels/{id}/menu      → Menu (404 when the channel has none)
//	PUT    /v1/admin/channels/{id}/menu      Menu → Channel (validated; an empty body object removes it)
//	DELETE /v1/admin/channels/{id}/menu      → Channel (no menu)
//	POST   /v1/admin/channels/{id}/guidance/menu-NODE   a node's prompt (WAV), like other guidance
//	POST   /v1/admin/channels/{id}/guidance/voicemail   what a caller hears before the beep
//	PATCH  /v1/admin/channels/{id}    {"voicemail":true,"voicemail_max_s":120} (ChannelPatch)
//	GET    /v1/chats/{id}             → Chat with its Recordings
//	GET    /v1/recordings/{id}?purpose=WHY → audio/wav; voicemails: staff of the channel; call
//	                                    recordings: supervisors, with a purpose, audited like exports;
//	                                    410 gone once retention deleted it
//	PATCH  /v1/admin/channels/{id}    {"recording_retention_days":90,"voicemail_retention_days":30}
//	POST   /v1/calls/{id}/hold        → 204 (caller hears the hold guidance, staff hear silence)
//	POST   /v1/calls/{id}/resume      → 204

// Event types of the call-centre features.
const (
	// EvCallMenu: the caller is in a menu node. data: {"node","try"}.
	EvCallMenu EventType = "call.menu"
	// EvCallMenuChosen: the menu reached a decision. data: MenuChoice.
	EvCallMenuChosen EventType = "call.menu_chosen"
)

// CallMenu is the state of a call whose caller is in the IVR menu.
const CallMenu CallState = "menu"

// CallVoicemail is the state of a call whose caller leaves a voicemail.
const CallVoicemail CallState = "voicemail"

// EvCallHeld and EvCallResumed: a call went on and off hold (actor_id
// who did it). data of resumed: {"held_s","total_held_s"}.
const (
	EvCallHeld    EventType = "call.held"
	EvCallResumed EventType = "call.resumed"
)

// EvCallRecorded: a call recording was stored. data: {"recording_id","duration_ms"}.
// EvRecordingDeleted: retention deleted a voicemail's or call recording's
// file (the row stays, expired). data: RecordingDeleted.
const (
	EvCallRecorded     EventType = "call.recorded"
	EvRecordingDeleted EventType = "recording.deleted"
)

// RecordingDeleted is the data of recording.deleted.
type RecordingDeleted struct {
	RecordingID int64         `json:"recording_id"`
	Kind        RecordingKind `json:"kind"`
	DurationMS  int64         `json:"duration_ms"`
	Reason      string        `json:"reason"`         // "retention"
	Days        int           `json:"retention_days"` // the channel's retention when it was deleted
}

// AuditRecordingDownload is the audit action of a call recording download.
const AuditRecordingDownload = "recording.download"

// EvCallVoicemail: a voicemail was taken. data: {"recording_id","duration_ms","reason"}
// (reason: why it ended: stopped (# or hang-up), max, silence); no
// recording_id when the caller left no message.
const EvCallVoicemail EventType = "call.voicemail"

// DefaultVoicemailMaxS is a channel's longest voicemail when unset;
// VoicemailSilenceS of silence ends one.
const (
	DefaultVoicemailMaxS = 120
	VoicemailSilenceS    = 5
)

// RecordingKind is what a recording holds.
type RecordingKind string

const (
	RecordingVoicemail RecordingKind = "voicemail"
	RecordingCall      RecordingKind = "call"
)

// Recording is a voicemail or a call recording on disk (WAV, 8 kHz mono).
type Recording struct {
	ID         int64         `json:"id"`
	ChatID     int64         `json:"chat_id"`
	CallID     int64         `json:"call_id"`
	ChannelID  int64         `json:"channel_id"`
	Kind       RecordingKind `json:"kind"`
	DurationMS int64         `json:"duration_ms"`
	Bytes      int64         `json:"bytes"`
	Created    time.Time     `json:"created"`
	// Expired is when retention deleted the file; the recording can no
	// longer be played or downloaded (GET /v1/recordings/{id} answers 410).
	Expired *time.Time `json:"expired,omitempty"`
	Path    string     `json:"-"` // on the server; "" once expired
}

// Menu is a channel's IVR: a small tree of nodes walked with DTMF keys
// (RFC 4733 telephone-events or SIP INFO). Each node's prompt is the channel
// guidance "menu-<node id>".
type Menu struct {
	Root  string     `json:"root"` // id of the first node
	Nodes []MenuNode `json:"nodes"`
}

// MenuNode is one level of the menu.
type MenuNode struct {
	ID string `json:"id"` // 1-32 of a-z, 0-9, '-'
	// Keys maps a key ("0"-"9", "*", "#") to what it does.
	Keys map[string]MenuAction `json:"keys"`
	// TimeoutS is how long to wait for a key after the prompt (default 5 s).
	TimeoutS int `json:"timeout_s,omitempty"`
	// Tries is how often the prompt plays before Default is taken, after a
	// time-out or a key that means nothing here (default 3).
	Tries int `json:"tries,omitempty"`
	// Default is taken when the tries run out; zero means everyone.
	Default MenuAction `json:"default"`
}

// MenuActionKind is what a key does.
type MenuActionKind string

const (
	MenuGoto      MenuActionKind = "menu"      // go to node Menu
	MenuTeam      MenuActionKind = "team"      // ring team TeamID
	MenuVoicemail MenuActionKind = "voicemail" // leave a voicemail
	MenuEveryone  MenuActionKind = "everyone"  // route as without a menu
)

// MenuAction is one key's effect.
type MenuAction struct {
	Kind   MenuActionKind `json:"kind,omitempty"` // "" means everyone
	Menu   string         `json:"menu,omitempty"`
	TeamID int64          `json:"team_id,omitempty"`
}

// String renders a as the command line writes it: menu:NODE, team:ID, voicemail, everyone.
func (a MenuAction) String() string {
	switch a.Kind {
	case MenuGoto:
		return "menu:" + a.Menu
	case MenuTeam:
		return "team:" + strconv.FormatInt(a.TeamID, 10)
	case MenuVoicemail:
		return "voicemail"
	}
	return "everyone"
}

// MenuChoice is the data of call.menu_chosen and what a chat records.
type MenuChoice struct {
	Path   string     `json:"path"`   // the keys pressed on the way, e.g. "1/2"; "" when none
	Action MenuAction `json:"action"` // what was decided
	Node   string     `json:"node"`   // the node it was decided in
	Reason string     `json:"reason"` // "key" or "default" (tries ran out)
}

// DefaultMenuTimeoutS and DefaultMenuTries apply when a node leaves them at zero.
const (
	DefaultMenuTimeoutS = 5
	DefaultMenuTries    = 3
	maxMenuNodes        = 64
)

var menuNodeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// ValidMenuKey reports whether k is a DTMF key a menu may use.
func ValidMenuKey(k string) bool {
	return len(k) == 1 && strings.Contains("0123456789*#", k)
}

// Node returns the node with id.
func (m *Menu) Node(id string) (MenuNode, bool) {
	for _, n := range m.Nodes {
		if n.ID == id {
			return n, true
		}
	}
	return MenuNode{}, false
}

// Validate checks a menu's shape: a root that exists, unique node ids,
// valid keys, every menu target present, team targets set (whether the
// team belongs to the channel is checked by the server), sane timings.
func (m *Menu) Validate() error {
	if len(m.Nodes) == 0 {
		return Errorf(CodeBadRequest, "menu has no nodes")
	}
	if len(m.Nodes) > maxMenuNodes {
		return Errorf(CodeBadRequest, "menu has %d nodes; at most %d", len(m.Nodes), maxMenuNodes)
	}
	seen := map[string]bool{}
	for _, n := range m.Nodes {
		if !menuNodeRE.MatchString(n.ID) {
			return Errorf(CodeBadRequest, "menu node id %q: want 1-32 of a-z, 0-9 and '-'", n.ID)
		}
		if seen[n.ID] {
			return Errorf(CodeBadRequest, "menu node %q appears twice", n.ID)
		}
		seen[n.ID] = true
	}
	if !seen[m.Root] {
		return Errorf(CodeBadRequest, "menu root %q is not one of its nodes", m.Root)
	}
	check := func(where string, a MenuAction) error {
		switch a.Kind {
		case "", MenuEveryone, MenuVoicemail:
		case MenuGoto:
			if !seen[a.Menu] {
				return Errorf(CodeBadRequest, "menu %s: no node %q", where, a.Menu)
			}
		case MenuTeam:
			if a.TeamID <= 0 {
				return Errorf(CodeBadRequest, "menu %s: team action without team_id", where)
			}
		default:
			return Errorf(CodeBadRequest, "menu %s: action kind %q: want menu, team, voicemail or everyone", where, a.Kind)
		}
		return nil
	}
	for _, n := range m.Nodes {
		if len(n.Keys) == 0 {
			return Errorf(CodeBadRequest, "menu node %q has no keys", n.ID)
		}
		for k, a := range n.Keys {
			if !ValidMenuKey(k) {
				return Errorf(CodeBadRequest, "menu node %q: key %q: want one of 0-9, * or #", n.ID, k)
			}
			if err := check(fmt.Sprintf("node %q key %s", n.ID, k), a); err != nil {
				return err
			}
		}
		if err := check(fmt.Sprintf("node %q default", n.ID), n.Default); err != nil {
			return err
		}
		if n.TimeoutS < 0 || n.TimeoutS > 60 {
			return Errorf(CodeBadRequest, "menu node %q: timeout_s must be 0-60", n.ID)
		}
		if n.Tries < 0 || n.Tries > 10 {
			return Errorf(CodeBadRequest, "menu node %q: tries must be 0-10", n.ID)
		}
	}
	return nil
}

// MenuTeams lists the team ids a menu can route to.
func (m *Menu) MenuTeams() []int64 {
	var ids []int64
	add := func(a MenuAction) {
		if a.Kind == MenuTeam {
			ids = append(ids, a.TeamID)
		}
	}
	for _, n := range m.Nodes {
		for _, a := range n.Keys {
			add(a)
		}
		add(n.Default)
	}
	return ids
}

// MenuGuidance is the guidance slot of a menu node's prompt.
func MenuGuidance(node string) GuidanceKind { return GuidanceKind("menu-" + node) }

// MenuNodeOf returns the node id of a menu guidance kind.
func MenuNodeOf(k GuidanceKind) (string, bool) {
	n, ok := strings.CutPrefix(string(k), "menu-")
	return n, ok && menuNodeRE.MatchString(n)
}
