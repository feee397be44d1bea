package common

import "time"

// PhoneStats is what the TUI shows about the softphone: link quality,
// levels and switches.
type PhoneStats struct {
	Connected   bool
	RTT         time.Duration
	Loss        float64 // fraction 0…1
	Jitter      time.Duration
	MicDBFS     float64
	SpeakerDBFS float64
	Muted       bool
	Denoise     bool
	Problem     string // e.g. a missing device; "" when fine
	// NoMic and NoSpeaker: no such device exists; the call bar says so
	// instead of showing "mic on" or a speaker level nobody hears.
	NoMic, NoSpeaker bool
}
