package softphone

import "github.com/meet-dev/meet/audio"

// openSink opens the speaker: a playback device, an output WAV file, or
// nowhere (the call still runs; levels are still measured).
func (p *Phone) openSink() (audio.Writer, error) {
	switch {
	case p.o.useOutDevice:
		return openPlaybackDevice(p.o.outDev, p.deviceError)
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
