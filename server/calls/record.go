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

// Call recording (SPEC §3b): on a channel with recording on, an answered
// call plays the recording guidance to the caller and the room records
// both parties mixed until the call ends; the file is listed on the chat
// (Chat.Recorded, call.recorded). Retention is the telephony sweeper's.

// minRecording is the shortest call recording kept.
const minRecording = time.Second

func (m *Manager) startCallRecording(r *rec, c *call) {
	if !c.channel.Recording || m.recDir == "" {
		return
	}
	spec := Recording{Path: filepath.Join(m.recDir, "calls", fmt.Sprintf("chat%d-call%d.wav", c.ChatID, c.ID))}
	meta := api.Recording{ChatID: c.ChatID, CallID: c.ID, ChannelID: c.ChannelID, Kind: api.RecordingCall, Path: spec.Path}
	id, ch := c.ID, c.ChannelID
	r.effect(id, func() {
		m.media.PlayGuidance(id, ch, api.GuidanceRecording, false, nil) // the announcement, to the caller
		err := m.media.StartRecording(id, spec, func(res RecordingResult) {
			if !m.q.push(id, func() { m.callRecorded(meta, res) }) {
				m.log.Warn("call recording finished after shutdown; file kept, not listed", "call_id", id, "path", meta.Path)
			}
		})
		if err != nil {
			m.log.Error("call recording did not start", "call_id", id, "err", err)
		}
	})
}

// callRecorded lists a finished call recording on its chat.
func (m *Manager) callRecorded(meta api.Recording, res RecordingResult) {
	if res.Err != nil || res.Duration < minRecording {
		if err := os.Remove(meta.Path); err != nil && !os.IsNotExist(err) {
			m.log.Warn("removing a short call recording", "path", meta.Path, "err", err)
		}
		m.log.Info("call recording dropped", "call_id", meta.CallID, "seconds", res.Duration.Seconds(), "err", res.Err)
		return
	}
	meta.DurationMS, meta.Bytes, meta.Created = res.Duration.Milliseconds(), res.Bytes, m.clock.Now().UTC()
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.newRec()
	r.do(func(tx store.Tx) error {
		if err := tx.AddRecording(&meta); err != nil {
			return err
		}
		return tx.Append(&api.Event{Type: api.EvCallRecorded, At: meta.Created, ChannelID: meta.ChannelID, ChatID: meta.ChatID,
			CallID: meta.CallID, Data: mustJSON(map[string]any{"recording_id": meta.ID, "duration_ms": meta.DurationMS})})
	})
	m.commit(context.Background(), r)
	m.log.Info("call recorded", "call_id", meta.CallID, "chat_id", meta.ChatID, "seconds", res.Duration.Seconds(), "bytes", res.Bytes)
}
