package audio

import (
	"errors"
	"fmt"
)

// Chunker re-frames arbitrary writes into frames of exactly Size samples,
// e.g. 480 for 10 ms at 48 kHz in front of an encoder or denoiser.
type Chunker struct {
	dst  Writer
	size int
	buf  PCM16
}

// NewChunker returns a stage that writes frames of frameSamples to dst.
// A frameSamples below 1 is treated as 1.
func NewChunker(dst Writer, frameSamples int) *Chunker {
	frameSamples = max(1, frameSamples)
	return &Chunker{dst: dst, size: frameSamples, buf: make(PCM16, 0, frameSamples)}
}

// Size is the frame length in samples.
func (c *Chunker) Size() int { return c.size }

// Pending is how many samples wait for a full frame.
func (c *Chunker) Pending() int { return len(c.buf) }

func (c *Chunker) WriteSample(s PCM16) error {
	if len(c.buf) > 0 {
		n := min(c.size-len(c.buf), len(s))
		c.buf = append(c.buf, s[:n]...)
		s = s[n:]
		if len(c.buf) < c.size {
			return nil
		}
		err := c.dst.WriteSample(c.buf)
		c.buf = c.buf[:0]
		if err != nil {
			return err
		}
	}
	for len(s) >= c.size {
		if err := c.dst.WriteSample(s[:c.size]); err != nil {
			return err
		}
		s = s[c.size:]
	}
	c.buf = append(c.buf, s...)
	return nil
}

// Flush writes a pending partial frame padded with silence to a full frame.
func (c *Chunker) Flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	n := len(c.buf)
	c.buf = c.buf[:c.size]
	clear(c.buf[n:])
	err := c.dst.WriteSample(c.buf)
	c.buf = c.buf[:0]
	return err
}

func (c *Chunker) SampleRate() int { return c.dst.SampleRate() }
func (c *Chunker) String() string  { return fmt.Sprintf("Chunk(%d) -> %s", c.size, c.dst) }

// Close flushes the partial frame and closes dst.
func (c *Chunker) Close() error { return errors.Join(c.Flush(), c.dst.Close()) }
