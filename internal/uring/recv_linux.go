//go:build linux

package uring

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// What a receiving ring uses besides IORING_OP_SENDMSG: multishot
// IORING_OP_RECVMSG (Linux 6.0) into a provided buffer ring (5.19), the
// completions produced only when its one owner thread asks for them
// (IORING_SETUP_DEFER_TASKRUN, 6.1).
const (
	opRecvmsg     = 10 // IORING_OP_RECVMSG
	opAsyncCancel = 14 // IORING_OP_ASYNC_CANCEL

	setupCQSize        = 1 << 3  // IORING_SETUP_CQSIZE
	setupSingleIssuer  = 1 << 12 // IORING_SETUP_SINGLE_ISSUER
	setupDeferTaskrun  = 1 << 13 // IORING_SETUP_DEFER_TASKRUN
	enterExtArg        = 1 << 3  // IORING_ENTER_EXT_ARG
	sqeBufferSelect    = 1 << 5  // IOSQE_BUFFER_SELECT
	recvMultishot      = 1 << 1  // IORING_RECV_MULTISHOT, in the SQE's ioprio
	registerPbufRing   = 22      // IORING_REGISTER_PBUF_RING
	unregisterPbufRing = 23      // IORING_UNREGISTER_PBUF_RING

	// CQEBuffer marks a completion that used a provided buffer: its id is
	// flags>>CQEBufferShift (IORING_CQE_F_BUFFER).
	CQEBuffer = 1 << 0
	// CQEMore marks a multishot completion with more to come; without it
	// the request has ended (IORING_CQE_F_MORE).
	CQEMore = 1 << 1
	// CQEBufferShift is where a completion's buffer id starts in its flags.
	CQEBufferShift = 16

	// RecvmsgOutSize is the header multishot recvmsg writes at the start
	// of each buffer (struct io_uring_recvmsg_out): name, control and
	// payload lengths and the message flags, 4 bytes each.
	RecvmsgOutSize = 16
)

// NewOwned opens a ring whose completions are produced only inside Enter
// and only on the thread that calls NewOwned (IORING_SETUP_SINGLE_ISSUER
// and DEFER_TASKRUN): the caller must be locked to its thread
// (runtime.LockOSThread) for as long as it uses the ring. A datagram that
// arrives then costs the receiving process nothing until the owner next
// enters the ring, where it is read with every other one. cqEntries sizes
// the completion queue (a power of two, at least entries).
func NewOwned(entries, cqEntries uint32) (*Ring, error) {
	if entries == 0 || entries > 4096 || entries&(entries-1) != 0 || cqEntries < entries || cqEntries&(cqEntries-1) != 0 {
		return nil, fmt.Errorf("uring: %d/%d entries: want powers of two, the first up to 4096 and the second at least it", entries, cqEntries)
	}
	p := params{Flags: setupCQSize | setupSingleIssuer | setupDeferTaskrun, CqEntries: cqEntries}
	fd, _, e := syscall.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if e != 0 {
		return nil, fmt.Errorf("uring: io_uring_setup: %w", e)
	}
	r := &Ring{fd: int(fd)}
	if err := r.mmap(&p); err != nil {
		r.Close()
		return nil, err
	}
	if p.SqEntries < entries || p.CqEntries < cqEntries {
		r.Close()
		return nil, fmt.Errorf("uring: kernel gave %d/%d entries for %d/%d", p.SqEntries, p.CqEntries, entries, cqEntries)
	}
	return r, nil
}

func (r *Ring) push(e sqe) error {
	tail := atomic.LoadUint32(r.sqTail)
	if tail-atomic.LoadUint32(r.sqHead) >= uint32(len(r.sqes)) || r.queued >= uint32(len(r.sqes)) {
		return ErrFull
	}
	i := tail & r.sqMask
	r.sqes[i] = e
	r.sqArray[i] = i
	atomic.StoreUint32(r.sqTail, tail+1)
	r.queued++
	return nil
}

