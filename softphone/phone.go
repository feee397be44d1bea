// Package softphone is the call engine on the operator's side: one
// persistent WebRTC peer connection to meetd, the audio pipelines around it
// (microphone → denoise → mute → Opus → track; track → jitter buffer → Opus
// with FEC/PLC → speaker), mute and mute-on-join, the ring tone, call quality
// figures and events for the TUI.
//
// Joining a call does not renegotiate anything: meetd re-points the existing
// connection's audio into the call's room. Out of a call the phone sends
// silence (the microphone is still metered, so a level meter works).
package softphone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio/denoise"
	"github.com/meet-dev/meet/internal/bandhint"
	"github.com/meet-dev/meet/internal/litertc"
	"github.com/meet-dev/meet/internal/lossfec"
)

// Signaller carries the non-trickle offer to meetd and returns its answer.
// *client.Stream satisfies it (rtc.offer / rtc.answer on /v1/ws).
type Signaller interface {
	Offer(ctx context.Context, sdp string) (string, error)
}

// ErrClosed is returned by Start after Close.
var ErrClosed = errors.New("softphone: closed")

// ErrNoMicrophone and ErrNoSpeaker are reported (Event.Err) when no capture
// or playback device exists at all: the phone still connects and rings,
// but callers hear silence, or nothing is heard.
var (
	ErrNoMicrophone = errors.New("no microphone")
	ErrNoSpeaker    = errors.New("no speaker")
)

