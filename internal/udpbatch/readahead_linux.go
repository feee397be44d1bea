//go:build linux

package udpbatch

import (
	"net"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/meet-dev/meet/internal/uring"
)

// raEntries is the read-ahead ring's size: two reads per socket, so a
// submit reads up to raEntries/2 sockets.
const raEntries = 256

// ctrlLen holds one SCM_TIMESTAMPNS control message.
const ctrlLen = 32

// readAhead is a Batch's receive side. Its mutex is held while receivers
// run, never while the Batch's send mutex is: a receiver may write.
type readAhead struct {
	mu       sync.Mutex
	ring     *uring.Ring // nil: no read-ahead (no io_uring, or closed)
	slots    [readAheadSlots]map[*BatchSocket]struct{}
	last     int64 // the slot number read ahead last
	socks    [raEntries / 2]*BatchSocket
	bufs     [raEntries][MaxSize]byte
	ctrl     [raEntries][ctrlLen]byte
	msgs     [raEntries]unix.Msghdr
	iovs     [raEntries]unix.Iovec
	names    [raEntries]unix.RawSockaddrInet6
	res      [raEntries]int32
	doneFn   func(tag uint64, res int32)
	now      func() time.Time // time.Now; tests move it
	ahead    uint64
	selfRead uint64
}

// raSocket is a socket's read-ahead state, guarded by readAhead.mu.
type raSocket struct {
	recv    Receiver
	placed  bool
	slot    int
	aheadAt time.Time // when it was last read ahead
	off     bool      // detached
}

func newReadAhead(b *Batch) *readAhead {
	r, err := uring.New(raEntries)
	if err != nil {
		return nil
	}
	if !r.SupportsMsgOps() || !recvDontWaitCompletes(r) {
		_ = r.Close()
		return nil
	}
	ra := &readAhead{ring: r, now: time.Now}
	ra.doneFn = func(tag uint64, res int32) { ra.res[tag] = res }
	for i := range ra.slots {
		ra.slots[i] = map[*BatchSocket]struct{}{}
	}
	for i := range ra.msgs {
		ra.iovs[i].Base = &ra.bufs[i][0]
		ra.iovs[i].SetLen(MaxSize)
		ra.msgs[i].Name = (*byte)(unsafe.Pointer(&ra.names[i]))
		ra.msgs[i].Iov = &ra.iovs[i]
		ra.msgs[i].Iovlen = 1
		ra.msgs[i].Control = &ra.ctrl[i][0]
	}
	runtime.AddCleanup(b, func(ra *readAhead) { ra.close() }, ra)
	return ra
}

// recvDontWaitCompletes checks that the kernel completes a recvmsg with
// MSG_DONTWAIT on an empty socket at once (-EAGAIN) instead of waiting for
// data, which would hold up a clock's worker. If it waits, a datagram sent
// to the socket completes it and read-ahead stays off.
func recvDontWaitCompletes(r *uring.Ring) bool {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return false
	}
	defer c.Close()
	_, fd, _, err := socketOf(c)
	if err != nil {
		return false
	}
	var buf [16]byte
	iov := unix.Iovec{Base: &buf[0]}
	iov.SetLen(len(buf))
	msg := unix.Msghdr{Iov: &iov, Iovlen: 1}
	if r.QueueRecvmsg(fd, &msg, unix.MSG_DONTWAIT, 0) != nil {
		return false
	}
	var res int32 = 1
	got := make(chan struct{})
	go func() {
		_ = r.Submit(func(_ uint64, n int32) { res = n })
		close(got)
	}()
	select {
	case <-got:
	case <-time.After(time.Second):
		// Waiting for data: give it some.
		_, _ = c.WriteToUDPAddrPort([]byte("x"), c.LocalAddr().(*net.UDPAddr).AddrPort())
		<-got
		return false
	}
	_ = msg // the kernel read it through a uintptr
	return res == -int32(unix.EAGAIN)
}

func (ra *readAhead) enable(s *BatchSocket, h Receiver) error {
	if ra == nil {
		return ErrNoReadAhead
	}
	ra.mu.Lock()
	defer ra.mu.Unlock()
	if ra.ring == nil {
		return ErrNoReadAhead
	}
	if err := unix.SetsockoptInt(s.s.fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return err
	}
	s.ra.recv = h
	return nil
}

func (ra *readAhead) stats() (uint64, uint64) {
	if ra == nil {
		return 0, 0
	}
	ra.mu.Lock()
	defer ra.mu.Unlock()
	return ra.ahead, ra.selfRead
}

func slotNumber(t time.Time) int64 { return t.UnixNano() / int64(readAheadSlot) }

