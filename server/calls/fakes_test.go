package calls

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// fakeTrunk records what the lifecycle asks of the SIP side.
type fakeTrunk struct {
	mu        sync.Mutex
	log       []string
	AnswerErr error
	DialErr   error
}

func (f *fakeTrunk) rec(s string) { f.mu.Lock(); f.log = append(f.log, s); f.mu.Unlock() }
func (f *fakeTrunk) EarlyMedia(id int64) error {
	f.rec(fmt.Sprintf("early %d", id))
	return nil
}
func (f *fakeTrunk) Answer(id int64) error {
	f.rec(fmt.Sprintf("answer %d", id))
	return f.AnswerErr
}
func (f *fakeTrunk) Dial(id int64, from, to string) error {
	f.rec(fmt.Sprintf("dial %d %s>%s", id, from, to))
	return f.DialErr
}
func (f *fakeTrunk) Hangup(id int64, detail string) { f.rec(fmt.Sprintf("hangup %d", id)) }

func (f *fakeTrunk) has(s string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.log, s)
}

// fakeMedia records room operations. Guidance finishes at once unless hold
// is set, in which case done waits for finish().
type fakeMedia struct {
	mu        sync.Mutex
	online    map[int64]bool
	log       []string
	hold      bool
	done      map[int64]func()
	attached  map[int64]map[int64]api.JoinMode // call → staff → mode
	AttachErr error
	recs      map[int64]func(RecordingResult)
	paths     []string
}

func newFakeMedia() *fakeMedia {
	return &fakeMedia{online: map[int64]bool{}, done: map[int64]func(){}, attached: map[int64]map[int64]api.JoinMode{}}
}

func (f *fakeMedia) rec(s string) { f.log = append(f.log, s) }
func (f *fakeMedia) OpenRoom(id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rec(fmt.Sprintf("open %d", id))
	return nil
}
func (f *fakeMedia) CloseRoom(id int64) {
	f.mu.Lock()
	f.rec(fmt.Sprintf("close %d", id))
	delete(f.attached, id)
	f.mu.Unlock()
	f.endRecording(id, RecordingResult{Duration: time.Second, Heard: 500 * time.Millisecond, Bytes: 16044, Reason: "stopped"})
}
func (f *fakeMedia) PlayGuidance(id, ch int64, kind api.GuidanceKind, loop bool, done func()) {
	f.mu.Lock()
	f.rec(fmt.Sprintf("play %d %s", id, kind))
	if loop || f.hold {
		if !loop {
			f.done[id] = done
		}
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	if done != nil { // the room allows a nil done
		done()
	}
}
func (f *fakeMedia) StopGuidance(id int64) {}
func (f *fakeMedia) Attach(id, staffID int64, mode api.JoinMode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.AttachErr != nil {
		return f.AttachErr
	}
	if f.attached[id] == nil {
		f.attached[id] = map[int64]api.JoinMode{}
	}
	f.attached[id][staffID] = mode
	f.rec(fmt.Sprintf("attach %d %d %s", id, staffID, mode))
	return nil
}
func (f *fakeMedia) AddTrunkLeg(id, leg int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rec(fmt.Sprintf("bridge %d %d", id, leg))
	return nil
}
func (f *fakeMedia) RemoveTrunkLeg(id, leg int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rec(fmt.Sprintf("unbridge %d %d", id, leg))
}
func (f *fakeMedia) Detach(id, staffID int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.attached[id], staffID)
	f.rec(fmt.Sprintf("detach %d %d", id, staffID))
}

// StartRecording records nothing; the test ends it with endRecording.
func (f *fakeMedia) StartRecording(id int64, rec Recording, done func(RecordingResult)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rec(fmt.Sprintf("record %d beep=%v max=%s", id, rec.Beep, rec.Max))
	if f.recs == nil {
		f.recs = map[int64]func(RecordingResult){}
	}
	f.recs[id] = done
	f.paths = append(f.paths, rec.Path)
	return nil
}
func (f *fakeMedia) StopRecording(id int64) {
	f.mu.Lock()
	f.rec(fmt.Sprintf("stop-record %d", id))
	f.mu.Unlock()
	f.endRecording(id, RecordingResult{Duration: 2 * time.Second, Heard: time.Second, Bytes: 32044, Reason: "stopped"})
}

// endRecording finishes call id's recording with res (once).
func (f *fakeMedia) endRecording(id int64, res RecordingResult) bool {
	f.mu.Lock()
	done := f.recs[id]
	delete(f.recs, id)
	f.mu.Unlock()
	if done != nil {
		done(res)
	}
	return done != nil
}

func (f *fakeMedia) Online(staffID int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.online[staffID]
}
func (f *fakeMedia) setOnline(id int64, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.online[id] = on
}
func (f *fakeMedia) has(s string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.log, s)
}

// finish ends the held guidance of call id.
func (f *fakeMedia) finish(id int64) bool {
	f.mu.Lock()
	done := f.done[id]
	delete(f.done, id)
	f.mu.Unlock()
	if done != nil {
		done()
	}
	return done != nil
}

var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC) // a Wednesday

// env is one channel with its staff, a manager and fakes on a manual clock.
type env struct {
	t     *testing.T
	st    store.Store
	mem   *memStore
	clock *ManualClock
	trunk *fakeTrunk
	media *fakeMedia
	m     *Manager
	ch    api.Channel
	ctx   context.Context
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// storeErrors fails the test when the lifecycle logs a storage failure: the
// lifecycle carries on after one (a live call must), so tests watch the log.
type storeErrors struct {
	slog.Handler
	t testing.TB
}

func (h storeErrors) Enabled(context.Context, slog.Level) bool { return true }
func (h storeErrors) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "storing call state failed" || r.Message == "loading channel for routing failed" {
		var detail string
		r.Attrs(func(a slog.Attr) bool { detail += " " + a.String(); return true })
		h.t.Errorf("lifecycle logged %q:%s", r.Message, detail)
	}
	return nil
}
func (h storeErrors) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h storeErrors) WithGroup(string) slog.Handler      { return h }

