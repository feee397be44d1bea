// Package common holds what every screen of the meet TUI shares: the
// context (size, styles, keys, clock, who is who), key bindings, and the
// small formatting and parsing helpers of the domain.
package common

import (
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/internal/i18n"
)

// Context is shared by the root model and every component.
type Context struct {
	Width, Height int
	Styles        *Styles
	Keys          *Keys
	Now           func() time.Time
	Me            api.Staff
	Staff         map[int64]api.Staff
	Channels      map[int64]api.Channel
	// Tr translates what the screens say (nil: English).
	Tr *i18n.Printer
}

// T translates a message format and formats it (see package i18n).
func (c *Context) T(format string, args ...any) string { return c.Tr.T(format, args...) }

// Japanese reports whether the screens speak Japanese.
func (c *Context) Japanese() bool { return c.Tr.Lang() == i18n.Japanese }

// NewContext builds a context with the given styles and keys and the wall clock.
func NewContext(st *Styles, keys *Keys) *Context {
	return &Context{Styles: st, Keys: keys, Now: time.Now,
		Staff: map[int64]api.Staff{}, Channels: map[int64]api.Channel{}, Width: 80, Height: 24}
}

// StaffName names a staff member: "you" for oneself, the name, the e-mail or "#id".
func (c *Context) StaffName(id int64) string {
	if id == 0 {
		return c.T("system")
	}
	if id == c.Me.ID {
		return c.T("you")
	}
	if s, ok := c.Staff[id]; ok {
		if s.Name != "" {
			return s.Name
		}
		return s.Email
	}
	return c.T("staff #%d", id)
}

// IsSupervisor reports whether the logged-in member may listen, whisper and barge.
func (c *Context) IsSupervisor() bool { return c.Me.Role.Rank() >= api.RoleSupervisor.Rank() }
