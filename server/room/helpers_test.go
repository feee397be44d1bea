package room

import (
	"context"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/zaf/g711"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/opus"
)

const toneAmp = 0.2 // of full scale, per source

// recorder keeps the last two seconds of audio and can time the first
// frame carrying a tone after being armed.
type recorder struct {
	rate  int
	mu    sync.Mutex
	buf   audio.PCM16
	armed float64 // tone to wait for, 0 when not armed
	hit   chan time.Time
}

func newRecorder(rate int) *recorder { return &recorder{rate: rate} }

func (r *recorder) add(s []int16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, s...)
	if over := len(r.buf) - 2*r.rate; over > 0 {
		r.buf = r.buf[:copy(r.buf, r.buf[over:])]
	}
	if r.armed != 0 && audiotest.Goertzel(s, r.rate, r.armed) > level(0.05) {
		r.armed = 0
		r.hit <- time.Now()
	}
}

// arm returns a channel receiving the time of the first frame with freq.
func (r *recorder) arm(freq float64) <-chan time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.armed = freq
	r.hit = make(chan time.Time, 1)
	return r.hit
}

// last returns the last d of audio.
func (r *recorder) last(d time.Duration) audio.PCM16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := min(len(r.buf), int(d.Seconds()*float64(r.rate)))
	return append(audio.PCM16(nil), r.buf[len(r.buf)-n:]...)
}

// level is the Goertzel power of a sine of amplitude a (of full scale).
func level(a float64) float64 { return a * a / 4 }

// amp is the amplitude of freq in s, of full scale.
func amp(s audio.PCM16, rate int, freq float64) float64 {
	return 2 * math.Sqrt(audiotest.Goertzel(s, rate, freq))
}

// expectTones waits until the last 200 ms of r carry every tone of hear
// (amplitude ≥ 0.05) and none of deaf (amplitude < 0.01).
func expectTones(t *testing.T, who string, r *recorder, hear, deaf []float64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	var why string
	for {
		w := r.last(200 * time.Millisecond)
		why = ""
		for _, f := range hear {
			if a := amp(w, r.rate, f); a < 0.05 {
				why += " missing " + ftoa(f) + " Hz (amplitude " + ftoa(a) + ")"
			}
		}
		for _, f := range deaf {
			if a := amp(w, r.rate, f); a > 0.01 {
				why += " hears " + ftoa(f) + " Hz (amplitude " + ftoa(a) + ")"
			}
		}
		if why == "" && len(w) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s:%s", who, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', 3, 64) }

// fakeCaller is a trunk leg: it sends a tone and records what it hears.
type fakeCaller struct {
	freq float64
	n    int
	rec  *recorder
}

func newFakeCaller(freq float64) *fakeCaller {
	return &fakeCaller{freq: freq, rec: newRecorder(CallerRate)}
}

func (c *fakeCaller) ReadFrame(dst []int16) bool {
	copy(dst, audiotest.ToneAt(CallerRate, c.freq, toneAmp, c.n, len(dst)))
	c.n += len(dst)
	return true
}

func (c *fakeCaller) WriteFrame(src []int16) error {
	c.rec.add(src)
	return nil
}

// client is a softphone stand-in: a real pion peer connection that sends a
// tone and records what it receives.
type client struct {
	t       testing.TB
	pc      *webrtc.PeerConnection
	track   *webrtc.TrackLocalStaticSample
	rec     *recorder
	packets atomic.Int64
	stop    chan struct{}
	wg      sync.WaitGroup
	freq    float64
	pcmu    bool
}

var (
	clientOpus = webrtc.RTPCodecParameters{RTPCodecCapability: opusCap, PayloadType: 111}
	clientPCMU = webrtc.RTPCodecParameters{RTPCodecCapability: pcmuCap, PayloadType: 0}
)

func newClient(t testing.TB, m *Manager, staffID int64, freq float64, codecs ...webrtc.RTPCodecParameters) *client {
	t.Helper()
	me := &webrtc.MediaEngine{}
	for _, c := range codecs {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, pc: pc, rec: newRecorder(48000), stop: make(chan struct{}), freq: freq,
		pcmu: codecs[0].MimeType == webrtc.MimeTypePCMU}
	c.track, err = webrtc.NewTrackLocalStaticSample(codecs[0].RTPCodecCapability, "mic", "client")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTrack(c.track); err != nil {
		t.Fatal(err)
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { c.receive(tr) })
	c.negotiate(m, staffID)
	c.wg.Add(1)
	go c.send()
	t.Cleanup(c.close)
	return c
}

func (c *client) negotiate(m *Manager, staffID int64) {
	c.t.Helper()
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(offer); err != nil {
		c.t.Fatal(err)
	}
	<-gathered
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	answer, err := m.Offer(ctx, staffID, c.pc.LocalDescription().SDP)
	if err != nil {
		c.t.Fatalf("Offer: %v", err)
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		c.t.Fatalf("set answer: %v", err)
	}
}

func (c *client) send() {
	defer c.wg.Done()
	tk := time.NewTicker(20 * time.Millisecond)
	defer tk.Stop()
	var enc *opus.Encoder
	if !c.pcmu {
		var err error
		if enc, err = opus.NewEncoder(48000, 1); err != nil {
			c.t.Error(err)
			return
		}
	}
	n := 0
	for {
		select {
		case <-c.stop:
			return
		case <-tk.C:
		}
		var payload []byte
		if c.pcmu {
			for _, v := range audiotest.ToneAt(8000, c.freq, toneAmp, n, 160) {
				payload = append(payload, g711.EncodeUlawFrame(v))
			}
			n += 160
		} else {
			var err error
			payload, err = enc.Encode(audiotest.ToneAt(48000, c.freq, toneAmp, n, 960))
			if err != nil {
				c.t.Error(err)
				return
			}
			n += 960
		}
		_ = c.track.WriteSample(media.Sample{Data: payload, Duration: 20 * time.Millisecond})
	}
}

func (c *client) receive(tr *webrtc.TrackRemote) {
	isOpus := strings.EqualFold(tr.Codec().MimeType, webrtc.MimeTypeOpus)
	var dec *opus.Decoder
	if isOpus {
		var err error
		if dec, err = opus.NewDecoder(48000, 1); err != nil {
			c.t.Error(err)
			return
		}
	}
	up := audio.NewResampler(audio.NewFunc("rec", 48000, func(s audio.PCM16) error { c.rec.add(s); return nil }), 8000)
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		c.packets.Add(1)
		if isOpus {
			pcm, err := dec.Decode(pkt.Payload)
			if err == nil {
				c.rec.add(pcm)
			}
			continue
		}
		lin := make(audio.PCM16, len(pkt.Payload))
		for i, b := range pkt.Payload {
			lin[i] = g711.DecodeUlawFrame(b)
		}
		_ = up.WriteSample(lin)
	}
}

func (c *client) close() {
	select {
	case <-c.stop:
		return
	default:
	}
	close(c.stop)
	c.wg.Wait()
	_ = c.pc.Close()
}

// waitOnline waits for the Manager to see the staff member online.
func waitOnline(t testing.TB, m *Manager, staffID int64, want bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for m.Online(staffID) != want {
		if time.Now().After(deadline) {
			t.Fatalf("staff %d online=%v, want %v", staffID, !want, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkGoroutines fails when goroutines started during the test outlive it.
func checkGoroutines(t *testing.T) {
	t.Helper()
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > base {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				n := runtime.Stack(buf, true)
				t.Errorf("leaked goroutines: %d > %d\n%s", runtime.NumGoroutine(), base, buf[:n])
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
