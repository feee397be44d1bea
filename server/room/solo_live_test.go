package room

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/server/recording"
)

// A caller alone hears guidance, then the beep before a voicemail, over
// the live (ticking) room: the one-party fast path as a voicemail uses it.
func TestSoloGuidanceThenBeepLive(t *testing.T) {
	src, _ := guidanceSource(t, 0.7)
	m := newTestManager(t, WithGuidance(src))
	caller := openWithCaller(t, m, 600, callerTone)
	m.PlayGuidance(600, 1, api.GuidanceGreeting, false, func() {
		err := m.StartRecording(600, RecordSpec{Path: filepath.Join(t.TempDir(), "vm.wav"), Beep: true,
			Options: recording.Options{Max: 5 * time.Second}}, nil)
		if err != nil {
			t.Error(err)
		}
	})
	time.Sleep(1500 * time.Millisecond)
	heard := caller.rec.last(1500 * time.Millisecond)
	g, b := audiotest.ToneWindows(heard, CallerRate, guidanceTone), audiotest.ToneWindows(heard, CallerRate, 850)
	if g < 2 || b < 2 {
		t.Errorf("caller heard %d windows of guidance and %d of the beep: %s", g, b, audiotest.Describe(heard, CallerRate))
	}
	if st, _ := m.Stats(600); st.Solo == 0 {
		t.Errorf("no one-party ticks: %+v", st)
	}
}
