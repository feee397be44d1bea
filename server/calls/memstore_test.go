package calls

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// memStore is an in-memory store.Store for the lifecycle tests. Update runs
// under one mutex; a failing fn does not roll back (tests do not rely on it).
type memStore struct {
	beats     map[string]time.Time
	mu        sync.Mutex
	channels  map[int64]api.Channel
	teams     map[int64]api.Team
	staff     map[int64]api.Staff
	settings  map[int64]api.Settings
	customers map[int64]api.Customer
	chats     map[int64]api.Chat
	calls     map[int64]api.Call
	events    []api.Event
	memos     []api.Memo
	messages  []api.Message
	recs      []api.Recording
	nextID    int64
	onCommit  func([]api.Event)
	pending   []api.Event
}

func newMemStore() *memStore {
	return &memStore{channels: map[int64]api.Channel{}, teams: map[int64]api.Team{}, staff: map[int64]api.Staff{},
		settings: map[int64]api.Settings{}, customers: map[int64]api.Customer{}, chats: map[int64]api.Chat{},
		calls: map[int64]api.Call{}}
}

func (s *memStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	s.mu.Lock()
	s.pending = nil
	err := fn(s)
	evs := s.pending
	s.pending = nil
	hook := s.onCommit
	s.mu.Unlock()
	if err == nil && hook != nil && len(evs) > 0 {
		hook(evs)
	}
	return err
}

