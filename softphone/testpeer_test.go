package softphone

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/opus"
)

// testServer plays meetd's role in tests: a real pion peer that answers the
// phone's offer (a new peer connection per offer, like meetd), records what
// it receives (decoded to 48 kHz, with arrival times) and sends a tone.
type testServer struct {
	t        testing.TB
	pcmuOnly bool
	toneHz   float64
	jitter   time.Duration // each packet is sent up to this much late (random)
	cheap    bool          // send 1 s of pre-encoded tone in a loop, do not decode what arrives (CPU benchmark)

	mu      sync.Mutex
	pcs     []*webrtc.PeerConnection
	frames  []rxFrame
	offers  int
	failing int // answer this many offers with an error first
	wg      sync.WaitGroup
	stop    chan struct{}
	stopped bool
}

type rxFrame struct {
	at  time.Time
	pcm audio.PCM16 // 48 kHz
}

func newTestServer(t testing.TB, toneHz float64) *testServer {
	s := &testServer{t: t, toneHz: toneHz, stop: make(chan struct{})}
	t.Cleanup(s.close)
	return s
}

func (s *testServer) api() *webrtc.API {
	me := &webrtc.MediaEngine{}
	if !s.pcmuOnly {
		if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: capOpus, PayloadType: ptOpus}, webrtc.RTPCodecTypeAudio); err != nil {
			s.t.Fatal(err)
		}
	}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: capPCMU, PayloadType: ptPCMU}, webrtc.RTPCodecTypeAudio); err != nil {
		s.t.Fatal(err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		s.t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
}

// Offer implements Signaller.
func (s *testServer) Offer(ctx context.Context, offer string) (string, error) {
	s.mu.Lock()
	s.offers++
	if s.failing > 0 {
		s.failing--
		s.mu.Unlock()
		return "", errors.New("test server: not now")
	}
	s.mu.Unlock()
	pc, err := s.api().NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return "", err
	}
	codec := capOpus
	if s.pcmuOnly {
		codec = capPCMU
	}
	track, err := webrtc.NewTrackLocalStaticSample(codec, "room", "meetd")
	if err != nil {
		return "", err
	}
	if _, err := pc.AddTrack(track); err != nil {
		return "", err
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.receive(tr) }()
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		pc.Close()
		return "", err
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		pc.Close()
		return "", err
	}
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		pc.Close()
		return "", err
	}
	<-done
	s.mu.Lock()
	s.pcs = append(s.pcs, pc)
	s.mu.Unlock()
	s.wg.Add(1)
	go func() { defer s.wg.Done(); s.send(track) }()
	return pc.LocalDescription().SDP, nil
}

// send writes the tone in 20 ms frames until stopped or the track is gone.
func (s *testServer) send(track *webrtc.TrackLocalStaticSample) {
	var enc func(audio.PCM16) ([]byte, error)
	rate, n := 48000, 960
	if s.pcmuOnly {
		rate, n = 8000, 160
		e, _ := newEncoder(CodecPCMU, nil)
		fs := e.(*frameStage)
		enc = fs.enc
	} else {
		e, err := opus.NewEncoder(48000, 1)
		if err != nil {
			s.t.Error(err)
			return
		}
		enc = e.Encode
	}
	var loop [][]byte // 1 s, a whole number of tone periods
	for i := 0; s.cheap && i < 50; i++ {
		pkt, err := enc(audiotest.ToneAt(rate, s.toneHz, 0.3, i*n, n))
		if err != nil {
			s.t.Error(err)
			return
		}
		loop = append(loop, append([]byte(nil), pkt...))
	}
	tick := time.NewTicker(frameDuration)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
		var pkt []byte
		if s.cheap {
			pkt = loop[i%len(loop)]
		} else {
			var err error
			if pkt, err = enc(audiotest.ToneAt(rate, s.toneHz, 0.3, i*n, n)); err != nil {
				s.t.Error(err)
				return
			}
		}
		if s.jitter > 0 {
			time.Sleep(rand.N(s.jitter))
		}
		if err := track.WriteSample(media.Sample{Data: append([]byte(nil), pkt...), Duration: frameDuration}); err != nil {
			return
		}
	}
}

func (s *testServer) receive(tr *webrtc.TrackRemote) {
	var dec frameDecoder
	var err error
	if tr.Codec().MimeType == webrtc.MimeTypePCMU {
		dec, err = newDecoder(CodecPCMU)
	} else {
		dec, err = newDecoder(CodecOpus)
	}
	if err != nil {
		s.t.Error(err)
		return
	}
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		if s.cheap {
			continue
		}
		pcm, err := dec.decode(pkt.Payload)
		if err != nil {
			s.t.Errorf("server decode: %v", err)
			return
		}
		if tr.Codec().MimeType == webrtc.MimeTypePCMU {
			pcm = audio.Resample(pcm, 8000, 48000)
		}
		s.mu.Lock()
		s.frames = append(s.frames, rxFrame{at: time.Now(), pcm: append(audio.PCM16(nil), pcm...)})
		s.mu.Unlock()
	}
}

// between returns what arrived in [from, to).
func (s *testServer) between(from, to time.Time) audio.PCM16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out audio.PCM16
	for _, f := range s.frames {
		if !f.at.Before(from) && f.at.Before(to) {
			out = append(out, f.pcm...)
		}
	}
	return out
}

// dropAll closes every peer connection, as a meetd restart would.
func (s *testServer) dropAll() {
	s.mu.Lock()
	pcs := s.pcs
	s.pcs = nil
	s.mu.Unlock()
	for _, pc := range pcs {
		pc.Close()
	}
}

func (s *testServer) close() {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.stopped = true
	close(s.stop)
	s.mu.Unlock()
	s.dropAll()
	s.wg.Wait()
}
