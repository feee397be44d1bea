package common

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Styles are the lipgloss styles of every screen. Without colour (NO_COLOR,
// a dumb terminal, tests) they fall back to bold, reverse and underline.
type Styles struct {
	Color      bool
	Title      lipgloss.Style
	Tab        lipgloss.Style
	TabActive  lipgloss.Style
	Header     lipgloss.Style
	Selected   lipgloss.Style
	Dim        lipgloss.Style
	Bold       lipgloss.Style
	Missed     lipgloss.Style
	OK         lipgloss.Style
	Warn       lipgloss.Style
	Error      lipgloss.Style
	Key        lipgloss.Style
	CallBar    lipgloss.Style
	Overlay    lipgloss.Style
	Link       lipgloss.Style
	StatusLine lipgloss.Style
	// G are the glyphs the screens draw their own lines and marks with.
	G Glyphs
}

// Glyphs are the characters of the screens' chrome (separators, rules,
// meters, marks). The Unicode set reads best; many of its characters are
// East Asian "ambiguous width", which Japanese terminals often draw two
// cells wide, so the Safe set (ASCII) keeps borders straight there.
type Glyphs struct {
	Sep, VBar, HLine, Ellipsis, Dot, Full, Empty, Arrow, BackArrow, Quote string
}

// UnicodeGlyphs and SafeGlyphs are the two glyph sets.
var (
	UnicodeGlyphs = Glyphs{Sep: " · ", VBar: "│", HLine: "─", Ellipsis: "…", Dot: "●", Full: "█", Empty: "░", Arrow: "→", BackArrow: "←", Quote: "»"}
	SafeGlyphs    = Glyphs{Sep: " | ", VBar: "|", HLine: "-", Ellipsis: "~", Dot: "*", Full: "#", Empty: ".", Arrow: "->", BackArrow: "<-", Quote: ">"}
)

// UseSafeGlyphs switches to ASCII chrome (Japanese, or a terminal drawing
// ambiguous-width characters two cells wide): glyphs, the overlay's
// border and the ellipsis of truncated text. Call it once, before the
// program starts.
func (s *Styles) UseSafeGlyphs() {
	s.G = SafeGlyphs
	s.Overlay = s.Overlay.Border(asciiBorder)
	ellipsis = SafeGlyphs.Ellipsis
}

var asciiBorder = lipgloss.Border{Top: "-", Bottom: "-", Left: "|", Right: "|", TopLeft: "+", TopRight: "+", BottomLeft: "+", BottomRight: "+"}

// Mode is how much of the terminal's styling the screens use.
type Mode int

const (
	// Plain is text alone (a dumb terminal; tests).
	Plain Mode = iota
	// Mono is bold, reverse video and underline without colour (NO_COLOR:
	// no colour, but the selection and the cursor still show).
	Mono
	// Color is 256 colours.
	Color
)

// NewStyles builds styles rendering to w; color false gives plain styles.
func NewStyles(w io.Writer, color bool) *Styles {
	if color {
		return NewStylesMode(w, Color)
	}
	return NewStylesMode(w, Plain)
}

// NewStylesMode builds styles rendering to w in a mode.
func NewStylesMode(w io.Writer, mode Mode) *Styles {
	color := mode == Color
	r := lipgloss.NewRenderer(w)
	switch mode {
	case Plain:
		r.SetColorProfile(termenv.Ascii)
	case Mono:
		r.SetColorProfile(termenv.ANSI) // attributes only: no colour is ever set below
	default:
		r.SetColorProfile(termenv.ANSI256)
	}
	s := &Styles{Color: color, G: UnicodeGlyphs}
	ellipsis = UnicodeGlyphs.Ellipsis
	ns := r.NewStyle
	s.Title = ns().Bold(true)
	s.Tab = ns().Padding(0, 1)
	s.TabActive = ns().Padding(0, 1).Bold(true).Reverse(true)
	s.Header = ns().Bold(true).Underline(true)
	s.Selected = ns().Reverse(true)
	s.Dim = ns().Faint(true)
	s.Bold = ns().Bold(true)
	s.Missed = ns().Bold(true)
	s.OK = ns()
	s.Warn = ns().Bold(true)
	s.Error = ns().Bold(true)
	s.Key = ns().Bold(true)
	s.CallBar = ns().Reverse(true)
	s.Overlay = ns().Border(lipgloss.NormalBorder()).Padding(0, 1)
	s.Link = ns().Underline(true)
	s.StatusLine = ns()
	if color {
		s.TabActive = s.TabActive.Reverse(false).Foreground(lipgloss.Color("0")).Background(lipgloss.Color("39"))
		s.Selected = s.Selected.Reverse(false).Foreground(lipgloss.Color("15")).Background(lipgloss.Color("24"))
		s.Dim = s.Dim.Foreground(lipgloss.Color("245"))
		s.Missed = s.Missed.Foreground(lipgloss.Color("203"))
		s.OK = s.OK.Foreground(lipgloss.Color("42"))
		s.Warn = s.Warn.Foreground(lipgloss.Color("214"))
		s.Error = s.Error.Foreground(lipgloss.Color("196"))
		s.Key = s.Key.Foreground(lipgloss.Color("39"))
		s.CallBar = s.CallBar.Reverse(false).Foreground(lipgloss.Color("15")).Background(lipgloss.Color("22"))
		s.Overlay = s.Overlay.BorderForeground(lipgloss.Color("214"))
		s.Link = s.Link.Foreground(lipgloss.Color("39"))
	}
	return s
}