func (s *memStore) View(ctx context.Context, fn func(store.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(s)
}

func (s *memStore) Close() error { return nil }

func (s *memStore) id() int64 { s.nextID++; return s.nextID }

func notFound(what string, id any) error { return api.Errorf(api.CodeNotFound, "no %s %v", what, id) }

// Channels
func (s *memStore) CreateChannel(c *api.Channel) error {
	c.ID = s.id()
	s.channels[c.ID] = *c
	return nil
}
func (s *memStore) UpdateChannel(c *api.Channel) error { s.channels[c.ID] = *c; return nil }
func (s *memStore) Channel(id int64) (api.Channel, error) {
	c, ok := s.channels[id]
	if !ok {
		return c, notFound("channel", id)
	}
	return c, nil
}
func (s *memStore) ChannelByName(name string) (api.Channel, error) {
	for _, c := range s.channels {
		if c.Name == name {
			return c, nil
		}
	}
	return api.Channel{}, notFound("channel", name)
}
func (s *memStore) ChannelByNumber(n string) (api.Channel, error) {
	for _, c := range s.channels {
		if slices.Contains(c.Numbers, n) {
			return c, nil
		}
	}
	return api.Channel{}, notFound("channel with number", n)
}
func (s *memStore) ListChannels() ([]api.Channel, error) {
	var out []api.Channel
	for _, c := range s.channels {
		out = append(out, c)
	}
	return out, nil
}
func (s *memStore) AddNumber(id int64, n string) error {
	c := s.channels[id]
	c.Numbers = append(c.Numbers, n)
	s.channels[id] = c
	return nil
}
func (s *memStore) SetHours(id int64, h api.Hours) error {
	c := s.channels[id]
	c.Hours = h
	s.channels[id] = c
	return nil
}
func (s *memStore) SetMenu(id int64, m *api.Menu) error {
	c := s.channels[id]
	c.Menu = m
	s.channels[id] = c
	return nil
}
func (s *memStore) SetGuidance(int64, api.GuidanceKind, []byte) error { return nil }
func (s *memStore) Guidance(id int64, k api.GuidanceKind) ([]byte, error) {
	return nil, notFound("guidance", k)
}

// Teams
func (s *memStore) CreateTeam(t *api.Team) error { t.ID = s.id(); s.teams[t.ID] = *t; return nil }
func (s *memStore) UpdateTeam(t *api.Team) error { s.teams[t.ID] = *t; return nil }
func (s *memStore) Team(id int64) (api.Team, error) {
	t, ok := s.teams[id]
	if !ok {
		return t, notFound("team", id)
	}
	return t, nil
}
func (s *memStore) TeamByName(ch int64, name string) (api.Team, error) {
	for _, t := range s.teams {
		if t.ChannelID == ch && t.Name == name {
			return t, nil
		}
	}
	return api.Team{}, notFound("team", name)
}
func (s *memStore) ListTeams(ch int64) ([]api.Team, error) {
	var out []api.Team
	for _, t := range s.teams {
		if ch == 0 || t.ChannelID == ch {
			out = append(out, t)
		}
	}
	return out, nil
}
func (s *memStore) AddTeamMember(teamID, staffID int64) error {
	t := s.teams[teamID]
	t.Members = append(t.Members, staffID)
	s.teams[teamID] = t
	st := s.staff[staffID]
	st.Teams = append(st.Teams, teamID)
	s.staff[staffID] = st
	return nil
}

// Staff
func (s *memStore) CreateStaff(st *api.Staff, hash string) error {
	st.ID = s.id()
	s.staff[st.ID] = *st
	return nil
}
func (s *memStore) Staff(id int64) (api.Staff, error) {
	st, ok := s.staff[id]
	if !ok {
		return st, notFound("staff", id)
	}
	st.Channels = slices.Clone(st.Channels)
	return st, nil
}
func (s *memStore) StaffByEmail(email string) (api.Staff, string, error) {
	return api.Staff{}, "", notFound("staff", email)
}
func (s *memStore) ListStaff(ch int64) ([]api.Staff, error) {
	var out []api.Staff
	for _, st := range s.staff {
		if ch == 0 || slices.Contains(st.Channels, ch) {
			out = append(out, st)
		}
	}
	slices.SortFunc(out, func(a, b api.Staff) int { return int(a.ID - b.ID) })
	return out, nil
}
func (s *memStore) AddStaffChannel(staffID, ch int64) error {
	st := s.staff[staffID]
	st.Channels = append(st.Channels, ch)
	s.staff[staffID] = st
	return nil
}
func (s *memStore) Settings(id int64) (api.Settings, error) { return s.settings[id], nil }
func (s *memStore) PutSettings(id int64, set api.Settings) error {
	s.settings[id] = set
	return nil
}

// Tokens
func (s *memStore) CreateToken(int64, []byte, time.Time) error { return nil }
func (s *memStore) TokenStaff([]byte, time.Time) (int64, error) {
	return 0, notFound("token", "")
}
func (s *memStore) RevokeToken([]byte) error { return nil }

// Customers
func (s *memStore) Customer(id int64) (api.Customer, error) {
	c, ok := s.customers[id]
	if !ok {
		return c, notFound("customer", id)
	}
	return c, nil
}
func (s *memStore) CustomerByNumber(n string) (api.Customer, error) {
	for _, c := range s.customers {
		if c.Number == n {
			return c, nil
		}
	}
	return api.Customer{}, notFound("customer", n)
}
func (s *memStore) CreateCustomer(c *api.Customer) error {
	c.ID = s.id()
	s.customers[c.ID] = *c
	return nil
}
func (s *memStore) UpdateCustomer(c *api.Customer) error { s.customers[c.ID] = *c; return nil }

// Chats
func (s *memStore) CreateChat(c *api.Chat) error {
	c.ID = s.id()
	c.Created, c.Updated = time.Now(), time.Now()
	s.chats[c.ID] = *c
	return nil
}
func (s *memStore) Chat(id int64) (api.Chat, error) {
	c, ok := s.chats[id]
	if !ok {
		return c, notFound("chat", id)
	}
	c.Followers = slices.Clone(c.Followers)
	return c, nil
}
func (s *memStore) UpdateChat(c *api.Chat) error {
	old, ok := s.chats[c.ID]
	if !ok {
		return notFound("chat", c.ID)
	}
	old.State, old.SnoozedUntil, old.AssigneeID, old.TeamID = c.State, c.SnoozedUntil, c.AssigneeID, c.TeamID
	old.Missed, old.MissedReason, old.LastCallID, old.Closed, old.MenuPath = c.Missed, c.MissedReason, c.LastCallID, c.Closed, c.MenuPath
	old.Voicemail, old.Recorded = c.Voicemail, c.Recorded
	s.chats[c.ID] = old
	return nil
}
func (s *memStore) SearchChats(q api.ChatQuery, channels []int64) (api.ChatList, error) {
	var out api.ChatList
	for _, c := range s.chats {
		if (q.ChannelID == 0 || c.ChannelID == q.ChannelID) && (q.State == "" || c.State == q.State) &&
			(q.AssigneeID == nil || (c.AssigneeID != nil && *c.AssigneeID == *q.AssigneeID)) {
			out.Chats = append(out.Chats, c)
		}
	}
	return out, nil
}
func (s *memStore) AddTag(int64, string) error    { return nil }
func (s *memStore) RemoveTag(int64, string) error { return nil }
func (s *memStore) AddFollower(chatID, staffID int64) error {
	c := s.chats[chatID]
	c.Followers = append(c.Followers, staffID)
	s.chats[chatID] = c
	return nil
}
func (s *memStore) AddMemo(m *api.Memo) error             { s.memos = append(s.memos, *m); return nil }
func (s *memStore) Memos(int64) ([]api.Memo, error)       { return s.memos, nil }
func (s *memStore) AddMessage(m *api.Message) error       { s.messages = append(s.messages, *m); return nil }
func (s *memStore) Messages(int64) ([]api.Message, error) { return s.messages, nil }
func (s *memStore) LinkCallback(orig, cb int64) error {
	o, c := s.chats[orig], s.chats[cb]
	o.Callbacks = append(o.Callbacks, cb)
	c.CallbackOf = &orig
	s.chats[orig], s.chats[cb] = o, c
	return nil
}
func (s *memStore) OpenedPhoneChats(ch int64) (map[int64]int, error) {
	out := map[int64]int{}
	for _, c := range s.chats {
		if c.ChannelID == ch && c.State == api.ChatOpened && c.AssigneeID != nil && c.LastCallID != nil {
			out[*c.AssigneeID]++
		}
	}
	return out, nil
}
func (s *memStore) DueSnoozes(time.Time) ([]int64, error) { return nil, nil }

// Calls
func (s *memStore) CreateCall(c *api.Call) error { c.ID = s.id(); s.calls[c.ID] = *c; return nil }
func (s *memStore) Call(id int64) (api.Call, error) {
	c, ok := s.calls[id]
	if !ok {
		return c, notFound("call", id)
	}
	c.Participants = slices.Clone(c.Participants)
	c.RingAttempts = slices.Clone(c.RingAttempts)
	return c, nil
}
func (s *memStore) UpdateCall(c *api.Call) error {
	old, ok := s.calls[c.ID]
	if !ok {
		return notFound("call", c.ID)
	}
	parts, rings := old.Participants, old.RingAttempts
	old = *c
	old.Participants, old.RingAttempts = parts, rings
	s.calls[c.ID] = old
	return nil
}
func (s *memStore) LiveCalls(ch int64) ([]api.Call, error) {
	var out []api.Call
	for _, c := range s.calls {
		if c.State != api.CallEnded && (ch == 0 || c.ChannelID == ch) {
			c.Participants, c.RingAttempts = slices.Clone(c.Participants), slices.Clone(c.RingAttempts)
			out = append(out, c)
		}
	}
	return out, nil
}
func (s *memStore) ChatCalls(chatID int64) ([]api.Call, error) {
	var out []api.Call
	for _, c := range s.calls {
		if c.ChatID == chatID {
			c.Participants, c.RingAttempts = slices.Clone(c.Participants), slices.Clone(c.RingAttempts)
			out = append(out, c)
		}
	}
	return out, nil
}
func (s *memStore) AddRingAttempt(id int64, r api.RingAttempt) error {
	c := s.calls[id]
	c.RingAttempts = append(c.RingAttempts, r)
	s.calls[id] = c
	return nil
}
func (s *memStore) EndRingAttempt(id, staffID int64, at time.Time, o api.RingOutcome) error {
	c := s.calls[id]
	for i := range c.RingAttempts {
		if a := &c.RingAttempts[i]; a.StaffID == staffID && a.Ended == nil {
			a.Ended, a.Outcome = &at, o
			s.calls[id] = c
			return nil
		}
	}
	return api.Errorf(api.CodeNotFound, "no open ring attempt of staff %d on call %d", staffID, id)
}
func (s *memStore) AddParticipant(id int64, p api.Participant) error {
	c := s.calls[id]
	c.Participants = append(c.Participants, p)
	s.calls[id] = c
	return nil
}
func (s *memStore) EndParticipant(id, staffID int64, at time.Time) error {
	c := s.calls[id]
	for i := range c.Participants {
		if p := &c.Participants[i]; p.StaffID == staffID && p.Left == nil {
			p.Left = &at
			s.calls[id] = c
			return nil
		}
	}
	return api.Errorf(api.CodeNotFound, "staff %d is not in call %d", staffID, id)
}

// Events
func (s *memStore) Append(e *api.Event) error {
	e.ID = int64(len(s.events) + 1)
	s.events = append(s.events, *e)
	s.pending = append(s.pending, *e)
	return nil
}
func (s *memStore) EventsSince(after int64, limit int) ([]api.Event, error) {
	return s.events[after:], nil
}
func (s *memStore) ChatEvents(chatID int64) ([]api.Event, error) {
	var out []api.Event
	for _, e := range s.events {
		if e.ChatID == chatID {
			out = append(out, e)
		}
	}
	return out, nil
}
func (s *memStore) CallEvents(callID int64) ([]api.Event, error) {
	var out []api.Event
	for _, e := range s.events {
		if e.CallID == callID {
			out = append(out, e)
		}
	}
	return out, nil
}
func (s *memStore) LastEventID() (int64, error) { return int64(len(s.events)), nil }

var _ store.Store = (*memStore)(nil)
var _ store.Tx = (*memStore)(nil)

// Reads of a whole channel or set, and the automation outbox.

func (s *memStore) ChannelSettings(ch int64) (map[int64]api.Settings, error) {
	out := map[int64]api.Settings{}
	for id, st := range s.staff {
		if slices.Contains(st.Channels, ch) {
			out[id] = s.settings[id]
		}
	}
	return out, nil
}

func (s *memStore) OpenChatsByAssignee(ch int64, limit int) (map[int64]int, error) {
	out := map[int64]int{}
	for _, c := range s.chats {
		if c.ChannelID == ch && c.AssigneeID != nil && (c.State == api.ChatOpened || c.State == api.ChatSnoozed) &&
			(limit == 0 || out[*c.AssigneeID] < limit) {
			out[*c.AssigneeID]++
		}
	}
	return out, nil
}

func (s *memStore) CloseMissedChat(chatID int64, reason api.MissedReason, at time.Time) error {
	c, ok := s.chats[chatID]
	if !ok {
		return notFound("chat", chatID)
	}
	c.Missed, c.MissedReason = true, reason
	c.State, c.SnoozedUntil, c.Closed = api.ChatClosed, nil, &at
	return s.UpdateChat(&c)
}

func (s *memStore) CustomerChannels(customerID int64) ([]int64, error) {
	var out []int64
	for _, c := range s.chats {
		if c.Customer.ID == customerID && !slices.Contains(out, c.ChannelID) {
			out = append(out, c.ChannelID)
		}
	}
	return out, nil
}

var errMemUnsupported = api.Errorf(api.CodeUnavailable, "memStore does not list history, count chats or keep an outbox")

func (s *memStore) ListCalls(api.CallQuery, []int64) (api.CallList, error) {
	return api.CallList{}, errMemUnsupported
}
func (s *memStore) ChatCounts(api.ChatQuery, []int64) (api.ChatCounts, error) {
	return api.ChatCounts{}, errMemUnsupported
}
func (s *memStore) EnqueueSMS(*api.SMS) error               { return errMemUnsupported }
func (s *memStore) AutomationCursor() (int64, error)        { return 0, errMemUnsupported }
func (s *memStore) SetAutomationCursor(eventID int64) error { return errMemUnsupported }

func (s *memStore) Beat(node string, at time.Time) error {
	if s.beats == nil {
		s.beats = map[string]time.Time{}
	}
	s.beats[node] = at
	return nil
}

func (s *memStore) LastBeat(node string) (time.Time, error) { return s.beats[node], nil }

func (s *memStore) AddRecording(r *api.Recording) error {
	s.recs = append(s.recs, *r)
	r.ID = int64(len(s.recs))
	s.recs[r.ID-1].ID = r.ID
	c := s.chats[r.ChatID]
	c.Voicemail = c.Voicemail || r.Kind == api.RecordingVoicemail
	c.Recorded = c.Recorded || r.Kind == api.RecordingCall
	s.chats[r.ChatID] = c
	return nil
}
func (s *memStore) Recording(id int64) (api.Recording, error) {
	if id < 1 || id > int64(len(s.recs)) {
		return api.Recording{}, notFound("recording", id)
	}
	return s.recs[id-1], nil
}
func (s *memStore) ChatRecordings(chatID int64) ([]api.Recording, error) {
	var out []api.Recording
	for _, r := range s.recs {
		if r.ChatID == chatID {
			out = append(out, r)
		}
	}
	return out, nil
}
func (s *memStore) ExpiredRecordings(time.Time, string, int) ([]api.Recording, error) {
	return nil, nil
}
func (s *memStore) ExpireRecording(int64, time.Time) error { return nil }
