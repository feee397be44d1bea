package udpbatch

import (
	"net/netip"
	"sync"
)

// BatchLen is how many datagrams a held Batch queues before it sends them
// without waiting for Release.
const BatchLen = 64

// Batch sends datagrams on many sockets. While held (Hold) it queues what
// its sockets write and sends the queue in one system call (io_uring on
// Linux) when a hold is released or the queue is full; otherwise each
// datagram goes at once. meetd sends each call's RTP to its caller from the
// call's own socket, one packet every 20 ms: sendmmsg (Writer) batches one
// socket only, so without a Batch that is a system call a packet. Its
// mixer holds the Batch while it works through the rooms due in one 2 ms
// slot, as it holds the operators' Writer.
//
// Where io_uring is refused (an older kernel, a container's seccomp
// profile, kernel.io_uring_disabled) or not asked for, a Batch sends every
// datagram at once, as an unbatched socket would: Uring says which.
// Safe for concurrent use.
type Batch struct {
	mu    sync.Mutex
	holds int
	q     *multiQueue // nil: no io_uring, each datagram sent at once
	lost  uint64      // of queues closed
}

// NewBatch returns a Batch that uses io_uring when uring is true and the
// kernel allows it.
func NewBatch(uring bool) *Batch {
	b := &Batch{}
	if uring {
		b.q = newMultiQueue(b) // nil where refused
	}
	return b
}

// Uring reports whether held datagrams go out through io_uring.
func (b *Batch) Uring() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.q != nil
}

// Hold queues what the Batch's sockets write until the matching Release.
func (b *Batch) Hold() {
	b.mu.Lock()
	b.holds++
	b.mu.Unlock()
}

// Release sends everything queued (held by others too: a datagram waits
// for the first release, not the last) and ends one Hold.
func (b *Batch) Release() {
	b.mu.Lock()
	if b.holds > 0 {
		b.holds--
	}
	if b.q != nil {
		b.q.flush()
	}
	b.mu.Unlock()
}

// Close sends what is queued and gives back the io_uring instance; the
// Batch then sends every datagram at once. A Batch never closed gives it
// back when collected.
func (b *Batch) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.q != nil {
		b.q.flush()
		b.q.close()
		b.lost += b.q.lost
		b.q = nil
	}
}

// BatchSocket is one socket written through a Batch.
type BatchSocket struct {
	b *Batch
	c *Polled // where a datagram not queued goes at once
	s multiSocket
}

// PolledSocket has p's datagrams go through b. Detach it before closing p.
func (b *Batch) PolledSocket(p *Polled) *BatchSocket {
	s := &BatchSocket{b: b, c: p}
	s.s.initPolled(&p.p)
	return s
}

// WriteTo sends p to addr now, or queues a copy while the Batch is held.
// Errors of a queued datagram are not reported (a datagram lost, as on the
// network); a closed socket shows in the next write made unheld.
func (s *BatchSocket) WriteTo(p []byte, addr netip.AddrPort) error {
	b := s.b
	b.mu.Lock()
	if b.holds > 0 && b.q != nil && !s.s.detached && len(p) <= MaxSize && b.q.add(&s.s, p, addr) {
		if b.q.full() {
			b.q.flush()
		}
		b.mu.Unlock()
		return nil
	}
	b.mu.Unlock()
	_, err := s.c.WriteToUDPAddrPort(p, addr)
	return err
}

// Detach drops what the socket has queued and sends what it writes after
// at once: call it before closing the socket, whose descriptor the queue
// names.
func (s *BatchSocket) Detach() {
	b := s.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.q != nil {
		b.q.forget(&s.s)
	}
	s.s.detached = true
}

// Lost counts the queued datagrams the kernel refused (a full socket
// buffer) or that could not be submitted.
func (b *Batch) Lost() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.q == nil {
		return b.lost
	}
	return b.lost + b.q.lost
}
