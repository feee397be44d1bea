package room

import (
	"testing"
)

// Each receive pipeline, per codec and rate, names its stages as built,
// and a packet of that codec read at that rate goes down it: into the
// rate's sink, at the sink's rate (the PCMU one through the upsampler).
func TestRecvPipelines(t *testing.T) {
	m := newTestManager(t)
	ulaw, opusPkts := benchMedia(t)
	for _, tc := range []struct {
		name   string
		codec  codecKind
		narrow bool
		pkt    []byte
		want   string
		frame  int // samples the packet leaves in the sink
	}{
		{"opus 48 kHz", codecOpus, false, opusPkts[0],
			"Track -> Jitter -> Opus(48000, decode) -> Mixer(48000)", 960},
		{"pcmu 48 kHz", codecPCMU, false, ulaw[0],
			"Track -> Jitter -> PCMU(decode) -> Resample(8000->48000) -> Mixer(48000)", 960},
		{"opus 8 kHz", codecOpus, true, opusPkts[0],
			"Track -> Jitter -> Opus(8000, decode) -> Delay(8) -> Trunk(8000)", 160},
		{"pcmu 8 kHz", codecPCMU, true, ulaw[0],
			"Track -> Jitter -> PCMU(decode) -> Delay(8) -> Trunk(8000)", 160},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &peer{send: tc.codec, jb: newJitter(1), lastN: 960, newDe: m.newDecoder}
			rp := p.recvPipe(tc.codec, tc.narrow)
			if got := rp.String(); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			kind, ok := recvKindOf(tc.codec, tc.narrow)
			if !ok || p.pipes().pipes[kind] != rp {
				t.Fatalf("kind %d, %v: not the peer's pipeline", kind, ok)
			}
			p.jb.push(1, tc.codec, tc.pkt)
			dst := make([]int16, tc.frame)
			if ok, _ := p.read(m.log, dst, tc.narrow, nil); !ok {
				t.Fatal("nothing read")
			}
			if rp.sink.rate*20/1000 != tc.frame || len(rp.sink.fifo) != 0 {
				t.Errorf("sink at %d Hz kept %d samples", rp.sink.rate, len(rp.sink.fifo))
			}
			if p.lastCodec != tc.codec || p.lastN != 960 {
				t.Errorf("stream state %s, %d", p.lastCodec, p.lastN)
			}
			if nonzero(dst) == 0 {
				t.Error("the frame is silent")
			}
		})
	}
	if _, ok := recvKindOf(codecUnknown, false); ok {
		t.Error("a pipeline for an unknown codec")
	}
}

func nonzero(s []int16) int {
	n := 0
	for _, v := range s {
		if v != 0 {
			n++
		}
	}
	return n
}

// The narrowband PCMU pipeline keeps the wide one's resampler history: a
// G.711 stream read at 8 kHz for a while and then at 48 kHz again gives,
// from the switch on, exactly what reading it at 48 kHz all along gave.
func TestRecvPCMUNarrowKeepsUpsamplerHistory(t *testing.T) {
	m := newTestManager(t)
	ulaw, _ := benchMedia(t)
	all := &peer{send: codecPCMU, jb: newJitter(1), lastN: 960, newDe: m.newDecoder}
	sw := &peer{send: codecPCMU, jb: newJitter(1), lastN: 960, newDe: m.newDecoder}
	want, got := make([]int16, 960), make([]int16, 960)
	n8 := make([]int16, 160)
	for i, pkt := range ulaw[:20] {
		all.jb.push(uint16(i), codecPCMU, pkt)
		sw.jb.push(uint16(i), codecPCMU, pkt)
		if ok, _ := all.read(m.log, want, false, nil); !ok {
			t.Fatalf("packet %d: nothing read", i)
		}
		if i < 10 {
			if ok, _ := sw.read(m.log, n8, true, nil); !ok {
				t.Fatalf("packet %d: nothing read narrowband", i)
			}
			continue
		}
		if ok, _ := sw.read(m.log, got, false, nil); !ok {
			t.Fatalf("packet %d: nothing read", i)
		}
		for j := range want {
			if got[j] != want[j] {
				t.Fatalf("packet %d sample %d: %d, want %d", i, j, got[j], want[j])
			}
		}
	}
}
