//go:build linux

package udpbatch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/meet-dev/meet/internal/uring"
)

const (
	recvEntries  = 256  // submissions per io_uring_enter
	recvCQ       = 4096 // completions one pass can hold
	recvBuffers  = 1024 // datagrams in flight between passes, all sockets together
	recvNameLen  = unix.SizeofSockaddrInet6
	recvBufSize  = 2048 // header, source address and a MaxSize payload
	recvGroup    = 1
	cancelTagBit = 1 << 63
	// recvRetries is how many failures in a row end a socket's reading.
	recvRetries = 3
)

// recvSys is the io_uring side of a RecvRing.
type recvSys struct {
	tid         int          // the ring goroutine's thread
	dispatching *RecvSocket  // whose handler runs now
	failed      atomic.Int64 // sockets whose reading ended on errors
}

// recvSockState is what the ring goroutine knows of a socket.
type recvSockState struct {
	fd       int  // the ring's own copy of the descriptor; -1 once let go
	armed    bool // a multishot request is in flight
	ending   bool // Close asked; the request is being cancelled
	finished bool
	fails    int
}

func (st *recvSockState) open(c *net.UDPConn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var derr error
	st.fd = -1
	if err := rc.Control(func(fd uintptr) {
		st.fd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return err
	}
	if derr != nil {
		st.fd = -1
		return fmt.Errorf("udpbatch: dup: %w", derr)
	}
	return nil
}

func (st *recvSockState) closeFD() {
	if st.fd >= 0 {
		_ = unix.Close(st.fd)
		st.fd = -1
	}
}

func (r *RecvRing) inHandler(s *RecvSocket) bool {
	return unix.Gettid() == r.sys.tid && r.sys.dispatching == s
}

// Failed counts the sockets the ring stopped reading after recvRetries
// failures in a row (their calls then time out as without RTP).
func (r *RecvRing) Failed() int64 { return r.sys.failed.Load() }

// run is the ring's goroutine: it owns the io_uring instance, so it stays
// on the thread that opened it.
func (r *RecvRing) run(ready chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(r.done)
	ring, err := uring.NewOwned(recvEntries, recvCQ)
	if err == nil && !ring.SupportsRecvmsg() {
		_ = ring.Close()
		err = errors.New("udpbatch: this kernel's io_uring cannot receive messages")
	}
	if err != nil {
		ready <- err
		return
	}
	bufs, err := ring.RegisterBufRing(recvGroup, recvBuffers, recvBufSize)
	if err != nil {
		_ = ring.Close()
		ready <- err
		return
	}
	r.sys.tid = unix.Gettid()
	ready <- nil

	p := &recvPass{r: r, ring: ring, bufs: bufs, live: map[uint64]*RecvSocket{}, msg: &unix.Msghdr{Namelen: recvNameLen}}
	p.doneFn = p.completed
	var adds, cancels []*RecvSocket
	next := time.Now()
	for {
		var closing bool
		adds, cancels, closing = r.take(adds, cancels)
		if closing {
			p.shutdown()
			return
		}
		for _, s := range adds {
			p.live[s.tag] = s
			p.rearm = append(p.rearm, s)
		}
		for _, s := range cancels {
			s.st.ending = true
		}
		p.pass(cancels)
		if len(p.live) == 0 {
			<-r.wake // idle until a socket comes (or Close)
			next = time.Now()
			continue
		}
		next = next.Add(r.period)
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		} else {
			next = time.Now() // behind: no catching up with passes back to back
		}
	}
}

// recvPass is the ring goroutine's working state.
type recvPass struct {
	r      *RecvRing
	ring   *uring.Ring
	bufs   *uring.BufRing
	live   map[uint64]*RecvSocket
	rearm  []*RecvSocket // to arm (again) at the next submission
	msg    *unix.Msghdr  // the kernel copies it at each submission
	out    [1]Datagram
	doneFn func(tag uint64, res int32, flags uint32)
}

