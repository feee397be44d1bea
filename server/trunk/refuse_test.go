package trunk

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func rawAck(local, callID, branch, toTag string) string {
	return fmt.Sprintf("ACK sip:2@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s\r\nMax-Forwards: 70\r\n"+
		"To: <sip:2@127.0.0.1>;tag=%s\r\nFrom: <sip:1@127.0.0.1>;tag=t%s\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
		local, branch, toTag, callID, callID)
}

// A refused call's INVITE transaction ends at the caller's ACK, not T4
// (5 s) later (see refuse); a late copy of that ACK and a late INVITE
// retransmission are still absorbed: no response, no second call.
func TestRefusedInviteTransactionEndsAtAck(t *testing.T) {
	h := newFakeHandler()
	h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) { return 7, nil }
	s := startServer(t, h)
	c, local, dst := rawSIP(t, s)
	const callID, branch = "refused-ack", "z9hG4bKref1"
	c.WriteTo([]byte(rawInvite(local, callID, branch)), dst)
	h.wait(t, "inbound", 2*time.Second)
	// The trunk lists the call once the handler has returned its id: on a
	// loaded machine a moment after the handler ran.
	var refused *call
	for deadline := time.Now().Add(2 * time.Second); refused == nil || refused.inTx == nil; time.Sleep(5 * time.Millisecond) {
		s.mu.Lock()
		refused = s.calls[7]
		s.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("no call with its INVITE transaction")
		}
	}
	s.Hangup(7, "")
	// Read up to the final response; its To tag goes into the ACK.
	buf := make([]byte, 65535)
	toTag := ""
	for deadline := time.Now().Add(3 * time.Second); toTag == ""; {
		c.SetReadDeadline(deadline)
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no 480: %v", err)
		}
		msg := string(buf[:n])
		if !strings.HasPrefix(msg, "SIP/2.0 480") {
			continue
		}
		for _, l := range strings.Split(msg, "\r\n") {
			if strings.HasPrefix(l, "To:") {
				_, toTag, _ = strings.Cut(l, ";tag=")
			}
		}
	}
	c.WriteTo([]byte(rawAck(local, callID, branch, toTag)), dst)
	select {
	case <-refused.inTx.Done():
	case <-time.After(2 * time.Second): // Timer I would end it after 5 s
		t.Fatal("the INVITE transaction outlived the ACK of its 480")
	}
	c.WriteTo([]byte(rawAck(local, callID, branch, toTag)), dst)
	c.WriteTo([]byte(rawInvite(local, callID, branch)), dst)
	if got := statusLines(c, time.Second); len(got) != 0 {
		t.Fatalf("late ACK and INVITE retransmission got %v, want nothing", got)
	}
	h.mu.Lock()
	calls := len(h.from)
	h.mu.Unlock()
	if calls != 1 {
		t.Fatalf("the Handler saw %d calls, want 1", calls)
	}
}

// fakeTx is the part of a server transaction endAtAck uses.
type fakeTx struct {
	sip.ServerTransaction
	acks       chan *sip.Request
	done       chan struct{}
	terminated atomic.Bool
}

func newFakeTx() *fakeTx {
	return &fakeTx{acks: make(chan *sip.Request), done: make(chan struct{})}
}
func (f *fakeTx) Acks() <-chan *sip.Request { return f.acks }
func (f *fakeTx) Done() <-chan struct{}     { return f.done }
func (f *fakeTx) Terminate()                { f.terminated.Store(true) }

// endAtAck ends the transaction at its ACK, leaves one that ended or got
// no ACK in time to itself.
func TestEndAtAck(t *testing.T) {
	prev := ackWait
	t.Cleanup(func() { ackWait = prev })

	acked := newFakeTx()
	acked.acks = make(chan *sip.Request, 1)
	acked.acks <- &sip.Request{} // there before endAtAck looks, however slow the machine
	endAtAck(acked)
	if !acked.terminated.Load() {
		t.Error("ACKed transaction not ended")
	}
	ended := newFakeTx()
	close(ended.done)
	endAtAck(ended)
	if ended.terminated.Load() {
		t.Error("ended transaction terminated again")
	}
	silent := newFakeTx()
	ackWait = 50 * time.Millisecond
	endAtAck(silent) // returns after ackWait
	if silent.terminated.Load() {
		t.Error("transaction without ACK ended early: its timers retransmit the response")
	}
}
