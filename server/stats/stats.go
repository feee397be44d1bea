// Package stats computes the per-period call figures of SPEC §3 from stored
// calls, in the channel's time zone, and streams the audited raw export.
// The computation is pure: the store streams rows in, Compute folds them.
package stats

import (
	"fmt"
	"sort"
	"time"

	"github.com/meet-dev/meet/api"
)

// Interval is the length of one period.
type Interval string

const (
	Day   Interval = "day"
	Week  Interval = "week" // ISO weeks, Monday to Monday local time
	Month Interval = "month"
)

// ParseInterval validates an interval name ("" means day).
func ParseInterval(s string) (Interval, error) {
	switch Interval(s) {
	case "", Day:
		return Day, nil
	case Week, Month:
		return Interval(s), nil
	}
	return "", api.Errorf(api.CodeBadRequest, "interval %q: want day, week or month", s)
}

// periodStart is the local start of the period holding t.
func periodStart(t time.Time, iv Interval, loc *time.Location) time.Time {
	t = t.In(loc)
	y, m, d := t.Date()
	switch iv {
	case Week:
		wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
		return time.Date(y, m, d-wd, 0, 0, 0, 0, loc)
	case Month:
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	}
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// next is the start of the following period. Built from calendar fields, so
// a day across a DST change is 23 or 25 hours long, as it is on the wall.
func next(start time.Time, iv Interval, loc *time.Location) time.Time {
	y, m, d := start.Date()
	switch iv {
	case Week:
		return time.Date(y, m, d+7, 0, 0, 0, 0, loc)
	case Month:
		return time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	}
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// Acc folds calls into periods. Make one with NewAcc, Add every call, then Result.
type Acc struct {
	q       api.StatsQuery
	iv      Interval
	loc     *time.Location
	sl      time.Duration
	periods []period
	total   period
	paths   map[string]*period // inbound calls by IVR path
}

type period struct {
	api.StatsPeriod
	waitN, talkN   int
	waitS, talkS   float64
	slHit, slTotal int
}

// NewAcc prepares periods covering [q.From, q.To) in loc. serviceLevel is the
// answer-within threshold (SPEC §3 "answered within N s").
func NewAcc(q api.StatsQuery, loc *time.Location, serviceLevel time.Duration) (*Acc, error) {
	iv, err := ParseInterval(q.Interval)
	if err != nil {
		return nil, err
	}
	if q.From.IsZero() || q.To.IsZero() || !q.From.Before(q.To) {
		return nil, api.Errorf(api.CodeBadRequest, "from must be before to")
	}
	if loc == nil {
		loc = time.UTC
	}
	a := &Acc{q: q, iv: iv, loc: loc, sl: serviceLevel, paths: map[string]*period{}}
	const maxPeriods = 5000
	for s := periodStart(q.From, iv, loc); s.Before(q.To); s = next(s, iv, loc) {
		if len(a.periods) == maxPeriods {
			return nil, api.Errorf(api.CodeBadRequest, "more than %d %s periods; use a longer interval", maxPeriods, iv)
		}
		p := period{}
		p.Start, p.End = s, next(s, iv, loc)
		p.MissedBy = map[api.MissedReason]int{}
		a.periods = append(a.periods, p)
	}
	a.total.Start, a.total.End = q.From, q.To
	a.total.MissedBy = map[api.MissedReason]int{}
	return a, nil
}

// Add counts one call; calls created outside [From, To) are ignored.
func (a *Acc) Add(c api.Call) { a.AddPath(c, "") }

// AddPath counts one call whose caller took IVR path menuPath ("" when
// none): in its period, the total and, when inbound with a path, the
// by-path figures.
func (a *Acc) AddPath(c api.Call, menuPath string) {
	if c.Created.Before(a.q.From) || !c.Created.Before(a.q.To) {
		return
	}
	i := a.index(c.Created)
	if i < 0 {
		return
	}
	a.periods[i].add(c, a.sl)
	a.total.add(c, a.sl)
	if menuPath == "" || c.Direction != api.Inbound {
		return
	}
	p, ok := a.paths[menuPath]
	if !ok {
		if len(a.paths) >= maxPaths {
			return
		}
		p = &period{}
		p.MissedBy = map[api.MissedReason]int{}
		a.paths[menuPath] = p
	}
	p.add(c, a.sl)
}

// maxPaths bounds the by-path breakdown (a menu has at most 64 nodes of
// 12 keys; more distinct paths means a changed menu over a long range).
const maxPaths = 1000

func (a *Acc) index(t time.Time) int {
	// Binary search: periods are sorted and contiguous.
	lo, hi := 0, len(a.periods)-1
	for lo <= hi {
		mid := (lo + hi) / 2
		p := a.periods[mid]
		switch {
		case t.Before(p.Start):
			hi = mid - 1
		case !t.Before(p.End):
			lo = mid + 1
		default:
			return mid
		}
	}
	return -1
}

func (p *period) add(c api.Call, sl time.Duration) {
	switch c.Direction {
	case api.Inbound:
		p.Inbound++
	case api.Outbound:
		p.Outbound++
	}
	if c.HeldS > 0 {
		p.Held++
		p.HoldS += c.HeldS
	}
	p.Transfers += c.Transfers
	if c.Answered != nil {
		p.Answered++
		if c.Ended != nil {
			p.talkS += c.Ended.Sub(*c.Answered).Seconds()
			p.talkN++
		}
	} else if c.MissedReason != api.ReasonNone {
		p.Missed++
		p.MissedBy[c.MissedReason]++
	}
	if c.Direction != api.Inbound {
		return
	}
	// Wait: from arrival to answer, or to the end of a missed call.
	end := c.Answered
	if end == nil {
		end = c.Ended
	}
	if end != nil {
		p.waitS += end.Sub(c.Created).Seconds()
		p.waitN++
	}
	// Service level counts inbound calls that reached operators' hours:
	// out-of-hours calls were never answerable.
	if c.MissedReason == api.ReasonNotInOperation {
		return
	}
	p.slTotal++
	if c.Answered != nil && c.Answered.Sub(c.Created) <= sl {
		p.slHit++
	}
}

func (p *period) finish() api.StatsPeriod {
	out := p.StatsPeriod
	if p.waitN > 0 {
		out.AvgWaitS = p.waitS / float64(p.waitN)
	}
	if p.talkN > 0 {
		out.AvgTalkS = p.talkS / float64(p.talkN)
	}
	if p.Held > 0 {
		out.AvgHoldS = float64(p.HoldS) / float64(p.Held)
	}
	if p.slTotal > 0 {
		out.ServiceLevel = float64(p.slHit) / float64(p.slTotal)
	}
	return out
}

// Result returns the figures.
func (a *Acc) Result() api.Stats {
	out := api.Stats{Query: a.q, Periods: make([]api.StatsPeriod, len(a.periods))}
	out.Query.Interval = string(a.iv)
	out.Query.ServiceLevelS = int(a.sl / time.Second)
	for i := range a.periods {
		out.Periods[i] = a.periods[i].finish()
	}
	out.Total = a.total.finish()
	out.ByMenuPath = make([]api.StatsMenuPath, 0, len(a.paths))
	for path, p := range a.paths {
		f := p.finish()
		out.ByMenuPath = append(out.ByMenuPath, api.StatsMenuPath{Path: path, Inbound: f.Inbound, Answered: f.Answered, Missed: f.Missed,
			MissedBy: f.MissedBy, AvgWaitS: f.AvgWaitS, AvgTalkS: f.AvgTalkS, ServiceLevel: f.ServiceLevel})
	}
	sort.Slice(out.ByMenuPath, func(i, j int) bool { return out.ByMenuPath[i].Path < out.ByMenuPath[j].Path })
	return out
}

// String describes the accumulator for logs.
func (a *Acc) String() string {
	return fmt.Sprintf("stats(%s, %d periods, %s)", a.iv, len(a.periods), a.loc)
}
