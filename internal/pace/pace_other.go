//go:build !linux

package pace

import (
	"sync"
	"time"
)

type impl struct {
	t    *time.Timer
	done chan struct{}
	once *sync.Once
}

func newImpl() (impl, error) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return impl{t: t, done: make(chan struct{}), once: new(sync.Once)}, nil
}

func (t *impl) reset(d time.Duration) error {
	select {
	case <-t.done:
		return ErrClosed
	default:
	}
	t.t.Reset(d)
	return nil
}

func (t *impl) wait() error {
	select {
	case <-t.t.C:
		return nil
	case <-t.done:
		return ErrClosed
	}
}

func (t *impl) close() error {
	t.once.Do(func() { close(t.done); t.t.Stop() })
	return nil
}
