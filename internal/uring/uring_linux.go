//go:build linux

// Package uring is the little of Linux's io_uring that meetd uses: one
// system call that sends datagrams on many sockets (IORING_OP_SENDMSG).
// meetd sends one RTP packet every 20 ms on each call's own socket; sendto
// per packet costs a system call each, and sendmmsg batches only one
// socket's datagrams.
//
// A Ring is not safe for concurrent use: its owner serialises Queue and
// Submit (internal/udpbatch.Batch holds a mutex). Kernels, container
// profiles or sysctls (kernel.io_uring_disabled) that refuse io_uring make
// New fail; callers then send one datagram per system call.
package uring

import (
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	opSendmsg = 9 // IORING_OP_SENDMSG (Linux 5.3)

	enterGetEvents = 1 // IORING_ENTER_GETEVENTS

	offSQRing = 0
	offCQRing = 0x8000000
	offSQEs   = 0x10000000
)

// The kernel's structures (include/uapi/linux/io_uring.h).
type sqOffsets struct {
	Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Resv1 uint32
	UserAddr                                                        uint64
}

type cqOffsets struct {
	Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Resv1 uint32
	UserAddr                                                        uint64
}

type params struct {
	SqEntries, CqEntries, Flags, SqThreadCPU, SqThreadIdle, Features, WqFd uint32
	Resv                                                                   [3]uint32
	SqOff                                                                  sqOffsets
	CqOff                                                                  cqOffsets
}

type sqe struct {
	Opcode      uint8
	Flags       uint8
	Ioprio      uint16
	Fd          int32
	Off         uint64
	Addr        uint64
	Len         uint32
	MsgFlags    uint32
	UserData    uint64
	BufIndex    uint16
	Personality uint16
	SpliceFdIn  int32
	Addr3       uint64
	_           uint64
}

type cqe struct {
	UserData uint64
	Res      int32
	Flags    uint32
}

// Ring is one io_uring instance.
type Ring struct {
	fd                int
	sqMem, cqMem, sqm []byte
	sqHead, sqTail    *uint32
	sqMask            uint32
	sqArray           []uint32
	sqes              []sqe
	cqHead, cqTail    *uint32
	cqMask            uint32
	cqes              []cqe
	queued            uint32 // queued since the last Submit
}

// New opens a ring for up to entries operations per Submit (a power of
// two, at most 4096).
func New(entries uint32) (*Ring, error) {
	if entries == 0 || entries > 4096 || entries&(entries-1) != 0 {
		return nil, fmt.Errorf("uring: %d entries: want a power of two up to 4096", entries)
	}
	var p params
	fd, _, e := syscall.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if e != 0 {
		return nil, fmt.Errorf("uring: io_uring_setup: %w", e)
	}
	r := &Ring{fd: int(fd)}
	if err := r.mmap(&p); err != nil {
		r.Close()
		return nil, err
	}
	if p.SqEntries < entries || p.CqEntries < entries {
		r.Close()
		return nil, fmt.Errorf("uring: kernel gave %d/%d entries for %d", p.SqEntries, p.CqEntries, entries)
	}
	return r, nil
}

func (r *Ring) mmap(p *params) error {
	m := func(off int64, size uint32) ([]byte, error) {
		b, err := unix.Mmap(r.fd, off, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
		if err != nil {
			return nil, fmt.Errorf("uring: mmap: %w", err)
		}
		return b, nil
	}
	var err error
	if r.sqMem, err = m(offSQRing, p.SqOff.Array+p.SqEntries*4); err != nil {
		return err
	}
	if r.cqMem, err = m(offCQRing, p.CqOff.Cqes+p.CqEntries*uint32(unsafe.Sizeof(cqe{}))); err != nil {
		return err
	}
	if r.sqm, err = m(offSQEs, p.SqEntries*uint32(unsafe.Sizeof(sqe{}))); err != nil {
		return err
	}
	u32 := func(b []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&b[off])) }
	r.sqHead, r.sqTail = u32(r.sqMem, p.SqOff.Head), u32(r.sqMem, p.SqOff.Tail)
	r.sqMask = *u32(r.sqMem, p.SqOff.RingMask)
	r.sqArray = unsafe.Slice(u32(r.sqMem, p.SqOff.Array), p.SqEntries)
	r.sqes = unsafe.Slice((*sqe)(unsafe.Pointer(&r.sqm[0])), p.SqEntries)
	r.cqHead, r.cqTail = u32(r.cqMem, p.CqOff.Head), u32(r.cqMem, p.CqOff.Tail)
	r.cqMask = *u32(r.cqMem, p.CqOff.RingMask)
	r.cqes = unsafe.Slice((*cqe)(unsafe.Pointer(&r.cqMem[p.CqOff.Cqes])), p.CqEntries)
	return nil
}

