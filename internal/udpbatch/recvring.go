package udpbatch

import (
	"errors"
	"net"
	"sync"
	"time"
)

// RecvRing reads many sockets from one goroutine, every datagram that came
// to any of them since its last pass in one system call (io_uring on Linux
// 6.1 and later: multishot recvmsg into shared buffers, the work done only
// when the ring's thread enters it). meetd receives each call's RTP on the
// call's own socket, one packet every 20 ms: a reader goroutine per socket
// costs a wake-up, a readiness event and a system call for every packet,
// where a RecvRing costs one wake-up and one system call a period for all
// of them. A datagram waits up to one period for its pass.
//
// Every handler runs on the ring's goroutine, one socket's datagrams in the
// order they came: a handler must not block. Where io_uring is refused (an
// older kernel, a container's seccomp profile, kernel.io_uring_disabled)
// NewRecvRing fails and callers read with a Reader per socket.
type RecvRing struct {
	period time.Duration

	mu      sync.Mutex
	adds    []*RecvSocket // to arm at the next pass
	cancels []*RecvSocket // to stop at the next pass
	nextTag uint64
	closing bool
	wake    chan struct{} // cap 1: work for an idle ring
	done    chan struct{} // the goroutine has ended

	sys recvSys // the platform's part, the ring's goroutine's alone
}

// RecvSocket is one socket a RecvRing reads.
type RecvSocket struct {
	r   *RecvRing
	c   *net.UDPConn
	tag uint64
	h   func([]Datagram)

	mu     sync.Mutex // held while h runs, so that Close can wait it out
	closed bool

	st recvSockState // the ring goroutine's
}

// ErrRecvRingClosed is Add's error once the ring is closed.
var ErrRecvRingClosed = errors.New("udpbatch: receive ring closed")

// NewRecvRing starts a ring that passes over its sockets every period (a
// millisecond at least).
func NewRecvRing(period time.Duration) (*RecvRing, error) {
	r := &RecvRing{period: max(period, time.Millisecond), wake: make(chan struct{}, 1), done: make(chan struct{})}
	ready := make(chan error, 1)
	go r.run(ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	return r, nil
}

// Period is how long a datagram may wait for its pass.
func (r *RecvRing) Period() time.Duration { return r.period }

// Add has the ring read c and hand h each datagram, from the next pass on,
// until the socket's Close. Close the RecvSocket before c.
func (r *RecvRing) Add(c *net.UDPConn, h func([]Datagram)) (*RecvSocket, error) {
	s := &RecvSocket{r: r, c: c, h: h}
	if err := s.st.open(c); err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		s.st.closeFD()
		return nil, ErrRecvRingClosed
	}
	r.nextTag++
	s.tag = r.nextTag
	r.adds = append(r.adds, s)
	r.mu.Unlock()
	r.poke()
	return s, nil
}

func (r *RecvRing) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Close stops reading the socket: once it returns h is not called again
// (called from h itself, that call of h is the last). The socket's
// descriptor may be closed at once; the ring lets go of its own copy at
// its next pass.
func (s *RecvSocket) Close() {
	if !s.r.inHandler(s) {
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	if s.closed {
		return
	}
	s.closed = true
	s.r.mu.Lock()
	s.r.cancels = append(s.r.cancels, s)
	s.r.mu.Unlock()
	s.r.poke()
}

// deliver hands h one batch unless the socket is closed.
func (s *RecvSocket) deliver(ds []Datagram) {
	s.mu.Lock()
	if !s.closed {
		s.r.sys.dispatching = s
		s.h(ds)
		s.r.sys.dispatching = nil
	}
	s.mu.Unlock()
}

// Close stops every socket and the ring's goroutine, and waits for it.
func (r *RecvRing) Close() {
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	r.poke()
	<-r.done
}

// take returns what Add and Close asked for since the last pass, and
// whether the ring is closing.
func (r *RecvRing) take(adds, cancels []*RecvSocket) ([]*RecvSocket, []*RecvSocket, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	adds = append(adds[:0], r.adds...)
	cancels = append(cancels[:0], r.cancels...)
	clear(r.adds)
	clear(r.cancels)
	r.adds, r.cancels = r.adds[:0], r.cancels[:0]
	return adds, cancels, r.closing
}
