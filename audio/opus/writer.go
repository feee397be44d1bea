package opus

import (
	"fmt"

	"github.com/meet-dev/meet/audio"
)

// EncodeWriter is an audio.Writer stage that cuts what it gets into 20 ms
// frames, encodes each and hands the packet to send (e.g. a WebRTC track).
type EncodeWriter struct {
	enc   *Encoder
	chunk *audio.Chunker
	name  string
}

// NewEncodeWriter returns a stage "Opus(encode) -> name" in front of send.
// send owns the packet it is given.
func NewEncodeWriter(enc *Encoder, name string, send func(pkt []byte) error) *EncodeWriter {
	w := &EncodeWriter{enc: enc, name: name}
	sink := audio.NewFunc(name, enc.rate, func(frame audio.PCM16) error {
		pkt, err := enc.Encode(frame)
		if err != nil {
			return err
		}
		return send(pkt)
	})
	w.chunk = audio.NewChunker(sink, enc.FrameSamples()*enc.channels)
	return w
}

func (w *EncodeWriter) WriteSample(s audio.PCM16) error { return w.chunk.WriteSample(s) }
func (w *EncodeWriter) SampleRate() int                 { return w.enc.rate }
func (w *EncodeWriter) String() string                  { return fmt.Sprintf("Opus(encode) -> %s", w.name) }

// Close drops a pending partial frame (a call's last few ms) and closes nothing else.
func (w *EncodeWriter) Close() error { return nil }
