//go:build race

package softphone

// raceEnabled: gordonklaus/portaudio's OpenStream does pointer arithmetic
// that -race's checkptr rejects, so the PortAudio test cannot run under -race.
const raceEnabled = true
