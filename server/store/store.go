// Package store holds the storage interfaces of meetd: one small interface per
// entity, all reached through a transaction. The embedded default is
// server/store/sqlite; nothing outside cmd/ names it (tests aside).
//
// Every state change appends an api.Event inside the same transaction; the
// implementation hands the committed events to its OnCommit hook after the
// commit succeeds, never before (an event is written before it is announced).
package store

import (
	"context"
	"time"

	"github.com/meet-dev/meet/api"
)

// Store opens transactions.
type Store interface {
	// Update runs fn in one write transaction. If fn returns an error nothing
	// it wrote is kept. Errors carry api codes (not_found, conflict,
	// storage_unavailable, read_only...).
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx is everything one transaction can do.
type Tx interface {
	Channels
	Teams
	StaffStore
	Tokens
	Customers
	Chats
	Calls
	Events
	AutomationTx
	Heartbeats
	Recordings
}

// Heartbeats record when a node ("" for a single meetd) was last known
// alive, so calls it left unfinished after a crash end at that moment and
// not at the restart.
type Heartbeats interface {
	Beat(node string, at time.Time) error
	LastBeat(node string) (time.Time, error) // zero time when none
}

// Recordings are voicemails and call recordings on disk.
type Recordings interface {
	// AddRecording stores r (sets ID; Created when zero) and marks its
	// chat (Chat.Voicemail or Chat.Recorded).
	AddRecording(r *api.Recording) error
	Recording(id int64) (api.Recording, error)
	ChatRecordings(chatID int64) ([]api.Recording, error) // oldest first
	// ExpiredRecordings lists up to limit recordings, not expired yet, older
	// than their channel's retention at now (recording_retention_days for
	// call recordings, voicemail_retention_days for voicemails), oldest
	// first, of the calls owned by node ("" on a single meetd): the node
	// whose disk holds the file.
	ExpiredRecordings(now time.Time, node string, limit int) ([]api.Recording, error)
	// ExpireRecording marks one expired at (its file is gone): path cleared,
	// the row kept so the chat can say so. NotFound when missing or expired.
	ExpireRecording(id int64, at time.Time) error
}

// Channels are company workspaces with numbers, hours and guidance.
type Channels interface {
	CreateChannel(c *api.Channel) error // sets c.ID
	UpdateChannel(c *api.Channel) error // name, timezone, ring timeout, max wait, auto-assign team, service level
	Channel(id int64) (api.Channel, error)
	ChannelByName(name string) (api.Channel, error)
	ChannelByNumber(number string) (api.Channel, error)
	ListChannels() ([]api.Channel, error)
	AddNumber(channelID int64, number string) error // conflict when another channel owns it
	SetHours(channelID int64, h api.Hours) error
	SetMenu(channelID int64, m *api.Menu) error // nil removes the channel's IVR menu
	// SetGuidance stores converted guidance audio: 48 kHz mono signed 16-bit little-endian PCM.
	SetGuidance(channelID int64, kind api.GuidanceKind, pcm48k []byte) error
	Guidance(channelID int64, kind api.GuidanceKind) ([]byte, error) // not_found when unset
}

// Teams group staff of a channel.
type Teams interface {
	CreateTeam(t *api.Team) error
	UpdateTeam(t *api.Team) error // name, auto_assign, strategy
	Team(id int64) (api.Team, error)
	TeamByName(channelID int64, name string) (api.Team, error)
	ListTeams(channelID int64) ([]api.Team, error) // 0 lists all
	AddTeamMember(teamID, staffID int64) error
}

// StaffStore holds accounts and their settings.
type StaffStore interface {
	CreateStaff(s *api.Staff, passwordHash string) error // conflict on a taken email
	Staff(id int64) (api.Staff, error)
	StaffByEmail(email string) (s api.Staff, passwordHash string, err error)
	ListStaff(channelID int64) ([]api.Staff, error) // 0 lists all
	AddStaffChannel(staffID, channelID int64) error
	Settings(staffID int64) (api.Settings, error)
	PutSettings(staffID int64, s api.Settings) error
	// ChannelSettings returns the settings of every staff member of a
	// channel (defaults for members who never saved any) in one read: the
	// call lifecycle reads them on every routing pass.
	ChannelSettings(channelID int64) (map[int64]api.Settings, error)
}

// Tokens are bearer tokens, stored hashed.
type Tokens interface {
	CreateToken(staffID int64, tokenHash []byte, expires time.Time) error
	// TokenStaff returns the staff id of an unrevoked, unexpired token.
	TokenStaff(tokenHash []byte, now time.Time) (int64, error)
	RevokeToken(tokenHash []byte) error
}

// Customers are callers.
type Customers interface {
	Customer(id int64) (api.Customer, error)
	CustomerByNumber(number string) (api.Customer, error)
	CreateCustomer(c *api.Customer) error
	UpdateCustomer(c *api.Customer) error // name, profile, tags
	// CustomerChannels lists the channels the customer has chats in.
	CustomerChannels(customerID int64) ([]int64, error)
}

// Chats are inbox conversations with their tags, memos, messages and links.
type Chats interface {
	CreateChat(c *api.Chat) error // sets ID, Created, Updated
	Chat(id int64) (api.Chat, error)
	// UpdateChat writes state, snoozed_until, assignee, team, missed,
	// missed_reason, last_call_id and closed; sets Updated.
	UpdateChat(c *api.Chat) error
	// CloseMissedChat is UpdateChat of the stored chat with state closed,
	// no snooze, missed, reason and closed=at set, without loading it first
	// (not_found when there is no such chat).
	CloseMissedChat(chatID int64, reason api.MissedReason, at time.Time) error
	SearchChats(q api.ChatQuery, channels []int64) (api.ChatList, error) // channels nil = all
	// ChatCounts returns the exact inbox tab counts under a chat filter
	// (state, missed, cursor and limit are ignored: the counts split by them).
	ChatCounts(q api.ChatQuery, channels []int64) (api.ChatCounts, error) // channels nil = all
	AddTag(chatID int64, tag string) error
	RemoveTag(chatID int64, tag string) error
	AddFollower(chatID, staffID int64) error
	AddMemo(m *api.Memo) error
	Memos(chatID int64) ([]api.Memo, error)
	AddMessage(m *api.Message) error
	Messages(chatID int64) ([]api.Message, error)
	LinkCallback(originalChatID, callbackChatID int64) error
	// OpenedPhoneChats counts, per staff member, phone chats of the channel
	// assigned to them that hold a call and are still opened (SPEC §2.3).
	OpenedPhoneChats(channelID int64) (map[int64]int, error)
	// OpenChatsByAssignee counts, per staff member, the unfinished (opened
	// or snoozed) chats of a channel assigned to them, each count capped at
	// limit (0: no cap): the fewest-open-chats strategy's input.
	OpenChatsByAssignee(channelID int64, limit int) (map[int64]int, error)
	// DueSnoozes lists snoozed chats whose snooze ended at or before now.
	DueSnoozes(now time.Time) ([]int64, error)
}

// Calls are phone sessions inside chats.
type Calls interface {
	CreateCall(c *api.Call) error // sets ID
	Call(id int64) (api.Call, error)
	// UpdateCall writes state, assignee, timestamps, duration, missed_reason, end_detail.
	UpdateCall(c *api.Call) error
	LiveCalls(channelID int64) ([]api.Call, error) // not ended; 0 = all channels
	// ListCalls is the call history of a channel set, newest first, cursor-paged.
	ListCalls(q api.CallQuery, channels []int64) (api.CallList, error) // channels nil = all
	ChatCalls(chatID int64) ([]api.Call, error)
	AddRingAttempt(callID int64, r api.RingAttempt) error
	EndRingAttempt(callID, staffID int64, at time.Time, outcome api.RingOutcome) error
	AddParticipant(callID int64, p api.Participant) error
	EndParticipant(callID, staffID int64, at time.Time) error
}

// Events is the append-only log.
type Events interface {
	Append(e *api.Event) error // sets At when zero, and ID by the end of the transaction (Postgres: as it commits)
	EventsSince(afterID int64, limit int) ([]api.Event, error)
	ChatEvents(chatID int64) ([]api.Event, error)
	CallEvents(callID int64) ([]api.Event, error)
	LastEventID() (int64, error)
}
