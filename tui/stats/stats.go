// Package stats is the statistics screen: per-period counts from
// /v1/stats as sparklines and missed reasons as bars.
package stats

import (
	"fmt"
	tea "github.com/charmbracelet/bubbletea"
	"sort"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
)

// Intervals the screen cycles through, with how many periods each shows.
var Intervals = []struct {
	Name    string
	Periods int
}{{"day", 14}, {"week", 12}, {"month", 12}}

// Model is the statistics screen.
type Model struct {
	ctx      *common.Context
	interval int
	stats    *api.Stats
	err      string
	w, h     int
}

// New returns the screen on daily figures.
func New(ctx *common.Context) *Model { return &Model{ctx: ctx, w: ctx.Width, h: ctx.Height} }

// SetSize sets the drawing area.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h }

// Query is the /v1/stats query for the current interval, ending now.
func (m *Model) Query() api.StatsQuery {
	now := m.ctx.Now()
	y, mo, d := now.Date()
	end := time.Date(y, mo, d, 0, 0, 0, 0, now.Location()).AddDate(0, 0, 1)
	iv := Intervals[m.interval]
	var from time.Time
	switch iv.Name {
	case "day":
		from = end.AddDate(0, 0, -iv.Periods)
	case "week":
		from = end.AddDate(0, 0, -7*iv.Periods)
	default:
		from = time.Date(y, mo, 1, 0, 0, 0, 0, now.Location()).AddDate(0, -(iv.Periods - 1), 0)
	}
	return api.StatsQuery{From: from, To: end, Interval: iv.Name}
}

// Cycle moves to the next (+1) or previous (-1) interval; the caller reloads.
func (m *Model) Cycle(dir int) {
	m.interval = (m.interval + dir + len(Intervals)) % len(Intervals)
	m.stats = nil
}

// Set shows loaded statistics.
func (m *Model) Set(s api.Stats) { m.stats, m.err = &s, "" }

// SetError shows why statistics could not be loaded.
func (m *Model) SetError(err error) { m.err = err.Error() }

// Loaded reports whether figures are shown.
func (m *Model) Loaded() bool { return m.stats != nil }

var (
	sparks     = []rune("▁▂▃▄▅▆▇█")
	safeSparks = []rune(".:-=+*%#") // ASCII: no ambiguous-width blocks
)

// Sparkline draws one rune per value scaled to the largest.
func Sparkline(vals []int) string { return sparkline(sparks, vals) }

func sparkline(sparks []rune, vals []int) string {
	top := 0
	for _, v := range vals {
		top = max(top, v)
	}
	var b strings.Builder
	for _, v := range vals {
		if top == 0 || v == 0 {
			b.WriteRune(' ')
			continue
		}
		b.WriteRune(sparks[min(v*(len(sparks)-1)/top, len(sparks)-1)])
	}
	return b.String()
}

// View draws the screen.
func (m *Model) View() string {
	st := m.ctx.Styles
	iv := Intervals[m.interval]
	out := []string{st.Title.Render(common.Fit(m.ctx.T("Statistics · last %d %ss   (< > change period)", iv.Periods, m.ctx.T(iv.Name)), m.w))}
	switch {
	case m.err != "":
		out = append(out, st.Error.Render(common.Fit(m.ctx.T("cannot load statistics: %s", m.err), m.w)))
	case m.stats == nil:
		out = append(out, st.Dim.Render(common.Fit("  "+m.ctx.T("loading…"), m.w)))
	default:
		out = append(out, m.body()...)
	}
	for len(out) < m.h {
		out = append(out, strings.Repeat(" ", m.w))
	}
	return strings.Join(out[:min(len(out), max(m.h, 1))], "\n")
}

