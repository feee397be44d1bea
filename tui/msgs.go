package tui

import (
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/chat"
	"github.com/meet-dev/meet/tui/common"
	"github.com/meet-dev/meet/tui/ring"
	"github.com/meet-dev/meet/tui/settings"
)

// Messages returned by commands. Each carries its error instead of the
// result when the request failed.
type (
	initMsg struct {
		me       api.Staff
		staff    []api.Staff
		channels []api.Channel
		settings api.Settings
		err      error
	}
	countsMsg struct {
		gen    int
		counts api.ChatCounts
		err    error
	}
	chatsMsg struct {
		tab    common.Tab
		cursor string
		gen    int // filter generation the page was asked under
		list   api.ChatList
		err    error
	}
	chatDataMsg struct {
		data chat.Data
		err  error
	}
	chatMsg struct { // a chat changed (fetched after an event, or returned by an action)
		chat api.Chat
		text string // flashed when an action changed it
		err  error
	}
	callMsg struct {
		call api.Call
		err  error
	}
	offerMsg struct {
		offer ring.Offer
		err   error
	}
	joinedMsg struct {
		res api.JoinResult
		err error
	}
	leftMsg struct {
		callID int64
		err    error
	}
	doneMsg struct { // an action finished; text is flashed on success
		text   string
		err    error
		reload int64 // chat to reload when open
	}
	callbackMsg struct {
		res  api.CallbackResult
		err  error
		dial bool   // a number dialled (C), not a callback (b)
		to   string // the number dialled
	}
	liveCallsMsg struct {
		calls []api.Call
		err   error
	}
	statsMsg struct {
		stats api.Stats
		err   error
	}
	settingsMsg struct {
		settings api.Settings
		text     string
		err      error
	}
	eligibilityMsg struct {
		el  api.StaffEligibility
		err error
	}
	devicesMsg struct {
		devices []settings.Device
		err     error
	}
	eventMsg      struct{ ev api.Event }
	eventsEndMsg  struct{}
	connMsg       struct{ status ConnStatus }
	flushMsg      struct{}
	tickMsg       time.Time
	clearFlashMsg struct{ seq int }
)
