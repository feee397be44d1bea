// Package settings is the settings screen: do not disturb, mute on join,
// unassigned-call notifications per channel, noise suppression, and the
// audio devices with a live microphone level meter.
package settings

import (
	"fmt"
	tea "github.com/charmbracelet/bubbletea"
	"sort"
	"strings"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
)

// Device is an audio device the user can pick.
type Device struct {
	Name    string
	Input   bool
	Output  bool
	Default bool
}

// IntentKind says what activating a row asks the root model to do.
type IntentKind int

const (
	None IntentKind = iota
	ToggleDND
	ToggleMuteOnJoin
	ToggleNotify // Channel
	ToggleDenoise
	ListDevices // open the picker: the root loads the devices
	SetInput    // Device
	SetOutput   // Device
)

// Intent is a request to the root model.
type Intent struct {
	Kind    IntentKind
	Channel int64
	Device  string
}

type row struct {
	label  string
	value  string
	intent Intent
}

// Model is the settings screen.
type Model struct {
	ctx      *common.Context
	settings api.Settings
	loaded   bool
	denoise  bool
	input    string
	output   string
	cursor   int
	picking  IntentKind // SetInput or SetOutput while the picker is open
	devices  []Device
	pcursor  int
	devErr   string
	mic      float64
	elig     map[int64]api.IneligibleReason
	closed   map[int64]bool // channels outside operating hours now
	// noMic, noSpeaker: the softphone found no such device
	noMic, noSpeaker bool
	w, h             int
}

// SetMissing says which devices the softphone found none of (no sound card).
func (m *Model) SetMissing(noMic, noSpeaker bool) { m.noMic, m.noSpeaker = noMic, noSpeaker }

// noDevice reports whether no microphone (input) or speaker exists: the
// softphone said so, or a device list came back without one.
func (m *Model) noDevice(input bool) bool {
	if input && m.noMic || !input && m.noSpeaker {
		return true
	}
	if m.devices == nil || m.devErr != "" {
		return false // not listed (yet)
	}
	for _, d := range m.devices {
		if input && d.Input || !input && d.Output {
			return false
		}
	}
	return true
}

// New returns the screen.
func New(ctx *common.Context) *Model { return &Model{ctx: ctx, w: ctx.Width, h: ctx.Height, mic: -90} }

// SetSize sets the drawing area.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h }

// SetSettings shows the server-side settings.
func (m *Model) SetSettings(s api.Settings) { m.settings, m.loaded = s, true }

// Settings are the server-side settings shown.
func (m *Model) Settings() api.Settings { return m.settings }

// SetLocal shows the local audio choices.
func (m *Model) SetLocal(denoise bool, input, output string) {
	m.denoise, m.input, m.output = denoise, input, output
}

// SetEligibility shows per channel whether an unassigned call would ring
// us now ("" = yes) and why not.
func (m *Model) SetEligibility(e map[int64]api.IneligibleReason, closed map[int64]bool) {
	m.elig, m.closed = e, closed
}

// SetMicLevel feeds the live level meter.
func (m *Model) SetMicLevel(dbfs float64) { m.mic = dbfs }

// SetDevices fills the picker; err explains an empty list.
func (m *Model) SetDevices(ds []Device, err error) {
	m.devices, m.devErr = ds, ""
	if err != nil {
		m.devErr = err.Error()
	}
	m.pcursor = 0
}

// Picking reports whether the device picker is open.
func (m *Model) Picking() bool { return m.picking != None }

func (m *Model) rows() []row {
	on := func(b bool) string {
		if b {
			return "[x]"
		}
		return "[ ]"
	}
	rs := []row{
		{m.ctx.T("Do not disturb"), on(m.settings.DND), Intent{Kind: ToggleDND}},
		{m.ctx.T("Mute microphone when joining a call"), on(m.settings.MuteOnJoin), Intent{Kind: ToggleMuteOnJoin}},
	}
	ids := make([]int64, 0, len(m.ctx.Channels))
	for id := range m.ctx.Channels {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		v := on(m.settings.NotificationOn(id))
		if r, ok := m.elig[id]; ok {
			switch {
			case m.closed[id]:
				v = m.ctx.T("%s  now: closed (out of hours)", v)
			case r == "":
				v = m.ctx.T("%s  now: would ring", v)
			default:
				v = m.ctx.T("%[1]s  now: not rung, %[2]s", v, common.IneligibleText(r))
			}
		}
		rs = append(rs, row{m.ctx.T("Ring me for unassigned calls of %s", m.ctx.Channels[id].Name), v,
			Intent{Kind: ToggleNotify, Channel: id}})
	}
	dev := func(s string, input bool) string {
		switch {
		case s != "":
			return s
		case m.noDevice(input):
			return m.ctx.T("none found (no sound card?)")
		}
		return m.ctx.T("(system default)")
	}
	rs = append(rs,
		row{m.ctx.T("Noise suppression"), on(m.denoise), Intent{Kind: ToggleDenoise}},
		row{m.ctx.T("Microphone"), dev(m.input, true), Intent{Kind: ListDevices, Channel: int64(SetInput)}},
		row{m.ctx.T("Speaker"), dev(m.output, false), Intent{Kind: ListDevices, Channel: int64(SetOutput)}},
	)
	return rs
}

