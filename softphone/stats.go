package softphone

import "time"

// Stats is a snapshot of the phone and its call quality.
type Stats struct {
	State     State
	Connected bool
	Codec     Codec
	InCall    bool
	CallID    int64
	Muted     bool
	Denoise   bool
	Ringing   bool

	RTT         time.Duration // from RTCP receiver reports (RFC 3550), else the ICE keep-alive checks' round trip
	Loss        float64       // fraction of the packets sent to us that never arrived (0..1)
	RemoteLoss  float64       // fraction of our packets meetd reports lost (0..1)
	FECLoss     int           // loss in percent our Opus encoder's in-band FEC protects against (0: no FEC), from RemoteLoss
	Narrowband  bool          // our Opus stream is held to narrowband: meetd says all that hears us takes 8 kHz
	Jitter      time.Duration // interarrival jitter of what we receive
	BufferDepth time.Duration // the jitter buffer's current target depth
	BufferWait  time.Duration // mean time a played packet waited in the jitter buffer

	MicDBFS     float64 // RMS of the last microphone frame (before mute)
	SpeakerDBFS float64 // RMS of the last frame received from meetd (before the ring tone)

	PacketsSent     uint64
	PacketsReceived uint64
	LatePackets     uint64  // dropped because they came too late or the buffer overflowed
	Concealed       uint64  // frames made up by FEC or PLC
	Skipped         uint64  // frames dropped: past the bound on audio owed to time compression (a sound card far behind, a sender faster than real time), or their time passed while the process was starved
	Accelerated     uint64  // packets played time-compressed to bring the delay back down, nothing dropped: the jitter buffer's spare ones, or frames a sound card behind had no room for
	CompressedMs    float64 // how much audio that time compression left out (pitch periods, silence), ms
	Reconnects      int
}

// Snapshot returns the current figures.
func (p *Phone) Snapshot() Stats {
	p.mu.Lock()
	st := Stats{
		State:      p.state,
		Connected:  p.state == StateConnected,
		CallID:     p.callID,
		RTT:        p.rtt,
		RemoteLoss: p.remoteLoss,
		Reconnects: p.reconnects,
	}
	cur := p.cur
	p.mu.Unlock()
	st.InCall = p.inCall.Load()
	st.Muted = p.muted.Load()
	st.Denoise = p.denoise.Load()
	st.Ringing = p.ringing.Load()
	if cur != nil {
		st.Codec = cur.codec
		st.PacketsSent = cur.sent.Load()
		if cur.codec == CodecOpus {
			st.FECLoss = cur.fecCtl.Expected()
			st.Narrowband = cur.narrowUp.Load()
		}
		if st.RTT == 0 {
			st.RTT = cur.conn.RTT()
		}
	}
	if p.send != nil {
		st.MicDBFS = p.send.micLevel()
	}
	if p.recv != nil {
		p.recv.stats(&st)
	}
	return st
}
