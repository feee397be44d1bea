//go:build !linux

package sysmonpoll

import "time"

// Start does nothing off Linux, where it was not measured.
func Start(start time.Time) time.Time { return start }

// ClockAllows is false off Linux: Start sets nothing there.
func ClockAllows() bool { return false }
