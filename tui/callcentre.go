package tui

import (
	"bytes"
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/tui/common"
)

// Player plays a recording in the speaker (*softphone.Phone, adapted in
// cmd/meet). Without one, voicemails can still be saved with `meet voicemail`.
type Player interface {
	PlayClip(pcm audio.PCM16, rate int) error
	PauseClip(paused bool)
	SeekClip(d time.Duration)
	StopClip()
	Clip() (pos, length time.Duration, loaded, paused bool)
}

// WithPlayer sets the voicemail player.
func WithPlayer(p Player) Option { return func(m *Model) { m.player = p } }

// seekStep is how far < and > move a playing voicemail.
const seekStep = 5 * time.Second

// clipMsg is a voicemail downloaded and decoded for playing.
type clipMsg struct {
	chatID int64
	rec    api.Recording
	wav    *audio.WAV
	err    error
}

// playback runs the voicemail keys: p loads and plays the chat's newest
// voicemail, or pauses / resumes it; < and > seek; P stops.
func (m *Model) playback(a common.Action) tea.Cmd {
	if m.player == nil {
		return m.setFlash(m.ctx.T("no speaker to play on (save it with `meet voicemail CHAT --out FILE`)"), true)
	}
	_, _, loaded, paused := m.player.Clip()
	switch a {
	case common.ActStopPlay:
		m.player.StopClip()
		return m.setFlash(m.ctx.T("voicemail stopped"), false)
	case common.ActSeekBack, common.ActSeekFwd:
		if !loaded {
			return m.setFlash(m.ctx.T("no voicemail playing (%[1]s plays)", m.ctx.Keys.First(common.ActPlay)), false)
		}
		d := seekStep
		if a == common.ActSeekBack {
			d = -d
		}
		m.player.SeekClip(d)
		return m.clipFlash()
	}
	chat, ok := m.targetChat()
	if loaded && (!ok || chat.ID == m.clipChat) {
		m.player.PauseClip(!paused)
		return m.clipFlash()
	}
	if !ok {
		return m.setFlash(m.ctx.T("select a chat with a voicemail"), false)
	}
	id := chat.ID
	return func() tea.Msg {
		ctx, cancel := m.rctx()
		defer cancel()
		return loadVoicemail(ctx, m.chats, id)
	}
}

// loadVoicemail fetches chat id's newest voicemail and decodes it.
func loadVoicemail(ctx context.Context, b ChatReader, id int64) clipMsg {
	msg := clipMsg{chatID: id}
	c, err := b.Chat(ctx, id)
	if err != nil {
		msg.err = err
		return msg
	}
	var expired *api.Recording
	for _, r := range c.Recordings {
		switch {
		case r.Kind != api.RecordingVoicemail:
		case r.Expired != nil:
			expired = &r
		default:
			msg.rec = r
		}
	}
	if msg.rec.ID == 0 && expired != nil {
		msg.err = fmt.Errorf("the voicemail of chat #%d expired on %s (retention)", id, expired.Expired.Local().Format(time.DateOnly))
		return msg
	}
	if msg.rec.ID == 0 {
		msg.err = fmt.Errorf("chat #%d has no voicemail", id)
		return msg
	}
	var buf bytes.Buffer
	if msg.err = b.Recording(ctx, msg.rec.ID, &buf); msg.err != nil {
		return msg
	}
	msg.wav, msg.err = audio.ReadWAV(&buf)
	return msg
}

func (m *Model) clipLoaded(msg clipMsg) tea.Cmd {
	if msg.err != nil {
		return m.fail(m.ctx.T("voicemail"), msg.err)
	}
	if err := m.player.PlayClip(msg.wav.Samples, msg.wav.Rate); err != nil {
		return m.fail(m.ctx.T("voicemail"), err)
	}
	m.clipChat = msg.chatID
	m.log.Info("playing voicemail", "chat_id", msg.chatID, "recording_id", msg.rec.ID, "seconds", msg.wav.Duration().Seconds())
	return m.clipFlash()
}

// clipFlash says where the voicemail is and which keys drive it.
func (m *Model) clipFlash() tea.Cmd {
	pos, length, loaded, paused := m.player.Clip()
	if !loaded {
		return m.setFlash(m.ctx.T("voicemail finished"), false)
	}
	state := m.ctx.T("playing")
	if paused {
		state = m.ctx.T("paused")
	}
	k := m.ctx.Keys
	return m.setFlash(m.ctx.T("voicemail %[1]s %[2]s / %[3]s (%[4]s pause, %[5]s %[6]s seek, %[7]s stop)", state,
		common.Clock(pos), common.Clock(length), k.First(common.ActPlay), k.First(common.ActSeekBack),
		k.First(common.ActSeekFwd), k.First(common.ActStopPlay)), false)
}

// toggleHold puts the call we are in on hold, or takes it off.
func (m *Model) toggleHold() tea.Cmd {
	if m.call == nil {
		return m.setFlash(m.ctx.T("not in a call"), false)
	}
	id := m.call.call.ID
	if m.call.call.HeldSince != nil {
		return m.do(m.ctx.T("call resumed"), 0, func(ctx context.Context) error { return m.calls.Resume(ctx, id) })
	}
	return m.do(m.ctx.T("call on hold: the caller hears hold music"), 0, func(ctx context.Context) error { return m.calls.Hold(ctx, id) })
}
