//go:build linux

package device

import (
	"log/slog"
	"os"
	"strings"
	"syscall"
)

// quietStderr runs fn with file descriptor 2 pointed at a temporary file:
// PortAudio's host APIs (ALSA, JACK) print probing noise straight to stderr
// while initialising, which would scribble over a terminal UI. What they
// printed is logged at debug level instead.
func quietStderr(fn func() error) error {
	tmp, err := os.CreateTemp("", "meet-portaudio-*.log")
	if err != nil {
		return fn()
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	saved, err := syscall.Dup(2)
	if err != nil {
		return fn()
	}
	defer syscall.Close(saved)
	if err := syscall.Dup3(int(tmp.Fd()), 2, 0); err != nil {
		return fn()
	}
	ferr := fn()
	_ = syscall.Dup3(saved, 2, 0)
	if out, err := os.ReadFile(tmp.Name()); err == nil && len(out) > 0 {
		slog.Debug("portaudio host output", "output", strings.TrimSpace(string(out)))
	}
	return ferr
}