// newEnv builds the channel; a non-empty auto gives it an auto-assign team with that strategy.
func newEnv(t testing.TB, st store.Store, auto api.Strategy, mutate func(*api.Channel), opts ...Option) *env {
	t.Helper()
	e := &env{st: st, clock: NewManualClock(t0), trunk: &fakeTrunk{}, media: newFakeMedia(), ctx: context.Background()}
	if tt, ok := t.(*testing.T); ok {
		e.t = tt
	}
	e.mem, _ = st.(*memStore)
	ch := api.Channel{Name: "support", Timezone: "Europe/Berlin", Numbers: []string{"+4930100"}, RingTimeoutS: 30, MaxWaitS: 120,
		Hours: api.Hours{AlwaysOpen: true}}
	if mutate != nil {
		mutate(&ch)
	}
	must(t, st.Update(e.ctx, func(tx store.Tx) error {
		if err := tx.CreateChannel(&ch); err != nil {
			return err
		}
		for _, n := range ch.Numbers {
			if err := tx.AddNumber(ch.ID, n); err != nil {
				return err
			}
		}
		if err := tx.SetHours(ch.ID, ch.Hours); err != nil {
			return err
		}
		if auto != "" {
			team := api.Team{ChannelID: ch.ID, Name: "front", AutoAssign: true, Strategy: auto}
			if err := tx.CreateTeam(&team); err != nil {
				return err
			}
			ch.AutoAssignTeamID = &team.ID
			if err := tx.UpdateChannel(&ch); err != nil {
				return err
			}
		}
		var err error
		ch, err = tx.Channel(ch.ID)
		return err
	}))
	e.ch = ch
	opts = append([]Option{WithClock(e.clock), WithLogger(slog.New(storeErrors{t: t}))}, opts...)
	e.m = New(st, e.trunk, e.media, opts...)
	t.Cleanup(func() { e.m.Close() })
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// addStaff creates an online member of the channel (and of its auto-assign team).
func (e *env) addStaff(t testing.TB, name string, role api.Role) int64 {
	t.Helper()
	s := api.Staff{Email: name + "@example.com", Name: name, Role: role}
	must(t, e.st.Update(e.ctx, func(tx store.Tx) error {
		if err := tx.CreateStaff(&s, "x"); err != nil {
			return err
		}
		if err := tx.AddStaffChannel(s.ID, e.ch.ID); err != nil {
			return err
		}
		if e.ch.AutoAssignTeamID != nil {
			return tx.AddTeamMember(*e.ch.AutoAssignTeamID, s.ID)
		}
		return nil
	}))
	e.media.setOnline(s.ID, true)
	return s.ID
}

func (e *env) settings(t testing.TB, id int64, f func(*api.Settings)) {
	t.Helper()
	must(t, e.st.Update(e.ctx, func(tx store.Tx) error {
		s, err := tx.Settings(id)
		if err != nil {
			return err
		}
		f(&s)
		if err := tx.PutSettings(id, s); err != nil {
			return err
		}
		return tx.Append(&api.Event{Type: api.EvSettingsUpdated, StaffID: id})
	}))
	e.m.HandleEvents([]api.Event{{Type: api.EvSettingsUpdated, StaffID: id}})
	e.drain()
}

func (e *env) drain() { e.m.q.drain() }

func (e *env) inbound(t testing.TB, from string) int64 {
	t.Helper()
	id, err := e.m.Inbound(e.ctx, from, e.ch.Numbers[0])
	must(t, err)
	e.drain()
	return id
}

func (e *env) advance(d time.Duration) {
	e.clock.Advance(d)
	e.drain()
}

func (e *env) call(t testing.TB, id int64) api.Call {
	t.Helper()
	var c api.Call
	must(t, e.st.View(e.ctx, func(tx store.Tx) error {
		var err error
		c, err = tx.Call(id)
		return err
	}))
	return c
}

func (e *env) chat(t testing.TB, id int64) api.Chat {
	t.Helper()
	var c api.Chat
	must(t, e.st.View(e.ctx, func(tx store.Tx) error {
		var err error
		c, err = tx.Chat(id)
		return err
	}))
	return c
}

func (e *env) events(t testing.TB, callID int64) []api.Event {
	t.Helper()
	var evs []api.Event
	must(t, e.st.View(e.ctx, func(tx store.Tx) error {
		var err error
		evs, err = tx.CallEvents(callID)
		return err
	}))
	return evs
}

// ringingFor lists whom call id rings right now.
func (e *env) ringingFor(id int64) []int64 {
	e.m.mu.Lock()
	defer e.m.mu.Unlock()
	var out []int64
	for s, c := range e.m.ringing {
		if c == id {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

func (e *env) state(id int64) api.CallState {
	if c, ok := e.m.Call(id); ok {
		return c.State
	}
	return api.CallEnded
}

// setChatState changes a chat as the inbox would and tells the manager.
func (e *env) setChatState(t testing.TB, chatID int64, s api.ChatState) {
	t.Helper()
	must(t, e.st.Update(e.ctx, func(tx store.Tx) error {
		c, err := tx.Chat(chatID)
		if err != nil {
			return err
		}
		c.State = s
		return tx.UpdateChat(&c)
	}))
	e.m.HandleEvents([]api.Event{{Type: api.EvChatUpdated, ChatID: chatID}})
	e.drain()
}

func countType(evs []api.Event, typ api.EventType) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}