// Close releases the ring.
func (r *Ring) Close() error {
	for _, b := range [][]byte{r.sqm, r.cqMem, r.sqMem} {
		if b != nil {
			_ = unix.Munmap(b)
		}
	}
	r.sqm, r.cqMem, r.sqMem = nil, nil, nil
	if r.fd < 0 {
		return nil
	}
	err := unix.Close(r.fd)
	r.fd = -1
	return err
}

// ErrFull is Queue's error when as many operations are queued as the ring
// has entries: Submit first.
var ErrFull = errors.New("uring: ring full")

// QueueSendmsg queues sendmsg(fd, msg, flags) with tag, which Submit
// reports back with its result. msg, and all it points to, must stay
// where it is, unchanged, until Submit returns (memory outside Go's moving
// stacks: a heap object its owner keeps). Pass unix.MSG_DONTWAIT unless a
// full socket buffer may hold up Submit.
func (r *Ring) QueueSendmsg(fd int, msg *unix.Msghdr, flags int, tag uint64) error {
	tail := atomic.LoadUint32(r.sqTail)
	if tail-atomic.LoadUint32(r.sqHead) >= uint32(len(r.sqes)) || r.queued >= uint32(len(r.sqes)) {
		return ErrFull
	}
	i := tail & r.sqMask
	r.sqes[i] = sqe{Opcode: opSendmsg, Fd: int32(fd), Addr: uint64(uintptr(unsafe.Pointer(msg))), Len: 1,
		MsgFlags: uint32(flags), UserData: tag}
	r.sqArray[i] = i
	atomic.StoreUint32(r.sqTail, tail+1)
	r.queued++
	return nil
}

// Submit starts everything queued in one system call, waits until all of
// it has completed, and calls done with each one's tag and result (bytes
// sent, or a negative errno) in the order they completed. On an error
// what the kernel had not taken is dropped (done is not called for it);
// what it had taken is waited for, a few attempts at most.
func (r *Ring) Submit(done func(tag uint64, res int32)) error {
	want := r.queued
	r.queued = 0
	var submitted, reaped uint32
	var err error
	for tries := 0; reaped < want; tries++ {
		n, _, e := syscall.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(want-submitted),
			uintptr(want-reaped), enterGetEvents, 0, 0)
		got := r.reap(done)
		reaped += got
		switch e {
		case 0:
			submitted += uint32(n)
			if n == 0 && got == 0 && submitted < want && err == nil {
				err = errors.New("uring: io_uring_enter took nothing")
			}
		case syscall.EINTR, syscall.EAGAIN, syscall.EBUSY:
			// Interrupted, or short of kernel memory or of completion
			// room: try again.
		default:
			if err == nil {
				err = fmt.Errorf("uring: io_uring_enter: %w", e)
			}
		}
		if err != nil && want > submitted {
			r.unqueue(want - submitted)
			want = submitted // wait only for what is in flight
		}
		if tries == 100 && reaped < want {
			return errors.Join(err, errors.New("uring: operations still in flight"))
		}
	}
	return err
}

// unqueue withdraws the last n queued entries the kernel has not read:
// their slots stay in the ring's array but the tail goes back.
func (r *Ring) unqueue(n uint32) {
	if n == 0 {
		return
	}
	tail := atomic.LoadUint32(r.sqTail)
	head := atomic.LoadUint32(r.sqHead)
	n = min(n, tail-head)
	atomic.StoreUint32(r.sqTail, tail-n)
}

func (r *Ring) reap(done func(tag uint64, res int32)) uint32 {
	head := atomic.LoadUint32(r.cqHead)
	tail := atomic.LoadUint32(r.cqTail)
	n := tail - head
	for ; head != tail; head++ {
		c := &r.cqes[head&r.cqMask]
		done(c.UserData, c.Res)
	}
	atomic.StoreUint32(r.cqHead, head)
	return n
}

// SupportsSendmsg reports whether the kernel names IORING_OP_SENDMSG among
// the operations it supports (IORING_REGISTER_PROBE, Linux 5.6); a kernel
// too old to answer is taken not to.
func (r *Ring) SupportsSendmsg() bool {
	const registerProbe = 8
	const opSupported = 1
	var p struct {
		LastOp, OpsLen uint8
		_              uint16
		_              [3]uint32
		Ops            [256]struct {
			Op    uint8
			_     uint8
			Flags uint16
			_     uint32
		}
	}
	_, _, e := syscall.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), registerProbe,
		uintptr(unsafe.Pointer(&p)), uintptr(len(p.Ops)), 0, 0)
	if e != 0 || p.LastOp < opSendmsg {
		return false
	}
	return p.Ops[opSendmsg].Flags&opSupported != 0
}
