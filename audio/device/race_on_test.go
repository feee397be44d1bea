//go:build race

package device

// raceEnabled: under -race, checkptr rejects gordonklaus/portaudio passing
// its stream id through unsafe.Pointer (portaudio.go OpenStream), which aborts
// the process on the second stream; the real-device tests skip then.
const raceEnabled = true
