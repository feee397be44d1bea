package room

import (
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/mixer"
)

// CallerRate and CallerFrame describe the trunk side of a caller leg.
const (
	CallerRate  = 8000
	CallerFrame = 160 // 20 ms
)

// callerLeg adapts 8 kHz trunk audio to the 48 kHz mixer, both ways:
//
//	receive: CallerMedia(8000) -> Resample(8000->48000) -> mixer
//	send:    mixer -> Resample(48000->8000) -> CallerMedia(8000)
//
// Only the mixer goroutine touches it.
type callerLeg struct {
	media CallerMedia
	in8   [CallerFrame]int16
	up    audio.Writer // 8 kHz in, appends to upOut
	upOut audio.PCM16
	down  audio.Writer // 48 kHz in, appends to downOut
	dnOut audio.PCM16
}

func newCallerLeg(media CallerMedia) *callerLeg {
	c := &callerLeg{
		media: media,
		upOut: make(audio.PCM16, 0, 2*mixer.FrameSamples),
		dnOut: make(audio.PCM16, 0, 2*CallerFrame),
	}
	c.up = audio.NewResampler(audio.NewFunc("Mixer(48000)", mixer.Rate, func(s audio.PCM16) error {
		c.upOut = append(c.upOut, s...)
		return nil
	}), CallerRate)
	c.down = audio.NewResampler(audio.NewFunc("Trunk(8000)", CallerRate, func(s audio.PCM16) error {
		c.dnOut = append(c.dnOut, s...)
		return nil
	}), mixer.Rate)
	return c
}

// ReadFrame is the mixer Source: one trunk frame upsampled to 960 samples.
func (c *callerLeg) ReadFrame(dst []int16) bool {
	if !c.media.ReadFrame(c.in8[:]) {
		return false
	}
	if err := c.up.WriteSample(c.in8[:]); err != nil {
		return false
	}
	n := copy(dst, c.upOut)
	clear(dst[n:])
	c.upOut = c.upOut[:copy(c.upOut, c.upOut[n:])]
	return true
}

// WriteFrame is the mixer Sink: the caller's mix downsampled to 160 samples.
func (c *callerLeg) WriteFrame(src []int16) error {
	if err := c.down.WriteSample(src); err != nil {
		return err
	}
	if len(c.dnOut) < CallerFrame {
		return nil
	}
	err := c.media.WriteFrame(c.dnOut[:CallerFrame])
	c.dnOut = c.dnOut[:copy(c.dnOut, c.dnOut[CallerFrame:])]
	return err
}

// String names the pipeline of both directions.
func (c *callerLeg) String() string {
	return "Trunk(8000) -> " + c.up.String() + " | Mixer(48000) -> " + c.down.String()
}