// pass arms new and ended requests, cancels those of closed sockets, and
// reaps every completion: the datagrams to their handlers, the buffers
// back to the kernel.
func (p *recvPass) pass(cancels []*RecvSocket) {
	for _, s := range cancels {
		if s.st.armed {
			p.queue(func() error { return p.ring.QueueCancel(s.tag, s.tag|cancelTagBit) })
		}
	}
	arm := p.rearm
	p.rearm = nil
	for _, s := range arm {
		if s.st.ending || s.st.finished || s.st.armed {
			continue
		}
		p.queue(func() error { return p.ring.QueueRecvmsgMultishot(s.st.fd, p.msg, recvGroup, s.tag) })
		s.st.armed = true
	}
	clear(arm)
	if p.rearm == nil {
		p.rearm = arm[:0]
	}
	for _, s := range cancels {
		if !s.st.armed {
			p.finish(s)
		}
	}
	p.enter()
}

// queue queues one submission, entering the ring first when it is full.
func (p *recvPass) queue(q func() error) {
	if q() == uring.ErrFull {
		p.enter()
		_ = q()
	}
}

func (p *recvPass) enter() {
	_, _ = p.ring.Enter(p.doneFn) // what it could not submit shows as an unarmed socket below
	p.bufs.Publish()
}

func (p *recvPass) completed(tag uint64, res int32, flags uint32) {
	if tag&cancelTagBit != 0 {
		// A cancellation's own result. Its request reports itself,
		// unless the kernel had none such: then nothing is in flight.
		if s := p.live[tag&^cancelTagBit]; s != nil && res == -int32(unix.ENOENT) && s.st.armed {
			s.st.armed = false
			p.finish(s)
		}
		return
	}
	s := p.live[tag]
	if flags&uring.CQEBuffer != 0 {
		id := uint16(flags >> uring.CQEBufferShift)
		if s != nil && res > 0 {
			p.dispatch(s, p.bufs.Buf(id)[:res])
		}
		p.bufs.Add(id)
	}
	if s == nil || flags&uring.CQEMore != 0 {
		return
	}
	s.st.armed = false
	switch {
	case s.st.ending:
		p.finish(s)
		return
	case res >= 0 || res == -int32(unix.ENOBUFS):
		// A request ends after a datagram when the completion queue
		// filled, or when every buffer was taken: arm it again once they
		// are back.
		if res >= 0 {
			s.st.fails = 0
		}
	default:
		s.st.fails++
		if s.st.fails >= recvRetries {
			p.r.sys.failed.Add(1)
			p.finish(s)
			return
		}
	}
	p.rearm = append(p.rearm, s)
}

// dispatch hands the datagram in b (a multishot recvmsg buffer) to s.
func (p *recvPass) dispatch(s *RecvSocket, b []byte) {
	if len(b) < uring.RecvmsgOutSize+recvNameLen {
		return
	}
	nameLen := min(binary.NativeEndian.Uint32(b[0:]), recvNameLen)
	var name unix.RawSockaddrAny
	copy((*[recvNameLen]byte)(unsafe.Pointer(&name))[:], b[uring.RecvmsgOutSize:])
	from, ok := sockaddr(&name, nameLen)
	if !ok {
		return
	}
	payload := b[uring.RecvmsgOutSize+recvNameLen:]
	p.out[0] = Datagram{B: payload[:min(len(payload), MaxSize)], From: from}
	s.deliver(p.out[:])
	p.out[0] = Datagram{}
}

func (p *recvPass) finish(s *RecvSocket) {
	if s.st.finished {
		return
	}
	s.st.finished = true
	s.st.closeFD()
	delete(p.live, s.tag)
}

// shutdown cancels every request, waits a few passes for them to end, and
// closes the ring; the buffers' memory is given back only when nothing can
// still write to it.
func (p *recvPass) shutdown() {
	var all []*RecvSocket
	for _, s := range p.live {
		s.st.ending = true
		all = append(all, s)
	}
	p.pass(all)
	for tries := 0; tries < 100 && p.armed(); tries++ {
		time.Sleep(p.r.period)
		p.enter()
	}
	clean := !p.armed()
	for _, s := range all {
		s.st.closeFD()
	}
	adds, _, _ := p.r.take(nil, nil) // sockets added since the last pass
	for _, s := range adds {
		s.st.closeFD()
	}
	if clean {
		p.bufs.Close()
	}
	_ = p.ring.Close()
}

func (p *recvPass) armed() bool {
	for _, s := range p.live {
		if s.st.armed {
			return true
		}
	}
	return false
}
