package callbar

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
	"github.com/stretchr/testify/require"
)

// Without a sound card the bar does not claim "mic on" or show a speaker
// level nobody hears.
func TestNoSoundCardIsSaid(t *testing.T) {
	ctx := common.NewContext(common.NewStyles(io.Discard, false), common.MustDefaultKeys())
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	ctx.Now = func() time.Time { return at.Add(83 * time.Second) }
	s := State{Call: api.Call{ID: 1, State: api.CallActive}, Customer: "+8190", Since: at,
		Phone: common.PhoneStats{Connected: true, MicDBFS: -20, SpeakerDBFS: -20}}
	v := View(ctx, s, 100)
	require.Contains(t, v, "mic on")
	require.Contains(t, v, "spk ████")
	s.Phone.NoMic, s.Phone.NoSpeaker = true, true
	for _, w := range []int{60, 80, 100} {
		v = View(ctx, s, w)
		require.NotContains(t, v, "mic on")
		require.Contains(t, v, "NO MIC")
		require.NotContains(t, v, "█", "no meter for devices that do not exist")
		for _, l := range strings.Split(v, "\n") {
			require.Equal(t, w, ansi.StringWidth(l), "each line is %d cells", w)
		}
	}
	require.Contains(t, View(ctx, s, 100), "none: not heard")
}
