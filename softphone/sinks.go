package softphone

import (
	"fmt"

	"github.com/meet-dev/meet/audio"
)

// openSink opens the speaker: a playback device, an output WAV file, or
// nowhere (the call still runs; levels are still measured).
func (p *Phone) openSink() (audio.Writer, error) {
	switch {
	case p.o.sink != nil:
		return p.o.sink, nil
	case p.o.useOutDevice:
		w, err := openPlaybackDevice(p.o.outDev, p.deviceError)
		if err != nil && p.o.outDev == "" {
			// No speaker at all (a machine without a sound card): the phone
			// still connects and rings in the TUI; the user is told.
			p.deviceError(fmt.Errorf("%w: calls connect but you will not hear them (%w)", ErrNoSpeaker, err))
			return audio.Discard(48000), nil
		}
		return w, err
	case p.o.outWAV != "":
		return createWAVSink(p.o.outWAV)
	}
	return audio.Discard(48000), nil
}

// openSource opens the microphone device, or a silent source when neither
// a device nor an input file was chosen.
func (p *Phone) openSource() (source, error) {
	if p.o.useInDevice {
		return openCaptureDevice(p.o.inDev)
	}
	return newSilenceSource(), nil
}
