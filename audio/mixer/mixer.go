// Package mixer is a mix-minus conference mixer: 48 kHz mono, 20 ms ticks.
//
// Every tick the mixer reads one frame from each leg's Source, sums them in
// int32 by audience (public, whisper, prompt) and writes to each leg's Sink
// what that leg may hear (its Role), minus its own voice, saturated to int16.
// A tick allocates nothing.
//
// New owns the ticker (its own, or a Clock shared by many mixers); the
// unexported mixOnce/tick core is what tests drive.
//
// A PairFunc (WithPair) may take over the common two-party tick, when the
// mixer holds exactly two legs heard by all and nothing else is audible:
// each then hears exactly the other, so the legs may exchange their audio
// directly (e.g. without resampling) instead of summing at 48 kHz.
package mixer

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// Rate is the mixing sample rate.
	Rate = 48000
	// FrameSamples is one 20 ms tick at Rate.
	FrameSamples = 960
	// Period is the tick length.
	Period = 20 * time.Millisecond
)

// Source gives one leg's audio, one 960-sample frame per tick. ReadFrame must
// not block; it returns false (dst may be left anything) when the leg is silent.
// It is called from the mixer goroutine and must not call back into the Mixer.
type Source interface {
	ReadFrame(dst []int16) bool
}

// Sink receives what a leg hears, one 960-sample frame per tick. src is only
// valid during the call. It must not block nor call back into the Mixer.
type Sink interface {
	WriteFrame(src []int16) error
}

// SharedSink is a Sink that can share its work (an encoder, say) with the
// other legs that hear the very same frame in a tick: legs that put nothing
// into the mix this tick (silent, listening) and hear the same audience.
// The mixer calls WriteShared instead of WriteFrame when at least two
// SharedSinks hear that frame.
type SharedSink interface {
	Sink
	// WriteShared is WriteFrame for a frame heard by key.Legs legs; within
	// one mixer, equal keys mean the same frame.
	WriteShared(src []int16, key SharedKey) error
}

// SharedKey names a frame that several legs hear in one tick.
type SharedKey struct {
	Tick     uint64 // the mixer's tick number
	Audience uint8  // 0: the public mix; 1: plus whispers (talk legs); 2: plus prompts (the caller)
	Legs     int    // SharedSinks hearing it this tick
}

// Leg is one participant of a Mixer.
type Leg struct {
	name   string
	role   Role
	src    Source
	dst    Sink
	active bool
	read   bool // src already read this tick (prompt legs)
	quiet  int  // consecutive ticks below the silence gate
	errs   uint64
	buf    *legBuf // allocated at the leg's first read or full mix (see legBuf)
}

// legBuf is a leg's frames of a full mix: what it put in, what it hears.
// The legs of a room whose ticks all go to the solo or pair path never
// need them; allocated on first use, they spare each such room's two legs
// 7.5 KB of zeroed memory per call.
type legBuf struct {
	in  [FrameSamples]int16
	out [FrameSamples]int16
}

// bufs returns l's frames, allocating them on first use.
func (l *Leg) bufs() *legBuf {
	if l.buf == nil {
		l.buf = new(legBuf)
	}
	return l.buf
}

// Name is the leg's name given to Add.
func (l *Leg) Name() string { return l.name }

// Role is the leg's role this tick: for Sources, Sinks, a PairFunc or a
// SoloFunc, which run with the mixer locked (elsewhere use Mixer.Role).
func (l *Leg) Role() Role { return l.role }

// Source is the leg's source given to Add (nil when it only hears).
func (l *Leg) Source() Source { return l.src }

// Sink is the leg's sink given to Add (nil when it only speaks).
func (l *Leg) Sink() Sink { return l.dst }

// SoloFunc is offered a tick in which the mixer holds exactly one leg
// besides its prompts: that leg hears nothing but the prompts (a caller)
// or nothing at all, so it may produce what it hears without the 48 kHz
// mix (e.g. guidance already at the trunk's rate). The prompts have not
// been read; the func reads what it plays. It either does the whole tick
// and returns true, or returns false having touched nothing. It runs with
// the mixer locked and must not call back into the Mixer.
type SoloFunc func(l *Leg) bool

