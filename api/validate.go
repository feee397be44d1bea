package api

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// One validation layer for text that people type and other people's
// terminals show: names, tags, memos, messages, profile fields, search
// text. Text must be valid UTF-8 without control characters (no NUL, no
// ESC: nothing that could drive another operator's terminal) and without
// bidirectional overrides; only multi-line text keeps newlines and tabs.

// Text kinds and their length caps (in characters).
const (
	MaxNameLen   = 100    // channel, team, staff and customer names
	MaxTagLen    = 64     // chat and customer tags
	MaxMemoLen   = 10_000 // memos and internal messages
	MaxSearchLen = 200    // free-text search (q)
)

// TextRule says what a piece of text may hold.
type TextRule struct {
	Field     string // name in error messages, e.g. "tag"
	Max       int    // characters (runes); 0: no cap
	Multiline bool   // newlines and tabs allowed
	Required  bool   // empty (after trimming spaces) is an error
	NoPath    bool   // no '/' or '\', and not "." or ".." (names that may meet paths or URL segments)
}

// Common rules.
var (
	NameRule   = TextRule{Field: "name", Max: MaxNameLen, Required: true, NoPath: true}
	TagRule    = TextRule{Field: "tag", Max: MaxTagLen, Required: true, NoPath: true}
	MemoRule   = TextRule{Field: "text", Max: MaxMemoLen, Multiline: true, Required: true}
	SearchRule = TextRule{Field: "q", Max: MaxSearchLen}
	FieldRule  = TextRule{Field: "profile field", Max: 500}
)

// Clean trims s and checks it against the rule; the error is a
// bad_request *Error naming the field and the problem.
func (r TextRule) Clean(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", Errorf(CodeBadRequest, "%s is not valid UTF-8", r.Field)
	}
	if s == "" {
		if r.Required {
			return "", Errorf(CodeBadRequest, "%s is empty", r.Field)
		}
		return s, nil
	}
	if r.Max > 0 && utf8.RuneCountInString(s) > r.Max {
		return "", Errorf(CodeBadRequest, "%s is longer than %d characters", r.Field, r.Max)
	}
	for _, c := range s {
		if r.Multiline && (c == '\n' || c == '\t') {
			continue
		}
		if c == '\r' && r.Multiline {
			continue
		}
		if unicode.IsControl(c) || isBidiControl(c) || c == utf8.RuneError {
			return "", Errorf(CodeBadRequest, "%s contains a control character (U+%04X)", r.Field, c)
		}
	}
	if r.NoPath {
		if strings.ContainsAny(s, `/\`) || s == "." || s == ".." {
			return "", Errorf(CodeBadRequest, "%s %q may not contain '/' or '\\' or be '.' or '..'", r.Field, s)
		}
	}
	return s, nil
}

// As returns the rule with another field name.
func (r TextRule) As(field string) TextRule { r.Field = field; return r }

// isBidiControl reports the Unicode bidirectional embedding, override and
// isolate characters, which can make text display as something else.
func isBidiControl(c rune) bool {
	return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0x061C
}
