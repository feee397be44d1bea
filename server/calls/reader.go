package calls

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/meet-dev/meet/server/store"
)

// maxReaders bounds the goroutines running the reads of a reader (the
// SQLite store keeps 8 reader connections).
const maxReaders = 8

// reader runs store reads for goroutines that then live on with a call,
// on a few goroutines of its own. Reading the store takes a deep stack (the
// SQLite driver is C translated to Go): done on the goroutine of each
// inbound INVITE, it grew that goroutine's stack to 32 KB, which it kept for
// the rest of the call, mostly spent waiting (for its store writes, its
// guidance, its ACK). At 1,000 calls/s with hundreds of calls under way
// that was most of meetd's 15–25 MB of goroutine stacks, 80 % of it unused.
// A goroutine runs only while reads wait, as the writer's.
type reader = lazyQueue[*readReq]

type readReq struct {
	ctx  context.Context
	fn   func(store.Tx) error
	done chan error
}

// view runs fn in a read transaction of m's store on a reader goroutine
// and waits for it.
func (m *Manager) view(ctx context.Context, fn func(store.Tx) error) error {
	req := &readReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	m.r.push(req)
	return <-req.done
}

// readBatch runs the reads handed to one reader goroutine (one at a time).
func (m *Manager) readBatch(reqs []*readReq) {
	for _, req := range reqs {
		req.done <- m.runRead(req)
	}
}

// runRead runs one read; a panic in it becomes its error, as it did on the
// caller's goroutine (the trunk answers 500), not the end of meetd.
func (m *Manager) runRead(req *readReq) (err error) {
	defer func() {
		if p := recover(); p != nil {
			m.log.Error("panic in a store read", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("store read: panic: %v", p)
		}
	}()
	return m.st.View(req.ctx, req.fn)
}
