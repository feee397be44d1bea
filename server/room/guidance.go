package room

import (
	"encoding/binary"
	"errors"
	"sync"
	"time"

	"github.com/meet-dev/meet/api"
)

// PlayGuidance plays the channel's guidance into the caller's leg only,
// replacing whatever guidance plays. Without loop, done is called (on its
// own goroutine) after one full play; it is called at once when no such
// guidance is stored or the call has no room. StopGuidance, CloseRoom or a
// later PlayGuidance cancel it without calling done.
func (m *Manager) PlayGuidance(callID, channelID int64, kind api.GuidanceKind, loop bool, done func()) {
	if done == nil {
		done = func() {}
	}
	log := m.log.With("call_id", callID, "channel_id", channelID, "kind", kind)
	m.mu.Lock()
	r := m.rooms[callID]
	m.mu.Unlock()
	if r == nil {
		log.Warn("guidance for a call without room")
		go done()
		return
	}
	pcm, err := m.gc.get(channelID, kind)
	if err != nil || len(pcm) == 0 {
		if err != nil && !errors.Is(err, api.ErrNotFound) {
			log.Warn("guidance unavailable", "err", err)
		}
		r.prompt.stop()
		go done()
		return
	}
	log.Debug("guidance playing", "loop", loop, "seconds", float64(len(pcm))/48000)
	r.prompt.play(pcm, loop, done)
}

// StopGuidance stops the call's guidance.
func (m *Manager) StopGuidance(callID int64) {
	m.mu.Lock()
	r := m.rooms[callID]
	m.mu.Unlock()
	if r != nil {
		r.prompt.stop()
	}
}

// InvalidateGuidance forgets cached audio of one guidance slot (call it
// after storing new audio; NewGuidanceStore's WithOnStored does).
func (m *Manager) InvalidateGuidance(channelID int64, kind api.GuidanceKind) {
	m.gc.forget(channelID, kind)
}

// prompt is the room's guidance player, a mixer Source heard by the caller.
type prompt struct {
	mu      sync.Mutex
	pcm     []int16
	pos     int
	loop    bool
	done    func()
	playing bool
}

func (p *prompt) play(pcm []int16, loop bool, done func()) {
	p.mu.Lock()
	p.pcm, p.pos, p.loop, p.done, p.playing = pcm, 0, loop, done, true
	p.mu.Unlock()
}

func (p *prompt) stop() {
	p.mu.Lock()
	p.pcm, p.done, p.playing = nil, nil, false
	p.mu.Unlock()
}

// ReadFrame hands the mixer the next 20 ms of guidance.
func (p *prompt) ReadFrame(dst []int16) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.playing {
		return false
	}
	n := 0
	for n < len(dst) {
		c := copy(dst[n:], p.pcm[p.pos:])
		n += c
		p.pos += c
		if p.pos < len(p.pcm) {
			continue
		}
		if !p.loop {
			clear(dst[n:])
			if p.done != nil {
				go p.done()
			}
			p.pcm, p.done, p.playing = nil, nil, false
			break
		}
		p.pos = 0
	}
	return true
}

// guidanceCache keeps decoded guidance for a while so a burst of calls into
// the same greeting reads the store once.
type guidanceCache struct {
	src GuidanceFunc
	ttl time.Duration
	now func() time.Time

	mu sync.Mutex
	m  map[guidanceKey]cachedGuidance
}

type guidanceKey struct {
	channel int64
	kind    api.GuidanceKind
}

type cachedGuidance struct {
	pcm []int16
	err error
	at  time.Time
}

func newGuidanceCache(src GuidanceFunc) *guidanceCache {
	return &guidanceCache{src: src, ttl: 30 * time.Second, now: time.Now, m: map[guidanceKey]cachedGuidance{}}
}

func (c *guidanceCache) get(channelID int64, kind api.GuidanceKind) ([]int16, error) {
	if c.src == nil {
		return nil, api.Errorf(api.CodeNotFound, "no guidance source configured")
	}
	k := guidanceKey{channelID, kind}
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < c.ttl {
		return e.pcm, e.err
	}
	raw, err := c.src(channelID, kind)
	e = cachedGuidance{at: c.now(), err: err}
	if err == nil {
		e.pcm = make([]int16, len(raw)/2)
		for i := range e.pcm {
			e.pcm[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	}
	if err == nil || errors.Is(err, api.ErrNotFound) { // do not cache transient failures
		c.mu.Lock()
		c.m[k] = e
		c.mu.Unlock()
	}
	return e.pcm, e.err
}

func (c *guidanceCache) forget(channelID int64, kind api.GuidanceKind) {
	c.mu.Lock()
	delete(c.m, guidanceKey{channelID, kind})
	c.mu.Unlock()
}
