// Package rtpseq is RTP sequence-number arithmetic (RFC 3550): order in the
// 16-bit wrap-around space and the receive counts of appendix A.1/A.3
// (extended highest sequence number, packets expected and received). The
// jitter buffers of the trunk, the room and the softphone and the trunk's
// RTCP reports all count with it.
package rtpseq

// Before reports whether sequence number a comes before b: b is less than
// half the space (32768) ahead of a. At exactly half the space neither
// comes before the other.
func Before(a, b uint16) bool { return a != b && b-a < 1<<15 }

// Counter follows RFC 3550 A.1/A.3 for one stream. The zero value is
// ready; the first Add starts it.
type Counter struct {
	started  bool
	base     uint16 // first sequence number
	max      uint16 // highest sequence number received
	cycles   uint32 // wraps of max, shifted (count << 16)
	received uint64
}

// Add counts one received packet.
func (c *Counter) Add(seq uint16) {
	c.received++
	if !c.started {
		c.started, c.base, c.max = true, seq, seq
		return
	}
	if Before(c.max, seq) {
		if seq < c.max {
			c.cycles += 1 << 16
		}
		c.max = seq
	}
}

// Started reports whether a packet was counted.
func (c *Counter) Started() bool { return c.started }

// Base is the first sequence number counted.
func (c *Counter) Base() uint16 { return c.base }

// ExtendedMax is the highest sequence number with its wrap count.
func (c *Counter) ExtendedMax() uint32 { return c.cycles + uint32(c.max) }

// Expected is how many packets the stream should have brought so far.
func (c *Counter) Expected() uint64 {
	if !c.started {
		return 0
	}
	return uint64(c.ExtendedMax()) - uint64(c.base) + 1
}

// Received is how many packets were counted (duplicates included, as RFC
// 3550 counts them).
func (c *Counter) Received() uint64 { return c.received }

// Lost is Expected minus Received, never below 0.
func (c *Counter) Lost() uint64 {
	if e := c.Expected(); e > c.received {
		return e - c.received
	}
	return 0
}

// LossFraction is Lost over Expected (0..1; 0 before anything came).
func (c *Counter) LossFraction() float64 {
	e := c.Expected()
	if e == 0 {
		return 0
	}
	return float64(c.Lost()) / float64(e)
}
