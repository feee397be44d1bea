package tui

import (
	"context"
	"io"
	"reflect"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/meet-dev/meet/tui/common"
)

type harness struct {
	t     testing.TB
	m     *Model
	f     *fakeBackend
	phone *fakePhone
	now   time.Time
	quit  bool
	// abandon lets commands that wait on a stream block: they are dropped.
	abandon bool
}

// newHarness builds a model on the fake backend at 80×24 with timers
// switched off (tests step time by sending messages) and runs Init.
func newHarness(t testing.TB, f *fakeBackend, opts ...Option) *harness {
	h := newHarnessBeforeInit(t, f, opts...)
	h.drive(h.m.Init())
	return h
}

// newHarnessBeforeInit is newHarness without running Init.
func newHarnessBeforeInit(t testing.TB, f *fakeBackend, opts ...Option) *harness {
	h := &harness{t: t, f: f, phone: &fakePhone{}, now: t0}
	ctx := common.NewContext(common.NewStyles(io.Discard, false), common.MustDefaultKeys())
	ctx.Now = func() time.Time { return h.now }
	opts = append([]Option{WithPhone(h.phone)}, opts...)
	h.m = New(context.Background(), ctx, f, nil, opts...)
	h.m.tick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	return h
}

// send delivers a message and runs the commands it returns.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	h.drive(cmd)
}

// drive runs commands synchronously, feeding their messages back, until
// none are left. A command blocking for a second fails the test.
func (h *harness) drive(cmd tea.Cmd) {
	h.t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 10000 {
			h.t.Fatal("commands do not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		var msg tea.Msg
		select {
		case msg = <-done:
		case <-time.After(blockLimit(h.abandon)):
			if h.abandon {
				continue
			}
			h.t.Fatal("a command blocked for a second")
		}
		switch mm := msg.(type) {
		case nil:
			continue
		case tea.BatchMsg:
			queue = append(queue, mm...)
			continue
		case tea.QuitMsg:
			h.quit = true
			continue
		}
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
			for i := 0; i < v.Len(); i++ { // tea.Sequence
				queue = append(queue, v.Index(i).Interface().(tea.Cmd))
			}
			continue
		}
		_, next := h.m.Update(msg)
		queue = append(queue, next)
	}
}

// keys presses keys by their bubbletea names ("enter", "esc", "a", "ctrl+c").
func (h *harness) keys(names ...string) {
	h.t.Helper()
	for _, n := range names {
		h.send(keyMsg(n))
	}
}

// typeText types text into an open prompt.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		if r == ' ' {
			h.send(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
			continue
		}
		h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func keyMsg(n string) tea.KeyMsg {
	named := map[string]tea.KeyType{"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
		"up": tea.KeyUp, "down": tea.KeyDown, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
		"ctrl+c": tea.KeyCtrlC, "ctrl+r": tea.KeyCtrlR, "ctrl+d": tea.KeyCtrlD, "ctrl+u": tea.KeyCtrlU, "backspace": tea.KeyBackspace,
		" ": tea.KeySpace}
	if t, ok := named[n]; ok {
		if t == tea.KeySpace {
			return tea.KeyMsg{Type: t, Runes: []rune{' '}}
		}
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(n)}
}

func blockLimit(abandon bool) time.Duration {
	if abandon {
		return 50 * time.Millisecond
	}
	return time.Second
}
