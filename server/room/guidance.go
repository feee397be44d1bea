package room

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio/mixer"
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
	if err != nil || pcm == nil {
		if err != nil && !errors.Is(err, api.ErrNotFound) {
			log.Warn("guidance unavailable", "err", err)
		}
		r.prompt.stop()
		go done()
		return
	}
	log.Debug("guidance playing", "loop", loop, "seconds", float64(len(pcm.pcm48))/48000)
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

// clip is guidance audio at the mixer's rate and, for the caller who hears
// nothing else (the one-party fast path, solo.go), at the trunk's:
// Resample(48000->8000) done once when the clip is loaded instead of every
// tick of every call that plays it.
type clip struct {
	pcm48 []int16
	pcm8  []int16 // pcm8[j] is Resample(48000->8000) of pcm48 up to 6j, from silence
}

// newClip prepares 48 kHz mono PCM for playing; nil for no audio.
func newClip(pcm []int16) *clip {
	if len(pcm) == 0 {
		return nil
	}
	c := &clip{pcm48: pcm, pcm8: make([]int16, 0, len(pcm)/r6Ratio+CallerFrame)}
	var d down6
	in := make([]int16, r6Out)
	out := make([]int16, CallerFrame)
	for i := 0; i < len(pcm); i += r6Out {
		clear(in[copy(in, pcm[i:]):])
		d.process(in, out)
		c.pcm8 = append(c.pcm8, out...)
	}
	c.pcm8 = c.pcm8[:len(pcm)/r6Ratio]
	return c
}

// span says where a frame of guidance came from: from is its first sample
// in the clip when the whole frame is clip[from:from+960], else -1.
type span struct {
	clip *clip
	from int
}

// eight returns the frame at 8 kHz when it is exactly the clip's 8 kHz
// form: the frame lies within the clip, starts on a whole 8 kHz sample and
// the resampler's history was what it is in the clip (prev: the previous
// frame's span was the clip up to from; zeroHist: the history is silence
// and the frame is the clip's start).
func (s span) eight(prev span, zeroHist bool) ([]int16, bool) {
	if s.clip == nil || s.from < 0 || s.from%r6Ratio != 0 {
		return nil, false
	}
	contiguous := prev.clip == s.clip && prev.from >= 0 && prev.from+mixer.FrameSamples == s.from
	if !contiguous && !(s.from == 0 && zeroHist) {
		return nil, false
	}
	return s.clip.pcm8[s.from/r6Ratio : s.from/r6Ratio+CallerFrame], true
}

// prompt is the room's guidance player, a mixer Source heard by the caller.
type prompt struct {
	mu      sync.Mutex
	clip    *clip
	pos     int // next sample of clip.pcm48
	loop    bool
	done    func()
	playing bool
}

func (p *prompt) play(c *clip, loop bool, done func()) {
	p.mu.Lock()
	p.clip, p.pos, p.loop, p.done, p.playing = c, 0, loop, done, true
	p.mu.Unlock()
}

func (p *prompt) stop() {
	p.mu.Lock()
	p.clip, p.done, p.playing = nil, nil, false
	p.mu.Unlock()
}

// String names the stage as Pipelines prints it.
func (p *prompt) String() string { return fmt.Sprintf("Guidance(%d)", mixer.Rate) }

// ReadFrame hands the mixer the next 20 ms of guidance.
func (p *prompt) ReadFrame(dst []int16) bool {
	_, ok := p.read(dst)
	return ok
}

// read fills dst with the next 20 ms of guidance and says where it came
// from. False when nothing plays.
func (p *prompt) read(dst []int16) (span, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.playing {
		return span{}, false
	}
	c := p.clip
	sp := span{clip: c, from: p.pos}
	if p.pos+len(dst) > len(c.pcm48) {
		sp.from = -1 // it ends or wraps within the frame
	}
	n := 0
	for n < len(dst) {
		k := copy(dst[n:], c.pcm48[p.pos:])
		n += k
		p.pos += k
		if p.pos < len(c.pcm48) {
			continue
		}
		if !p.loop {
			clear(dst[n:])
			if p.done != nil {
				go p.done()
			}
			p.clip, p.done, p.playing = nil, nil, false
			break
		}
		p.pos = 0
	}
	return sp, true
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
	pcm *clip
	err error
	at  time.Time
}

func newGuidanceCache(src GuidanceFunc) *guidanceCache {
	return &guidanceCache{src: src, ttl: 30 * time.Second, now: time.Now, m: map[guidanceKey]cachedGuidance{}}
}

func (c *guidanceCache) get(channelID int64, kind api.GuidanceKind) (*clip, error) {
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
		pcm := make([]int16, len(raw)/2)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		e.pcm = newClip(pcm)
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
