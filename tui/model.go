package tui

import (
	"context"
	"log/slog"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/board"
	"github.com/meet-dev/meet/tui/chat"
	"github.com/meet-dev/meet/tui/common"
	"github.com/meet-dev/meet/tui/help"
	"github.com/meet-dev/meet/tui/inbox"
	"github.com/meet-dev/meet/tui/prompt"
	"github.com/meet-dev/meet/tui/ring"
	"github.com/meet-dev/meet/tui/settings"
	"github.com/meet-dev/meet/tui/stats"
)

// Screen is what fills the body.
type Screen int

const (
	ScreenInbox Screen = iota
	ScreenChat
	ScreenBoard
	ScreenStats
	ScreenSettings
	ScreenHelp
)

func (s Screen) String() string {
	return [...]string{"Inbox", "Chat", "Live calls", "Statistics", "Settings", "Help"}[s]
}

// Timings of the model's own timers.
const (
	flushDelay = 80 * time.Millisecond  // coalesces bursts of events into one fetch per chat
	tickEvery  = 250 * time.Millisecond // call timer and level meters
	flashFor   = 5 * time.Second
)

// inCall is the call we are in.
type inCall struct {
	call     api.Call
	mode     api.JoinMode
	since    time.Time
	customer string
}

// Model is the root model of the TUI.
type Model struct {
	ctx  *common.Context
	base context.Context
	log  *slog.Logger
	// meetd's API, one narrow part per need
	dir         Directory
	chats       ChatReader
	edit        ChatWriter
	calls       CallControl
	statsAPI    StatsReader
	counts      counter // nil when the backend cannot count tabs exactly
	phone       Phone
	player      Player // voicemail playback (callcentre.go); nil: none
	clipChat    int64  // chat whose voicemail the player holds
	events      Events
	listDevices func() ([]settings.Device, error)
	prefs       Prefs
	savePrefs   func(Prefs) error
	server      string

	screen   Screen
	back     []Screen // screens to return to with esc
	history  []int64  // chats visited by link jumps, for esc
	inbox    *inbox.Model
	chat     *chat.Model
	board    *board.Model
	stats    *stats.Model
	settings *settings.Model
	help     *help.Model
	prompt   *prompt.Model
	// the transfer picker's targets (Choice.ID indexes xferTargets)
	xferTargets  []api.TransferTarget
	xferTeams    []api.Team
	xferAttended bool

	offers      []ring.Offer
	ringing     bool // ring tone on
	call        *inCall
	lastCall    int64 // the call we were in last (its call.ended may come after our call.left)
	lastUndo    *undoable
	conn        ConnStatus
	started     time.Time // program start, for the first-screen figure
	firstScreen bool
	// connectedOnce: the stream has connected at least once
	connectedOnce bool
	ready         bool // who we are is known
	fatal         string
	initErr       error
	// early holds keys pressed before the first start-up load came back
	// (the first screen is drawn before it): they act once it has, instead
	// of being lost. Bounded by maxEarlyKeys; dropped if start-up fails.
	early     []tea.KeyMsg
	flash     string
	flashErr  bool
	flashSeq  int
	filterGen int

	customers  map[int64]api.Customer // by chat id, for the board
	dirtyChats map[int64]bool
	dirtyCalls map[int64]bool
	dirtyLive  bool
	flushing   bool
	ticking    bool
	phoneStats common.PhoneStats
	quitting   bool
	// tick makes the model's timers; tests replace it to drive time by hand.
	tick func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
}

// New builds the root model. ctx bounds every request it makes; cancel it
// to stop them when the program ends.
func New(ctx context.Context, uictx *common.Context, b Backend, log *slog.Logger, opts ...Option) *Model {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Model{ctx: uictx, base: ctx, log: log, dir: b, chats: b, edit: b, calls: b, statsAPI: b, prefs: Prefs{Denoise: true},
		dirtyChats: map[int64]bool{}, customers: map[int64]api.Customer{}, dirtyCalls: map[int64]bool{}, tick: tea.Tick}
	m.counts, _ = b.(counter)
	for _, o := range opts {
		o(m)
	}
	if m.phone == nil {
		m.phone = NoPhone("no softphone")
	}
	m.phone.SetDenoise(m.prefs.Denoise)
	m.inbox = inbox.New(uictx)
	m.chat = chat.New(uictx)
	m.board = board.New(uictx)
	m.board.Customer = m.customer
	m.stats = stats.New(uictx)
	m.settings = settings.New(uictx)
	m.settings.SetLocal(m.prefs.Denoise, m.prefs.Input, m.prefs.Output)
	m.help = help.New(uictx)
	m.resize(uictx.Width, uictx.Height)
	return m
}

