package litertc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/stun/v4"
)

// The offering side (meet phone): it sends the connectivity checks, with
// USE-CANDIDATE on every one (aggressive nomination, RFC 5245 §8.1.1.2: the
// first pair that answers carries the media), answers the checks of a full
// ICE agent on the other side, and keeps the nominated pair alive with a
// check every KeepAlive, whose answers also time its round trip.

// checkTx is a connectivity check waiting for its answer.
type checkTx struct {
	c    *Conn
	p    path
	sent time.Time
}

// Offer makes an offer for one sendrecv audio stream (m.Codecs, in
// preference order) with the endpoint's candidates. The connection starts
// checking when SetAnswer is given the answer.
func (e *Endpoint) Offer(m Media) (*Conn, string, error) {
	if len(m.Codecs) == 0 {
		return nil, "", errors.New("litertc: no codec to offer")
	}
	c := e.newConn(m, m.Codecs[0])
	c.controlling = true
	c.tieBreaker = rand.Uint64()
	if err := e.register(c); err != nil {
		return nil, "", err
	}
	c.offered = m.Codecs
	c.cands = append(c.cands, e.hosts...)
	c.wg.Add(1)
	go c.watch()
	return c, c.offer(), nil
}

// offer writes the offer SDP.
func (c *Conn) offer() string {
	var b strings.Builder
	w := sdpWriter(&b)
	w("a=group:BUNDLE 0")
	pts := make([]string, len(c.offered))
	for i, cd := range c.offered {
		pts[i] = strconv.Itoa(int(cd.PT))
	}
	w("m=audio 9 UDP/TLS/RTP/SAVPF %s", strings.Join(pts, " "))
	w("c=IN IP4 0.0.0.0")
	w("a=mid:0")
	c.writeMedia(w, "actpass", c.offered, "sendrecv")
	return b.String()
}

// SetAnswer applies the answer: the peer's credentials, fingerprint, DTLS
// role, codecs and candidates; checks start at once.
func (c *Conn) SetAnswer(answer string) error {
	a, err := parseOffer(answer)
	if err != nil {
		return &OfferError{fmt.Errorf("answer: %w", err)}
	}
	var send *Codec
	clocks := map[uint8]uint32{}
	for _, cd := range c.offered {
		if a.pts[cd.PT] {
			clocks[cd.PT] = cd.ClockRate
		}
	}
	for _, pt := range a.order {
		for _, cd := range c.offered {
			if cd.PT == pt && send == nil {
				send = &cd
			}
		}
	}
	if send == nil {
		return &OfferError{errors.New("the answer has no codec we offered")}
	}
	if len(a.cands) == 0 {
		return &OfferError{errors.New("the answer has no candidate we can reach")}
	}
	c.mu.Lock()
	if c.rufrag != "" || c.released {
		c.mu.Unlock()
		return errors.New("litertc: answer already applied or connection closed")
	}
	c.rufrag, c.rpwd, c.fps, c.remote = a.ufrag, a.pwd, a.fps, a.cands
	c.dtlsClient = a.setup != "active"
	c.mu.Unlock()
	d := a.direction
	c.wmu.Lock()
	c.send, c.sendOK = *send, d == "sendrecv" || d == "recvonly"
	c.wmu.Unlock()
	c.dmu.Lock()
	c.clocks = clocks
	c.dmu.Unlock()
	c.wg.Add(1)
	go c.check()
	return nil
}

// check sends checks on every pair until one is answered, then a check on
// the nominated pair every KeepAlive.
func (c *Conn) check() {
	defer c.wg.Done()
	var pairs []path
	for _, s := range c.ep.socks {
		for _, r := range c.remote {
			if r.Addr().Is4() == s.local.Addr().Is4() {
				pairs = append(pairs, path{s: s, addr: r})
			}
		}
	}
	c.setState(StateConnecting)
	every := 50 * time.Millisecond
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		if p := c.sel.Load(); p != nil {
			c.sendCheck(*p)
			every = c.ep.keepAlive
		} else {
			for _, p := range pairs {
				c.sendCheck(p)
			}
			every = min(2*every, 500*time.Millisecond)
		}
		c.ep.pruneChecks(c, time.Now().Add(-failAfter))
		t.Reset(every)
	}
}

