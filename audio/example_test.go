package audio_test

import (
	"fmt"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
)

// A telephone leg's audio (8 kHz, 20 ms frames) going into a 48 kHz room:
// one function builds the direction, the chain's String() shows the wiring.
func Example() {
	room := audio.NewBuffer(48000)
	mute := audio.NewMute(room)
	meter := audio.NewMeter(mute)
	in := audio.NewResampler(meter, 8000)
	fmt.Println(in)

	for i := 0; i < 50; i++ { // one second of a 440 Hz tone
		_ = in.WriteSample(audiotest.ToneAt(8000, 440, 0.5, i*160, 160))
	}
	rms, peak := meter.Levels()
	fmt.Printf("%d samples at 48 kHz, last frame %.0f dBFS RMS, %.0f dBFS peak\n", room.Len(), rms, peak)
	fmt.Println("440 Hz present:", audiotest.HasTone(room.Samples()[4800:], 48000, 440))
	// Output:
	// Resample(8000->48000) -> Meter -> Mute -> Buffer(48000)
	// 48000 samples at 48 kHz, last frame -9 dBFS RMS, -6 dBFS peak
	// 440 Hz present: true
}

func ExampleChain() {
	sink := audio.Discard(48000)
	var mute *audio.Mute
	denoise := audio.Processor(nil) // optional stage switched off
	w := audio.Chain(sink,
		func(w audio.Writer) audio.Writer { return audio.NewChunker(w, 480) },
		denoise,
		func(w audio.Writer) audio.Writer { mute = audio.NewMute(w); return mute },
	)
	mute.SetMuted(true)
	fmt.Println(w, mute.Muted())
	// Output: Chunk(480) -> Mute -> Discard(48000) true
}
