//go:build unix

package main

import (
	"log/slog"
	"os"

	"golang.org/x/sys/unix"
)

// redirectStderr points file descriptor 2 at f (C libraries write there
// directly) and returns a function restoring the terminal.
func redirectStderr(f *os.File, log *slog.Logger) func() {
	saved, err := unix.Dup(2)
	if err != nil {
		log.Warn("cannot save stderr", "err", err)
		return func() {}
	}
	if err := unix.Dup2(int(f.Fd()), 2); err != nil {
		log.Warn("cannot redirect stderr", "err", err)
		unix.Close(saved)
		return func() {}
	}
	return func() {
		_ = unix.Dup2(saved, 2)
		unix.Close(saved)
	}
}
