//go:build linux

package udpbatch

import (
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

type reader struct {
	rc syscall.RawConn
	*slots
	h       func([]Datagram)
	drained bool // the last read took fewer than it offered: the queue was empty
	errno   syscall.Errno
	recvFn  func(fd uintptr) bool // recv, bound once
}

// slots are a reader's message headers and buffers, pooled by count:
// meetd opens and closes a call's sockets thousands of times a second.
type slots struct {
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrAny
	bufs  []byte
	out   []Datagram
}

var pools sync.Map // batch size → *sync.Pool of *slots

func pool(n int) *sync.Pool {
	if p, ok := pools.Load(n); ok {
		return p.(*sync.Pool)
	}
	p, _ := pools.LoadOrStore(n, &sync.Pool{New: func() any { return newSlots(n) }})
	return p.(*sync.Pool)
}

func newSlots(n int) *slots {
	s := &slots{hdrs: make([]unix.Mmsghdr, n), iovs: make([]unix.Iovec, n),
		names: make([]unix.RawSockaddrAny, n), bufs: make([]byte, n*MaxSize), out: make([]Datagram, n)}
	for i := range s.hdrs {
		s.iovs[i].Base = &s.bufs[i*MaxSize]
		s.iovs[i].SetLen(MaxSize)
		h := &s.hdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&s.names[i]))
		h.Iov = &s.iovs[i]
		h.Iovlen = 1
	}
	return s
}

func newReader(c *net.UDPConn, n int) (*reader, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	r := &reader{rc: rc, slots: pool(n).Get().(*slots)}
	r.recvFn = r.recv
	return r, nil
}

func (r *reader) release() {
	if r.slots != nil {
		pool(len(r.hdrs)).Put(r.slots)
		r.slots = nil
	}
}

func (r *reader) serve(h func([]Datagram)) error {
	r.h, r.drained, r.errno = h, false, 0
	defer func() { r.h = nil }()
	if err := r.rc.Read(r.recvFn); err != nil {
		return err
	}
	return &net.OpError{Op: "read", Net: "udp", Err: os.NewSyscallError("recvmmsg", r.errno)}
}

// recv is the read loop RawConn.Read runs: it returns false to wait for
// the socket to become readable and true only on an error. The wait after
// a short batch stays inside this one RawConn.Read (see the package
// comment).
func (r *reader) recv(fd uintptr) bool {
	for {
		if r.drained {
			// Nothing was left at the last read: wait for the next
			// datagram's readiness event instead of reading EAGAIN.
			r.drained = false
			return false
		}
		for i := range r.hdrs {
			r.hdrs[i].Hdr.Namelen = unix.SizeofSockaddrAny
			r.hdrs[i].Hdr.Flags = 0
			r.hdrs[i].Len = 0
		}
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hdrs[0])), uintptr(len(r.hdrs)), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		default:
			r.errno = e
			return true
		}
		got := int(n)
		r.drained = got < len(r.hdrs)
		out := r.out[:0]
		for i := range got {
			size := min(int(r.hdrs[i].Len), MaxSize)
			from, ok := sockaddr(&r.names[i], r.hdrs[i].Hdr.Namelen)
			if !ok {
				continue
			}
			out = append(out, Datagram{B: r.bufs[i*MaxSize : i*MaxSize+size], From: from})
		}
		if len(out) > 0 {
			r.h(out)
		}
	}
}

// sockaddr is the source address the kernel wrote (IPv4-mapped unmapped).
func sockaddr(a *unix.RawSockaddrAny, n uint32) (netip.AddrPort, bool) {
	switch a.Addr.Family {
	case unix.AF_INET:
		if n < unix.SizeofSockaddrInet4 {
			return netip.AddrPort{}, false
		}
		s := (*unix.RawSockaddrInet4)(unsafe.Pointer(a))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&s.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom4(s.Addr), port), true
	case unix.AF_INET6:
		if n < unix.SizeofSockaddrInet6 {
			return netip.AddrPort{}, false
		}
		s := (*unix.RawSockaddrInet6)(unsafe.Pointer(a))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&s.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom16(s.Addr).Unmap(), port), true
	}
	return netip.AddrPort{}, false
}
