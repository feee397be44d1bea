package room

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/meet-dev/meet/api"
)

// DefaultGuidance wraps src so that a channel without its own hold guidance
// still gives a held caller something to hear (as a PBX's default music on
// hold does): a soft chime loop, HoldChime. Every other slot, and a stored
// hold guidance, come from src unchanged.
func DefaultGuidance(src GuidanceFunc) GuidanceFunc {
	chime := HoldChime()
	return func(channelID int64, kind api.GuidanceKind) ([]byte, error) {
		pcm, err := src(channelID, kind)
		if kind == api.GuidanceHold && errors.Is(err, api.ErrNotFound) {
			return chime, nil
		}
		return pcm, err
	}
}

// HoldChimeNotes are the notes of the built-in hold loop (C5, E5, G5, E5).
var HoldChimeNotes = []float64{523.25, 659.25, 783.99, 659.25}

// HoldChime returns the built-in hold loop as 48 kHz mono s16le PCM: the
// notes of HoldChimeNotes every half second, each struck softly and
// decaying, then a rest; 4 s in all, about -24 dBFS RMS while a note rings.
func HoldChime() []byte {
	const rate, loop, step, note = 48000, 4 * 48000, 24000, 21600
	out := make([]byte, 2*loop)
	for i, f := range HoldChimeNotes {
		start := i * step
		for j := 0; j < note; j++ {
			t := float64(j) / rate
			env := math.Min(1, t/0.01) * math.Exp(-t/0.18) // 10 ms attack, gentle decay
			v := 0.12 * env * (math.Sin(2*math.Pi*f*t) + 0.25*math.Sin(4*math.Pi*f*t))
			k := 2 * (start + j)
			s := int16(binary.LittleEndian.Uint16(out[k:])) + int16(v*math.MaxInt16)
			binary.LittleEndian.PutUint16(out[k:], uint16(s))
		}
	}
	return out
}
