package denoise

import (
	"errors"
	"fmt"

	"github.com/meet-dev/meet/audio"
)

// Stage is the suppressor as an audio.Writer stage: it accepts writes of any
// length, denoises whole 10 ms frames and passes them on to dst. Samples that
// do not fill a frame wait for the next write (or Close). It does not keep or
// modify the caller's slice.
type Stage struct {
	dst  audio.Writer
	s    *Suppressor
	pend audio.PCM16 // samples not yet processed; reused, so writes do not allocate
}

// NewStage returns a denoising stage in front of dst, at dst's sample rate
// (48000 natively; see New for the other rates).
func NewStage(dst audio.Writer) (*Stage, error) {
	if dst == nil {
		return nil, errors.New("denoise: NewStage needs a destination writer")
	}
	s, err := New(dst.SampleRate())
	if err != nil {
		return nil, fmt.Errorf("denoise stage in front of %s: %w", dst, err)
	}
	return &Stage{dst: dst, s: s, pend: make(audio.PCM16, 0, 4*s.FrameSize())}, nil
}

// Suppressor is the stage's suppressor.
func (st *Stage) Suppressor() *Suppressor { return st.s }

// SetEnabled switches suppression; see Suppressor.SetEnabled.
func (st *Stage) SetEnabled(on bool) { st.s.SetEnabled(on) }

// Enabled reports whether suppression is on.
func (st *Stage) Enabled() bool { return st.s.Enabled() }

// WriteSample denoises the whole frames now available and writes them on.
func (st *Stage) WriteSample(in audio.PCM16) error {
	st.pend = append(st.pend, in...)
	hop := st.s.FrameSize()
	n := len(st.pend) / hop * hop
	if n == 0 {
		return nil
	}
	if err := st.s.ProcessPCM16(st.pend[:n]); err != nil {
		return err
	}
	err := st.dst.WriteSample(st.pend[:n])
	rest := copy(st.pend, st.pend[n:])
	st.pend = st.pend[:rest]
	return err
}

// SampleRate is the destination's rate.
func (st *Stage) SampleRate() int { return st.s.SampleRate() }

// String names the stage and the chain behind it: "Denoise -> ...".
func (st *Stage) String() string { return "Denoise -> " + st.dst.String() }

// Close writes a last partial frame (padded with silence for processing) and
// closes dst.
func (st *Stage) Close() error {
	var err error
	if k := len(st.pend); k > 0 {
		hop := st.s.FrameSize()
		st.pend = append(st.pend, make(audio.PCM16, hop-k)...)
		if err = st.s.ProcessPCM16(st.pend[:hop]); err == nil {
			err = st.dst.WriteSample(st.pend[:k])
		}
		st.pend = st.pend[:0]
	}
	return errors.Join(err, st.dst.Close())
}

// Apply denoises a whole recording at rate Hz and returns a new buffer of the
// same length, time-aligned with the input (the 10 ms algorithmic delay is
// taken out), e.g. for `meet denoise IN.wav OUT.wav`.
func Apply(in audio.PCM16, rate int) (audio.PCM16, error) {
	s, err := New(rate)
	if err != nil {
		return nil, err
	}
	hop := s.FrameSize()
	// Pad to whole frames plus one frame that flushes the delay line.
	frames := (len(in)+hop-1)/hop + 1
	buf := make(audio.PCM16, frames*hop)
	copy(buf, in)
	if err := s.ProcessPCM16(buf); err != nil {
		return nil, err
	}
	return buf[hop : hop+len(in)], nil
}