// Move moves the cursor of the list or of the open picker.
func (m *Model) Move(a common.Action) {
	n := len(m.rows())
	c := &m.cursor
	if m.Picking() {
		n, c = len(m.pickable()), &m.pcursor
	}
	switch a {
	case common.ActUp:
		*c--
	case common.ActDown:
		*c++
	case common.ActTop:
		*c = 0
	case common.ActBottom:
		*c = n - 1
	}
	*c = min(max(*c, 0), max(n-1, 0))
}

func (m *Model) pickable() []Device {
	var out []Device
	for _, d := range m.devices {
		if (m.picking == SetInput && d.Input) || (m.picking == SetOutput && d.Output) {
			out = append(out, d)
		}
	}
	return out
}

// Activate acts on the row under the cursor (enter / space).
func (m *Model) Activate() Intent {
	if m.Picking() {
		ds := m.pickable()
		kind := m.picking
		if m.pcursor >= len(ds) {
			return Intent{}
		}
		m.picking = None
		return Intent{Kind: kind, Device: ds[m.pcursor].Name}
	}
	rs := m.rows()
	if m.cursor >= len(rs) {
		return Intent{}
	}
	in := rs[m.cursor].intent
	if in.Kind == ListDevices {
		m.picking = IntentKind(in.Channel)
		m.devices, m.devErr = nil, ""
		return Intent{Kind: ListDevices}
	}
	return in
}

// Back closes the picker; it reports false when there was none to close.
func (m *Model) Back() bool {
	if m.Picking() {
		m.picking = None
		return true
	}
	return false
}

// View draws the screen.
func (m *Model) View() string {
	st := m.ctx.Styles
	out := []string{st.Title.Render(common.Fit(m.ctx.T("Settings   (enter/space toggles or picks)"), m.w)), ""}
	if !m.loaded {
		out = append(out, st.Dim.Render(common.Fit("  "+m.ctx.T("loading…"), m.w)))
	}
	for i, r := range m.rows() {
		line := common.Fit(" "+common.Fit(r.label, 40)+" "+r.value, m.w)
		if i == m.cursor && !m.Picking() {
			line = st.Selected.Render(common.Mark(line))
		}
		out = append(out, line)
	}
	out = append(out, "", common.Fit(m.ctx.T(" mic level %s %s", common.MeterWith(st.G, m.mic, 30), m.dbfs(m.mic)), m.w))
	if m.Picking() {
		title, none := m.ctx.T("Pick a microphone (esc cancels)"), m.ctx.T("no microphone found")
		if m.picking == SetOutput {
			title, none = m.ctx.T("Pick a speaker (esc cancels)"), m.ctx.T("no speaker found")
		}
		out = append(out, "", st.Header.Render(common.Fit(title, m.w)))
		ds := m.pickable()
		switch {
		case m.devErr != "":
			out = append(out, st.Error.Render(common.Fit("  "+m.devErr, m.w)))
		case m.devices == nil:
			out = append(out, st.Dim.Render(common.Fit("  "+m.ctx.T("listing devices…"), m.w)))
		case len(ds) == 0:
			out = append(out, st.Dim.Render(common.Fit("  "+none, m.w)))
		}
		room := max(m.h-len(out), 1)
		first := max(m.pcursor-room+1, 0)
		for i := first; i < len(ds) && i < first+room; i++ {
			name := ds[i].Name
			if ds[i].Default {
				name = m.ctx.T("%s (default)", name)
			}
			line := common.Fit("  "+name, m.w)
			if i == m.pcursor {
				line = st.Selected.Render(common.Mark(line))
			}
			out = append(out, line)
		}
	}
	for len(out) < m.h {
		out = append(out, strings.Repeat(" ", m.w))
	}
	return strings.Join(out[:min(len(out), max(m.h, 1))], "\n")
}

func (m *Model) dbfs(v float64) string {
	if v <= -90 {
		return m.ctx.T("silent")
	}
	return fmt.Sprintf("%.0f dBFS", v)
}

// Update handles the settings' own keys: moving, enter or space to toggle
// or pick (the Intent comes back to the root as a message), esc closing
// the device picker first.
func (m *Model) Update(msg tea.Msg) (common.Component, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	if k.String() == " " {
		return m, common.Send(m.Activate())
	}
	switch a := m.ctx.Keys.Action(k); a {
	case common.ActUp, common.ActDown, common.ActPageUp, common.ActPageDown, common.ActTop, common.ActBottom:
		m.Move(a)
	case common.ActOpen:
		return m, common.Send(m.Activate())
	case common.ActBack:
		if !m.Back() {
			return m, common.Send(common.BackMsg{})
		}
	}
	return m, nil
}

// Hints are the settings' own keys.
func (m *Model) Hints() []common.Hint {
	return []common.Hint{{Action: common.ActOpen, Label: m.ctx.T("toggle")}}
}
