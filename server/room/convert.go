package room

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/mixer"
	"github.com/meet-dev/meet/server/store"
)

const (
	// MinGuidanceRate and MaxGuidanceRate bound the sample rate of an
	// uploaded guidance file (telephone 8 kHz to studio 192 kHz).
	MinGuidanceRate = 8000
	MaxGuidanceRate = 192000
	// MaxGuidance is the longest guidance accepted; with the rate bounds it
	// caps the decoded audio at 10 min × 48 kHz × 2 bytes = 57.6 MB.
	MaxGuidance = 10 * time.Minute
	// maxGuidanceBytes bounds what ConvertGuidance reads: 10 minutes of
	// 192 kHz stereo 64-bit float is ~1.8 GB, nobody uploads that; 10
	// minutes of 48 kHz stereo 32-bit is 230 MB.
	maxGuidanceBytes = 256 << 20
)

// ConvertGuidance reads a WAV file in any common form (8/16/24/32-bit
// integer, 32/64-bit float, any rate, mono or stereo, extensible headers)
// and returns it as what the media path plays: 48 kHz mono signed 16-bit
// little-endian PCM, same duration. Errors are *api.Error with code
// unsupported_media naming what is wrong.
func ConvertGuidance(r io.Reader) ([]byte, error) {
	pcm, err := audio.ConvertWAV(r, mixer.Rate, audio.ConvertLimits{MinRate: MinGuidanceRate, MaxRate: MaxGuidanceRate,
		MaxDuration: MaxGuidance, MaxBytes: maxGuidanceBytes}, "guidance file")
	if err != nil {
		return nil, api.Errorf(api.CodeUnsupportedMedia, "%s", err.Error())
	}
	return pcm, nil
}

// GuidanceStore converts uploads and stores them; it implements httpapi's
// GuidanceStore.
type GuidanceStore struct {
	st       store.Store
	log      *slog.Logger
	onStored func(channelID int64, kind api.GuidanceKind)
}

// GuidanceOption configures a GuidanceStore.
type GuidanceOption func(*GuidanceStore)

// WithStoreLogger sets the GuidanceStore's logger.
func WithStoreLogger(l *slog.Logger) GuidanceOption { return func(g *GuidanceStore) { g.log = l } }

// WithOnStored is called after new guidance is committed, e.g. with
// (*Manager).InvalidateGuidance so the next call plays it.
func WithOnStored(fn func(channelID int64, kind api.GuidanceKind)) GuidanceOption {
	return func(g *GuidanceStore) { g.onStored = fn }
}

// NewGuidanceStore returns a GuidanceStore writing through st.
func NewGuidanceStore(st store.Store, opts ...GuidanceOption) *GuidanceStore {
	g := &GuidanceStore{st: st, log: slog.Default()}
	for _, o := range opts {
		o(g)
	}
	return g
}

var guidanceKinds = []api.GuidanceKind{api.GuidanceGreeting, api.GuidanceWait, api.GuidanceOutOfHours,
	api.GuidanceNotAccepting, api.GuidanceHold, api.GuidanceVoicemail, api.GuidanceRecording}

// ValidGuidanceKind reports whether k names a guidance slot.
func ValidGuidanceKind(k api.GuidanceKind) bool {
	if _, ok := api.MenuNodeOf(k); ok {
		return true // a menu node's prompt
	}
	for _, x := range guidanceKinds {
		if x == k {
			return true
		}
	}
	return false
}

// SetGuidance converts wav and stores it for the channel's slot in one
// Update transaction. A bad file is an unsupported_media error; nothing is
// written then.
func (g *GuidanceStore) SetGuidance(ctx context.Context, channelID int64, kind api.GuidanceKind, wav io.Reader) error {
	if !ValidGuidanceKind(kind) {
		return api.Errorf(api.CodeBadRequest, "unknown guidance kind %q (want greeting, wait, out-of-hours, not-accepting, hold, voicemail, recording or menu-NODE)", kind)
	}
	if wav == nil {
		return api.Errorf(api.CodeUnsupportedMedia, "no guidance file")
	}
	pcm, err := ConvertGuidance(wav)
	if err != nil {
		return err
	}
	err = g.st.Update(ctx, func(tx store.Tx) error { return tx.SetGuidance(channelID, kind, pcm) })
	if err != nil {
		var ae *api.Error
		if errors.As(err, &ae) {
			return err
		}
		return api.Errorf(api.CodeStorageUnavailable, "store guidance: %v", err)
	}
	g.log.Info("guidance stored", "channel_id", channelID, "kind", kind,
		"seconds", float64(len(pcm)/2)/mixer.Rate)
	if g.onStored != nil {
		g.onStored(channelID, kind)
	}
	return nil
}
