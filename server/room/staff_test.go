package room

import (
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/mixer"
	"github.com/meet-dev/meet/audio/opus"
)

// TestStaffReceiveConcealsLoss: an operator stream losing every 10th packet
// and reordering others still plays a continuous tone, repaired by FEC,
// across the RTP sequence number wrap.
func TestStaffReceiveConcealsLoss(t *testing.T) {
	m := newTestManager(t)
	s := benchStaff(t, m, 1)
	enc, err := opus.NewEncoder(48000, 1, opus.WithExpectedLoss(20))
	if err != nil {
		t.Fatal(err)
	}
	var pkts [][]byte
	for i := range 100 {
		p, err := enc.Encode(audiotest.ToneAt(48000, staffTone, toneAmp, i*960, 960))
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, p)
	}
	send := func(seq int) {
		s.push(s.cur, &rtp.Packet{Header: rtp.Header{PayloadType: 111, SequenceNumber: uint16(seq + 65500)}, Payload: pkts[seq]})
	}
	frame := make([]int16, mixer.FrameSamples)
	weak, n, sum := 0, 0, 0.0
	for i := range 100 {
		switch {
		case i%10 == 4: // lost
		case i%10 == 7: // arrives after the next one
			send(i + 1)
			send(i)
		case i%10 == 8:
		default:
			send(i)
		}
		if !s.ReadFrame(frame) {
			if i < 2 {
				continue // priming
			}
			t.Fatalf("frame %d: nothing to play", i)
		}
		if i > 2 {
			a := amp(frame, 48000, staffTone)
			sum += a
			n++
			if a < toneAmp/10 {
				weak++
			}
		}
	}
	st := s.cur.jb.stats()
	if st.Lost != 10 || st.FEC != 10 {
		t.Fatalf("lost %d, fec %d: expected the losses to be seen and repaired", st.Lost, st.FEC)
	}
	// A pure tone is a hard case for SILK's low-bitrate redundancy: frames
	// recovered by FEC are quieter, but none may drop out.
	if weak > 0 || sum/float64(n) < 0.8*toneAmp {
		t.Fatalf("%d frames near silent, mean amplitude %.3f (want ≥ %.3f)", weak, sum/float64(n), 0.8*toneAmp)
	}
}

// A staff leg attached to a new room plays nothing of the last one: the
// operator's stream is decoded afresh at attach. Opus carries the end of
// the last frame it decoded into the next one (CELT's overlap, SILK's
// filters), which otherwise opened the next call with the last call's
// last sound. The mirror of TestAttachForgetsLastRoomsAudio.
func TestAttachForgetsLastRoomsOperator(t *testing.T) {
	m := newTestManager(t)
	s := benchStaff(t, m, 1)
	newEnc := func() *opus.Encoder {
		enc, err := opus.NewEncoder(48000, 1)
		if err != nil {
			t.Fatal(err)
		}
		return enc
	}
	frame := make([]int16, mixer.FrameSamples)
	seq := 100
	push := func(enc *opus.Encoder, pcm []int16) {
		p, err := enc.Encode(pcm)
		if err != nil {
			t.Fatal(err)
		}
		s.push(s.cur, &rtp.Packet{Header: rtp.Header{PayloadType: 111, SequenceNumber: uint16(seq), Timestamp: uint32(seq * 960)}, Payload: p})
		seq++
	}
	// The last call ends in mid-tone.
	enc := newEnc()
	for i := range 20 {
		push(enc, audiotest.ToneAt(48000, staffTone, toneAmp, i*960, 960))
		s.ReadFrame(frame)
	}
	if amp(frame, 48000, staffTone) < toneAmp/2 {
		t.Fatal("the last call's tone did not play")
	}
	// The next call, after a pause: the phone's stream, its encoder fresh,
	// starts with silence, and its packets have waited their margin (with
	// this test's bursty arrivals, up to a period) when the first tick
	// after the attach plays: they are stamped as having arrived 25 ms ago,
	// which a loaded machine's late wake-ups cannot shorten.
	time.Sleep(100 * time.Millisecond)
	s.restart()
	enc = newEnc()
	quiet := make([]int16, 960)
	at := time.Now().Add(-25 * time.Millisecond)
	for range 3 {
		p, err := enc.Encode(quiet)
		if err != nil {
			t.Fatal(err)
		}
		s.mu.Lock()
		s.cur.jb.pushAt(uint16(seq), uint32(seq*960), codecOpus, p, at)
		s.mu.Unlock()
		seq++
	}
	if !s.ReadFrame(frame) {
		t.Fatal("the next call did not play")
	}
	audiotest.RequireSilence(t, frame, 48000, -60)
}
