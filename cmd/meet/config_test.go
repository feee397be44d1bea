package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCredentialsAreSavedPrivately(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "meet", "credentials.json")
	c := Credentials{Server: "http://127.0.0.1:8080", Email: "ann@example.com", Token: "tok", StaffID: 3, Expires: time.Unix(1e9, 0).UTC()}
	require.NoError(t, saveCredentials(path, c))
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	got, err := loadCredentials(path)
	require.NoError(t, err)
	require.Equal(t, c, got)

	_, err = loadCredentials(filepath.Join(dir, "nope.json"))
	require.ErrorIs(t, err, errNotLoggedIn)
	require.NoError(t, os.WriteFile(path, []byte("{"), 0o600))
	_, err = loadCredentials(path)
	require.ErrorContains(t, err, "damaged")
}

func TestConfigFileEnvAndKeys(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("server: http://10.0.0.1:8080\ninput_device: USB Mic\nkeys:\n  mute: M\n  hangup: [H, ctrl+h]\n"), 0o600))
	t.Setenv("MEET_OUTPUT_DEVICE", "Speakers")
	v, err := newViper(cfg)
	require.NoError(t, err)
	require.Equal(t, "http://10.0.0.1:8080", v.GetString(keyServer))
	require.Equal(t, "USB Mic", v.GetString(keyInput))
	require.Equal(t, "Speakers", v.GetString(keyOutput))
	require.True(t, v.GetBool(keyDenoise), "noise suppression defaults on")
	keys, err := keyBindings(v)
	require.NoError(t, err)
	require.Equal(t, map[string][]string{"mute": {"M"}, "hangup": {"H", "ctrl+h"}}, keys)

	require.NoError(t, savePrefs(cfg, "Headset", "Headset", false))
	v, err = newViper(cfg)
	require.NoError(t, err)
	require.Equal(t, "Headset", v.GetString(keyInput))
	require.False(t, v.GetBool(keyDenoise))
	require.Equal(t, "http://10.0.0.1:8080", v.GetString(keyServer), "other settings kept")
	keys, _ = keyBindings(v)
	require.Equal(t, []string{"M"}, keys["mute"])

	require.NoError(t, os.WriteFile(cfg, []byte("keys: [a, b]\n"), 0o600))
	v, err = newViper(cfg)
	require.NoError(t, err)
	_, err = keyBindings(v)
	require.ErrorContains(t, err, "keys must be a map")

	_, err = newViper(filepath.Join(dir, "missing.yaml"))
	require.ErrorContains(t, err, "reading config")
}

func TestExportParams(t *testing.T) {
	p, err := exportParams("2026-11-01", "2026-11-30", "noOperator", "monthly report", 2, time.UTC)
	require.NoError(t, err)
	require.Equal(t, "2026-11-01T00:00:00Z", p.Get("from"))
	require.Equal(t, "2026-12-01T00:00:00Z", p.Get("to"), "--to is inclusive")
	require.Equal(t, "noOperator", p.Get("reason"))
	require.Equal(t, "monthly report", p.Get("purpose"))
	require.Equal(t, "2", p.Get("channel"))
	for _, bad := range [][4]string{
		{"", "2026-11-30", "", "x"}, {"2026-11-01", "2026-11-30", "", " "}, {"11/01", "2026-11-30", "", "x"},
		{"2026-11-30", "2026-11-01", "", "x"}, {"2026-11-01", "2026-11-30", "lost", "x"},
	} {
		_, err := exportParams(bad[0], bad[1], bad[2], bad[3], 0, time.UTC)
		require.Error(t, err, bad)
	}
}

func TestNormalizeServerAndPasswordFromPipe(t *testing.T) {
	s, err := normalizeServer("127.0.0.1:8080/")
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:8080", s)
	_, err = normalizeServer("ftp://x")
	require.Error(t, err)
	_, err = normalizeServer("")
	require.ErrorContains(t, err, "--server is required")

	pw, err := readPassword(strings.NewReader("s3cret\n"), &bytes.Buffer{})
	require.NoError(t, err)
	require.Equal(t, "s3cret", pw)
	_, err = readPassword(strings.NewReader(""), &bytes.Buffer{})
	require.ErrorContains(t, err, "no password")
}

func TestRootCommandWiring(t *testing.T) {
	root := newRootCmd()
	names := map[string]bool{}
	for _, c := range root.Commands() {
		names[c.Name()] = true
	}
	for _, n := range []string{"login", "logout", "chats", "call", "callback", "export"} {
		require.True(t, names[n], n)
	}
	// the TUI refuses to start without a terminal (go test has none)
	root.SetArgs([]string{"--credentials", filepath.Join(t.TempDir(), "c.json"), "--log", "-"})
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	err := root.Execute()
	require.ErrorContains(t, err, "needs a terminal")

	root = newRootCmd()
	root.SetArgs([]string{"chats", "--credentials", filepath.Join(t.TempDir(), "c.json")})
	require.ErrorIs(t, root.Execute(), errNotLoggedIn)

	root = newRootCmd()
	root.SetArgs([]string{"chats", "--reason", "bogus"})
	require.ErrorContains(t, root.Execute(), "unknown missed reason")
}
