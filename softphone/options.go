package softphone

import (
	"log/slog"
	"time"

	"github.com/meet-dev/meet/audio"
)

// Option configures a Phone.
type Option func(*options)

type options struct {
	log      *slog.Logger
	loopback bool
	noOpus   bool

	inWAV, outWAV   string
	sink            audio.Writer // a ready speaker (tests)
	micTap          func(at time.Time, frame audio.PCM16)
	inDev, outDev   string
	useInDevice     bool
	useOutDevice    bool
	loopInput       bool
	denoise         bool
	sendLoss        float64 // simulated loss of sent packets, 0..1 (measurements)
	backoffMin      time.Duration
	backoffMax      time.Duration
	negotiateTimout time.Duration
	eventBuffer     int
}

func defaultOptions() options {
	return options{
		log:             slog.Default(),
		loopInput:       true,
		denoise:         true,
		backoffMin:      250 * time.Millisecond,
		backoffMax:      10 * time.Second,
		negotiateTimout: 15 * time.Second,
		eventBuffer:     64,
	}
}

// WithLogger sets the structured logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithLoopbackICE offers a loopback host candidate only (127.0.0.1): for
// tests and the local demo where meetd runs on 127.0.0.1.
func WithLoopbackICE() Option { return func(o *options) { o.loopback = true } }

// WithInputDevice captures from the named PortAudio device ("" = default).
func WithInputDevice(name string) Option {
	return func(o *options) { o.inDev, o.useInDevice, o.inWAV = name, true, "" }
}

// WithOutputDevice plays to the named PortAudio device ("" = default).
func WithOutputDevice(name string) Option {
	return func(o *options) { o.outDev, o.useOutDevice, o.outWAV = name, true, "" }
}

// WithInputWAV uses a WAV file (any rate, mono mixdown) as the microphone,
// paced in real time and looped, for headless use.
func WithInputWAV(path string) Option {
	return func(o *options) { o.inWAV, o.useInDevice = path, false }
}

// WithInputOnce plays the input WAV once, then silence (default: loop).
func WithInputOnce() Option { return func(o *options) { o.loopInput = false } }

// WithOutputWAV records the speaker (the far end plus the ring tone) to a
// 48 kHz WAV file in real time, for headless use; written on Close.
func WithOutputWAV(path string) Option {
	return func(o *options) { o.outWAV, o.useOutDevice = path, false }
}

// WithSpeaker plays to w (48 kHz) instead of a device or file: a sink
// that measures what the operator hears (benchmarks, tests). The phone
// closes w on Close.
func WithSpeaker(w audio.Writer) Option {
	return func(o *options) { o.sink, o.useOutDevice, o.outWAV = w, false, "" }
}

// WithMicTap calls f with every microphone frame (48 kHz) and the time it
// entered the send pipeline, before any stage: delay measurements. f runs
// on the capture goroutine and must not keep frame.
func WithMicTap(f func(at time.Time, frame audio.PCM16)) Option {
	return func(o *options) { o.micTap = f }
}

// WithDenoise sets whether noise suppression starts on (default true).
func WithDenoise(on bool) Option { return func(o *options) { o.denoise = on } }

// WithSimulatedSendLoss drops each packet sent to meetd with probability
// fraction (0..1), as a lossy network would (the RTP sequence numbers and
// timestamps still advance, so meetd sees real gaps). It is for
// measurements such as the whole-path noise suppression benchmark.
func WithSimulatedSendLoss(fraction float64) Option {
	return func(o *options) { o.sendLoss = min(max(fraction, 0), 1) }
}

// WithReconnectBackoff bounds the back-off between negotiation attempts.
func WithReconnectBackoff(min, max time.Duration) Option {
	return func(o *options) {
		if min > 0 {
			o.backoffMin = min
		}
		if max >= o.backoffMin {
			o.backoffMax = max
		}
	}
}

// WithoutOpus offers PCMU only (a test and interop switch).
func WithoutOpus() Option { return func(o *options) { o.noOpus = true } }