// read is BatchSocket.Read.
func (ra *readAhead) read(s *BatchSocket) {
	if ra == nil {
		return
	}
	ra.mu.Lock()
	defer ra.mu.Unlock()
	if s.ra.off || s.ra.recv == nil {
		return
	}
	now := ra.now()
	k := int(slotNumber(now) % int64(readAheadSlots))
	if !s.ra.placed || s.ra.slot != k {
		if s.ra.placed {
			delete(ra.slots[s.ra.slot], s)
		}
		ra.slots[k][s] = struct{}{}
		s.ra.slot, s.ra.placed = k, true
	}
	if now.Sub(s.ra.aheadAt) <= readAheadFresh {
		return
	}
	ra.drain(s, readAheadMax)
}

// drain reads s until it is empty, or n datagrams, one recvmsg each.
func (ra *readAhead) drain(s *BatchSocket, n int) {
	m := &ra.msgs[0]
	for range n {
		m.Namelen = unix.SizeofSockaddrInet6
		m.SetControllen(ctrlLen)
		m.Flags = 0
		got, _, e := unix.Syscall(unix.SYS_RECVMSG, uintptr(s.s.fd), uintptr(unsafe.Pointer(m)), unix.MSG_DONTWAIT)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return
		}
		ra.selfRead++
		ra.deliver(s, 0, int(got))
	}
}

// deliver hands slot i's datagram of n bytes to s's receiver.
func (ra *readAhead) deliver(s *BatchSocket, i, n int) {
	from, ok := sockaddr((*unix.RawSockaddrAny)(unsafe.Pointer(&ra.names[i])), ra.msgs[i].Namelen)
	if !ok {
		return
	}
	s.ra.recv(ra.bufs[i][:min(n, MaxSize)], from, ra.arrival(i))
}

// arrival is the kernel's timestamp of slot i's datagram as a time.Time
// with a monotonic reading (now less its age), or now without one.
func (ra *readAhead) arrival(i int) time.Time {
	now := ra.now()
	m := &ra.msgs[i]
	if m.Controllen < unix.SizeofCmsghdr+16 {
		return now
	}
	h := (*unix.Cmsghdr)(unsafe.Pointer(&ra.ctrl[i][0]))
	if h.Level != unix.SOL_SOCKET || h.Type != unix.SCM_TIMESTAMPNS {
		return now
	}
	ts := (*unix.Timespec)(unsafe.Pointer(&ra.ctrl[i][unix.SizeofCmsghdr]))
	age := now.UnixNano() - ts.Nano()
	if age < 0 {
		return now
	}
	return now.Add(-time.Duration(age))
}

// hold reads ahead for the current slot, once per slot.
func (ra *readAhead) hold() {
	if ra == nil {
		return
	}
	ra.mu.Lock()
	defer ra.mu.Unlock()
	if ra.ring == nil {
		return
	}
	now := ra.now()
	n := slotNumber(now)
	if n == ra.last {
		return
	}
	ra.last = n
	set := ra.slots[int(n%int64(readAheadSlots))]
	i := 0
	for s := range set {
		if s.ra.off {
			continue
		}
		ra.socks[i] = s
		for k := range 2 {
			j := 2*i + k
			ra.msgs[j].Namelen = unix.SizeofSockaddrInet6
			ra.msgs[j].SetControllen(ctrlLen)
			ra.msgs[j].Flags = 0
			ra.res[j] = -int32(unix.EAGAIN)
			_ = ra.ring.QueueRecvmsg(s.s.fd, &ra.msgs[j], unix.MSG_DONTWAIT, uint64(j))
		}
		i++
		if i == len(ra.socks) {
			ra.submit(i, now)
			i = 0
		}
	}
	if i > 0 {
		ra.submit(i, now)
	}
}

// submit reads the n sockets queued, two datagrams each, and hands them
// over; a socket that had two has its rest read at once.
func (ra *readAhead) submit(n int, now time.Time) {
	if err := ra.ring.Submit(ra.doneFn); err != nil {
		for j := range 2 * n {
			ra.res[j] = -1
		}
	}
	for i := range n {
		s := ra.socks[i]
		ra.socks[i] = nil
		s.ra.aheadAt = now
		got := 0
		for k := range 2 {
			if j := 2*i + k; ra.res[j] >= 0 {
				ra.ahead++
				got++
				ra.deliver(s, j, int(ra.res[j]))
			}
		}
		if got == 2 {
			ra.drain(s, readAheadMax)
		}
	}
}

// detach forgets s: nothing reads it after.
func (ra *readAhead) detach(s *BatchSocket) {
	if ra == nil {
		return
	}
	ra.mu.Lock()
	defer ra.mu.Unlock()
	if s.ra.placed {
		delete(ra.slots[s.ra.slot], s)
		s.ra.placed = false
	}
	s.ra.off = true
}

func (ra *readAhead) close() {
	if ra == nil {
		return
	}
	ra.mu.Lock()
	defer ra.mu.Unlock()
	if ra.ring != nil {
		_ = ra.ring.Close()
		ra.ring = nil
	}
}
