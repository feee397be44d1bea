package softphone

import (
	"sync"
	"time"

	"github.com/meet-dev/meet/audio"
)

// clip is a recording played in the speaker (a voicemail from the inbox),
// mixed in by the ring stage. Its methods may be called from any goroutine.
type clip struct {
	mu     sync.Mutex
	pcm    audio.PCM16 // at the speaker's rate
	rate   int
	pos    int
	paused bool
}

func (c *clip) playing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pcm != nil && !c.paused
}

// mixInto adds the next len(dst) samples; the clip ends by itself.
func (c *clip) mixInto(dst audio.PCM16) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pcm == nil || c.paused {
		return
	}
	for i := range dst {
		if c.pos >= len(c.pcm) {
			break
		}
		dst[i] = int16(max(-32768, min(32767, int32(dst[i])+int32(c.pcm[c.pos]))))
		c.pos++
	}
	if c.pos >= len(c.pcm) {
		c.pcm, c.pos = nil, 0
	}
}

// ClipState is where a played recording is.
type ClipState struct {
	Position, Length time.Duration
	Playing, Paused  bool // Playing: loaded (it may be paused)
}

// PlayClip plays pcm (mono, at rate) in the speaker from the start,
// replacing any recording playing. The ring tone still mixes over it.
func (p *Phone) PlayClip(pcm audio.PCM16, rate int) error {
	if p.recv == nil {
		return ErrNoSpeaker
	}
	out := p.recv.ring.SampleRate()
	if rate != out {
		pcm = audio.Resample(pcm, rate, out)
	}
	c := &p.recv.ring.clip
	c.mu.Lock()
	c.pcm, c.rate, c.pos, c.paused = pcm, out, 0, false
	c.mu.Unlock()
	return nil
}

// PauseClip pauses or resumes the recording.
func (p *Phone) PauseClip(paused bool) {
	if p.recv == nil {
		return
	}
	c := &p.recv.ring.clip
	c.mu.Lock()
	c.paused = paused
	c.mu.Unlock()
}

// SeekClip moves the recording by d (negative: back), within its length.
func (p *Phone) SeekClip(d time.Duration) {
	if p.recv == nil {
		return
	}
	c := &p.recv.ring.clip
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pcm == nil {
		return
	}
	c.pos = max(0, min(len(c.pcm)-1, c.pos+int(d.Seconds()*float64(c.rate))))
}

// StopClip ends the recording.
func (p *Phone) StopClip() {
	if p.recv == nil {
		return
	}
	c := &p.recv.ring.clip
	c.mu.Lock()
	c.pcm, c.pos, c.paused = nil, 0, false
	c.mu.Unlock()
}

// Clip says where the recording is.
func (p *Phone) Clip() ClipState {
	if p.recv == nil {
		return ClipState{}
	}
	c := &p.recv.ring.clip
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pcm == nil || c.rate == 0 {
		return ClipState{}
	}
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second / time.Duration(c.rate) }
	return ClipState{Position: sec(c.pos), Length: sec(len(c.pcm)), Playing: true, Paused: c.paused}
}