// QueueRecvmsgMultishot queues a multishot recvmsg on fd into the buffers
// of group: each datagram completes with tag, CQEMore while the request
// goes on, and a buffer that starts with a RecvmsgOutSize header, then
// msg.Namelen bytes of source address, then the payload. msg (Namelen set,
// no iovec) must stay where it is until Enter returns.
func (r *Ring) QueueRecvmsgMultishot(fd int, msg *unix.Msghdr, group uint16, tag uint64) error {
	return r.push(sqe{Opcode: opRecvmsg, Flags: sqeBufferSelect, Ioprio: recvMultishot, Fd: int32(fd),
		Addr: uint64(uintptr(unsafe.Pointer(msg))), Len: 1, BufIndex: group, UserData: tag})
}

// QueueCancel queues the cancellation of the request queued with target;
// the cancellation itself completes with tag (0 or a negative errno), the
// cancelled request with -ECANCELED.
func (r *Ring) QueueCancel(target, tag uint64) error {
	return r.push(sqe{Opcode: opAsyncCancel, Fd: -1, Addr: target, UserData: tag})
}

// getEventsArg is struct io_uring_getevents_arg.
type getEventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	minWait   uint32
	ts        uint64
}

// enterArgs are Enter's arguments to the kernel, kept on the heap: the
// kernel reads them through pointers during the call.
type enterArgs struct {
	arg getEventsArg
	ts  unix.Timespec // zero: do not wait
}

// Enter submits what is queued, lets the kernel finish all the work that
// waits for this thread (with an owned ring, every datagram that arrived
// since the last Enter is read now) without waiting for more, and calls
// done with each completion's tag, result and flags. It returns how many
// completions it reaped.
func (r *Ring) Enter(done func(tag uint64, res int32, flags uint32)) (int, error) {
	if r.args == nil {
		r.args = new(enterArgs)
		r.args.arg.ts = uint64(uintptr(unsafe.Pointer(&r.args.ts)))
	}
	var err error
	for tries := 0; ; tries++ {
		submit := atomic.LoadUint32(r.sqTail) - atomic.LoadUint32(r.sqHead)
		// min_complete as large as the completion queue with a zero
		// timeout: the kernel runs every piece of deferred work (it caps
		// a run at min_complete, or 20 where that is smaller) and returns
		// ETIME instead of waiting for more.
		_, _, e := syscall.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(submit),
			uintptr(len(r.cqes)), enterGetEvents|enterExtArg, uintptr(unsafe.Pointer(&r.args.arg)), unsafe.Sizeof(r.args.arg))
		switch e {
		case 0, syscall.ETIME, syscall.EINTR, syscall.EAGAIN, syscall.EBUSY:
			// Done, or interrupted, or short of memory or of completion
			// room: whatever the kernel has not taken is tried again.
		default:
			err = fmt.Errorf("uring: io_uring_enter: %w", e)
		}
		left := atomic.LoadUint32(r.sqTail) - atomic.LoadUint32(r.sqHead)
		if left == 0 || err != nil || tries == 100 {
			if left > 0 && err == nil {
				err = errors.New("uring: io_uring_enter took not everything queued")
			}
			r.unqueue(left)
			break
		}
	}
	r.queued = 0
	got := 0
	head := atomic.LoadUint32(r.cqHead)
	tail := atomic.LoadUint32(r.cqTail)
	for ; head != tail; head++ {
		c := &r.cqes[head&r.cqMask]
		done(c.UserData, c.Res, c.Flags)
		got++
	}
	atomic.StoreUint32(r.cqHead, head)
	return got, err
}

// SupportsRecvmsg reports whether the kernel names IORING_OP_RECVMSG among
// the operations it supports; multishot receiving needs Linux 6.0, which
// only a first datagram shows.
func (r *Ring) SupportsRecvmsg() bool { return r.supports(opRecvmsg) }

