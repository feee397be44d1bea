package server

import (
	"errors"
	"os"
	"path/filepath"
	"time"
)

// Config is what `meetd serve` reads from flags, MEETD_* environment and the
// config file.
type Config struct {
	DBPath         string        // SQLite file (created when missing) or postgres:// URL (store.ParseDSN); opened by cmd/meetd
	HTTPAddr       string        // e.g. "127.0.0.1:8080"; ":0" picks a port
	TLSCert        string        // PEM certificate; with TLSKey serves HTTPS
	TLSKey         string        // PEM private key
	TokenTTL       time.Duration // login token lifetime (default 7 days)
	BusyTimeout    time.Duration // how long a write waits for a locked database (default 5 s)
	SnoozeInterval time.Duration // how often due snoozes are woken (default 5 s)
	ShutdownGrace  time.Duration // time for in-flight requests on stop (default 5 s)
	// MetricsAddr is where /metrics is served, apart from the API
	// ("127.0.0.1:9464"; empty or "off": nowhere).
	MetricsAddr string
	// MetricsOptional turns a failure to bind MetricsAddr into a warning
	// (for the default address, which another meetd may hold).
	MetricsOptional bool
	// SyncInterval is how often events written by other processes (meetd
	// admin) are picked up and announced (default 2 s).
	SyncInterval time.Duration
}

// DefaultDataDir is $MEETD_DATA, else $XDG_DATA_HOME/meetd, else ~/.local/share/meetd.
func DefaultDataDir() string {
	if d := os.Getenv("MEETD_DATA"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "meetd")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "meetd")
	}
	return "meetd-data"
}

// DefaultDBPath is meetd.db in the default data directory.
func DefaultDBPath() string { return filepath.Join(DefaultDataDir(), "meetd.db") }

// Defaults fills unset fields and checks the TLS pair (New calls it too).
func (c *Config) Defaults() error {
	if c.DBPath == "" {
		c.DBPath = DefaultDBPath()
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = "127.0.0.1:8080"
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("TLS needs both a certificate and a key")
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = 7 * 24 * time.Hour
	}
	if c.BusyTimeout <= 0 {
		c.BusyTimeout = 5 * time.Second
	}
	if c.SnoozeInterval <= 0 {
		c.SnoozeInterval = 5 * time.Second
	}
	if c.SyncInterval <= 0 {
		c.SyncInterval = 2 * time.Second
	}
	if c.ShutdownGrace <= 0 {
		c.ShutdownGrace = 5 * time.Second
	}
	return nil
}
