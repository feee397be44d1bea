package tui

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
)

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// fakeBackend is an in-memory meetd for the TUI's tests: chats, calls,
// memos, messages and settings, with a log of the calls made to it.
type fakeBackend struct {
	mu       sync.Mutex
	me       api.Staff
	staff    []api.Staff
	channels []api.Channel
	settings api.Settings
	chats    map[int64]*api.Chat
	calls    map[int64]*api.Call
	events   map[int64][]api.Event
	memos    map[int64][]api.Memo
	msgs     map[int64][]api.Message
	stats    api.Stats
	nextID   int64
	log      []string
	failNext error
	down     error // while set, loading a chat fails with it (meetd away)
	closed   map[int64]bool
	wavs     map[int64][]byte // recordings by id
}

func newFake() *fakeBackend {
	f := &fakeBackend{
		me:       api.Staff{ID: 1, Email: "ann@example.com", Name: "Ann", Role: api.RoleSupervisor, Channels: []int64{1}},
		channels: []api.Channel{{ID: 1, Name: "Support", Timezone: "UTC"}},
		chats:    map[int64]*api.Chat{}, calls: map[int64]*api.Call{}, events: map[int64][]api.Event{},
		memos: map[int64][]api.Memo{}, msgs: map[int64][]api.Message{}, nextID: 1000,
	}
	f.staff = []api.Staff{f.me, {ID: 2, Email: "bob@example.com", Name: "Bob", Role: api.RoleOperator, Channels: []int64{1}}}
	return f
}

func (f *fakeBackend) record(format string, args ...any) error {
	f.log = append(f.log, fmt.Sprintf(format, args...))
	if err := f.failNext; err != nil {
		f.failNext = nil
		return err
	}
	return nil
}

