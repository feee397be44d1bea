package litertc

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestSharedSocketBuffers: the socket every connection shares gets
// receive and send buffers of sockBuffer, or as much as the kernel allows
// (net.core.rmem_max / wmem_max), not the kernel's default of about
// 200 kB, which a few hundred operators' packets fill in under 30 ms.
func TestSharedSocketBuffers(t *testing.T) {
	ep, err := NewEndpoint(Config{Loopback: true})
	require.NoError(t, err)
	defer ep.Close()
	limit := func(name string) int {
		b, err := os.ReadFile("/proc/sys/net/core/" + name)
		require.NoError(t, err)
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		require.NoError(t, err)
		return n
	}
	for _, s := range ep.socks {
		raw, err := s.uc.SyscallConn()
		require.NoError(t, err)
		for _, o := range []struct {
			opt  int
			proc string
		}{{unix.SO_RCVBUF, "rmem_max"}, {unix.SO_SNDBUF, "wmem_max"}} {
			var got int
			var gerr error
			require.NoError(t, raw.Control(func(fd uintptr) { got, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, o.opt) }))
			require.NoError(t, gerr)
			// Linux reports twice what was granted (its bookkeeping share).
			require.GreaterOrEqual(t, got, 2*min(sockBuffer, limit(o.proc)), "%s on %s", o.proc, s.local)
		}
	}
}
