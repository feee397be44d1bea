package tui

import (
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
)

// noPhone stands in when the softphone could not start: the inbox works,
// calls can be managed, the call bar says why there is no audio.
type noPhone struct {
	reason  string
	muted   bool
	denoise bool
}

func (p *noPhone) Joined(r api.JoinResult) { p.muted = r.MuteOnJoin }
func (p *noPhone) Left()                   {}
func (p *noPhone) SetMuted(b bool)         { p.muted = b }
func (p *noPhone) Muted() bool             { return p.muted }
func (p *noPhone) SetDenoise(b bool)       { p.denoise = b }
func (p *noPhone) Ring(bool)               {}
func (p *noPhone) Stats() common.PhoneStats {
	return common.PhoneStats{Muted: p.muted, Denoise: p.denoise, MicDBFS: -90, SpeakerDBFS: -90, Problem: p.reason}
}

// NoPhone returns a Phone without audio that explains why in the call bar.
func NoPhone(reason string) Phone { return &noPhone{reason: reason, denoise: true} }