// remoteUfrag is the peer's ICE username fragment: "" on the offering
// side until SetAnswer, which may run while a check from the peer is
// being read.
func (c *Conn) remoteUfrag() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rufrag
}

// sendCheck sends one binding request on p (RFC 8445 §7.2.2).
func (c *Conn) sendCheck(p path) {
	var prio, tie [8]byte
	binary.BigEndian.PutUint32(prio[:4], 1845501695) // a peer-reflexive candidate's priority
	binary.BigEndian.PutUint64(tie[:], c.tieBreaker)
	m, err := stun.Build(stun.TransactionID, stun.BindingRequest, stun.NewUsername(c.rufrag+":"+c.ufrag),
		stun.RawAttribute{Type: stun.AttrPriority, Value: prio[:4]},
		stun.RawAttribute{Type: stun.AttrICEControlling, Value: tie[:]},
		stun.RawAttribute{Type: stun.AttrUseCandidate},
		stun.NewShortTermIntegrity(c.rpwd), stun.Fingerprint)
	if err != nil {
		return
	}
	e := c.ep
	e.mu.Lock()
	e.checks[m.TransactionID] = &checkTx{c: c, p: p, sent: time.Now()}
	e.mu.Unlock()
	_, _ = p.s.uc.WriteToUDPAddrPort(m.Raw, p.addr)
}

// pruneChecks forgets c's checks sent before old (never answered).
func (e *Endpoint) pruneChecks(c *Conn, old time.Time) {
	c.mu.Lock() // released is c's, not the endpoint's
	released := c.released
	c.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	for id, tx := range e.checks {
		if tx.c == c && (tx.sent.Before(old) || released) {
			delete(e.checks, id)
		}
	}
}

// checkAnswered takes the answer to one of our checks: the first pair
// answered carries the media (and starts DTLS); every answer proves the
// path alive and times its round trip.
func (e *Endpoint) checkAnswered(s *sock, m *stun.Message, from netip.AddrPort) bool {
	e.mu.Lock()
	tx := e.checks[m.TransactionID]
	if tx != nil {
		delete(e.checks, m.TransactionID)
	}
	e.mu.Unlock()
	if tx == nil {
		return false
	}
	c := tx.c
	if tx.p.s != s || tx.p.addr != from || stun.NewShortTermIntegrity(c.rpwd).Check(m) != nil {
		return true
	}
	c.rtt.Store(int64(time.Since(tx.sent)))
	c.lastRecv.Store(int64(c.now()))
	c.passed(s, from, true)
	return true
}

// RTT is the round trip of the last answered check (0: none yet).
func (c *Conn) RTT() time.Duration { return time.Duration(c.rtt.Load()) }

// parseCandidate reads "foundation 1 udp prio addr port typ ..." (UDP,
// component 1, an IP address: mDNS names are not resolved).
func parseCandidate(v string) (netip.AddrPort, bool) {
	f := strings.Fields(v)
	if len(f) < 8 || f[1] != "1" || !strings.EqualFold(f[2], "udp") || f[6] != "typ" {
		return netip.AddrPort{}, false
	}
	ip, err := netip.ParseAddr(f[4])
	if err != nil {
		return netip.AddrPort{}, false
	}
	port, err := strconv.ParseUint(f[5], 10, 16)
	if err != nil || port == 0 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)), true
}

// mediaCandidates are the usable candidates of a media section.
func mediaCandidates(md *sdp.MediaDescription) []netip.AddrPort {
	var out []netip.AddrPort
	for _, a := range md.Attributes {
		if a.Key != "candidate" {
			continue
		}
		if ap, ok := parseCandidate(a.Value); ok && len(out) < maxChecked {
			out = append(out, ap)
		}
	}
	return out
}