func (m *Model) body() []string {
	st, s := m.ctx.Styles, m.stats
	t := s.Total
	var out []string
	T := m.ctx.T
	out = append(out, common.Fit(T("inbound %d · outbound %d · answered %d · missed %d", t.Inbound, t.Outbound, t.Answered, t.Missed), m.w))
	out = append(out, common.Fit(T("avg wait %s · avg talk %s · service level %.0f%%",
		common.Clock(time.Duration(t.AvgWaitS*float64(time.Second))), common.Clock(time.Duration(t.AvgTalkS*float64(time.Second))), t.ServiceLevel*100), m.w))
	if t.Held > 0 {
		out = append(out, common.Fit(T("on hold: %[1]d calls · %[2]s in all · avg %[3]s", t.Held,
			common.Clock(time.Duration(t.HoldS)*time.Second), common.Clock(time.Duration(t.AvgHoldS*float64(time.Second)))), m.w))
	}
	if t.Transfers > 0 {
		out = append(out, common.Fit(T("transfers: %d", t.Transfers), m.w))
	}
	out = append(out, "")
	series := []struct {
		name string
		get  func(api.StatsPeriod) int
	}{
		{T("inbound"), func(p api.StatsPeriod) int { return p.Inbound }},
		{T("outbound"), func(p api.StatsPeriod) int { return p.Outbound }},
		{T("answered"), func(p api.StatsPeriod) int { return p.Answered }},
		{T("missed"), func(p api.StatsPeriod) int { return p.Missed }},
	}
	for _, r := range api.MissedReasons {
		series = append(series, struct {
			name string
			get  func(api.StatsPeriod) int
		}{"  " + T(common.ReasonShort(r)), func(p api.StatsPeriod) int { return p.MissedBy[r] }})
	}
	sp := sparks
	if st.G == common.SafeGlyphs {
		sp = safeSparks
	}
	out = append(out, st.Header.Render(common.Fit(common.Fit(T("per %s", T(Intervals[m.interval].Name)), 14)+" "+m.periodAxis(s.Periods), m.w)))
	for _, se := range series {
		vals := make([]int, len(s.Periods))
		peak := 0
		for i, p := range s.Periods {
			vals[i] = se.get(p)
			peak = max(peak, vals[i])
		}
		out = append(out, common.Fit(common.Fit(se.name, 14)+" "+T("%s  max %d", sparkline(sp, vals), peak), m.w))
	}
	out = append(out, "", st.Header.Render(common.Fit(T("missed by reason"), m.w)))
	reasons := append([]api.MissedReason(nil), api.MissedReasons...)
	sort.SliceStable(reasons, func(i, j int) bool { return t.MissedBy[reasons[i]] > t.MissedBy[reasons[j]] })
	top := 0
	for _, r := range reasons {
		top = max(top, t.MissedBy[r])
	}
	bw := max(m.w-30, 10)
	for _, r := range reasons {
		n := t.MissedBy[r]
		bar := 0
		if top > 0 {
			bar = n * bw / top
		}
		out = append(out, common.Fit(common.Fit(T(common.ReasonShort(r)), 14)+" "+fmt.Sprintf("%s %d", strings.Repeat(st.G.Full, bar), n), m.w))
	}
	if len(s.ByMenuPath) > 0 {
		out = append(out, "", st.Header.Render(common.Fit(T("by menu path (keys pressed)"), m.w)))
		for _, p := range s.ByMenuPath {
			out = append(out, common.Fit(common.Fit(p.Path, 14)+" "+T("%[1]d calls · answered %[2]d · missed %[3]d · avg wait %[4]s",
				p.Inbound, p.Answered, p.Missed, common.Clock(time.Duration(p.AvgWaitS*float64(time.Second)))), m.w))
		}
	}
	return out
}

func (m *Model) periodAxis(ps []api.StatsPeriod) string {
	if len(ps) == 0 {
		return m.ctx.T("no periods")
	}
	return m.ctx.T("%[1]s … %[2]s", common.Day(m.ctx, ps[0].Start), common.Day(m.ctx, ps[len(ps)-1].Start))
}

// Update handles the statistics' own keys: < and > change the period (and
// ask for the figures again).
func (m *Model) Update(msg tea.Msg) (common.Component, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch k.String() {
	case "<", ">":
		dir := 1
		if k.String() == "<" {
			dir = -1
		}
		m.Cycle(dir)
		return m, common.Send(common.ReloadMsg{})
	}
	if m.ctx.Keys.Action(k) == common.ActBack {
		return m, common.Send(common.BackMsg{})
	}
	return m, nil
}

// Hints are the statistics' own keys.
func (m *Model) Hints() []common.Hint { return nil }