func (f *fakeBackend) calledWith(prefix string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range f.log {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// addChat stores a chat; missed chats are closed with their reason.
func (f *fakeBackend) addChat(id int64, number, name string, state api.ChatState, reason api.MissedReason, age time.Duration) *api.Chat {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &api.Chat{ID: id, ChannelID: 1, Medium: api.MediumPhone, State: state, Customer: api.Customer{ID: id, Number: number, Name: name},
		Missed: reason != "", MissedReason: reason, Created: t0.Add(-age), Updated: t0.Add(-age), Tags: []string{}, Callbacks: []int64{}}
	f.chats[id] = c
	return c
}

func (f *fakeBackend) Me(context.Context) (api.Staff, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.me, f.record("Me")
}
func (f *fakeBackend) Settings(context.Context) (api.Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.settings, f.record("Settings")
}
func (f *fakeBackend) PutSettings(_ context.Context, s api.Settings) (api.Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("PutSettings dnd=%v mute=%v notify=%v", s.DND, s.MuteOnJoin, s.UnassignedCallNotification); err != nil {
		return api.Settings{}, err
	}
	f.settings = s
	return s, nil
}
func (f *fakeBackend) StaffList(context.Context) ([]api.Staff, error) { return f.staff, nil }
func (f *fakeBackend) StaffEligibility(_ context.Context, id int64) (api.StaffEligibility, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	el := api.StaffEligibility{StaffID: id, Channels: map[int64]api.IneligibleReason{1: ""}}
	if f.settings.DND {
		el.Channels[1] = api.IneligibleDND
	}
	el.Closed = f.closed
	return el, nil
}
func (f *fakeBackend) Channels(context.Context) ([]api.Channel, error) {
	return f.channels, nil
}

// Chats pages newest first with the cursor being the last id seen.
func (f *fakeBackend) Chats(_ context.Context, q api.ChatQuery) (api.ChatList, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Chats state=%s missed=%v reason=%s tag=%s q=%s cursor=%s", q.State, q.Missed != nil, q.Reason, q.Tag, q.Q, q.Cursor); err != nil {
		return api.ChatList{}, err
	}
	var all []api.Chat
	filter := common.Filter{Medium: q.Medium, Reason: q.Reason, Tag: q.Tag, Assignee: q.AssigneeID, From: q.From, To: q.To, Text: q.Q}
	tab := common.TabOpened
	switch {
	case q.Missed != nil:
		tab = common.TabMissed
	case q.State == api.ChatSnoozed:
		tab = common.TabSnoozed
	case q.State == api.ChatClosed:
		tab = common.TabClosed
	}
	for _, c := range f.chats {
		if filter.Match(tab, *c) {
			all = append(all, *c)
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].Updated.Equal(all[j].Updated) {
			return all[i].Updated.After(all[j].Updated)
		}
		return all[i].ID > all[j].ID
	})
	offset := 0
	if q.Cursor != "" {
		offset, _ = strconv.Atoi(q.Cursor)
		all = all[min(offset, len(all)):]
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	var out api.ChatList
	if len(all) > limit {
		all = all[:limit]
		out.NextCursor = strconv.Itoa(offset + limit)
	}
	out.Chats = all
	return out, nil
}
func (f *fakeBackend) Chat(_ context.Context, id int64) (api.Chat, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down != nil {
		return api.Chat{}, f.down
	}
	c, ok := f.chats[id]
	if !ok {
		return api.Chat{}, api.Errorf(api.CodeNotFound, "chat %d not found", id)
	}
	return *c, nil
}
func (f *fakeBackend) PatchChat(_ context.Context, id int64, p api.ChatPatch) (api.Chat, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.chats[id]
	if !ok {
		return api.Chat{}, api.Errorf(api.CodeNotFound, "chat %d not found", id)
	}
	if err := f.record("PatchChat %d", id); err != nil {
		return api.Chat{}, err
	}
	if p.State != nil {
		c.State = *p.State
		c.SnoozedUntil = p.SnoozedUntil
	}
	if p.AssigneeID != nil {
		if *p.AssigneeID == 0 {
			c.AssigneeID = nil
		} else {
			v := *p.AssigneeID
			c.AssigneeID = &v
		}
	}
	return *c, nil
}
func (f *fakeBackend) ChatEvents(_ context.Context, id int64) ([]api.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.events[id], nil
}
func (f *fakeBackend) ChatCalls(_ context.Context, id int64) ([]api.Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []api.Call
	for _, c := range f.calls {
		if c.ChatID == id {
			out = append(out, *c)
		}
	}
	return out, nil
}
func (f *fakeBackend) AddTag(_ context.Context, id int64, tag string) (api.Chat, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.chats[id]
	c.Tags = append(c.Tags, tag)
	return *c, f.record("AddTag %d %s", id, tag)
}
func (f *fakeBackend) RemoveTag(_ context.Context, id int64, tag string) (api.Chat, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.chats[id]
	var keep []string
	for _, t := range c.Tags {
		if t != tag {
			keep = append(keep, t)
		}
	}
	c.Tags = keep
	return *c, f.record("RemoveTag %d %s", id, tag)
}
func (f *fakeBackend) Memos(_ context.Context, id int64) ([]api.Memo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.memos[id], nil
}
func (f *fakeBackend) AddMemo(_ context.Context, id int64, text string) (api.Memo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := api.Memo{ID: int64(len(f.memos[id]) + 1), ChatID: id, StaffID: f.me.ID, Text: text, Created: t0}
	f.memos[id] = append(f.memos[id], m)
	return m, f.record("AddMemo %d %s", id, text)
}
func (f *fakeBackend) Messages(_ context.Context, id int64) ([]api.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs[id], nil
}
func (f *fakeBackend) AddMessage(_ context.Context, id int64, text string) (api.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := api.Message{ID: int64(len(f.msgs[id]) + 1), ChatID: id, StaffID: f.me.ID, Text: text, Created: t0}
	f.msgs[id] = append(f.msgs[id], m)
	return m, f.record("AddMessage %d %s", id, text)
}
func (f *fakeBackend) Callback(_ context.Context, id int64) (api.CallbackResult, error) {
	f.mu.Lock()
	old, ok := f.chats[id]
	if !ok {
		f.mu.Unlock()
		return api.CallbackResult{}, api.Errorf(api.CodeNotFound, "chat %d not found", id)
	}
	f.nextID++
	nid := f.nextID
	f.mu.Unlock()
	nc := f.addChat(nid, old.Customer.Number, old.Customer.Name, api.ChatOpened, "", 0)
	f.mu.Lock()
	defer f.mu.Unlock()
	nc.CallbackOf = &id
	old.Callbacks = append(old.Callbacks, nid)
	call := &api.Call{ID: nid, ChatID: nid, ChannelID: 1, Direction: api.Outbound, To: old.Customer.Number, State: api.CallDialing, Created: t0}
	f.calls[nid] = call
	data := fmt.Sprintf(`{"callback_chat_id":%d,"by":%d}`, nid, f.me.ID)
	f.events[id] = append(f.events[id], api.Event{ID: nid, Type: api.EvChatLinked, At: t0, ChatID: id, ActorID: f.me.ID, Data: []byte(data)})
	return api.CallbackResult{Chat: *nc, Call: *call}, f.record("Callback %d", id)
}
func (f *fakeBackend) Calls(_ context.Context, live bool, _ int64) ([]api.Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []api.Call
	for _, c := range f.calls {
		if !live || c.State != api.CallEnded {
			out = append(out, *c)
		}
	}
	return out, nil
}
func (f *fakeBackend) Call(_ context.Context, id int64) (api.Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.calls[id]
	if !ok {
		return api.Call{}, api.Errorf(api.CodeNotFound, "call %d not found", id)
	}
	return *c, nil
}
func (f *fakeBackend) Dial(_ context.Context, r api.DialRequest) (api.CallbackResult, error) {
	f.mu.Lock()
	f.nextID++
	id := f.nextID
	f.mu.Unlock()
	c := f.addChat(id, r.To, "", api.ChatOpened, "", 0)
	f.mu.Lock()
	defer f.mu.Unlock()
	call := &api.Call{ID: id, ChatID: id, ChannelID: 1, Direction: api.Outbound, To: r.To, State: api.CallDialing, Created: t0}
	f.calls[id] = call
	return api.CallbackResult{Chat: *c, Call: *call}, f.record("Dial %s channel=%d", r.To, r.ChannelID)
}
func (f *fakeBackend) joinLocked(id int64, mode api.JoinMode) (api.JoinResult, error) {
	c, ok := f.calls[id]
	if !ok {
		return api.JoinResult{}, api.Errorf(api.CodeNotFound, "call %d not found", id)
	}
	c.State = api.CallActive
	a := t0
	c.Answered = &a
	c.Participants = append(c.Participants, api.Participant{StaffID: f.me.ID, Mode: mode, Joined: t0})
	return api.JoinResult{Call: *c, Mode: mode, MuteOnJoin: f.settings.MuteOnJoin}, nil
}
func (f *fakeBackend) Accept(_ context.Context, id int64) (api.JoinResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Accept %d", id); err != nil {
		return api.JoinResult{}, err
	}
	return f.joinLocked(id, api.ModeTalk)
}
func (f *fakeBackend) Decline(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.record("Decline %d", id)
}
func (f *fakeBackend) Join(_ context.Context, id int64, mode api.JoinMode) (api.JoinResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Join %d %s", id, mode); err != nil {
		return api.JoinResult{}, err
	}
	return f.joinLocked(id, mode)
}
func (f *fakeBackend) Invite(_ context.Context, id, staff int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.record("Invite %d %d", id, staff)
}
func (f *fakeBackend) Leave(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.record("Leave %d", id)
}
func (f *fakeBackend) Hangup(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.calls[id]; ok {
		c.State = api.CallEnded
	}
	return f.record("Hangup %d", id)
}
func (f *fakeBackend) Stats(_ context.Context, q api.StatsQuery) (api.Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats
	s.Query = q
	return s, f.record("Stats %s", q.Interval)
}