// PairFunc is offered a tick in which the mixer holds exactly two legs that
// are heard by all (talk, barge, caller), both with a source and a sink, and
// any other legs are prompts that are silent this tick: a hears exactly b
// and b exactly a. It either does that exchange itself and returns true, or
// returns false (having touched nothing) and the tick is mixed as usual.
// It runs with the mixer locked, like Sources and Sinks, and must not call
// back into the Mixer.
type PairFunc func(a, b *Leg) bool

// Stats are the mixer's counters.
type Stats struct {
	Ticks       uint64        // ticks mixed
	Paired      uint64        // of which the PairFunc took over
	Solo        uint64        // of which the SoloFunc took over
	Late        uint64        // ticks started later than the threshold, or skipped
	MaxLateness time.Duration // worst start delay seen
	MaxMix      time.Duration // worst time spent in one tick
	Legs        int
}

// Option configures a Mixer.
type Option func(*Mixer)

// WithLogger sets the logger (add call_id etc. with slog.Logger.With).
func WithLogger(l *slog.Logger) Option { return func(m *Mixer) { m.log = l } }

// WithPair sets the two-party fast path (see PairFunc).
func WithPair(f PairFunc) Option { return func(m *Mixer) { m.pair = f } }

// WithSolo sets the one-party fast path (see SoloFunc).
func WithSolo(f SoloFunc) Option { return func(m *Mixer) { m.solo = f } }

// WithSilenceGate leaves out of the mix a leg whose frames have stayed at
// or below peak (absolute sample value) for hangover ticks: it is heard by
// nobody meanwhile and hears what the silent legs hear, so their sinks may
// share one frame (SharedSink). The hangover keeps the quiet ends of words.
func WithSilenceGate(peak int16, hangover int) Option {
	return func(m *Mixer) { m.gate, m.hangover = peak, hangover }
}

// WithClock drives the mixer from a shared Clock instead of its own
// goroutine and ticker.
func WithClock(c *Clock) Option { return func(m *Mixer) { m.clock = c } }

// WithLateThreshold sets how late a tick may start before it counts as late
// (default 10 ms, half a tick).
func WithLateThreshold(d time.Duration) Option { return func(m *Mixer) { m.lateAfter = d } }

// Mixer mixes its legs every 20 ms.
type Mixer struct {
	log       *slog.Logger
	lateAfter time.Duration
	pair      PairFunc
	solo      SoloFunc
	gate      int16 // WithSilenceGate; 0: off
	hangover  int
	clock     *Clock

	mu       sync.Mutex
	legs     []*Leg
	buf      *mixBuf // allocated at the first full mix (see mixBuf)
	nShared  [3]int
	next     time.Time // when the next tick is due
	lastWarn time.Time

	ticks, late, paired, solos atomic.Uint64
	maxLate, maxMix            atomic.Int64

	stop     chan struct{}
	finished chan struct{}
	once     sync.Once
}

// mixBuf holds the sums of a full mix. A room whose ticks all go to the
// SoloFunc or the PairFunc (a caller hearing guidance, two parties
// forwarded) never needs it: allocated on first use, it spares such a room
// 17 KB of zeroed memory, allocated for every call.
type mixBuf struct {
	pub     [FrameSamples]int32
	whisper [FrameSamples]int32
	prompt  [FrameSamples]int32
	shared  [3][FrameSamples]int16 // by SharedKey.Audience
}

// New starts a mixer ticking every 20 ms until Close, on its own
// goroutine or, WithClock, on the clock's workers.
func New(opts ...Option) *Mixer {
	m := newMixer(opts...)
	if m.clock != nil {
		m.clock.add(m)
		return m
	}
	m.stop = make(chan struct{})
	m.finished = make(chan struct{})
	go m.run()
	return m
}

// NewStepped returns a mixer without a ticker: each Step mixes one tick.
// For benchmarks and simulations that drive time themselves.
func NewStepped(opts ...Option) *Mixer { return newMixer(opts...) }

// Step mixes one tick now (only for NewStepped mixers; a ticking mixer
// would mix twice).
func (m *Mixer) Step() { m.mixOnce() }

func newMixer(opts ...Option) *Mixer {
	m := &Mixer{log: slog.Default(), lateAfter: Period / 2}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Close stops the ticker and waits for the current tick to end. Legs are not
// closed. Close is idempotent.
func (m *Mixer) Close() {
	m.once.Do(func() {
		if m.clock != nil {
			m.clock.remove(m) // waits for a tick in progress
		}
		if m.stop != nil {
			close(m.stop)
			<-m.finished
		}
	})
}

func (m *Mixer) run() {
	defer close(m.finished)
	t := time.NewTicker(Period)
	defer t.Stop()
	m.next = time.Now().Add(Period)
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.tick(time.Now())
		}
	}
}

