// Package routing is the pure call-routing policy of SPEC §2: given a snapshot
// of a channel, its auto-assign team and its staff, it decides whether the
// channel is in operation, who is eligible and in what order, why every other
// member is not rung, and whom to ring now. It does no I/O and reads no clock:
// the caller passes the instant in Input.Now and acts on the Decision.
package routing

import (
	"fmt"
	"math/bits"
	"slices"
	"sync"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/hours"
)

// Mode is how a call rings.
type Mode int

const (
	ModeUnknown    Mode = iota
	ModeRingAll         // no auto-assignment: every eligible member rings at once
	ModeOneAtATime      // team auto-assignment: one member at a time, by strategy
)

func (m Mode) String() string {
	switch m {
	case ModeRingAll:
		return "ring-all"
	case ModeOneAtATime:
		return "one-at-a-time"
	}
	return "unknown"
}

// Member is one staff member as the policy sees them.
type Member struct {
	ID        int64
	Name      string // for display only
	InChannel bool   // a member of the channel being routed
	Settings  api.Settings
	Online    bool // softphone connected
	InCall    bool // taking part in a call, any channel
	// RingingCallID is the call ringing for them right now, 0 when none.
	RingingCallID int64
	// OpenedPhoneChats counts opened phone chats holding a call assigned to
	// them in this channel (the auto-assignment rule of SPEC §2.3).
	OpenedPhoneChats int
	// OpenChats counts their unfinished chats (opened or snoozed) for the
	// fewest-open-chats strategy.
	OpenChats     int
	LastCallEnded time.Time // zero: never had a call
}

// Input is everything one decision depends on.
type Input struct {
	Channel api.Channel
	// Location is the channel's zone; nil loads Channel.Timezone.
	Location *time.Location
	// Team is the auto-assign team; required when Channel.AutoAssignTeamID is set.
	Team *api.Team
	// Target is the team an IVR menu sent the call to, nil when none: only
	// its members ring, one at a time by its strategy when it auto-assigns,
	// otherwise all at once. It takes the place of the auto-assign team.
	Target *api.Team
	Staff  []Member
	// CallID is the call being routed (0 for a hypothetical call). Members
	// already ringing for it are eligible and stay first in line.
	CallID int64
	// Tried holds earlier ring outcomes of this call per member: a member who
	// declined is not rung again; one who timed out goes to the back of the line.
	Tried map[int64]api.RingOutcome
	// Cursor is the id of the team member rung last (round-robin).
	Cursor int64
	Now    time.Time
	// Unordered skips sorting: Decision.Eligible stays in Staff order while
	// Ring and the reasons are exact. For callers that ask why someone is
	// not rung, or whom to ring, but do not show the ring order.
	Unordered bool
}

// Decision is what the policy says about a call at Input.Now.
type Decision struct {
	At          time.Time
	InOperation bool
	Mode        Mode
	Strategy    api.Strategy // one-at-a-time only
	Eligible    []int64      // in ring order
	NotEligible []api.Ineligible
	// Ring is whom to ring now: every eligible member (ring-all) or the first
	// one (one-at-a-time); empty out of operation or when nobody is eligible.
	Ring []int64
}

// Eligibility renders the decision as the wire type.
func (d Decision) Eligibility(callID, channelID int64) api.Eligibility {
	e := api.Eligibility{CallID: callID, ChannelID: channelID, At: d.At, InOperation: d.InOperation,
		Eligible: d.Eligible, NotEligible: d.NotEligible}
	if e.Eligible == nil {
		e.Eligible = []int64{}
	}
	if e.NotEligible == nil {
		e.NotEligible = []api.Ineligible{}
	}
	return e
}

// Reason returns why member id is not rung, or "" when eligible (or unknown).
func (d Decision) Reason(id int64) api.IneligibleReason {
	for _, n := range d.NotEligible {
		if n.StaffID == id {
			return n.Reason
		}
	}
	return ""
}

