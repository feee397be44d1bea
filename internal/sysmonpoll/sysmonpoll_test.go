package sysmonpoll

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRestarted(t *testing.T) {
	start := time.Unix(0, 1234)
	day := 24 * time.Hour
	for _, c := range []struct {
		name    string
		env     []string
		boot    time.Duration
		ok      bool
		godebug string
	}{
		{"no GODEBUG", []string{"A=1"}, day, true, "GODEBUG=schedtrace=2147483647"},
		{"other settings kept", []string{"GODEBUG=gctrace=1", "A=1"}, day, true, "GODEBUG=gctrace=1,schedtrace=2147483647"},
		{"user's schedtrace", []string{"GODEBUG=gctrace=1, schedtrace=0"}, day, false, ""},
		{"already started again", []string{envWas + "=", "GODEBUG=schedtrace=2147483647"}, day, false, ""},
		{"a trace within a week", []string{"A=1"}, 18 * day, false, ""},
		{"a trace after a week", []string{"A=1"}, 17 * day, true, "GODEBUG=schedtrace=2147483647"},
	} {
		env, ok := restarted(c.env, c.boot, start)
		if ok != c.ok {
			t.Errorf("%s: restarted %v, want %v", c.name, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		if !slices.Contains(env, c.godebug) || slices.Contains(c.env, "A=1") && !slices.Contains(env, "A=1") {
			t.Errorf("%s: environment %q, want %q and the rest kept", c.name, env, c.godebug)
		}
		n := 0
		for _, kv := range env {
			if strings.HasPrefix(kv, "GODEBUG=") {
				n++
			}
		}
		if n != 1 || !slices.Contains(env, envStart+"=1234") {
			t.Errorf("%s: environment %q: want one GODEBUG and the start", c.name, env)
		}
	}
}

// TestUndo: the program started again gets the caller's GODEBUG back (or
// none) and no markers, and learns when the first one started.
func TestUndo(t *testing.T) {
	for _, was := range []string{"", "gctrace=1"} {
		var environ []string // no GODEBUG at all when was is empty
		if was != "" {
			environ = []string{"GODEBUG=" + was}
		}
		env, ok := restarted(environ, time.Hour, time.Unix(0, 99))
		if !ok {
			t.Fatal("not started again")
		}
		m := map[string]string{}
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = v
		}
		first, ok := undo(func(k string) (string, bool) { v, ok := m[k]; return v, ok },
			func(k, v string) { m[k] = v }, func(k string) { delete(m, k) }, time.Unix(0, 1))
		if !ok || !first.Equal(time.Unix(0, 99)) {
			t.Errorf("GODEBUG %q: first start %v, %v", was, first, ok)
		}
		v, set := m["GODEBUG"]
		if want := was != ""; set != want || v != was {
			t.Errorf("GODEBUG %q: back as %q (set %v)", was, v, set)
		}
		if _, ok := m[envWas]; ok {
			t.Errorf("marker left: %v", m)
		}
		if _, ok := m[envStart]; ok {
			t.Errorf("start left: %v", m)
		}
	}
	if _, ok := undo(func(string) (string, bool) { return "", false }, nil, nil, time.Time{}); ok {
		t.Error("a program not started again undid something")
	}
}
