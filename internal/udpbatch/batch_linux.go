//go:build linux

package udpbatch

import (
	"net/netip"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/meet-dev/meet/internal/uring"
)

// multiQueue is a Batch's datagrams waiting for io_uring: one sendmsg each,
// all submitted in one io_uring_enter.
type multiQueue struct {
	ring   *uring.Ring
	n      int
	fds    [BatchLen]int // the sending socket's; -1: forgotten (Detach)
	bufs   [BatchLen][MaxSize]byte
	msgs   [BatchLen]unix.Msghdr
	iovs   [BatchLen]unix.Iovec
	names  [BatchLen]unix.RawSockaddrInet6 // or RawSockaddrInet4 at its start
	lost   uint64                          // datagrams the kernel refused or never took
	done   int                             // completions of the flush in progress
	doneFn func(tag uint64, res int32)
}

// multiSocket is what the queue knows of a socket.
type multiSocket struct {
	fd       int
	family   int
	detached bool
}

func newMultiQueue(b *Batch) *multiQueue {
	r, err := uring.New(BatchLen)
	if err != nil {
		return nil
	}
	if !r.SupportsSendmsg() {
		_ = r.Close()
		return nil
	}
	q := &multiQueue{ring: r}
	q.doneFn = q.completed
	for i := range q.msgs {
		q.iovs[i].Base = &q.bufs[i][0]
		q.msgs[i].Name = (*byte)(unsafe.Pointer(&q.names[i]))
		q.msgs[i].Iov = &q.iovs[i]
		q.msgs[i].Iovlen = 1
	}
	runtime.AddCleanup(b, func(r *uring.Ring) { _ = r.Close() }, r)
	return q
}

func (s *multiSocket) initPolled(p *polled) { s.fd, s.family = p.fd, p.family }

// add queues a copy of p from s to addr; false for an address s cannot
// reach (an IPv6 one on an IPv4 socket), which WriteTo then sends itself
// to have its error.
func (q *multiQueue) add(s *multiSocket, p []byte, addr netip.AddrPort) bool {
	i := q.n
	n, ok := putSockaddr(s.family, &q.names[i], addr)
	if !ok {
		return false
	}
	q.msgs[i].Namelen = n
	copy(q.bufs[i][:], p)
	q.iovs[i].SetLen(len(p))
	q.fds[i] = s.fd
	q.n++
	return true
}

func (q *multiQueue) full() bool { return q.n == BatchLen }

// forget drops s's queued datagrams.
func (q *multiQueue) forget(s *multiSocket) {
	for i := range q.n {
		if q.fds[i] == s.fd {
			q.fds[i] = -1
		}
	}
}

// flush sends the queue. A datagram the kernel refuses (a full socket
// buffer: MSG_DONTWAIT, for the clock's worker must not wait) is lost, as
// on the network.
func (q *multiQueue) flush() {
	queued := 0
	for i := range q.n {
		switch {
		case q.fds[i] < 0: // forgotten (Detach): dropped on purpose, not lost
		case q.ring.QueueSendmsg(q.fds[i], &q.msgs[i], unix.MSG_DONTWAIT, uint64(i)) != nil:
			q.lost++ // cannot happen (the ring has BatchLen entries), but counted if it does
		default:
			queued++
		}
	}
	q.done = 0
	_ = q.ring.Submit(q.doneFn) // what it did not complete is counted lost
	q.lost += uint64(queued - q.done)
	q.n = 0
}

func (q *multiQueue) completed(_ uint64, res int32) {
	q.done++
	if res < 0 {
		q.lost++
	}
}

func (q *multiQueue) close() { _ = q.ring.Close() }
