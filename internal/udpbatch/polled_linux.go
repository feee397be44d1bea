//go:build linux

package udpbatch

import (
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

type polled struct {
	fd     int // -1 once closed
	family int
	local  netip.AddrPort
}

func (p *polled) listen(addr netip.AddrPort) error {
	ip := addr.Addr().Unmap()
	family := unix.AF_INET6
	if ip.Is4() && !ip.IsUnspecified() {
		family = unix.AF_INET
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return opError("listen", addr, "socket", err)
	}
	var sa unix.Sockaddr
	if family == unix.AF_INET {
		sa = &unix.SockaddrInet4{Port: int(addr.Port()), Addr: ip.As4()}
	} else {
		// Dual-stack as Go's net package makes it: IPv4 peers come
		// IPv4-mapped (unmapped by sockaddr), IPv4 addresses are sent to
		// mapped (putSockaddr).
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0)
		a := ip
		if ip.IsUnspecified() {
			a = netip.IPv6Unspecified()
		}
		sa = &unix.SockaddrInet6{Port: int(addr.Port()), Addr: a.As16()}
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_BROADCAST, 1) // as Go's net package does
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return opError("listen", addr, "bind", err)
	}
	got, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return opError("listen", addr, "getsockname", err)
	}
	switch a := got.(type) {
	case *unix.SockaddrInet4:
		p.local = netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		p.local = netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port))
	}
	// Arrival stamps: without them a datagram read at the tick would seem
	// to have arrived then. A kernel that refuses gets the read's time.
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	p.fd, p.family = fd, family
	return nil
}

func opError(op string, addr netip.AddrPort, call string, err error) error {
	return &net.OpError{Op: op, Net: "udp", Addr: net.UDPAddrFromAddrPort(addr), Err: os.NewSyscallError(call, err)}
}

// pollBatch is how many datagrams one recvmmsg offers to take: a call's
// socket holds one or two at a tick, more after a stall.
const pollBatch = 8

// stampSpace is a control buffer's room for one SCM_TIMESTAMPNS.
var stampSpace = unix.CmsgSpace(int(unsafe.Sizeof(unix.Timespec{})))

// pollSlots are a Poll's message headers and buffers, pooled: a socket
// polled every 20 ms needs them for microseconds, and meetd has thousands.
type pollSlots struct {
	hdrs  [pollBatch]unix.Mmsghdr
	iovs  [pollBatch]unix.Iovec
	names [pollBatch]unix.RawSockaddrAny
	ctrl  [pollBatch][64]byte
	bufs  [pollBatch][MaxSize]byte
}

var pollPool = sync.Pool{New: func() any {
	s := &pollSlots{}
	for i := range s.hdrs {
		s.iovs[i].Base = &s.bufs[i][0]
		s.iovs[i].SetLen(MaxSize)
		h := &s.hdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&s.names[i]))
		h.Iov = &s.iovs[i]
		h.Iovlen = 1
		h.Control = &s.ctrl[i][0]
	}
	return s
}}

func (p *polled) poll(max int, h func(Datagram, time.Time)) (int, error) {
	if p.fd < 0 {
		return 0, net.ErrClosed
	}
	if max <= 0 {
		return 0, nil
	}
	s := pollPool.Get().(*pollSlots)
	defer pollPool.Put(s)
	var now time.Time // the read's time, for a datagram without a stamp
	total := 0
	for total < max {
		want := min(pollBatch, max-total)
		for i := range want {
			hd := &s.hdrs[i]
			hd.Hdr.Namelen = unix.SizeofSockaddrAny
			hd.Hdr.SetControllen(stampSpace)
			hd.Hdr.Flags = 0
			hd.Len = 0
		}
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(p.fd), uintptr(unsafe.Pointer(&s.hdrs[0])), uintptr(want), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return total, nil
		default:
			return total, &net.OpError{Op: "read", Net: "udp", Err: os.NewSyscallError("recvmmsg", e)}
		}
		got := int(n)
		total += got
		for i := range got {
			hd := &s.hdrs[i]
			from, ok := sockaddr(&s.names[i], hd.Hdr.Namelen)
			if !ok {
				continue
			}
			at, stamped := stamp(&hd.Hdr, s.ctrl[i][:])
			if !stamped {
				if now.IsZero() {
					now = time.Now()
				}
				at = now
			}
			size := min(int(hd.Len), MaxSize)
			h(Datagram{B: s.bufs[i][:size], From: from}, at)
		}
		if got < want {
			return total, nil // the queue is empty: spare the read that says so
		}
	}
	return total, nil
}

// stamp is the arrival time in a received message's control data.
func stamp(m *unix.Msghdr, ctrl []byte) (time.Time, bool) {
	n := min(int(m.Controllen), len(ctrl))
	for off := 0; off+unix.SizeofCmsghdr <= n; {
		c := (*unix.Cmsghdr)(unsafe.Pointer(&ctrl[off]))
		if c.Len < unix.SizeofCmsghdr || off+int(c.Len) > n {
			break
		}
		data := off + unix.CmsgLen(0)
		if c.Level == unix.SOL_SOCKET && c.Type == unix.SCM_TIMESTAMPNS && data+int(unsafe.Sizeof(unix.Timespec{})) <= n {
			ts := (*unix.Timespec)(unsafe.Pointer(&ctrl[data]))
			return time.Unix(int64(ts.Sec), int64(ts.Nsec)), true
		}
		off += unix.CmsgSpace(int(c.Len) - unix.CmsgLen(0))
	}
	return time.Time{}, false
}

func (p *polled) writeTo(b []byte, addr netip.AddrPort) (int, error) {
	if p.fd < 0 {
		return 0, net.ErrClosed
	}
	var sa unix.RawSockaddrInet6
	n, ok := putSockaddr(p.family, &sa, addr)
	if !ok {
		return 0, &net.OpError{Op: "write", Net: "udp", Addr: net.UDPAddrFromAddrPort(addr), Err: os.NewSyscallError("sendto", unix.EAFNOSUPPORT)}
	}
	var base unsafe.Pointer
	if len(b) > 0 {
		base = unsafe.Pointer(&b[0])
	}
	for {
		_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(p.fd), uintptr(base), uintptr(len(b)), unix.MSG_DONTWAIT, uintptr(unsafe.Pointer(&sa)), uintptr(n))
		switch e {
		case 0:
			return len(b), nil
		case unix.EINTR:
			continue
		}
		return 0, &net.OpError{Op: "write", Net: "udp", Addr: net.UDPAddrFromAddrPort(addr), Err: os.NewSyscallError("sendto", e)}
	}
}

func (p *polled) close() error {
	if p.fd < 0 {
		return net.ErrClosed
	}
	err := unix.Close(p.fd)
	p.fd = -1
	return err
}