// tick accounts for lateness against the schedule, then mixes once.
func (m *Mixer) tick(now time.Time) {
	if m.next.IsZero() {
		m.next = now
	}
	lateness := now.Sub(m.next)
	if lateness > time.Duration(m.maxLate.Load()) {
		m.maxLate.Store(int64(lateness))
	}
	if lateness > m.lateAfter {
		m.late.Add(1)
	}
	m.next = m.next.Add(Period)
	if lateness >= Period {
		// A whole tick behind: the ticker dropped what we missed. Re-align
		// the schedule rather than counting every later tick as late.
		m.next = now.Add(Period)
		if now.Sub(m.lastWarn) > 10*time.Second { // at most one record per 10 s
			m.lastWarn = now
			m.log.Warn("mixer fell behind", "lateness", lateness, "late_ticks", m.late.Load())
		}
	}
	m.mixOnce()
	if d := time.Since(now); d > time.Duration(m.maxMix.Load()) {
		m.maxMix.Store(int64(d))
	}
}

// Stats returns the counters.
func (m *Mixer) Stats() Stats {
	m.mu.Lock()
	n := len(m.legs)
	m.mu.Unlock()
	return Stats{
		Ticks:       m.ticks.Load(),
		Paired:      m.paired.Load(),
		Solo:        m.solos.Load(),
		Late:        m.late.Load(),
		MaxLateness: time.Duration(m.maxLate.Load()),
		MaxMix:      time.Duration(m.maxMix.Load()),
		Legs:        n,
	}
}

// Add adds a leg. src may be nil (hears only), dst may be nil (speaks only).
func (m *Mixer) Add(name string, role Role, src Source, dst Sink) *Leg {
	l := &Leg{name: name, role: role, src: src, dst: dst}
	m.mu.Lock()
	m.legs = append(m.legs, l)
	m.mu.Unlock()
	return l
}

// Remove takes a leg out; it is not read or written after Remove returns.
func (m *Mixer) Remove(l *Leg) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, x := range m.legs {
		if x == l {
			m.legs = append(m.legs[:i], m.legs[i+1:]...)
			m.legs[len(m.legs):cap(m.legs)][0] = nil // drop the reference
			return
		}
	}
}

// SetRole changes a leg's role from the next tick on.
func (m *Mixer) SetRole(l *Leg, r Role) {
	m.mu.Lock()
	l.role = r
	m.mu.Unlock()
}

// Role returns a leg's current role.
func (m *Mixer) Role(l *Leg) Role {
	m.mu.Lock()
	defer m.mu.Unlock()
	return l.role
}

// mixOnce reads every source, sums by audience and writes every sink; or
// hands a two-party tick to the PairFunc.
func (m *Mixer) mixOnce() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ticks.Add(1)
	if m.solo != nil {
		if l := m.soloLeg(); l != nil && m.solo(l) {
			m.solos.Add(1)
			return
		}
	}
	if m.pair != nil {
		if a, b, ok := m.pairLegs(); ok && m.pair(a, b) {
			m.paired.Add(1)
			return
		}
	}
	if m.buf == nil {
		m.buf = new(mixBuf)
	}
	b := m.buf
	clear(b.pub[:])
	clear(b.whisper[:])
	clear(b.prompt[:])
	var anyWhisper, anyPrompt bool
	for _, l := range m.legs {
		if !l.read {
			l.active = l.src != nil && l.role != RoleListen && l.role != RoleUnknown && l.src.ReadFrame(l.bufs().in[:])
			if l.active && m.gate > 0 {
				l.active = m.audible(l)
			}
		}
		l.read = false
		if !l.active {
			continue
		}
		switch {
		case l.role.public():
			accumulate(&b.pub, &l.bufs().in)
		case l.role == RoleWhisper:
			accumulate(&b.whisper, &l.bufs().in)
			anyWhisper = true
		case l.role == RolePrompt:
			accumulate(&b.prompt, &l.bufs().in)
			anyPrompt = true
		}
	}
	// Legs that put nothing in hear one frame per audience: count the
	// SharedSinks among them.
	m.nShared = [3]int{}
	for _, l := range m.legs {
		if a, ok := l.audience(anyWhisper, anyPrompt); ok && !(l.active && l.role.public()) {
			if _, ok := l.dst.(SharedSink); ok {
				m.nShared[a]++
			}
		}
	}
	tick := m.ticks.Load()
	var done [3]bool // shared frame of this audience mixed
	for _, l := range m.legs {
		a, ok := l.audience(anyWhisper, anyPrompt)
		if !ok {
			continue
		}
		var extra *[FrameSamples]int32
		switch a {
		case 1:
			extra = &b.whisper
		case 2:
			extra = &b.prompt
		}
		var self *[FrameSamples]int16
		if l.active && l.role.public() {
			self = &l.bufs().in
		}
		var err error
		if ss, ok := l.dst.(SharedSink); ok && self == nil && m.nShared[a] >= 2 {
			if !done[a] {
				mixMinus(&b.shared[a], &b.pub, extra, nil)
				done[a] = true
			}
			err = ss.WriteShared(b.shared[a][:], SharedKey{Tick: tick, Audience: a, Legs: m.nShared[a]})
		} else {
			mixMinus(&l.bufs().out, &b.pub, extra, self)
			err = l.dst.WriteFrame(l.bufs().out[:])
		}
		if err != nil {
			l.errs++
			if l.errs == 1 || l.errs%500 == 0 {
				m.log.Warn("mixer sink write failed", "leg", l.name, "errors", l.errs, "err", err)
			}
		}
	}
}

