package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/softphone"
	"github.com/meet-dev/meet/tui"
	"github.com/meet-dev/meet/tui/common"
)

// phoneConfig picks devices or files for the softphone inside the TUI.
type phoneConfig struct {
	prefs       tui.Prefs
	inWAV       string // headless: a WAV as the microphone
	outWAV      string // headless: record the speaker to a WAV
	loopbackICE bool
}

// openPhone starts the softphone in the background so the first screen
// does not wait for WebRTC; a phone that cannot start leaves the TUI
// working, with the reason shown in the call bar.
// The player plays voicemails in the same speaker (nil without a phone).
func openPhone(ctx context.Context, sig softphone.Signaller, pc phoneConfig, log *slog.Logger) (tui.Phone, tui.Player, func()) {
	opts := []softphone.Option{softphone.WithLogger(log), softphone.WithDenoise(pc.prefs.Denoise)}
	if pc.inWAV != "" {
		opts = append(opts, softphone.WithInputWAV(pc.inWAV))
	} else {
		opts = append(opts, softphone.WithInputDevice(pc.prefs.Input))
	}
	if pc.outWAV != "" {
		opts = append(opts, softphone.WithOutputWAV(pc.outWAV))
	} else {
		opts = append(opts, softphone.WithOutputDevice(pc.prefs.Output))
	}
	if pc.loopbackICE {
		opts = append(opts, softphone.WithLoopbackICE())
	}
	p, err := softphone.New(sig, opts...)
	if err != nil {
		log.Error("softphone unavailable", "err", err)
		return tui.NoPhone(err.Error()), nil, func() {}
	}
	a := &phoneAdapter{p: p}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := p.Start(ctx); err != nil && ctx.Err() == nil {
			log.Warn("softphone did not start; it keeps retrying", "err", err)
			a.setProblem(err.Error())
		}
	}()
	go func() {
		defer wg.Done()
		for ev := range p.Events() { // closed by Close
			log.Info("softphone", "event", ev.String(), "call_id", ev.CallID)
			switch ev.Type {
			case softphone.EventError:
				msg := ev.Message
				if msg == "" && ev.Err != nil {
					msg = ev.Err.Error()
				}
				switch {
				case errors.Is(ev.Err, softphone.ErrNoMicrophone):
					a.setMissing(true, false) // stays: no device will appear by reconnecting
				case errors.Is(ev.Err, softphone.ErrNoSpeaker):
					a.setMissing(false, true)
				default:
					a.setProblem(msg)
				}
			case softphone.EventDevice:
				a.setProblem("")
			case softphone.EventState:
				if ev.State == softphone.StateConnected {
					a.setProblem("")
				}
			}
		}
	}()
	return a, a, func() {
		if err := p.Close(); err != nil {
			log.Warn("closing softphone", "err", err)
		}
		wg.Wait()
	}
}

// phoneAdapter is *softphone.Phone as the TUI sees it.
type phoneAdapter struct {
	p       *softphone.Phone
	mu      sync.Mutex
	problem string // the link or a device failing now; cleared when it recovers
	// noMic, noSpeaker: the machine has no such device (no sound card);
	// kept for the whole run, whatever the link does
	noMic, noSpeaker bool
}

func (a *phoneAdapter) setProblem(s string) { a.mu.Lock(); a.problem = s; a.mu.Unlock() }

func (a *phoneAdapter) setMissing(mic, speaker bool) {
	a.mu.Lock()
	a.noMic, a.noSpeaker = a.noMic || mic, a.noSpeaker || speaker
	a.mu.Unlock()
}

func (a *phoneAdapter) Joined(r api.JoinResult) { a.p.Joined(r) }
func (a *phoneAdapter) Left()                   { a.p.Left() }
func (a *phoneAdapter) SetMuted(b bool)         { a.p.SetMuted(b) }
func (a *phoneAdapter) Muted() bool             { return a.p.Muted() }
func (a *phoneAdapter) SetDenoise(b bool)       { a.p.SetDenoise(b) }
func (a *phoneAdapter) Ring(on bool)            { a.p.Ring(on) }

func (a *phoneAdapter) Stats() common.PhoneStats {
	s := a.p.Snapshot()
	a.mu.Lock()
	problem, noMic, noSpeaker := a.problem, a.noMic, a.noSpeaker
	a.mu.Unlock()
	return common.PhoneStats{Connected: s.Connected, RTT: s.RTT, Loss: s.Loss, Jitter: s.Jitter,
		MicDBFS: s.MicDBFS, SpeakerDBFS: s.SpeakerDBFS, Muted: s.Muted, Denoise: s.Denoise, Problem: problem,
		NoMic: noMic, NoSpeaker: noSpeaker}
}

// The voicemail player (tui.Player) is the softphone's speaker path.
func (a *phoneAdapter) PlayClip(pcm audio.PCM16, rate int) error { return a.p.PlayClip(pcm, rate) }
func (a *phoneAdapter) PauseClip(paused bool)                    { a.p.PauseClip(paused) }
func (a *phoneAdapter) SeekClip(d time.Duration)                 { a.p.SeekClip(d) }
func (a *phoneAdapter) StopClip()                                { a.p.StopClip() }
func (a *phoneAdapter) Clip() (pos, length time.Duration, loaded, paused bool) {
	c := a.p.Clip()
	return c.Position, c.Length, c.Playing, c.Paused
}
