package i18n

import (
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		cfg  string
		env  map[string]string
		want Lang
	}{
		{"", nil, English},
		{"", map[string]string{"LANG": "ja_JP.UTF-8"}, Japanese},
		{"", map[string]string{"LANG": "ja_JP.UTF-8", "LC_ALL": "C"}, English},
		{"", map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "ja_JP.UTF-8"}, Japanese},
		{"ja", map[string]string{"LANG": "en_US.UTF-8"}, Japanese},
		{"en", map[string]string{"LANG": "ja_JP.UTF-8"}, English},
		{"klingon", map[string]string{"LANG": "ja_JP.UTF-8"}, Japanese},
	}
	for _, c := range cases {
		if got := Detect(c.cfg, env(c.env)); got != c.want {
			t.Errorf("Detect(%q, %v) = %s, want %s", c.cfg, c.env, got, c.want)
		}
	}
}

func TestTranslationsKeepTheirArguments(t *testing.T) {
	for en, ja := range japanese {
		if strings.Count(en, "%")-2*strings.Count(en, "%%") != strings.Count(ja, "%")-2*strings.Count(ja, "%%") {
			t.Errorf("%q → %q: the number of verbs differs", en, ja)
		}
		if ja == "" {
			t.Errorf("%q has an empty translation", en)
		}
	}
	p := New(Japanese)
	if got := p.T("chat #%d closed", 4); got != "チャット #4 を終了済みにしました" {
		t.Errorf("got %q", got)
	}
	if got := New(English).T("chat #%d closed", 4); got != "chat #4 closed" {
		t.Errorf("got %q", got)
	}
	var nilP *Printer
	if got := nilP.T("untranslated %s", "x"); got != "untranslated x" {
		t.Errorf("got %q", got)
	}
}
