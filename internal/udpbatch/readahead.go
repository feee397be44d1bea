package udpbatch

import (
	"errors"
	"net/netip"
	"time"
)

// A Batch also reads ahead for the sockets of a clock's rooms. meetd's
// shared clock ticks each room in the same 2 ms slot of every 20 ms period,
// and a room reads its caller's socket at its tick; without read-ahead each
// call's packet costs a system call of its own to read (and a wake-up of
// the goroutine that reads it). A socket with read-ahead on (EnableReadAhead)
// is placed in the slot of its last Read; the first Hold in a slot reads
// every socket placed in it, through one io_uring submit, and hands what
// came to the sockets' receivers. A Read finds its socket read just now and
// returns; a socket that moved to another slot, or was not read ahead,
// reads itself (a system call, as before). Datagrams carry the time the
// kernel queued them (SO_TIMESTAMPNS), so a jitter buffer sees true
// arrival times, not the tick's.
const (
	readAheadPeriod = 20 * time.Millisecond
	readAheadSlot   = 2 * time.Millisecond
	readAheadSlots  = int(readAheadPeriod / readAheadSlot)
	// readAheadFresh: a read-ahead this recent serves a Read. A datagram
	// that arrives between the two waits for the next Read (20 ms).
	readAheadFresh = time.Millisecond
	// readAheadMax bounds what one Read takes from a socket: a flood is
	// read 64 datagrams a tick, and the rest left to the kernel's buffer.
	readAheadMax = 64
)

// Receiver takes a datagram read for a socket: b is valid until it
// returns; at is when the kernel queued it.
type Receiver func(b []byte, from netip.AddrPort, at time.Time)

// ErrNoReadAhead is EnableReadAhead's error where the Batch has no
// io_uring: the socket's owner reads it as before.
var ErrNoReadAhead = errors.New("udpbatch: no io_uring for read-ahead")

// EnableReadAhead has the Batch read the socket for its Reads and hand
// every datagram to h, on the goroutine of a Hold or a Read, one at a time,
// in order. Call it before the first Read; the owner must not read the
// socket itself while it calls Read, and h must not call into the Batch.
func (s *BatchSocket) EnableReadAhead(h Receiver) error {
	return s.b.ra.enable(s, h)
}

// Read hands the socket's queued datagrams to its receiver: those read
// ahead already went; the rest are read now. Call it where the socket's
// data is wanted (a room's tick); it places the socket's next read-ahead
// 20 ms on.
func (s *BatchSocket) Read() { s.b.ra.read(s) }

// ReadAheadStats counts datagrams read ahead and datagrams Read had to read
// itself.
func (b *Batch) ReadAheadStats() (ahead, self uint64) { return b.ra.stats() }
