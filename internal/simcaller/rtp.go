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
func (m *media) run(ctx context.Context, remote *net.UDPAddr, audio []int16) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); m.receive(ctx) }()
	go func() { defer wg.Done(); m.send(ctx, remote, audio) }()
	<-ctx.Done()
	_ = m.conn.SetReadDeadline(time.Now())
	wg.Wait()
}

func (m *media) send(ctx context.Context, remote *net.UDPAddr, audio []int16) {
	if len(audio) < frameSamples {
		audio = make([]int16, frameSamples) // silence keeps the stream (and latching) alive
	}
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: uint32(time.Now().UnixNano())}}
	payload := make([]byte, frameSamples)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	pos := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for i := range payload {
			payload[i] = g711.EncodeUlawFrame(audio[pos])
			pos = (pos + 1) % len(audio)
		}
		pkt.Payload = payload
		buf, err := pkt.Marshal()
		if err == nil {
			_, _ = m.conn.WriteToUDP(buf, remote)
		}
		pkt.SequenceNumber++
		pkt.Timestamp += frameSamples
	}
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
		m.mu.Lock()
		m.packets++
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
		m.mu.Unlock()
	}
}

func (m *media) result() (rec []int16, packets int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]int16(nil), m.recorded...), m.packets
}

func (m *media) close() { _ = m.conn.Close() }