// Decide applies SPEC §2 to in. It fails only on a bad time zone or an
// auto-assign team that does not match the channel.
func Decide(in Input) (Decision, error) {
	loc := in.Location
	if loc == nil {
		l, err := hours.LoadLocation(in.Channel.Timezone)
		if err != nil {
			return Decision{}, fmt.Errorf("channel %d: %w", in.Channel.ID, err)
		}
		loc = l
	}
	d := Decision{At: in.Now, InOperation: InOperation(in.Channel, loc, in.Now), Mode: ModeRingAll}
	var team, only *teamIndex
	switch {
	case in.Target != nil && in.Target.AutoAssign:
		d.Mode = ModeOneAtATime
		d.Strategy = in.Target.Strategy
		if !d.Strategy.Valid() {
			d.Strategy = api.StrategyLongestIdle
		}
		team = newTeamIndex(in.Target.Members)
	case in.Target != nil:
		only = newTeamIndex(in.Target.Members)
	case in.Channel.AutoAssignTeamID != nil:
		if in.Team == nil || in.Team.ID != *in.Channel.AutoAssignTeamID {
			return Decision{}, fmt.Errorf("channel %d auto-assigns team %d but the input holds no such team", in.Channel.ID, *in.Channel.AutoAssignTeamID)
		}
		d.Mode = ModeOneAtATime
		d.Strategy = in.Team.Strategy
		if !d.Strategy.Valid() {
			d.Strategy = api.StrategyLongestIdle
		}
		team = newTeamIndex(in.Team.Members)
	}

	d.Eligible = order(&in, &d, team, only)
	if d.InOperation && len(d.Eligible) > 0 {
		if d.Mode == ModeOneAtATime {
			d.Ring = d.Eligible[:1:1]
		} else {
			d.Ring = d.Eligible
		}
	}
	return d, nil
}

// reason is the first rule of SPEC §2.3 that keeps m from ringing, "" when none.
func reason(m *Member, in *Input, auto, inTeam bool, tried api.RingOutcome) api.IneligibleReason {
	ringingThis := in.CallID != 0 && m.RingingCallID == in.CallID
	switch {
	case !m.InChannel:
		return api.IneligibleNotInChannel
	case auto && !inTeam:
		return api.IneligibleNotInTeam
	case !m.Settings.NotificationOn(in.Channel.ID):
		return api.IneligibleNotificationOff
	case m.Settings.DND:
		return api.IneligibleDND
	case !m.Online:
		return api.IneligibleSoftphoneOffline
	case m.InCall:
		return api.IneligibleInCall
	case m.RingingCallID != 0 && !ringingThis:
		return api.IneligibleAlreadyRinging
	case auto && m.OpenedPhoneChats > 0:
		return api.IneligibleOpenedPhoneChat
	case tried == api.RingDeclined && !ringingThis:
		return api.IneligibleDeclined
	}
	return ""
}

// order applies the rules to every member (only, when not nil, keeps
// everyone outside it from ringing: an IVR target team that rings all), recording why the ineligible are
// not rung, and sorts the eligible into ring order: whoever is ringing for this
// call first, then members not yet tried by strategy, then those who already
// let it ring out (a second round) by strategy. Keys are computed once so the
// sort compares plain integers.
func order(in *Input, d *Decision, team, only *teamIndex) []int64 {
	start, n := -1, team.len()
	if p, ok := team.pos(in.Cursor); ok {
		start = p
	}
	const (
		byIdle = iota
		byRoundRobin
		byOpenChats
	)
	strategy := byIdle
	switch d.Strategy {
	case api.StrategyRoundRobin:
		strategy = byRoundRobin
	case api.StrategyFewestOpenChats:
		strategy = byOpenChats
	}
	auto, tried := team != nil, len(in.Tried) > 0
	buf := keyPool.Get().(*[]key)
	defer keyPool.Put(buf)
	if cap(*buf) < len(in.Staff) {
		*buf = make([]key, 0, len(in.Staff))
	}
	keys := (*buf)[:0]
	d.NotEligible = make([]api.Ineligible, 0, len(in.Staff)/2)
	for i := range in.Staff {
		m := &in.Staff[i]
		pos, inTeam := team.pos(m.ID)
		if only != nil {
			if _, ok := only.pos(m.ID); !ok && m.InChannel {
				d.NotEligible = append(d.NotEligible, api.Ineligible{StaffID: m.ID, Reason: api.IneligibleNotInTeam})
				continue
			}
		}
		var outcome api.RingOutcome
		if tried {
			outcome = in.Tried[m.ID]
		}
		if r := reason(m, in, auto, inTeam, outcome); r != "" {
			d.NotEligible = append(d.NotEligible, api.Ineligible{StaffID: m.ID, Reason: r})
			continue
		}
		rank, primary := uint64(1), uint64(0)
		switch {
		case in.CallID != 0 && m.RingingCallID == in.CallID:
			rank = 0
		case outcome == api.RingTimedOut:
			rank = 2
		}
		switch strategy {
		case byRoundRobin:
			primary = uint64((pos - start - 1 + n) % n)
		case byOpenChats:
			primary = uint64(max(m.OpenChats, 0))
		}
		k := key{order: rank<<60 | min(primary, 1<<60-1), id: m.ID, idle: -1 << 62}
		if !m.LastCallEnded.IsZero() {
			k.idle = m.LastCallEnded.UnixNano()
		}
		keys = append(keys, k)
	}
	*buf = keys
	if in.Unordered {
		if d.Mode == ModeOneAtATime && len(keys) > 1 {
			best := 0
			for i := 1; i < len(keys); i++ {
				if keys[i].less(&keys[best]) {
					best = i
				}
			}
			keys[0], keys[best] = keys[best], keys[0]
		}
	} else {
		sortKeys(keys)
	}
	ids := make([]int64, len(keys))
	for i := range keys {
		ids[i] = keys[i].id
	}
	return ids
}

