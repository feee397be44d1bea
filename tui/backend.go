// Package tui is the root bubbletea model of `meet`: it owns the screens
// (inbox, chat, board, stats, settings, help), the ringing overlay, the call
// bar and the prompt, turns keys into actions, runs every network call in a
// tea.Cmd that returns a typed message, and follows the server's event
// stream through a re-armed wait command.
package tui

import (
	"context"
	"io"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
	"github.com/meet-dev/meet/tui/settings"
)

// The TUI needs meetd's API in four parts; each command uses the narrowest
// one. *client.Client implements them all (through a thin adapter in
// cmd/meet), and a test fakes only the part it exercises.

// Directory is who we are and who else is there: staff, channels, our
// settings and whether we would ring.
type Directory interface {
	Me(ctx context.Context) (api.Staff, error)
	StaffList(ctx context.Context) ([]api.Staff, error)
	Channels(ctx context.Context) ([]api.Channel, error)
	Settings(ctx context.Context) (api.Settings, error)
	PutSettings(ctx context.Context, s api.Settings) (api.Settings, error)
	StaffEligibility(ctx context.Context, staffID int64) (api.StaffEligibility, error)
}

// ChatReader lists chats and reads one chat's timeline.
type ChatReader interface {
	Chats(ctx context.Context, q api.ChatQuery) (api.ChatList, error)
	Chat(ctx context.Context, id int64) (api.Chat, error)
	ChatEvents(ctx context.Context, id int64) ([]api.Event, error)
	ChatCalls(ctx context.Context, id int64) ([]api.Call, error)
	Memos(ctx context.Context, chatID int64) ([]api.Memo, error)
	Messages(ctx context.Context, chatID int64) ([]api.Message, error)
	Recording(ctx context.Context, recordingID int64, w io.Writer) error // a voicemail's WAV
}

// ChatWriter changes a chat: state, assignee, tags, memos, messages.
type ChatWriter interface {
	PatchChat(ctx context.Context, id int64, p api.ChatPatch) (api.Chat, error)
	AddTag(ctx context.Context, chatID int64, tag string) (api.Chat, error)
	RemoveTag(ctx context.Context, chatID int64, tag string) (api.Chat, error)
	AddMemo(ctx context.Context, chatID int64, text string) (api.Memo, error)
	AddMessage(ctx context.Context, chatID int64, text string) (api.Message, error)
}

// CallControl places, answers, joins and leaves calls.
type CallControl interface {
	Calls(ctx context.Context, live bool, channelID int64) ([]api.Call, error)
	Call(ctx context.Context, id int64) (api.Call, error)
	Callback(ctx context.Context, chatID int64) (api.CallbackResult, error)
	Dial(ctx context.Context, req api.DialRequest) (api.CallbackResult, error)
	Accept(ctx context.Context, callID int64) (api.JoinResult, error)
	Decline(ctx context.Context, callID int64) error
	Join(ctx context.Context, callID int64, mode api.JoinMode) (api.JoinResult, error)
	Invite(ctx context.Context, callID, staffID int64) error
	Leave(ctx context.Context, callID int64) error
	Hangup(ctx context.Context, callID int64) error
	Hold(ctx context.Context, callID int64) error
	Resume(ctx context.Context, callID int64) error
	Transfer(ctx context.Context, callID int64, req api.TransferRequest) (api.Call, error)
	CompleteTransfer(ctx context.Context, callID int64) (api.Call, error)
	CancelTransfer(ctx context.Context, callID int64) (api.Call, error)
	Teams(ctx context.Context) ([]api.Team, error) // transfer targets
}

// StatsReader reads statistics (supervisors).
type StatsReader interface {
	Stats(ctx context.Context, q api.StatsQuery) (api.Stats, error)
}

// Backend is all of meetd's API the TUI uses, as New takes it.
type Backend interface {
	Directory
	ChatReader
	ChatWriter
	CallControl
	StatsReader
}

// ConnState is the event stream's connection state.
type ConnState int

const (
	Connecting ConnState = iota
	Connected
	Reconnecting
)

func (s ConnState) String() string {
	switch s {
	case Connected:
		return "connected"
	case Reconnecting:
		return "reconnecting"
	}
	return "connecting"
}

// ConnStatus is one change of the stream's connection.
type ConnStatus struct {
	State ConnState
	Err   error
}

// Events is the live event stream (*client.Stream, adapted in cmd/meet).
// Both channels close when the stream ends.
type Events interface {
	Events() <-chan api.Event
	Status() <-chan ConnStatus
}

// Phone is the softphone as the TUI drives it (*softphone.Phone, adapted in
// cmd/meet).
type Phone interface {
	Joined(r api.JoinResult) // applies mute_on_join
	Left()
	SetMuted(bool)
	Muted() bool
	SetDenoise(bool)
	Ring(on bool)
	Stats() common.PhoneStats
}

// Prefs are the local audio preferences, kept in the config file.
type Prefs struct {
	Input   string
	Output  string
	Denoise bool
}

// Option configures the model.
type Option func(*Model)

// WithPhone sets the softphone; without one the TUI still works for the
// inbox and shows that audio is unavailable.
func WithPhone(p Phone) Option { return func(m *Model) { m.phone = p } }

// WithEvents sets the live event stream.
func WithEvents(e Events) Option { return func(m *Model) { m.events = e } }

// WithDevices sets how audio devices are listed for the settings picker.
func WithDevices(list func() ([]settings.Device, error)) Option {
	return func(m *Model) { m.listDevices = list }
}

// WithPrefs sets the local preferences shown and a function saving them.
func WithPrefs(p Prefs, save func(Prefs) error) Option {
	return func(m *Model) { m.prefs, m.savePrefs = p, save }
}

// WithServerLabel names the server in the top bar.
func WithServerLabel(s string) Option { return func(m *Model) { m.server = s } }

// WithStartTime is when the program started; the log records how long the
// first full screen took ("first screen", elapsed).
func WithStartTime(t time.Time) Option { return func(m *Model) { m.started = t } }
