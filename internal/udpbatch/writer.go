package udpbatch

import (
	"net"
	"net/netip"
	"sync"
)

// QueueLen is how many datagrams a held Writer queues before it sends
// them without waiting for Release.
const QueueLen = 32

// Writer sends datagrams on one socket. While held (Hold), it queues them
// and sends the queue with one system call per QueueLen datagrams
// (sendmmsg on Linux) when a hold is released, or when the queue is full;
// otherwise it sends each at once. meetd's mixer holds its operators'
// shared socket while it works through the rooms due in one 2 ms slot, so
// their packets go out together at the slot's end instead of one system
// call each. Safe for concurrent use.
type Writer struct {
	c     *net.UDPConn
	mu    sync.Mutex
	holds int
	q     queue
}

// NewWriter writes c.
func NewWriter(c *net.UDPConn) (*Writer, error) {
	w := &Writer{c: c}
	if err := w.q.init(c); err != nil {
		return nil, err
	}
	return w, nil
}

// WriteTo sends b to addr now, or queues a copy while the writer is held.
// Errors of a queued datagram are not reported (a datagram lost, as on
// the network); a closed socket shows in the next write made unheld.
func (w *Writer) WriteTo(b []byte, addr netip.AddrPort) error {
	w.mu.Lock()
	if w.holds > 0 && len(b) <= MaxSize {
		w.q.add(b, addr)
		if w.q.n == QueueLen {
			w.q.flush()
		}
		w.mu.Unlock()
		return nil
	}
	w.mu.Unlock()
	_, err := w.c.WriteToUDPAddrPort(b, addr)
	return err
}

// Hold queues what is written until the matching Release.
func (w *Writer) Hold() {
	w.mu.Lock()
	w.holds++
	w.mu.Unlock()
}

// Release sends everything queued (held by others too: a packet waits for
// the first release, not the last) and ends one Hold.
func (w *Writer) Release() {
	w.mu.Lock()
	if w.holds > 0 {
		w.holds--
	}
	w.q.flush()
	w.mu.Unlock()
}
