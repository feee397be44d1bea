package routing

import (
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
)

var now = time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC) // a Wednesday

func channel() api.Channel {
	return api.Channel{ID: 7, Name: "support", Timezone: "Europe/Berlin", Hours: api.Hours{AlwaysOpen: true}}
}

// ok is an eligible member of channel 7.
func ok(id int64) Member {
	return Member{ID: id, InChannel: true, Online: true}
}

func ptr[T any](v T) *T { return &v }

func TestReasons(t *testing.T) {
	team := &api.Team{ID: 3, ChannelID: 7, AutoAssign: true, Strategy: api.StrategyLongestIdle, Members: []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}
	tests := []struct {
		name     string
		m        func(m *Member)
		auto     bool
		tried    api.RingOutcome
		want     api.IneligibleReason
		eligible bool
	}{
		{name: "eligible", m: func(*Member) {}, eligible: true},
		{name: "not in channel", m: func(m *Member) { m.InChannel = false }, want: api.IneligibleNotInChannel},
		{name: "notification off for this channel", m: func(m *Member) {
			m.Settings.UnassignedCallNotification = map[int64]bool{7: false}
		}, want: api.IneligibleNotificationOff},
		{name: "notification off elsewhere only", m: func(m *Member) {
			m.Settings.UnassignedCallNotification = map[int64]bool{8: false, 7: true}
		}, eligible: true},
		{name: "dnd", m: func(m *Member) { m.Settings.DND = true }, want: api.IneligibleDND},
		{name: "softphone offline", m: func(m *Member) { m.Online = false }, want: api.IneligibleSoftphoneOffline},
		{name: "in a call", m: func(m *Member) { m.InCall = true }, want: api.IneligibleInCall},
		{name: "ringing for another call", m: func(m *Member) { m.RingingCallID = 99 }, want: api.IneligibleAlreadyRinging},
		{name: "ringing for this call stays eligible", m: func(m *Member) { m.RingingCallID = 42 }, eligible: true},
		{name: "opened phone chat without auto-assign is fine", m: func(m *Member) { m.OpenedPhoneChats = 2 }, eligible: true},
		{name: "opened phone chat with auto-assign", auto: true, m: func(m *Member) { m.OpenedPhoneChats = 1 }, want: api.IneligibleOpenedPhoneChat},
		{name: "not in the auto-assign team", auto: true, m: func(m *Member) { m.ID = 77 }, want: api.IneligibleNotInTeam},
		{name: "team member eligible", auto: true, m: func(*Member) {}, eligible: true},
		{name: "declined this call", tried: api.RingDeclined, m: func(*Member) {}, want: api.IneligibleDeclined},
		{name: "timed out stays eligible", tried: api.RingTimedOut, m: func(*Member) {}, eligible: true},
		{name: "first rule wins: not in channel and dnd", m: func(m *Member) { m.InChannel = false; m.Settings.DND = true }, want: api.IneligibleNotInChannel},
		{name: "first rule wins: dnd and offline", m: func(m *Member) { m.Settings.DND = true; m.Online = false }, want: api.IneligibleDND},
		{name: "first rule wins: offline and in call", m: func(m *Member) { m.Online = false; m.InCall = true }, want: api.IneligibleSoftphoneOffline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ok(1)
			tt.m(&m)
			in := Input{Channel: channel(), Staff: []Member{m}, CallID: 42, Now: now, Tried: map[int64]api.RingOutcome{m.ID: tt.tried}}
			if tt.auto {
				in.Channel.AutoAssignTeamID = ptr(int64(3))
				in.Team = team
			}
			d, err := Decide(in)
			if err != nil {
				t.Fatal(err)
			}
			if tt.eligible {
				if !slices.Equal(d.Eligible, []int64{m.ID}) || len(d.NotEligible) != 0 || !slices.Equal(d.Ring, []int64{m.ID}) {
					t.Fatalf("want eligible and rung, got %+v", d)
				}
				return
			}
			if len(d.Eligible) != 0 || len(d.Ring) != 0 {
				t.Fatalf("want not eligible, got %+v", d)
			}
			if got := d.Reason(m.ID); got != tt.want {
				t.Errorf("reason = %q, want %q", got, tt.want)
			}
		})
	}
}

