package calls

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// This file takes voicemail (SPEC §3b). When a call of a channel with
// voicemail on would end missed with noOperator or notInOperation (or the
// caller chose voicemail in the menu), instead:
//
//	answer → voicemail guidance → beep → record (until max length, silence, # or hang-up)
//	→ the recording is stored on the chat → the call ends missed with the original reason
//
// The recording is written by the room (Media.StartRecording); its result
// comes back through the queue whether or not the call is still live.

// Recording asks the room to record what it hears.
type Recording struct {
	Path    string
	Max     time.Duration
	Silence time.Duration
	Beep    bool // a tone to the caller first; recording starts after it
}

// RecordingResult is a finished recording.
type RecordingResult struct {
	Duration time.Duration
	Heard    time.Duration // of which not silence
	Bytes    int64
	Reason   string // stopped, max, silence, error
	Err      error
}

// WithRecordingsDir sets where voicemails (and call recordings) are
// written; without it channels cannot take voicemail.
func WithRecordingsDir(dir string) Option { return func(m *Manager) { m.recDir = dir } }

// minVoicemail is the least sound that makes a message worth keeping.
const minVoicemail = 300 * time.Millisecond

// vmState is a call's voicemail.
type vmState struct {
	ending    ending // the call still ends missed with its reason
	recording bool   // past the guidance: the beep and the message
}

// missed ends c as e says, or takes a voicemail instead when e misses it
// with noOperator or notInOperation and the channel has voicemail on.
func (m *Manager) missed(r *rec, c *call, e ending) {
	if m.recall(r, c, e) {
		return
	}
	if reason := e.reason(); reason == api.ReasonNoOperator || reason == api.ReasonNotInOperation {
		if m.voicemail(r, c, e) {
			return
		}
	}
	m.end(r, c, e, false)
}

// voicemail starts taking a message on c; false when the channel does not
// take voicemail (or c cannot: outbound, already gone, already had one).
func (m *Manager) voicemail(r *rec, c *call, e ending) bool {
	if !c.channel.Voicemail || m.recDir == "" || c.Direction != api.Inbound || c.vm != nil || c.trunkGone ||
		c.State == api.CallEnded || c.Answered != nil && c.xfer == nil {
		return false
	}
	if m.move(c, inVoicemail) != nil {
		return false
	}
	m.xferEnded(r, c, e) // a blind transfer nobody took: the caller leaves a message
	for s := range numSlots {
		m.stopTimer(c, slot(s))
	}
	for id := range c.ringing {
		m.stopRing(r, c, id, api.RingCancelled)
	}
	c.vm = &vmState{ending: e}
	c.queued, c.music = false, false
	m.saveCall(r, c)
	m.event(r, c, api.EvCallGuidance, 0, 0, guidanceData(api.GuidanceVoicemail))
	c.guideTok++
	tok, id, ch := c.guideTok, c.ID, c.ChannelID
	done := func() { m.q.push(id, func() { m.voicemailGreeted(id, tok) }) }
	r.effect(id, func() {
		m.media.StopGuidance(id)
		if err := m.trunk.Answer(id); err != nil { // voicemail answers: the caller's phone sends audio
			m.log.Warn("answering for voicemail failed", "call_id", id, "err", err)
		}
		m.media.PlayGuidance(id, ch, api.GuidanceVoicemail, false, done)
	})
	m.startTimer(c, slotGuidance, m.guidanceTO, func(r *rec) { m.startVoicemailRecording(r, c, tok) })
	m.log.Info("taking voicemail", "call_id", c.ID, "chat_id", c.ChatID, "instead_of", string(e.reason()))
	return true
}

func (m *Manager) voicemailGreeted(callID int64, tok uint64) {
	m.liveInput(callID, func(r *rec, c *call) { m.startVoicemailRecording(r, c, tok) })
}

// startVoicemailRecording plays the beep and records the message.
func (m *Manager) startVoicemailRecording(r *rec, c *call, tok uint64) {
	if c.State != api.CallVoicemail || c.guideTok != tok || c.vm.recording {
		return
	}
	m.stopTimer(c, slotGuidance)
	c.vm.recording = true
	max := time.Duration(c.channel.VoicemailMaxS) * time.Second
	if max <= 0 {
		max = api.DefaultVoicemailMaxS * time.Second
	}
	spec := Recording{Path: filepath.Join(m.recDir, "voicemail", fmt.Sprintf("chat%d-call%d.wav", c.ChatID, c.ID)),
		Max: max, Silence: api.VoicemailSilenceS * time.Second, Beep: true}
	meta := api.Recording{ChatID: c.ChatID, CallID: c.ID, ChannelID: c.ChannelID, Kind: api.RecordingVoicemail, Path: spec.Path}
	id := c.ID
	r.effect(id, func() {
		err := m.media.StartRecording(id, spec, func(res RecordingResult) {
			if !m.q.push(id, func() { m.voicemailRecorded(meta, res) }) {
				m.log.Warn("voicemail finished after shutdown; file kept, not listed", "call_id", id, "path", meta.Path)
			}
		})
		if err != nil {
			m.log.Error("voicemail recording did not start", "call_id", id, "err", err)
			m.liveInput(id, func(r *rec, c *call) {
				if c.vm != nil {
					m.end(r, c, c.vm.ending, false)
				}
			})
		}
	})
	// The recording ends itself at max; this bounds a room that never reports.
	m.startTimer(c, slotGuidance, max+time.Minute, func(r *rec) {
		r.effect(id, func() { m.media.StopRecording(id) })
	})
}

// voicemailKey: # ends the message.
func (m *Manager) voicemailKey(r *rec, c *call, digit rune) {
	if digit == '#' && c.vm != nil && c.vm.recording {
		id := c.ID
		r.effect(id, func() { m.media.StopRecording(id) })
	}
}

// voicemailRecorded stores a finished message on its chat and ends the
// call (if the caller has not hung up already).
func (m *Manager) voicemailRecorded(meta api.Recording, res RecordingResult) {
	keep := res.Err == nil && res.Heard >= minVoicemail
	if !keep {
		if err := os.Remove(meta.Path); err != nil && !os.IsNotExist(err) {
			m.log.Warn("removing an empty voicemail", "path", meta.Path, "err", err)
		}
	}
	meta.DurationMS, meta.Bytes = res.Duration.Milliseconds(), res.Bytes
	at := m.clock.Now().UTC()
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.newRec()
	r.do(func(tx store.Tx) error {
		data := map[string]any{"reason": res.Reason, "duration_ms": meta.DurationMS}
		if keep {
			meta.Created = at
			if err := tx.AddRecording(&meta); err != nil {
				return err
			}
			data["recording_id"] = meta.ID
		}
		return tx.Append(&api.Event{Type: api.EvCallVoicemail, At: at, ChannelID: meta.ChannelID, ChatID: meta.ChatID,
			CallID: meta.CallID, Data: mustJSON(data)})
	})
	if c, ok := m.calls[meta.CallID]; ok && c.vm != nil {
		e := c.vm.ending
		e.detail += "; voicemail taken"
		m.end(r, c, e, false)
	}
	m.log.Info("voicemail recorded", "call_id", meta.CallID, "chat_id", meta.ChatID, "kept", keep,
		"seconds", res.Duration.Seconds(), "heard_s", res.Heard.Seconds(), "reason", res.Reason, "err", res.Err)
	m.commit(context.Background(), r)
}
