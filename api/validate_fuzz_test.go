package api

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzTextRule: whatever the validation layer lets through holds no
// control character (but newline and tab in multi-line text), is valid
// UTF-8 within its cap, and cleans to itself.
func FuzzTextRule(f *testing.F) {
	for _, s := range []string{"VIP", "\u001b[2J\u001b[31mVIP", "x\u0000y", "../../etc/passwd", "ünïcödé 名前", "a\nb\tc", "\u202egnp.exe",
		"\xff\xfe", " padded ", strings.Repeat("a", 300), ".", ".."} {
		f.Add(s)
	}
	rules := []TextRule{NameRule, TagRule, MemoRule, SearchRule, FieldRule}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range rules {
			out, err := r.Clean(s)
			if err != nil {
				if CodeOf(err) != CodeBadRequest {
					t.Fatalf("%q %s: %v", s, r.Field, err)
				}
				continue
			}
			if !utf8.ValidString(out) || (r.Max > 0 && utf8.RuneCountInString(out) > r.Max) {
				t.Fatalf("%q %s: %q let through", s, r.Field, out)
			}
			for _, c := range out {
				if unicode.IsControl(c) && !(r.Multiline && (c == '\n' || c == '\t' || c == '\r')) {
					t.Fatalf("%q %s: control U+%04X let through", s, r.Field, c)
				}
			}
			if again, err := r.Clean(out); err != nil || again != out {
				t.Fatalf("%q %s: not idempotent: %q, %v", s, r.Field, again, err)
			}
		}
	})
}
