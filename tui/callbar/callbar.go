// Package callbar draws the two-line bar shown while in a call: caller,
// timer, participants, mute, levels, noise suppression and link quality.
package callbar

import (
	"fmt"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
)

// Height is how many lines the bar takes.
const Height = 2

// State is what the bar shows.
type State struct {
	Call     api.Call
	Customer string
	Mode     api.JoinMode // how we are in the call
	Since    time.Time    // when we joined (timer start when the call has no answer time)
	Phone    common.PhoneStats
}

// View draws the bar at width w.
func View(ctx *common.Context, s State, w int) string {
	st := ctx.Styles
	now := ctx.Now()
	start := s.Since
	if s.Call.Answered != nil {
		start = *s.Call.Answered
	}
	T := ctx.T
	mute := T("mic on")
	switch {
	case s.Phone.NoMic:
		mute = T("NO MIC: caller hears silence")
	case s.Phone.Muted:
		mute = T("MUTED")
	}
	ns := T("NS off")
	if s.Phone.Denoise {
		ns = T("NS on")
	}
	state := st.G.Dot
	if s.Call.State != api.CallActive && s.Call.State != "" {
		state = st.G.Dot + " " + T(string(s.Call.State))
	}
	mode := ""
	if s.Mode != "" && s.Mode != api.ModeTalk {
		mode = " [" + T(string(s.Mode)) + "]"
	}
	switch held := time.Duration(s.Call.HeldS) * time.Second; {
	case s.Call.HeldSince != nil:
		mode += T(" ON HOLD %[1]s (held %[2]s)", common.Clock(now.Sub(*s.Call.HeldSince)), common.Clock(held+now.Sub(*s.Call.HeldSince)))
	case held > 0:
		mode += T(" (held %[1]s)", common.Clock(held))
	}
	l1 := T(" %[1]s %[2]s %[3]s%[4]s  %[5]s  %[6]s  with: %[7]s", state, s.Customer, common.Clock(now.Sub(start)), mode, mute, ns,
		participants(ctx, s.Call.Participants))
	link := T("link: connecting")
	if s.Phone.Connected {
		link = fmt.Sprintf("rtt %dms loss %.1f%% jitter %dms", s.Phone.RTT.Milliseconds(), s.Phone.Loss*100, s.Phone.Jitter.Milliseconds())
	}
	if s.Phone.Problem != "" {
		link = T("audio: %s", s.Phone.Problem)
	}
	mw := 8
	if w >= 100 {
		mw = 12
	}
	mic, spk := common.MeterWith(st.G, s.Phone.MicDBFS, mw), common.MeterWith(st.G, s.Phone.SpeakerDBFS, mw)
	if s.Phone.NoMic {
		mic = common.Fit(T("none"), mw)
	}
	if s.Phone.NoSpeaker {
		spk = common.Fit(T("none: not heard"), mw+4)
	}
	l2 := T(" mic %[1]s spk %[2]s  %[3]s  %[4]s hang up · %[5]s mute", mic, spk,
		link, ctx.Keys.First(common.ActHangup), ctx.Keys.First(common.ActMute))
	return st.CallBar.Render(common.Fit(l1, w)) + "\n" + st.CallBar.Render(common.Fit(l2, w))
}

func participants(ctx *common.Context, ps []api.Participant) string {
	var out []string
	for _, p := range ps {
		if p.Left != nil {
			continue
		}
		s := ctx.StaffName(p.StaffID)
		if p.Mode != "" && p.Mode != api.ModeTalk {
			s += " (" + ctx.T(string(p.Mode)) + ")"
		}
		if p.Muted {
			s += " (" + ctx.T("muted") + ")"
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return ctx.T("nobody yet")
	}
	return strings.Join(out, ", ")
}