// audience says which frame a hearing leg hears (SharedKey.Audience); false
// for legs that hear nothing.
func (l *Leg) audience(anyWhisper, anyPrompt bool) (uint8, bool) {
	if l.dst == nil || !l.role.hearsPublic() {
		return 0, false
	}
	switch {
	case l.role == RoleTalk && anyWhisper:
		return 1, true
	case l.role == RoleCaller && anyPrompt:
		return 2, true
	}
	return 0, true
}

// audible applies the silence gate to a leg that gave a frame.
func (m *Mixer) audible(l *Leg) bool {
	var peak int16
	for _, v := range l.bufs().in {
		peak = max(peak, v, -max(v, -32767))
	}
	if peak > m.gate {
		l.quiet = 0
		return true
	}
	if l.quiet < m.hangover {
		l.quiet++
		return true
	}
	return false
}

// soloLeg returns the one leg that is not a prompt, or nil.
func (m *Mixer) soloLeg() *Leg {
	var one *Leg
	for _, l := range m.legs {
		if l.role == RolePrompt {
			continue
		}
		if one != nil {
			return nil
		}
		one = l
	}
	return one
}

// pairLegs finds the two public legs of a two-party tick. Prompt legs are
// read only when the rest qualifies (a silent prompt's read has no
// effect); a playing one keeps its frame for the full mix: no pair.
func (m *Mixer) pairLegs() (a, b *Leg, ok bool) {
	n := 0
	for _, l := range m.legs {
		switch {
		case l.role.public() && l.src != nil && l.dst != nil:
			n++
			if n == 1 {
				a = l
			} else {
				b = l
			}
		case l.role == RolePrompt:
		default:
			return nil, nil, false
		}
	}
	if n != 2 {
		return nil, nil, false
	}
	for _, l := range m.legs {
		if l.role == RolePrompt && l.src != nil && l.src.ReadFrame(l.bufs().in[:]) {
			l.active, l.read = true, true
			return nil, nil, false
		}
	}
	return a, b, true
}

func accumulate(acc *[FrameSamples]int32, in *[FrameSamples]int16) {
	for i, s := range in {
		acc[i] += int32(s)
	}
}

// mixMinus writes sat16(pub + extra - self); extra and self may be nil.
func mixMinus(out *[FrameSamples]int16, pub, extra *[FrameSamples]int32, self *[FrameSamples]int16) {
	switch {
	case extra == nil && self == nil:
		for i, v := range pub {
			out[i] = sat16(v)
		}
	case extra == nil:
		for i, v := range pub {
			out[i] = sat16(v - int32(self[i]))
		}
	case self == nil:
		for i, v := range pub {
			out[i] = sat16(v + extra[i])
		}
	default:
		for i, v := range pub {
			out[i] = sat16(v + extra[i] - int32(self[i]))
		}
	}
}

func sat16(v int32) int16 {
	if v > 32767 {
		return 32767
	}
	if v < -32768 {
		return -32768
	}
	return int16(v)
}