// fakePhone records what the TUI asks of the softphone.
type fakePhone struct {
	mu      sync.Mutex
	ringing bool
	rings   int
	muted   bool
	denoise bool
	joined  []api.JoinResult
	left    int
	stats   common.PhoneStats
}

func (p *fakePhone) Joined(r api.JoinResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.joined = append(p.joined, r)
	p.muted = r.MuteOnJoin
}
func (p *fakePhone) Left()             { p.mu.Lock(); p.left++; p.mu.Unlock() }
func (p *fakePhone) SetMuted(b bool)   { p.mu.Lock(); p.muted = b; p.mu.Unlock() }
func (p *fakePhone) Muted() bool       { p.mu.Lock(); defer p.mu.Unlock(); return p.muted }
func (p *fakePhone) SetDenoise(b bool) { p.mu.Lock(); p.denoise = b; p.mu.Unlock() }
func (p *fakePhone) Ring(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ringing = on
	if on {
		p.rings++
	}
}
func (p *fakePhone) Stats() common.PhoneStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Muted, s.Denoise = p.muted, p.denoise
	return s
}

// fakeEvents is a stream the test pushes into.
type fakeEvents struct {
	ev     chan api.Event
	status chan ConnStatus
}

func newFakeEvents() *fakeEvents {
	return &fakeEvents{ev: make(chan api.Event, 64), status: make(chan ConnStatus, 8)}
}
func (e *fakeEvents) Events() <-chan api.Event  { return e.ev }
func (e *fakeEvents) Status() <-chan ConnStatus { return e.status }

func (f *fakeBackend) Recording(_ context.Context, id int64, w io.Writer) error {
	f.mu.Lock()
	b, ok := f.wavs[id]
	f.mu.Unlock()
	if !ok {
		return api.Errorf(api.CodeNotFound, "recording %d not found", id)
	}
	_, err := w.Write(b)
	return err
}

func (f *fakeBackend) Hold(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.calls[id]; ok {
		at := t0
		c.HeldSince = &at
	}
	return f.record("hold %d", id)
}

func (f *fakeBackend) Resume(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.calls[id]; ok {
		c.HeldSince = nil
	}
	return f.record("resume %d", id)
}

func (f *fakeBackend) Transfer(_ context.Context, id int64, req api.TransferRequest) (api.Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("transfer %d %s %s", id, req.Mode, req.To); err != nil {
		return api.Call{}, err
	}
	c, ok := f.calls[id]
	if !ok {
		return api.Call{}, api.Errorf(api.CodeNotFound, "no call %d", id)
	}
	if req.Mode == api.TransferAttended {
		c.State = api.CallConsulting
	} else {
		c.State = api.CallRinging
	}
	return *c, nil
}

func (f *fakeBackend) CompleteTransfer(_ context.Context, id int64) (api.Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("complete %d", id); err != nil {
		return api.Call{}, err
	}
	c := f.calls[id]
	c.State = api.CallActive
	return *c, nil
}

func (f *fakeBackend) CancelTransfer(_ context.Context, id int64) (api.Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("cancel %d", id); err != nil {
		return api.Call{}, err
	}
	c := f.calls[id]
	c.State = api.CallActive
	return *c, nil
}

func (f *fakeBackend) Teams(context.Context) ([]api.Team, error) {
	return []api.Team{{ID: 7, ChannelID: 1, Name: "sales", Members: []int64{2}}, {ID: 8, ChannelID: 99, Name: "elsewhere"}}, nil
}
