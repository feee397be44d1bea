package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// Config keys (file ~/.config/meet/config.yaml, env MEET_<KEY>, flags).
const (
	keyServer   = "server"
	keyInput    = "input_device"
	keyOutput   = "output_device"
	keyDenoise  = "noise_suppression"
	keyKeys     = "keys"
	keyLog      = "log"
	keyNoColor  = "no_color"
	keyCredFile = "credentials"
	keyInWAV    = "input_wav"
	keyOutWAV   = "output_wav"
	keyLoopback = "loopback_ice"
	keyLang     = "language"     // en or ja; default: the locale (LANG)
	keyASCII    = "ascii_glyphs" // draw the chrome in ASCII (terminals that draw ambiguous-width characters wide)
)

// configDir is where meet keeps its config and credentials.
func configDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the config directory: %w (set HOME or XDG_CONFIG_HOME)", err)
	}
	return filepath.Join(d, "meet"), nil
}

// newViper reads the config file (explicit path, or the default one when it
// exists) and the MEET_* environment.
func newViper(path string) (*viper.Viper, error) {
	v := viper.New()
	v.SetEnvPrefix("MEET")
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_", ".", "_"))
	v.AutomaticEnv()
	v.SetDefault(keyDenoise, true)
	if path == "" {
		dir, err := configDir()
		if err != nil {
			return v, nil // no config dir: flags and env still work
		}
		path = filepath.Join(dir, "config.yaml")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			v.SetConfigFile(path) // remembered for saving preferences
			return v, nil
		}
	}
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("reading config %s: %w", path, err)
	}
	return v, nil
}

// keyBindings reads the `keys` map: action → key or list of keys.
func keyBindings(v *viper.Viper) (map[string][]string, error) {
	raw := v.Get(keyKeys)
	if raw == nil {
		return nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("config: keys must be a map of action: key (or [keys]), got %T", raw)
	}
	out := make(map[string][]string, len(m))
	for action, val := range m {
		switch k := val.(type) {
		case string:
			out[action] = []string{k}
		case []any:
			for _, e := range k {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("config: keys.%s: every key must be a string", action)
				}
				out[action] = append(out[action], s)
			}
		default:
			return nil, fmt.Errorf("config: keys.%s must be a key or a list of keys", action)
		}
	}
	return out, nil
}

// savePrefs writes the audio preferences into the config file, keeping
// everything else in it.
func savePrefs(path, input, output string, denoise bool) error {
	if path == "" {
		return errors.New("no config file path")
	}
	doc := map[string]any{}
	if b, err := os.ReadFile(path); err == nil {
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return fmt.Errorf("config %s is not valid YAML: %w", path, err)
		}
		if doc == nil {
			doc = map[string]any{}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	doc[keyInput], doc[keyOutput], doc[keyDenoise] = input, output, denoise
	b, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return writeFileAtomic(path, b, 0o600)
}

// Credentials are what `meet login` keeps.
type Credentials struct {
	Server  string    `json:"server"`
	Email   string    `json:"email"`
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
	StaffID int64     `json:"staff_id"`
}

func credentialsPath(v *viper.Viper) (string, error) {
	if p := v.GetString(keyCredFile); p != "" {
		return p, nil
	}
	dir, err := configDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "credentials.json"), nil
}

func loadCredentials(path string) (Credentials, error) {
	var c Credentials
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, errNotLoggedIn
	}
	if err != nil {
		return c, fmt.Errorf("reading credentials: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("credentials %s are damaged (%v): run `meet login` again", path, err)
	}
	if c.Token == "" || c.Server == "" {
		return c, errNotLoggedIn
	}
	return c, nil
}

func saveCredentials(path string, c Credentials) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b, 0o600)
}

func writeFileAtomic(path string, b []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".meet-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

var errNotLoggedIn = errors.New("not logged in: run `meet login --server URL --email E`")

// openLog opens the log file (never the terminal). "" picks the default
// under the user cache dir; "-" discards. (Used by other subcommands too.)
func openLog(path string) (*slog.Logger, func(), error) {
	log, f, err := openLogFile(path)
	if err != nil {
		return nil, nil, err
	}
	return log, func() { f.Close() }, nil
}

// openLogFile is openLog returning the file, so stderr can be pointed at it
// while the TUI runs ("-" gives /dev/null).
func openLogFile(path string) (*slog.Logger, *os.File, error) {
	if path == "-" {
		f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			return nil, nil, err
		}
		return slog.New(slog.DiscardHandler), f, nil
	}
	if path == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return nil, nil, fmt.Errorf("no cache dir for the log (%w): give --log FILE", err)
		}
		path = filepath.Join(d, "meet", "meet.log")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("log file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("log file: %w", err)
	}
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug})), f, nil
}
