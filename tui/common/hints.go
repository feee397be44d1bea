package common

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Hint is one "key what" pair of a hint line.
type Hint struct {
	Action Action
	Label  string // already translated
}

// HintLine lays hints out within w cells, most important first: hints that
// do not fit are left out whole (never cut in the middle), and the help
// hint is kept in its place whenever anything is shown, so `?` always
// leads to the rest. Actions without a key are skipped.
func HintLine(k *Keys, hints []Hint, w int) string {
	return HintLineSep(k, hints, w, UnicodeGlyphs.Sep)
}

// HintLineSep is HintLine with its own separator.
func HintLineSep(k *Keys, hints []Hint, w int, sep string) string {
	type part struct {
		text string
		help bool
	}
	var parts []part
	used := 0
	for _, h := range hints {
		key := k.First(h.Action)
		if key == "" {
			continue
		}
		p := part{text: key + " " + h.Label, help: h.Action == ActHelp}
		if p.help {
			used = ansi.StringWidth(p.text)
		}
		parts = append(parts, p)
	}
	var keep []string
	for _, p := range parts {
		if p.help {
			keep = append(keep, p.text)
			continue
		}
		pw := ansi.StringWidth(p.text)
		if used > 0 || len(keep) > 0 {
			pw += ansi.StringWidth(sep)
		}
		if used+pw > w {
			continue // a shorter one further on may still fit
		}
		keep = append(keep, p.text)
		used += pw
	}
	return Truncate(strings.Join(keep, sep), w)
}
