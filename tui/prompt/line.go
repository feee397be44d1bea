package prompt

import (
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// maxLen bounds what one prompt takes (a long memo is fine, a paste of a
// file is not).
const maxLen = 4000

// line is a single-line editor: insert, delete, move by character and word,
// home/end, ctrl+u/ctrl+k/ctrl+w, pastes.
type line struct {
	text []rune
	pos  int
}

func (l *line) insert(rs []rune) {
	var clean []rune
	for _, r := range rs {
		if r == '\n' || r == '\r' || r == '\t' {
			r = ' '
		}
		if unicode.IsPrint(r) {
			clean = append(clean, r)
		}
	}
	if len(l.text)+len(clean) > maxLen {
		clean = clean[:max(maxLen-len(l.text), 0)]
	}
	l.text = append(l.text[:l.pos], append(clean, l.text[l.pos:]...)...)
	l.pos += len(clean)
}

func (l *line) key(k tea.KeyMsg) {
	switch k.Type {
	case tea.KeyRunes, tea.KeySpace:
		l.insert(k.Runes)
	case tea.KeyBackspace:
		if l.pos > 0 {
			l.text = append(l.text[:l.pos-1], l.text[l.pos:]...)
			l.pos--
		}
	case tea.KeyDelete, tea.KeyCtrlD:
		if l.pos < len(l.text) {
			l.text = append(l.text[:l.pos], l.text[l.pos+1:]...)
		}
	case tea.KeyLeft, tea.KeyCtrlB:
		l.pos = max(l.pos-1, 0)
	case tea.KeyRight, tea.KeyCtrlF:
		l.pos = min(l.pos+1, len(l.text))
	case tea.KeyHome, tea.KeyCtrlA:
		l.pos = 0
	case tea.KeyEnd, tea.KeyCtrlE:
		l.pos = len(l.text)
	case tea.KeyCtrlU:
		l.text = append([]rune(nil), l.text[l.pos:]...)
		l.pos = 0
	case tea.KeyCtrlK:
		l.text = l.text[:l.pos]
	case tea.KeyCtrlW:
		i := l.pos
		for i > 0 && l.text[i-1] == ' ' {
			i--
		}
		for i > 0 && l.text[i-1] != ' ' {
			i--
		}
		l.text = append(l.text[:i], l.text[l.pos:]...)
		l.pos = i
	}
}

func (l *line) set(s string) {
	l.text = []rune(s)
	l.pos = len(l.text)
}

// view shows the text scrolled so the cursor is visible within width
// cells, the cursor drawn with the given style. It counts display cells,
// not runes: a Japanese character takes two, so a long memo in Japanese
// scrolls as far as it needs and the cursor never leaves the screen.
func (l *line) view(cursor lipgloss.Style, width int) string {
	width = max(width, 2)
	cells := func(rs []rune) int { return ansi.StringWidth(string(rs)) }
	at := " "
	if l.pos < len(l.text) {
		at = string(l.text[l.pos])
	}
	aw := max(ansi.StringWidth(at), 1)
	// start: the first rune shown, so that the text before the cursor
	// plus the cursor itself fit in width.
	start := 0
	for start < l.pos && cells(l.text[start:l.pos])+aw > width {
		start++
	}
	used := cells(l.text[start:l.pos]) + aw
	end := l.pos
	if l.pos < len(l.text) {
		end = l.pos + 1
		for end < len(l.text) {
			w := ansi.StringWidth(string(l.text[end]))
			if used+w > width {
				break
			}
			used += w
			end++
		}
	}
	after := ""
	if l.pos+1 <= end && l.pos < len(l.text) {
		after = string(l.text[l.pos+1 : end])
	}
	return string(l.text[start:l.pos]) + cursor.Render(at) + after
}
