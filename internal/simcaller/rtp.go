package simcaller

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/zaf/g711"
)

// media is one RTP stream of the simulated phone: PCMU, 8 kHz, 20 ms packets,
// paced in real time, with everything received decoded into a recording.
type media struct {
	conn *net.UDPConn

	mu       sync.Mutex
	recorded []int16
	packets  int
	sent     []time.Time // first end packet of each key
	heard    func(at time.Time, pcm []int16)
	spoken   func(at time.Time, pcm []int16)
}

const frameSamples = 160 // 20 ms at 8 kHz

func newMedia(ip string) (*media, error) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		return nil, fmt.Errorf("rtp listen: %w", err)
	}
	return &media{conn: c}, nil
}

func (m *media) port() int { return m.conn.LocalAddr().(*net.UDPAddr).Port }

// sdp is our offer or answer: PCMU plus telephone-event.
func (m *media) sdp(ip string) []byte {
	sess := time.Now().UnixNano()
	return []byte(fmt.Sprintf("v=0\r\no=simcaller %d %d IN IP4 %s\r\ns=simcaller\r\nc=IN IP4 %s\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n",
		sess, sess, ip, ip, m.port()))
}

// remoteAddr reads the connection address and audio port of an SDP body.
func remoteAddr(body []byte) (*net.UDPAddr, error) {
	var ip string
	port := -1
	for _, line := range strings.Split(string(body), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "c=IN IP4 "):
			ip = strings.TrimPrefix(line, "c=IN IP4 ")
		case strings.HasPrefix(line, "m=audio "):
			f := strings.Fields(line)
			if len(f) >= 2 {
				p, err := strconv.Atoi(f[1])
				if err == nil {
					port = p
				}
			}
		}
	}
	if ip == "" || port <= 0 {
		return nil, errors.New("sdp: no IPv4 connection address or audio port")
	}
	return &net.UDPAddr{IP: net.ParseIP(ip), Port: port}, nil
}

// run sends audio (looped) to remote and records what arrives, until ctx ends.
func (m *media) run(ctx context.Context, remote *net.UDPAddr, audio []int16, keys []Key) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); m.receive(ctx) }()
	go func() { defer wg.Done(); m.send(ctx, remote, audio, keys) }()
	<-ctx.Done()
	_ = m.conn.SetReadDeadline(time.Now())
	wg.Wait()
}

// dtmfPT is the telephone-event payload type of our SDP.
const dtmfPT = 101

// Key events last 100 ms (5 packets) and end with 3 end packets (RFC 4733 §2.5.1.4).
const (
	keyPackets = 5
	endPackets = 3
)

func keyEvent(d rune) byte {
	switch {
	case d >= '0' && d <= '9':
		return byte(d - '0')
	case d == '*':
		return 10
	case d == '#':
		return 11
	case d >= 'A' && d <= 'D':
		return byte(12 + d - 'A')
	}
	return 0
}

func (m *media) send(ctx context.Context, remote *net.UDPAddr, audio []int16, keys []Key) {
	if len(audio) < frameSamples {
		audio = make([]int16, frameSamples) // silence keeps the stream (and latching) alive
	}
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: uint32(time.Now().UnixNano())}}
	payload := make([]byte, frameSamples)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	pos := 0
	start := time.Now()
	var (
		key     = -1 // index in keys of the event being sent
		keyTick int  // packets of it sent
		keyTS   uint32
	)
	send := func() {
		buf, err := pkt.Marshal()
		if err == nil {
			_, _ = m.conn.WriteToUDP(buf, remote)
		}
		pkt.SequenceNumber++
	}
	next := 0 // next key to start
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if key < 0 && next < len(keys) && time.Since(start) >= keys[next].At {
			key, keyTick, keyTS = next, 0, pkt.Timestamp
			next++
		}
		if key >= 0 {
			end := keyTick >= keyPackets
			dur := uint16(frameSamples * min(keyTick+1, keyPackets))
			flags := byte(10) // volume -10 dBm0
			if end {
				flags |= 0x80
			}
			ev := []byte{keyEvent(keys[key].Digit), flags, byte(dur >> 8), byte(dur)}
			hdr := pkt.Header
			pkt.PayloadType, pkt.Marker, pkt.Timestamp, pkt.Payload = dtmfPT, keyTick == 0, keyTS, ev
			if end && keyTick == keyPackets {
				m.mu.Lock()
				m.sent = append(m.sent, time.Now()) // just before the packet leaves
				m.mu.Unlock()
			}
			send()
			pkt.PayloadType, pkt.Marker, pkt.Timestamp = hdr.PayloadType, false, hdr.Timestamp+frameSamples
			keyTick++
			if keyTick >= keyPackets+endPackets {
				key = -1
			}
			continue
		}
		first := pos
		for i := range payload {
			payload[i] = g711.EncodeUlawFrame(audio[pos])
			pos = (pos + 1) % len(audio)
		}
		pkt.Payload = payload
		at := time.Now() // just before the packet leaves
		send()
		pkt.Timestamp += frameSamples
		if m.spoken != nil {
			frame := make([]int16, frameSamples)
			for i := range frame {
				frame[i] = audio[(first+i)%len(audio)]
			}
			m.spoken(at, frame)
		}
	}
}

func (m *media) keysSent() []time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]time.Time(nil), m.sent...)
}

func (m *media) receive(ctx context.Context) {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for ctx.Err() == nil {
		n, _, err := m.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		at := time.Now()
		m.mu.Lock()
		m.packets++
		n0 := len(m.recorded)
		switch pkt.PayloadType {
		case 0:
			for _, b := range pkt.Payload {
				m.recorded = append(m.recorded, g711.DecodeUlawFrame(b))
			}
		case 8:
			for _, b := range pkt.Payload {
				m.recorded = append(m.recorded, g711.DecodeAlawFrame(b))
			}
		}
		var pcm []int16
		if m.heard != nil && len(m.recorded) > n0 {
			pcm = append(pcm, m.recorded[n0:]...)
		}
		m.mu.Unlock()
		if pcm != nil {
			m.heard(at, pcm)
		}
	}
}

func (m *media) result() (rec []int16, packets int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]int16(nil), m.recorded...), m.packets
}

func (m *media) close() { _ = m.conn.Close() }