// BufRing is a ring of equal buffers the kernel picks from for requests of
// its group (IORING_REGISTER_PBUF_RING); its memory lies outside Go's heap.
type BufRing struct {
	r       *Ring
	group   uint16
	mem     []byte // the ring of struct io_uring_buf, 16 bytes each
	bufs    []byte // the buffers, size each
	size    int
	mask    uint16
	tail    uint16 // published
	pending uint16 // added since the last Publish
}

// RegisterBufRing registers n buffers of size bytes each (n a power of two
// up to 32768) as group, all of them given to the kernel.
func (r *Ring) RegisterBufRing(group uint16, n, size int) (*BufRing, error) {
	if n == 0 || n > 32768 || n&(n-1) != 0 || size <= 0 {
		return nil, fmt.Errorf("uring: %d buffers of %d bytes", n, size)
	}
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		return nil, errors.New("uring: provided buffers are set up for little-endian machines only")
	}
	mem, err := unix.Mmap(-1, 0, n*16, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("uring: buffer ring: %w", err)
	}
	bufs, err := unix.Mmap(-1, 0, n*size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		_ = unix.Munmap(mem)
		return nil, fmt.Errorf("uring: buffers: %w", err)
	}
	reg := struct {
		ringAddr    uint64
		ringEntries uint32
		bgid        uint16
		flags       uint16
		_           [3]uint64
	}{ringAddr: uint64(uintptr(unsafe.Pointer(&mem[0]))), ringEntries: uint32(n), bgid: group}
	_, _, e := syscall.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), registerPbufRing,
		uintptr(unsafe.Pointer(&reg)), 1, 0, 0)
	if e != 0 {
		_ = unix.Munmap(bufs)
		_ = unix.Munmap(mem)
		return nil, fmt.Errorf("uring: register buffer ring: %w", e)
	}
	b := &BufRing{r: r, group: group, mem: mem, bufs: bufs, size: size, mask: uint16(n - 1)}
	for id := range n {
		b.Add(uint16(id))
	}
	b.Publish()
	return b, nil
}

// Group is the buffer group id requests name.
func (b *BufRing) Group() uint16 { return b.group }

// Buf is buffer id's memory.
func (b *BufRing) Buf(id uint16) []byte {
	return b.bufs[int(id)*b.size : (int(id)+1)*b.size : (int(id)+1)*b.size]
}

// Add gives buffer id back to the kernel at the next Publish.
func (b *BufRing) Add(id uint16) {
	i := int((b.tail + b.pending) & b.mask)
	e := b.mem[i*16 : i*16+16]
	binary.LittleEndian.PutUint64(e[0:], uint64(uintptr(unsafe.Pointer(&b.bufs[int(id)*b.size]))))
	binary.LittleEndian.PutUint32(e[8:], uint32(b.size))
	binary.LittleEndian.PutUint16(e[12:], id)
	b.pending++
}

// Publish hands the kernel every buffer added since the last Publish.
func (b *BufRing) Publish() {
	if b.pending == 0 {
		return
	}
	b.tail += b.pending
	b.pending = 0
	// The tail is the 16 bits after the first entry's buffer id (the
	// kernel's struct io_uring_buf_ring); store the word holding both,
	// atomically, after the entries it publishes.
	w := (*uint32)(unsafe.Pointer(&b.mem[12]))
	atomic.StoreUint32(w, uint32(b.tail)<<16|uint32(binary.LittleEndian.Uint16(b.mem[12:])))
}

// Close unregisters the buffers and frees their memory; no request of the
// group may be in flight.
func (b *BufRing) Close() {
	if b.mem == nil {
		return
	}
	if b.r.fd >= 0 {
		reg := struct {
			ringAddr    uint64
			ringEntries uint32
			bgid        uint16
			flags       uint16
			_           [3]uint64
		}{bgid: b.group}
		_, _, _ = syscall.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(b.r.fd), unregisterPbufRing,
			uintptr(unsafe.Pointer(&reg)), 1, 0, 0)
	}
	_ = unix.Munmap(b.bufs)
	_ = unix.Munmap(b.mem)
	b.mem, b.bufs = nil, nil
}
