//go:build linux

package uring

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

func ring(t *testing.T, n uint32) *Ring {
	t.Helper()
	r, err := New(n)
	if errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EPERM) {
		t.Skipf("this kernel refuses io_uring (%v); internal/udpbatch falls back to a system call a datagram", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// msg is a sendmsg header for payload p to a's port on 127.0.0.1.
func msg(p []byte, port int) *unix.Msghdr {
	sa := &unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: [4]byte{127, 0, 0, 1}}
	(*[2]byte)(unsafe.Pointer(&sa.Port))[0], (*[2]byte)(unsafe.Pointer(&sa.Port))[1] = byte(port>>8), byte(port)
	iov := &unix.Iovec{Base: &p[0]}
	iov.SetLen(len(p))
	return &unix.Msghdr{Name: (*byte)(unsafe.Pointer(sa)), Namelen: unix.SizeofSockaddrInet4, Iov: iov, Iovlen: 1}
}

func TestSendmsgOnSeveralSocketsInOneSubmit(t *testing.T) {
	r := ring(t, 8)
	if !r.SupportsSendmsg() {
		t.Fatal("a kernel with io_uring_setup names no IORING_OP_SENDMSG")
	}
	dst, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	port := dst.LocalAddr().(*net.UDPAddr).Port
	var fds []int
	for range 3 {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		fds = append(fds, fd)
	}
	closed, _ := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	unix.Close(closed) // a descriptor number no longer open: EBADF
	var msgs []*unix.Msghdr
	for i, fd := range append(fds, closed) {
		m := msg([]byte{byte('a' + i)}, port)
		msgs = append(msgs, m)
		if err := r.QueueSendmsg(fd, m, unix.MSG_DONTWAIT, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	res := map[uint64]int32{}
	if err := r.Submit(func(tag uint64, n int32) { res[tag] = n }); err != nil {
		t.Fatal(err)
	}
	if len(res) != 4 || res[0] != 1 || res[1] != 1 || res[2] != 1 || res[3] != -int32(unix.EBADF) {
		t.Fatalf("results %v", res)
	}
	buf := make([]byte, 8)
	got := map[byte]bool{}
	for range 3 {
		n, _, err := dst.ReadFrom(buf)
		if err != nil || n != 1 {
			t.Fatal(n, err)
		}
		got[buf[0]] = true
	}
	if !got['a'] || !got['b'] || !got['c'] {
		t.Fatalf("received %v", got)
	}
	_ = msgs // the kernel read them through uintptrs: kept alive until Submit returned
	// The ring is ready for the next batch.
	if err := r.QueueSendmsg(fds[0], msg([]byte("x"), port), unix.MSG_DONTWAIT, 9); err != nil {
		t.Fatal(err)
	}
	if err := r.Submit(func(tag uint64, n int32) { res[tag] = n }); err != nil || res[9] != 1 {
		t.Fatal(err, res)
	}
}

func TestQueueRefusesMoreThanTheRingHolds(t *testing.T) {
	r := ring(t, 2)
	fd, _ := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK, 0)
	defer unix.Close(fd)
	m := msg([]byte("x"), 9) // the discard port: nobody listens, UDP does not care
	for i := range 2 {
		if err := r.QueueSendmsg(fd, m, unix.MSG_DONTWAIT, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.QueueSendmsg(fd, m, unix.MSG_DONTWAIT, 2); !errors.Is(err, ErrFull) {
		t.Fatalf("a third entry in a ring of two: %v", err)
	}
	n := 0
	if err := r.Submit(func(uint64, int32) { n++ }); err != nil || n != 2 {
		t.Fatal(err, n)
	}
}

func TestNewRejectsSizes(t *testing.T) {
	for _, n := range []uint32{0, 3, 8192} {
		if _, err := New(n); err == nil {
			t.Errorf("New(%d) took it", n)
		}
	}
}