// Every reason of api.IneligibleReasons is produced by some table row above;
// this guards against a new reason being added without a rule.
func TestEveryReasonReachable(t *testing.T) {
	seen := map[api.IneligibleReason]bool{}
	team := &api.Team{ID: 3, Strategy: api.StrategyRoundRobin, Members: []int64{1, 2, 3, 4, 5, 6, 7, 8}}
	staff := []Member{ok(1), ok(2), ok(3), ok(4), ok(5), ok(6), ok(7), ok(8), ok(9)}
	staff[0].InChannel = false
	staff[1].Settings.UnassignedCallNotification = map[int64]bool{7: false}
	staff[2].Settings.DND = true
	staff[3].Online = false
	staff[4].InCall = true
	staff[5].RingingCallID = 5
	staff[6].OpenedPhoneChats = 1
	ch := channel()
	ch.AutoAssignTeamID = ptr(int64(3))
	d, err := Decide(Input{Channel: ch, Team: team, Staff: staff, CallID: 1, Now: now, Tried: map[int64]api.RingOutcome{8: api.RingDeclined}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range d.NotEligible {
		seen[n.Reason] = true
	}
	for _, r := range api.IneligibleReasons {
		if !seen[r] {
			t.Errorf("reason %q not produced", r)
		}
	}
	if len(d.Eligible) != 0 {
		t.Errorf("eligible = %v, want none", d.Eligible)
	}
}

func TestOutOfOperation(t *testing.T) {
	ch := channel()
	ch.Timezone = "America/New_York"
	ch.Hours = api.Hours{Weekly: []api.Span{{Day: time.Wednesday, Start: "09:00", End: "17:00"}}}
	in := Input{Channel: ch, Staff: []Member{ok(1), ok(2)}, Now: time.Date(2026, 3, 4, 23, 0, 0, 0, time.UTC)} // 18:00 in NY
	d, err := Decide(in)
	if err != nil {
		t.Fatal(err)
	}
	if d.InOperation || len(d.Ring) != 0 {
		t.Fatalf("out of hours: %+v", d)
	}
	if !slices.Equal(d.Eligible, []int64{1, 2}) {
		t.Errorf("eligibility is still reported out of hours, got %v", d.Eligible)
	}
	in.Now = time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC) // 10:00 in NY
	if d, _ := Decide(in); !d.InOperation || len(d.Ring) != 2 {
		t.Fatalf("in hours: %+v", d)
	}
}

func TestRingAll(t *testing.T) {
	staff := []Member{ok(3), ok(1), ok(2)}
	staff[0].LastCallEnded = now.Add(-time.Minute)
	staff[1].LastCallEnded = now.Add(-time.Hour)
	d, err := Decide(Input{Channel: channel(), Staff: staff, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if d.Mode != ModeRingAll || !slices.Equal(d.Ring, []int64{2, 1, 3}) {
		t.Errorf("ring-all: mode %v ring %v (want every eligible member, longest idle first)", d.Mode, d.Ring)
	}
}

func TestOneAtATimeStrategies(t *testing.T) {
	mk := func() []Member {
		s := []Member{ok(1), ok(2), ok(3), ok(4)}
		s[0].LastCallEnded = now.Add(-10 * time.Minute)
		s[1].LastCallEnded = now.Add(-30 * time.Minute)
		s[2].LastCallEnded = now.Add(-20 * time.Minute)
		// 4 never had a call: idle the longest.
		s[0].OpenChats, s[1].OpenChats, s[2].OpenChats, s[3].OpenChats = 1, 3, 0, 2
		return s
	}
	tests := []struct {
		name     string
		strategy api.Strategy
		cursor   int64
		tried    map[int64]api.RingOutcome
		ringing  int64
		want     []int64
	}{
		{"longest idle", api.StrategyLongestIdle, 0, nil, 0, []int64{4, 2, 3, 1}},
		{"unknown strategy falls back to longest idle", "", 0, nil, 0, []int64{4, 2, 3, 1}},
		{"fewest open chats", api.StrategyFewestOpenChats, 0, nil, 0, []int64{3, 1, 4, 2}},
		{"round robin from start", api.StrategyRoundRobin, 0, nil, 0, []int64{4, 2, 1, 3}},
		{"round robin after 2", api.StrategyRoundRobin, 2, nil, 0, []int64{1, 3, 4, 2}},
		{"round robin wraps after 3", api.StrategyRoundRobin, 3, nil, 0, []int64{4, 2, 1, 3}},
		{"timed-out members go to the back", api.StrategyLongestIdle, 0, map[int64]api.RingOutcome{4: api.RingTimedOut, 2: api.RingTimedOut}, 0, []int64{3, 1, 4, 2}},
		{"cancelled attempts do not count", api.StrategyLongestIdle, 0, map[int64]api.RingOutcome{4: api.RingCancelled}, 0, []int64{4, 2, 3, 1}},
		{"the member ringing for this call stays first", api.StrategyLongestIdle, 0, nil, 1, []int64{1, 4, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := channel()
			ch.AutoAssignTeamID = ptr(int64(3))
			staff := mk()
			for i := range staff {
				if staff[i].ID == tt.ringing {
					staff[i].RingingCallID = 42
				}
			}
			team := &api.Team{ID: 3, AutoAssign: true, Strategy: tt.strategy, Members: []int64{4, 2, 1, 3}}
			d, err := Decide(Input{Channel: ch, Team: team, Staff: staff, Cursor: tt.cursor, Tried: tt.tried, CallID: 42, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if d.Mode != ModeOneAtATime || !slices.Equal(d.Eligible, tt.want) || !slices.Equal(d.Ring, tt.want[:1]) {
				t.Errorf("mode %v eligible %v ring %v, want order %v ringing only the first", d.Mode, d.Eligible, d.Ring, tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	ch := channel()
	ch.Timezone = "Nowhere/Atlantis"
	if _, err := Decide(Input{Channel: ch, Now: now}); err == nil {
		t.Error("bad time zone accepted")
	}
	ch = channel()
	ch.AutoAssignTeamID = ptr(int64(3))
	if _, err := Decide(Input{Channel: ch, Now: now}); err == nil {
		t.Error("auto-assign without its team accepted")
	}
	if _, err := Decide(Input{Channel: ch, Team: &api.Team{ID: 4}, Now: now}); err == nil {
		t.Error("auto-assign with the wrong team accepted")
	}
}

func TestEligibilityWire(t *testing.T) {
	d, _ := Decide(Input{Channel: channel(), Now: now})
	e := d.Eligibility(9, 7)
	if e.Eligible == nil || e.NotEligible == nil || e.CallID != 9 || e.ChannelID != 7 || !e.InOperation {
		t.Errorf("wire form %+v", e)
	}
}

func benchInput(n int, auto bool) Input {
	ch := channel()
	ch.Hours = api.Hours{Weekly: []api.Span{{Day: time.Wednesday, Start: "08:00", End: "20:00"}}}
	staff := make([]Member, n)
	team := &api.Team{ID: 3, Strategy: api.StrategyRoundRobin}
	for i := range staff {
		m := ok(int64(i + 1))
		m.Settings.DND = i%7 == 0
		m.InCall = i%5 == 0
		m.Online = i%11 != 0
		m.LastCallEnded = now.Add(-time.Duration(i*37%1000) * time.Second)
		m.OpenChats = i % 4
		staff[i] = m
		team.Members = append(team.Members, m.ID)
	}
	in := Input{Channel: ch, Staff: staff, CallID: 1, Cursor: 500, Now: now}
	if auto {
		in.Channel.AutoAssignTeamID = ptr(int64(3))
		in.Team = team
	}
	return in
}

func BenchmarkDecide1000(b *testing.B) {
	for _, auto := range []bool{false, true} {
		b.Run(fmt.Sprintf("auto=%v", auto), func(b *testing.B) {
			in := benchInput(1000, auto)
			loc, _ := time.LoadLocation(in.Channel.Timezone)
			in.Location = loc
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := Decide(in); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time per decision: on a shared, loaded machine wall time
			// (ns/op) also counts time spent waiting for a core.
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the user+system CPU time of this process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestTeamIndex(t *testing.T) {
	for _, members := range [][]int64{{4, 2, 1, 3}, {5, 1 << 40, 77, 3}, {9, 9, 2}} {
		ix := newTeamIndex(members)
		for i, id := range members {
			p, ok := ix.pos(id)
			if first := slices.Index(members, id); !ok || p != first {
				t.Errorf("%v: pos(%d) = %d, %v; want %d (index %d)", members, id, p, ok, first, i)
			}
		}
		for _, id := range []int64{0, -1, 6, 1 << 41} {
			if _, ok := ix.pos(id); ok {
				t.Errorf("%v: %d found", members, id)
			}
		}
		if ix.len() != len(members) {
			t.Errorf("len %d", ix.len())
		}
	}
	var none *teamIndex
	if _, ok := none.pos(1); ok || none.len() != 0 {
		t.Error("nil index")
	}
}
