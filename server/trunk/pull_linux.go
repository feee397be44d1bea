//go:build linux && (amd64 || arm64)

package trunk

import (
	"encoding/binary"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// puller reads an RTP socket without a goroutine waiting on it: the room's
// tick takes what arrived since the last one (rtpSession.drain) with one
// recvmmsg, and the kernel's receive timestamps (SO_TIMESTAMPNS) keep each
// packet's arrival time for the jitter buffer and the RTCP jitter as if a
// reader had been waiting. A goroutine per socket cost a netpoller wake-up,
// two goroutine switches and an empty read per packet.
type puller struct {
	raw syscall.RawConn
}

// newPuller prepares conn for pulling; nil when its timestamps cannot be
// had (the session then keeps a reading goroutine).
func newPuller(conn *net.UDPConn) *puller {
	raw, err := conn.SyscallConn()
	if err != nil {
		return nil
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return nil
	}
	return &puller{raw: raw}
}

// pullBatch is how many packets one recvmmsg takes: a tick normally finds
// one, more after a stall.
const pullBatch = 8

// mmsghdr is struct mmsghdr (recvmmsg(2)).
type mmsghdr struct {
	hdr syscall.Msghdr
	n   uint32
}

// batch is one drain's buffers, pooled: a session holds none between ticks.
type batch struct {
	hdrs  [pullBatch]mmsghdr
	iovs  [pullBatch]syscall.Iovec
	names [pullBatch]syscall.RawSockaddrInet6 // large enough for IPv4 too
	oob   [pullBatch][64]byte
	bufs  [pullBatch][1500]byte

	recv  func(fd uintptr) bool // b.recvmmsg, made once: a closure per read would be allocated
	n     int
	errno syscall.Errno
}

var batches = sync.Pool{New: func() any {
	b := new(batch)
	b.recv = b.recvmmsg
	return b
}}

// recvmmsg takes what is queued on fd into the batch, never waiting.
func (b *batch) recvmmsg(fd uintptr) bool {
	r, _, e := syscall.Syscall6(syscall.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.hdrs[0])),
		pullBatch, syscall.MSG_DONTWAIT, 0, 0)
	b.n, b.errno = int(r), e
	return true // never wait for more
}

// read hands every packet queued on the socket to f, with its sender and
// arrival time, and returns without waiting when none is left. f must
// not keep pkt.
func (p *puller) read(f func(pkt []byte, from netip.AddrPort, at time.Time)) {
	b := batches.Get().(*batch)
	defer batches.Put(b)
	for {
		for i := range b.hdrs {
			b.iovs[i].Base = &b.bufs[i][0]
			b.iovs[i].SetLen(len(b.bufs[i]))
			h := &b.hdrs[i].hdr
			*h = syscall.Msghdr{Name: (*byte)(unsafe.Pointer(&b.names[i])), Namelen: syscall.SizeofSockaddrInet6,
				Iov: &b.iovs[i], Iovlen: 1, Control: &b.oob[i][0]}
			h.SetControllen(len(b.oob[i]))
		}
		err := p.raw.Read(b.recv)
		n := b.n
		if err != nil || b.errno != 0 || n <= 0 {
			return // EAGAIN (nothing queued), or closed
		}
		for i := range n {
			h := &b.hdrs[i]
			from, ok := sockaddr(&b.names[i])
			if !ok {
				continue
			}
			f(b.bufs[i][:h.n], from, arrival(b.oob[i][:h.hdr.Controllen]))
		}
		if n < pullBatch {
			return
		}
	}
}

// sockaddr decodes a received packet's source address (IPv4-mapped IPv6
// addresses unmapped).
func sockaddr(rsa *syscall.RawSockaddrInet6) (netip.AddrPort, bool) {
	switch rsa.Family {
	case syscall.AF_INET:
		sa := (*syscall.RawSockaddrInet4)(unsafe.Pointer(rsa))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), port), true
	case syscall.AF_INET6:
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&rsa.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom16(rsa.Addr).Unmap(), port), true
	}
	return netip.AddrPort{}, false
}

// arrival is the kernel's receive time from a message's control data
// (SCM_TIMESTAMPNS), now when it carries none.
func arrival(oob []byte) time.Time {
	for len(oob) >= syscall.SizeofCmsghdr {
		c := (*syscall.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(c.Len)
		if l < syscall.SizeofCmsghdr || l > len(oob) {
			break
		}
		if c.Level == syscall.SOL_SOCKET && c.Type == syscall.SCM_TIMESTAMPNS && l >= syscall.CmsgLen(16) {
			ts := (*syscall.Timespec)(unsafe.Pointer(&oob[syscall.CmsgLen(0)]))
			return time.Unix(ts.Sec, ts.Nsec)
		}
		oob = oob[min(syscall.CmsgSpace(l-syscall.SizeofCmsghdr), len(oob)):]
	}
	return time.Now()
}
