package room

import (
	"log/slog"

	"github.com/meet-dev/meet/api"
)

// GuidanceFunc returns stored guidance audio, 48 kHz mono s16le PCM, or an
// error (an api not_found error when the slot is unset).
type GuidanceFunc func(channelID int64, kind api.GuidanceKind) ([]byte, error)

// Option configures a Manager.
type Option func(*config)

type config struct {
	log       *slog.Logger
	loopback  bool
	publicIPs []string
	portMin   uint16
	portMax   uint16
	guidance  GuidanceFunc
	jitter    int
	stun      []string
	// clockWorkers: 0 one goroutine per room, >0 that many workers, <0 GOMAXPROCS.
	clockWorkers int
	batches      []Holder // held with the operators' socket (WithSendBatch)
}

// WithLogger sets the logger; records carry call_id, staff_id and leg.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithLoopbackICE makes peer connections usable on one machine: loopback
// candidates included, UDP over IPv4 only, mDNS off. For tests and the demo.
func WithLoopbackICE() Option { return func(c *config) { c.loopback = true } }

// WithPublicIP announces ip (the server's public address, e.g. behind 1:1
// NAT) as its host candidate.
func WithPublicIP(ips ...string) Option {
	return func(c *config) { c.publicIPs = append(c.publicIPs, ips...) }
}

// WithPortRange takes the WebRTC media port from [min, max]: the first free
// one, per local address, which every softphone connection shares.
func WithPortRange(min, max uint16) Option {
	return func(c *config) { c.portMin, c.portMax = min, max }
}

// WithSTUN adds STUN servers (e.g. "stun:stun.example.net:3478") so the
// answer also carries server-reflexive candidates when the public address
// is not known in advance. Gathering waits for them (non-trickle).
func WithSTUN(urls ...string) Option { return func(c *config) { c.stun = append(c.stun, urls...) } }

// WithGuidance sets where guidance audio comes from (usually the store's
// Guidance in a View transaction). Without it no guidance plays.
func WithGuidance(f GuidanceFunc) Option { return func(c *config) { c.guidance = f } }

// WithJitterFrames sets the target depth of the operator receive jitter
// buffer in 20 ms frames (default 2, from 1 to 10).
func WithJitterFrames(n int) Option {
	return func(c *config) { c.jitter = max(1, min(n, 10)) }
}

// WithSharedClock drives every room from one shared 20 ms clock whose n
// workers (n ≤ 0: GOMAXPROCS) run the rooms that are due, in ten slots
// 2 ms apart. It is the default, with GOMAXPROCS workers: over real
// sockets at 200 calls (BenchmarkNetworkCalls, own/ against the default),
// in alternating runs, it had no late ticks in 12 runs where a goroutine
// and timer per room had them in 24 of 26, for no more CPU; a make bench
// run has had the two even on late ticks and the tickers ahead on CPU and
// loss, so the bench keeps both.
func WithSharedClock(n int) Option {
	return func(c *config) {
		c.clockWorkers = n
		if n == 0 {
			c.clockWorkers = -1
		}
	}
}

// WithOwnTickers gives every room its own goroutine and 20 ms timer
// instead of the shared clock: the comparison the benchmarks keep.
func WithOwnTickers() Option { return func(c *config) { c.clockWorkers = 0 } }

// Holder is a sender that queues while held and sends what it queued on
// release (internal/udpbatch.Batch, the trunk's RTP sockets).
type Holder interface {
	Hold()
	Release()
}

// WithSendBatch has the shared clock hold h, beside the operators' socket,
// while it ticks the rooms due in one 2 ms slot: what the rooms write to
// callers then leaves together at the slot's end. Rooms on their own
// tickers (WithOwnTickers) do not hold it.
func WithSendBatch(h Holder) Option {
	return func(c *config) { c.batches = append(c.batches, h) }
}
