package room

import (
	"sync"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/mixer"
	"github.com/meet-dev/meet/server/recording"
)

// RecordSpec says what to record of a room.
type RecordSpec struct {
	Path    string
	Options recording.Options
	// Beep plays a short tone to the caller first; recording starts when it ends.
	Beep bool
}

// beep is the tone before a voicemail: 850 Hz, 400 ms. Made on first use:
// its 8 kHz form needs the resampler's taps, which init computes after
// package variables are set.
var beep = sync.OnceValue(func() *clip { return newClip(audiotest.Tone(mixer.Rate, 850, 0.25, mixer.Rate*4/10)) })

// StartRecording records what the room hears (every party, no prompts:
// a listen leg) to spec.Path; done is called once when the recording ends,
// whether by its bounds, StopRecording or the room closing. A room records
// one thing at a time.
func (m *Manager) StartRecording(callID int64, spec RecordSpec, done func(recording.Result)) error {
	m.mu.Lock()
	r, err := m.roomLocked(callID)
	if err != nil {
		m.mu.Unlock()
		return err
	}
	if r.rec != nil {
		m.mu.Unlock()
		return api.Errorf(api.CodeConflict, "call %d is already being recorded", callID)
	}
	var leg *mixer.Leg
	rec, err := recording.Start(spec.Path, spec.Options, func(res recording.Result) {
		m.mu.Lock()
		if r.rec != nil && r.recLeg == leg {
			r.mix.Remove(leg)
			r.rec, r.recLeg = nil, nil
		}
		m.mu.Unlock()
		r.log.Info("recording ended", "path", res.Path, "reason", res.Reason, "seconds", res.Duration.Seconds(), "err", res.Err)
		if done != nil {
			done(res)
		}
	})
	if err != nil {
		m.mu.Unlock()
		return err
	}
	r.rec = rec
	m.mu.Unlock()
	start := func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if r.rec != rec || m.rooms[callID] != r {
			return // stopped or closed during the beep
		}
		leg = r.mix.Add("recorder", mixer.RoleListen, nil, rec)
		r.recLeg = leg
		r.log.Info("recording", "path", spec.Path, "pipeline", rec.String())
	}
	if spec.Beep {
		r.prompt.play(beep(), false, start)
		return nil
	}
	start()
	return nil
}

// StopRecording ends the room's recording, if any.
func (m *Manager) StopRecording(callID int64) {
	m.mu.Lock()
	r := m.rooms[callID]
	var rec *recording.Recorder
	if r != nil {
		rec = r.rec
	}
	m.mu.Unlock()
	if rec != nil {
		rec.Stop()
	}
}