// keyPool recycles the key buffers of order (a decision over 1,000 staff
// would allocate and clear 24 kB each time).
var keyPool = sync.Pool{New: func() any { return new([]key) }}

// key is a member's place in ring order. Keys hold no pointers (cheap
// swaps); rank and primary share one word.
type key struct {
	order uint64 // rank<<60 | primary
	idle  int64
	id    int64
}

func (a *key) less(b *key) bool {
	if a.order != b.order {
		return a.order < b.order
	}
	if a.idle != b.idle {
		return a.idle < b.idle
	}
	return a.id < b.id
}

// sortKeys sorts keys by less: a quicksort with the comparison inlined
// (slices.SortFunc calls its comparator through a pointer, which was half
// the cost of a decision), insertion sort for short runs, and pdqsort past
// a depth limit so no input goes quadratic.
func sortKeys(k []key) {
	depth := 2 * bits.Len(uint(len(k)))
	for len(k) > 12 {
		if depth == 0 {
			slices.SortFunc(k, func(a, b key) int {
				switch {
				case a.less(&b):
					return -1
				case b.less(&a):
					return 1
				}
				return 0
			})
			return
		}
		depth--
		p := partition(k)
		if p < len(k)-1-p { // recurse into the smaller side
			sortKeys(k[:p])
			k = k[p+1:]
		} else {
			sortKeys(k[p+1:])
			k = k[:p]
		}
	}
	for i := 1; i < len(k); i++ {
		for j := i; j > 0 && k[j].less(&k[j-1]); j-- {
			k[j], k[j-1] = k[j-1], k[j]
		}
	}
}

// partition puts the median of three at its final place p: everything
// before it is less, nothing after it is.
func partition(k []key) int {
	lo, mid, hi := 0, len(k)/2, len(k)-1
	if k[mid].less(&k[lo]) {
		k[mid], k[lo] = k[lo], k[mid]
	}
	if k[hi].less(&k[lo]) {
		k[hi], k[lo] = k[lo], k[hi]
	}
	if k[hi].less(&k[mid]) {
		k[hi], k[mid] = k[mid], k[hi]
	}
	k[mid], k[hi-1] = k[hi-1], k[mid] // pivot at hi-1; k[lo] <= pivot <= k[hi]
	pivot := k[hi-1]
	i, j := lo, hi-1
	for {
		for i++; k[i].less(&pivot); i++ {
		}
		for j--; pivot.less(&k[j]); j-- {
		}
		if i >= j {
			break
		}
		k[i], k[j] = k[j], k[i]
	}
	k[i], k[hi-1] = k[hi-1], k[i]
	return i
}

// teamIndex maps a member id to their position in the team. Store ids are
// dense, so a slice indexed by id usually replaces a hash map (the hashing
// was half the cost of a decision over 1,000 staff).
type teamIndex struct {
	min   int64
	dense []int32 // position+1 by id-min; 0: not in the team
	m     map[int64]int
	n     int
}

func newTeamIndex(members []int64) *teamIndex {
	t := &teamIndex{n: len(members)}
	if len(members) == 0 {
		return t
	}
	lo, hi := members[0], members[0]
	for _, id := range members {
		lo, hi = min(lo, id), max(hi, id)
	}
	if span := hi - lo + 1; span > 0 && span <= int64(8*len(members)+64) {
		t.min, t.dense = lo, make([]int32, span)
		for i, id := range members {
			if t.dense[id-lo] == 0 { // a duplicate keeps its first position
				t.dense[id-lo] = int32(i + 1)
			}
		}
		return t
	}
	t.m = make(map[int64]int, len(members))
	for i, id := range members {
		if _, dup := t.m[id]; !dup {
			t.m[id] = i
		}
	}
	return t
}

func (t *teamIndex) len() int {
	if t == nil {
		return 0
	}
	return t.n
}

// pos is the position of id in the team; false when not a member (or no team).
func (t *teamIndex) pos(id int64) (int, bool) {
	switch {
	case t == nil:
		return 0, false
	case t.dense != nil:
		if i := id - t.min; i >= 0 && i < int64(len(t.dense)) && t.dense[i] != 0 {
			return int(t.dense[i] - 1), true
		}
		return 0, false
	}
	p, ok := t.m[id]
	return p, ok
}