// Phone is the softphone. All methods are safe for concurrent use.
type Phone struct {
	sig Signaller
	o   options
	log *slog.Logger
	ep  *litertc.Endpoint // the phone's media sockets, for every connection it makes

	events   chan Event
	evMu     sync.Mutex
	evClosed bool

	mu         sync.Mutex
	state      State
	cur        *peer
	callID     int64
	started    bool
	closed     bool
	reconnects int
	rtt        time.Duration
	remoteLoss float64

	muted   atomic.Bool // the user's mute
	inCall  atomic.Bool
	denoise atomic.Bool
	ringing atomic.Bool

	src  source
	send *sendSwitch
	recv *receiver
	ns   denoise.Denoiser // the microphone's suppressor, shared by the send pipelines one at a time

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a Phone that negotiates through sig. Nothing runs until Start.
// Input and output files are checked here, devices are opened by Start.
func New(sig Signaller, opts ...Option) (*Phone, error) {
	if sig == nil {
		return nil, errors.New("softphone: nil Signaller")
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = slog.Default()
	}
	p := &Phone{sig: sig, o: o, log: o.log.With("leg", "softphone"),
		events: make(chan Event, o.eventBuffer), state: StateIdle}
	p.denoise.Store(o.denoise)
	ns, why, err := denoise.NewDefault(48000)
	if err != nil {
		return nil, fmt.Errorf("softphone: noise suppression: %w", err)
	}
	p.ns = ns
	if why != nil {
		p.log.Warn("noise suppression: using ours, the learned one is unavailable", "engine", ns.Name(), "err", why)
	} else {
		p.log.Info("noise suppression", "engine", ns.Name())
	}
	if o.inWAV != "" {
		if p.src, err = openWAVSource(o.inWAV, o.loopInput); err != nil {
			releaseDenoiser(ns)
			return nil, fmt.Errorf("softphone: %w", err)
		}
	}
	if p.ep, err = newEndpoint(&o); err != nil {
		if p.src != nil {
			_ = p.src.close()
		}
		releaseDenoiser(ns)
		return nil, fmt.Errorf("softphone: %w", err)
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p, nil
}

// Start opens the audio devices (or files) and negotiates the peer
// connection. It returns once the connection is up, or with the error of the
// first attempt (a missing device, meetd unreachable, ctx done). After a
// failed negotiation the phone keeps retrying in the background with
// back-off; state changes arrive on Events. Close stops everything.
func (p *Phone) Start(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	if p.started {
		p.mu.Unlock()
		return errors.New("softphone: already started")
	}
	p.started = true
	p.mu.Unlock()

	if err := p.openAudio(); err != nil {
		return fmt.Errorf("softphone: %w", err)
	}
	first := make(chan error, 1)
	p.wg.Add(1)
	go func() { defer p.wg.Done(); p.run(first) }()
	select {
	case err := <-first:
		return err
	case <-ctx.Done():
		return fmt.Errorf("softphone: start: %w", ctx.Err())
	}
}

// openAudio starts the microphone, the send switch and the playout loop.
func (p *Phone) openAudio() error {
	sink, err := p.openSink()
	if err != nil {
		return err
	}
	p.recv, err = newReceiver(sink, p)
	if err != nil {
		sink.Close()
		return err
	}
	p.send = newSendSwitch(p)
	if p.src == nil {
		if p.src, err = p.openSource(); err != nil {
			p.recv.close()
			return err
		}
	}
	if err := p.src.start(p.send, p.deviceError); err != nil {
		if !p.o.useInDevice || p.o.inDev != "" {
			p.recv.close()
			return err
		}
		// No microphone at all (a machine without a sound card): the phone
		// still connects and rings; callers hear silence; the user is told.
		p.deviceError(fmt.Errorf("%w: callers will hear silence (%w)", ErrNoMicrophone, err))
		p.src = newSilenceSource()
		if err := p.src.start(p.send, p.deviceError); err != nil {
			p.recv.close()
			return err
		}
	}
	p.wg.Add(1)
	go func() { defer p.wg.Done(); p.recv.playout(p.ctx) }()
	return nil
}

// run keeps one peer connection up: negotiate, wait until it fails, tear it
// down, back off, negotiate again. first gets the first attempt's result.
func (p *Phone) run(first chan<- error) {
	backoff := p.o.backoffMin
	report := func(err error) {
		if first != nil {
			first <- err
			first = nil
		}
	}
	p.setState(StateConnecting)
	for {
		pr, err := p.connect()
		if err == nil {
			report(nil)
			select {
			case <-pr.done:
			case <-p.ctx.Done():
			}
			p.teardown(pr)
			if p.ctx.Err() != nil {
				return
			}
			p.log.Warn("peer connection lost, renegotiating", "codec", pr.codec)
			backoff = p.o.backoffMin
		} else {
			if p.ctx.Err() != nil {
				report(ErrClosed)
				return
			}
			p.log.Warn("negotiation failed", "err", err, "retry_in", backoff)
			p.emit(Event{Type: EventError, Err: err})
			report(fmt.Errorf("softphone: %w", err))
		}
		p.setState(StateReconnecting)
		p.mu.Lock()
		p.reconnects++
		p.mu.Unlock()
		select {
		case <-time.After(backoff):
		case <-p.ctx.Done():
			return
		}
		backoff = min(2*backoff, p.o.backoffMax)
	}
}

// connect negotiates one peer connection and waits until it is connected.
func (p *Phone) connect() (*peer, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.o.negotiateTimout)
	defer cancel()
	pr, err := negotiate(ctx, p.ep, &p.o, p.sig, peerHandlers{
		state: p.onPeerState,
		rtp:   p.recv.onRTP,
		rtcp:  p.onRTCP,
	})
	if err != nil {
		return nil, err
	}
	if err := p.recv.setCodec(pr.codec); err != nil {
		pr.close()
		return nil, err
	}
	if err := p.send.attach(pr); err != nil {
		pr.close()
		return nil, err
	}
	select {
	case <-pr.connected:
	case <-pr.done:
		p.teardown(pr)
		return nil, errors.New("peer connection failed before it connected")
	case <-ctx.Done():
		p.teardown(pr)
		return nil, fmt.Errorf("waiting for the connection: %w", ctx.Err())
	}
	p.mu.Lock()
	p.cur = pr
	p.mu.Unlock()
	p.log.Info("softphone connected", "codec", pr.codec)
	p.emit(Event{Type: EventNegotiate, Message: pr.codec.String()})
	p.setState(StateConnected)
	return pr, nil
}

func (p *Phone) teardown(pr *peer) {
	p.send.detach(pr)
	pr.close()
	p.mu.Lock()
	if p.cur == pr {
		p.cur = nil
	}
	p.mu.Unlock()
}

func (p *Phone) onPeerState(s litertc.State) {
	p.log.Debug("peer connection state", "state", s.String())
}

// onRTCP takes the reports meetd sends about our stream (round-trip time
// and the loss the far end sees) and its band hints.
func (p *Phone) onRTCP(pr *peer, pkts []rtcp.Packet) {
	if loss, ok := lossfec.FromReports(pkts, pr.ssrc); ok {
		pr.fecCtl.Report(loss)
		p.mu.Lock()
		p.remoteLoss = loss
		p.mu.Unlock()
	}
	if narrow, ok := bandhint.Parse(pkts, pr.ssrc); ok {
		pr.narrowUp.Store(narrow)
	}
	if rtt, ok := rttFromReports(pkts, pr.ssrc, time.Now()); ok {
		p.mu.Lock()
		p.rtt = rtt
		p.mu.Unlock()
	}
}

func (p *Phone) setState(s State) {
	p.mu.Lock()
	if p.state == s || p.state == StateClosed {
		p.mu.Unlock()
		return
	}
	p.state = s
	p.mu.Unlock()
	p.emit(Event{Type: EventState, State: s})
}

// emit queues an event; when the reader lags the oldest event is dropped so
// the media path never blocks.
func (p *Phone) emit(e Event) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	p.evMu.Lock()
	defer p.evMu.Unlock()
	if p.evClosed {
		return
	}
	for {
		select {
		case p.events <- e:
			return
		default:
		}
		select {
		case <-p.events:
		default:
		}
	}
}

