package calls

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/meet-dev/meet/server/store"
)

// Reads run on at most maxReaders goroutines, each gets its own result, and
// a panicking read fails alone.
func TestReaderRunsReadsOnFewGoroutines(t *testing.T) {
	m := New(newMemStore(), nil, nil, WithLogger(quietLogger()))
	defer m.Close()
	ctx := context.Background()
	var now, most atomic.Int32
	gate := make(chan struct{})
	errOdd := errors.New("odd")
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := m.view(ctx, func(store.Tx) error {
				n := now.Add(1)
				defer now.Add(-1)
				for {
					if m := most.Load(); n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				<-gate
				if i%2 == 1 {
					return errOdd
				}
				return nil
			})
			if (i%2 == 1) != errors.Is(err, errOdd) {
				t.Errorf("read %d: %v", i, err)
			}
		}()
	}
	close(gate)
	wg.Wait()
	if most.Load() > maxReaders {
		t.Errorf("%d reads ran at once, want at most %d", most.Load(), maxReaders)
	}
	if err := m.view(ctx, func(store.Tx) error { panic("boom") }); err == nil {
		t.Error("a panicking read returned no error")
	}
	if err := m.view(ctx, func(store.Tx) error { return nil }); err != nil {
		t.Errorf("read after a panic: %v", err)
	}
}
