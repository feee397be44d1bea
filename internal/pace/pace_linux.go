//go:build linux

package pace

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

type impl struct {
	f  *os.File // the timerfd, non-blocking: Read parks in the netpoller
	rc syscall.RawConn
}

func newImpl() (impl, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return impl{}, fmt.Errorf("pace: timerfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "timerfd")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return impl{}, err
	}
	return impl{f: f, rc: rc}, nil
}

func (t *impl) reset(d time.Duration) error {
	// A zero it_value disarms a timerfd: expire at once as 1 ns.
	d = max(d, 1)
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(d.Nanoseconds())}
	// Through the file, so a Close racing with it cannot hand the
	// descriptor's number to another file first.
	var serr error
	if err := t.rc.Control(func(fd uintptr) { serr = unix.TimerfdSettime(int(fd), 0, &spec, nil) }); err != nil {
		return ErrClosed
	}
	if serr != nil {
		return fmt.Errorf("pace: timerfd_settime: %w", serr)
	}
	return nil
}

func (t *impl) wait() error {
	var buf [8]byte // the count of expirations since the last read
	_, err := t.f.Read(buf[:])
	if errors.Is(err, os.ErrClosed) {
		return ErrClosed
	}
	return err
}

func (t *impl) close() error { return t.f.Close() }