// Init starts loading who we are and the inbox, and listening to events.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.loadInit(), m.loadCounts()}
	for _, t := range common.Tabs {
		cmds = append(cmds, m.loadTab(t))
	}
	if m.events != nil {
		cmds = append(cmds, waitEvent(m.events.Events()), waitConn(m.events.Status()))
	}
	return tea.Batch(cmds...)
}

// Screen is the screen shown (for tests and the end-to-end driver).
func (m *Model) Screen() Screen { return m.screen }

// InCall reports the call we are in, if any.
func (m *Model) InCall() (api.Call, bool) {
	if m.call == nil {
		return api.Call{}, false
	}
	return m.call.call, true
}

// Offers are the calls asking for us.
func (m *Model) Offers() []ring.Offer { return m.offers }

// Flash is the status-line message shown.
func (m *Model) Flash() string { return m.flash }

// Inbox is the inbox component.
func (m *Model) Inbox() *inbox.Model { return m.inbox }

// Chat is the chat component.
func (m *Model) Chat() *chat.Model { return m.chat }

// Quitting reports whether quit was confirmed.
func (m *Model) Quitting() bool { return m.quitting }

// layout heights
func (m *Model) bodyHeight() int {
	h := m.ctx.Height - 2 // top bar and status line
	if m.call != nil {
		h -= 2
	}
	return max(h, 1)
}

func (m *Model) resize(w, h int) {
	m.ctx.Width, m.ctx.Height = max(w, 20), max(h, 6)
	bw, bh := m.ctx.Width, m.bodyHeight()
	for s := ScreenInbox; s <= ScreenHelp; s++ {
		m.componentOf(s).SetSize(bw, bh)
	}
}

// componentOf is the Component drawing screen s.
func (m *Model) componentOf(s Screen) common.Component {
	switch s {
	case ScreenChat:
		return m.chat
	case ScreenBoard:
		return m.board
	case ScreenStats:
		return m.stats
	case ScreenSettings:
		return m.settings
	case ScreenHelp:
		return m.help
	}
	return m.inbox
}

// component is the screen shown.
func (m *Model) component() common.Component { return m.componentOf(m.screen) }

func (m *Model) setFlash(text string, isErr bool) tea.Cmd {
	m.flash, m.flashErr = text, isErr
	m.flashSeq++
	seq := m.flashSeq
	return m.tick(flashFor, func(time.Time) tea.Msg { return clearFlashMsg{seq: seq} })
}

func (m *Model) fail(what string, err error) tea.Cmd {
	m.log.Warn("request failed", "what", what, "err", err)
	text := m.ctx.T("%[1]s: %[2]s", what, common.ErrorText(m.ctx, err))
	if api.CodeOf(err) == api.CodeUnauthorized {
		text = common.ErrorText(m.ctx, err)
	}
	return m.setFlash(text, true)
}

// needsTick: timers and meters move only while something shows them.
func (m *Model) needsTick() bool {
	return m.call != nil || len(m.offers) > 0 || m.screen == ScreenSettings || m.screen == ScreenBoard
}

func (m *Model) startTick() tea.Cmd {
	if m.ticking || !m.needsTick() {
		return nil
	}
	m.ticking = true
	return m.tick(tickEvery, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// syncRing turns the ring tone on while a call (not an invitation) rings
// for us and we are not in a call.
func (m *Model) syncRing() {
	want := false
	if m.call == nil {
		for _, o := range m.offers {
			if !o.Invitation() {
				want = true
			}
		}
	}
	if want != m.ringing {
		m.ringing = want
		m.phone.Ring(want)
	}
}

// Close stops the ring tone; the caller closes the phone and stream.
func (m *Model) Close() {
	if m.ringing {
		m.phone.Ring(false)
		m.ringing = false
	}
}

// customer is the customer of a chat as far as the TUI knows it: the
// inbox's copy, or the one learnt when the chat or a ringing call loaded.
func (m *Model) customer(chatID int64) (api.Customer, bool) {
	if c, ok := m.inbox.Chat(chatID); ok {
		return c.Customer, true
	}
	c, ok := m.customers[chatID]
	return c, ok
}

// learn keeps a chat's customer for screens that show calls (the board).
func (m *Model) learn(c api.Chat) {
	if c.ID != 0 && c.Customer.Number != "" {
		m.customers[c.ID] = c.Customer
	}
}