// Events delivers state changes and errors. It is closed by Close.
func (p *Phone) Events() <-chan Event { return p.events }

// Joined applies a join: the room now carries our audio. The microphone is
// muted when the staff member's mute_on_join is set (and in listen mode),
// otherwise unmuted. The ring tone stops.
func (p *Phone) Joined(r api.JoinResult) {
	muted := r.MuteOnJoin || r.Mode == api.ModeListen
	p.mu.Lock()
	p.callID = r.Call.ID
	p.mu.Unlock()
	p.muted.Store(muted)
	p.inCall.Store(true)
	if p.recv != nil {
		p.recv.resume()
	}
	p.setRinging(false)
	p.log.Info("joined call", "call_id", r.Call.ID, "mode", r.Mode, "muted", muted)
	p.emit(Event{Type: EventJoined, CallID: r.Call.ID, Muted: muted})
}

// Left ends the call on our side: the microphone stops being sent.
func (p *Phone) Left() {
	p.mu.Lock()
	id := p.callID
	p.callID = 0
	p.mu.Unlock()
	if !p.inCall.Swap(false) {
		return
	}
	if p.recv != nil {
		p.recv.endStream()
	}
	p.log.Info("left call", "call_id", id)
	p.emit(Event{Type: EventLeft, CallID: id})
}

// SetMuted mutes or unmutes the microphone.
func (p *Phone) SetMuted(m bool) {
	if p.muted.Swap(m) != m {
		p.emit(Event{Type: EventMuted, Muted: m})
	}
}

// Muted reports the microphone's mute state.
func (p *Phone) Muted() bool { return p.muted.Load() }

// SetDenoise switches noise suppression on the microphone, live.
func (p *Phone) SetDenoise(on bool) {
	if p.denoise.Swap(on) != on {
		p.emit(Event{Type: EventDenoise, Denoise: on})
	}
}

// Ring starts or stops the ring tone in the speaker.
func (p *Phone) Ring(on bool) { p.setRinging(on) }

func (p *Phone) setRinging(on bool) {
	if p.ringing.Swap(on) == on {
		return
	}
	if p.recv != nil {
		p.recv.ring.set(on)
	}
	p.emit(Event{Type: EventRing, Ringing: on})
}

// sendGate is the effective mute of the send path: muted by the user, or
// not in a call.
func (p *Phone) sendGate() bool { return p.muted.Load() || !p.inCall.Load() }

// deviceError reports a device failure once per failure streak; the call
// goes on (silence is sent, or nothing is played).
func (p *Phone) deviceError(err error) {
	p.log.Warn("audio device error", "err", err)
	p.emit(Event{Type: EventError, Err: err})
}

// Close hangs up the peer connection, stops the audio and closes the output
// file and Events. It is safe to call more than once.
func (p *Phone) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	var errs []error
	if p.src != nil {
		errs = append(errs, p.src.close())
	}
	p.wg.Wait()
	errs = append(errs, p.ep.Close())
	if p.recv != nil {
		errs = append(errs, p.recv.close())
	}
	releaseDenoiser(p.ns)
	p.setState(StateClosed)
	p.evMu.Lock()
	p.evClosed = true
	close(p.events)
	p.evMu.Unlock()
	return errors.Join(errs...)
}
