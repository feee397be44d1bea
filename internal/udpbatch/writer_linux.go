//go:build linux

package udpbatch

import (
	"encoding/binary"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// queue is a Writer's datagrams waiting for sendmmsg.
type queue struct {
	rc     syscall.RawConn
	family int // the socket's, AF_INET or AF_INET6
	n      int
	bufs   [QueueLen][MaxSize]byte
	hdrs   [QueueLen]unix.Mmsghdr
	iovs   [QueueLen]unix.Iovec
	names  [QueueLen]unix.RawSockaddrInet6 // or RawSockaddrInet4 at its start
	sent   int
	sendFn func(fd uintptr) bool // send, bound once
}

// socketOf is c's raw connection, descriptor and address family
// (AF_INET or AF_INET6).
func socketOf(c *net.UDPConn) (rc syscall.RawConn, fd, family int, err error) {
	if rc, err = c.SyscallConn(); err != nil {
		return nil, 0, 0, err
	}
	var serr error
	if err := rc.Control(func(d uintptr) {
		fd = int(d)
		family, serr = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	}); err != nil {
		return nil, 0, 0, err
	}
	return rc, fd, family, serr
}

func (q *queue) init(c *net.UDPConn) error {
	rc, _, family, err := socketOf(c)
	if err != nil {
		return err
	}
	q.rc, q.family = rc, family
	q.sendFn = q.send
	for i := range q.hdrs {
		q.iovs[i].Base = &q.bufs[i][0]
		h := &q.hdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&q.names[i]))
		h.Iov = &q.iovs[i]
		h.Iovlen = 1
	}
	return nil
}

// add queues a copy of b for addr; an address the socket cannot reach (an
// IPv6 one on an IPv4 socket) is dropped.
func (q *queue) add(b []byte, addr netip.AddrPort) {
	i := q.n
	n, ok := putSockaddr(q.family, &q.names[i], addr)
	if !ok {
		return
	}
	q.hdrs[i].Hdr.Namelen = n
	copy(q.bufs[i][:], b)
	q.iovs[i].SetLen(len(b))
	q.n++
}

// putSockaddr writes addr into sa as a socket of family takes it (IPv4 in
// a RawSockaddrInet4 at sa's start) and returns its length; false for an
// address the socket cannot reach (an IPv6 one on an IPv4 socket).
func putSockaddr(family int, sa *unix.RawSockaddrInet6, addr netip.AddrPort) (uint32, bool) {
	ip := addr.Addr()
	switch {
	case family == unix.AF_INET && ip.Unmap().Is4():
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: ip.Unmap().As4()}
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&sa4.Port))[:], addr.Port())
		return unix.SizeofSockaddrInet4, true
	case family == unix.AF_INET6:
		*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: ip.As16()}
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:], addr.Port())
		return unix.SizeofSockaddrInet6, true
	}
	return 0, false
}

// flush sends the queue: sendmmsg takes the datagrams in order and stops
// at one it cannot send, which is skipped (lost); a full socket buffer is
// waited out as a single write would wait.
func (q *queue) flush() {
	if q.n == 0 {
		return
	}
	q.sent = 0
	_ = q.rc.Write(q.sendFn) // an error: the socket closed, the rest lost
	q.n = 0
}

// send is flush's write attempt: false to wait for room in the socket's
// buffer.
func (q *queue) send(fd uintptr) bool {
	for q.sent < q.n {
		k, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&q.hdrs[q.sent])), uintptr(q.n-q.sent), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
			q.sent += int(k)
		case unix.EINTR:
		case unix.EAGAIN:
			return false
		default:
			q.sent++ // the datagram at q.sent cannot be sent: lost
		}
	}
	return true
}
