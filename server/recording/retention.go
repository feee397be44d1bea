package recording

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// Retention (SPEC §3b "retention days"): a channel keeps call recordings
// for recording_retention_days and voicemails for voicemail_retention_days
// (0 keeps them). Past that, Sweep deletes the file and marks the row
// expired, with a recording.deleted event on the chat: the chat, the API
// (410) and the TUI then say the recording expired rather than offering a
// file that is gone.

// sweepBatch is how many due recordings one store read returns.
const sweepBatch = 100

// Sweep expires every recording past its channel's retention at now whose
// call node owns ("" on a single meetd; in a cluster each node sweeps the
// files on its own disk): file first, then the row, so a crash in between
// leaves a row whose file is already gone, which the next sweep finishes.
// It returns how many it expired.
func Sweep(ctx context.Context, st store.Store, node string, now time.Time) (int, error) {
	n := 0
	for {
		var due []api.Recording
		if err := st.View(ctx, func(tx store.Tx) (err error) { due, err = tx.ExpiredRecordings(now, node, sweepBatch); return }); err != nil {
			return n, err
		}
		if len(due) == 0 {
			return n, nil
		}
		for _, r := range due {
			if err := expire(ctx, st, r, now); err != nil {
				return n, err
			}
			n++
		}
	}
}

func expire(ctx context.Context, st store.Store, r api.Recording, now time.Time) error {
	if r.Path != "" {
		if err := os.Remove(r.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("recording %d: %w", r.ID, err) // the row stays: the file is still there
		}
	}
	return st.Update(ctx, func(tx store.Tx) error {
		ch, err := tx.Channel(r.ChannelID)
		if err != nil {
			return err
		}
		days := ch.RecordingDays
		if r.Kind == api.RecordingVoicemail {
			days = ch.VoicemailDays
		}
		if err := tx.ExpireRecording(r.ID, now); err != nil {
			return err
		}
		data, _ := json.Marshal(api.RecordingDeleted{RecordingID: r.ID, Kind: r.Kind, DurationMS: r.DurationMS, Reason: "retention", Days: days})
		return tx.Append(&api.Event{Type: api.EvRecordingDeleted, ChannelID: r.ChannelID, ChatID: r.ChatID, CallID: r.CallID, Data: data})
	})
}
