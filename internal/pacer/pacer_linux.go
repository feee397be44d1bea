//go:build linux

package pacer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// timerFD is a CLOCK_MONOTONIC timerfd read through Go's netpoller: a
// blocked read parks the goroutine, and the netpoller's epoll_pwait ends
// when the kernel fires the timer.
type timerFD struct {
	f   *os.File
	buf [8]byte
}

func newImpl() (impl, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("pacer: timerfd_create: %w", err)
	}
	// A non-blocking descriptor: os.NewFile puts it in the netpoller.
	return &timerFD{f: os.NewFile(uintptr(fd), "pacer-timerfd")}, nil
}

func (t *timerFD) arm(d, period time.Duration) error {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d)), Interval: unix.NsecToTimespec(int64(period))}
	var err error
	if c, cerr := t.f.SyscallConn(); cerr != nil {
		err = cerr
	} else if cerr := c.Control(func(fd uintptr) { err = unix.TimerfdSettime(int(fd), 0, &spec, nil) }); cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pacer: timerfd_settime: %w", err)
	}
	return nil
}

func (t *timerFD) wait(time.Time, time.Duration) (uint64, error) {
	for {
		n, err := t.f.Read(t.buf[:])
		switch {
		case errors.Is(err, os.ErrClosed):
			return 0, ErrClosed
		case err != nil:
			return 0, fmt.Errorf("pacer: read timerfd: %w", err)
		case n == 8:
			if c := binary.NativeEndian.Uint64(t.buf[:]); c > 0 {
				return c, nil
			}
		}
	}
}

func (t *timerFD) close() { _ = t.f.Close() }
