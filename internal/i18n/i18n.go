// Package i18n picks the language of meet's screens and messages and
// translates them through one small table per language.
//
// The key of a message is its English format string (as gettext and
// golang.org/x/text/message do), so English needs no table and a message
// missing from a table still reads, in English. Translations may reorder
// arguments with explicit indexes (%[2]s … %[1]d); nothing is built by
// concatenating translated pieces.
package i18n

import (
	"fmt"
	"strings"
)

// Lang is a language meet speaks.
type Lang int

const (
	English Lang = iota
	Japanese
)

func (l Lang) String() string {
	if l == Japanese {
		return "ja"
	}
	return "en"
}

// ParseLang reads a configured language: "en", "ja", "ja_JP.UTF-8",
// "japanese"… ok is false for an empty or unknown value.
func ParseLang(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return English, false
	case s == "ja" || strings.HasPrefix(s, "ja_") || strings.HasPrefix(s, "ja-") || strings.HasPrefix(s, "ja.") || s == "japanese":
		return Japanese, true
	case s == "en" || strings.HasPrefix(s, "en_") || strings.HasPrefix(s, "en-") || s == "english" || s == "c" || s == "posix" ||
		strings.HasPrefix(s, "c."):
		return English, true
	}
	return English, false
}

// Detect picks the language: the configured one (`language:` in the
// config file) when set, else the locale (LC_ALL, LC_MESSAGES, LANG, in
// POSIX order of precedence), else English.
func Detect(configured string, getenv func(string) string) Lang {
	if l, ok := ParseLang(configured); ok {
		return l
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			l, _ := ParseLang(v)
			return l // the first set variable decides, as setlocale does
		}
	}
	return English
}

// Printer translates messages into one language.
type Printer struct {
	lang  Lang
	table map[string]string
}

// New returns the printer of a language.
func New(l Lang) *Printer {
	p := &Printer{lang: l}
	if l == Japanese {
		p.table = japanese
	}
	return p
}

// Lang is the printer's language.
func (p *Printer) Lang() Lang {
	if p == nil {
		return English
	}
	return p.lang
}

// T translates format and formats args into it (fmt.Sprintf verbs). A nil
// printer speaks English.
func (p *Printer) T(format string, args ...any) string {
	if p != nil {
		if tr, ok := p.table[format]; ok {
			format = tr
		}
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// Has reports whether format has a translation (tests use it to check a
// catalogue is complete).
func (p *Printer) Has(format string) bool {
	if p == nil || p.lang == English {
		return true
	}
	_, ok := p.table[format]
	return ok
}
