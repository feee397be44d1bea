package room

// band is Resample(8000->48000) followed by Resample(48000->8000) as one
// 8 kHz FIR: bandTaps taps instead of two polyphase filters over 960
// samples. Derived at start-up from the same up6/down6 coefficients, so
// it has their response and their 95/6-sample delay.

const bandTaps = 32

// bandRev holds the taps in reverse order: out[j] = Σ bandRev[i]·x[j-31+i].
var bandRev [bandTaps]float32

// initBand runs at the end of the resamplers' init, once their taps exist.
func initBand() {
	// An impulse at x[0] through the two filters: u48[6m+p] = r6Up[p][15-m]
	// for m in 0..15, then out[l] = Σ_k r6Down[k]·u48[6l+k-95].
	for l := range bandTaps {
		var sum float64
		for k := range r6Len {
			t := 6*l + k - (r6Len - 1)
			if t < 0 || t >= r6Len {
				continue
			}
			m, p := t/r6Ratio, t%r6Ratio
			sum += float64(r6Down[k]) * float64(r6Up[p][r6Taps-1-m])
		}
		bandRev[bandTaps-1-l] = float32(sum)
	}
}

// bandStage is Band(8000): the caller's frame for the operator on the
// two-party fast path, with its history.
type bandStage struct {
	buf [bandTaps - 1 + CallerFrame]float32
}

func (*bandStage) String() string { return "Band(8000)" }

// filter filters one 160-sample frame in into out and leaves up (the full
// path's upsampler) with the history it would have.
func (b *bandStage) filter(in, out []int16, up *up6) {
	for i, v := range in[:CallerFrame] {
		b.buf[bandTaps-1+i] = float32(v)
	}
	var y [CallerFrame]float32
	bandFIR(&y, &b.buf)
	out = out[:CallerFrame]
	for j, v := range &y {
		out[j] = clip16(v)
	}
	copy(b.buf[:bandTaps-1], b.buf[CallerFrame:])
	copy(up.buf[:r6Taps-1], b.buf[CallerFrame+bandTaps-1-(r6Taps-1):])
}

// bandFIRGo is bandFIR in Go: y[j] = Σ bandRev[i]·x[j+i], each sum in
// order of i.
func bandFIRGo(y *[CallerFrame]float32, x *[bandTaps - 1 + CallerFrame]float32) {
	// Eight outputs at a time: each tap is loaded once for all eight, and
	// eight independent sums keep the adder busy.
	for j := 0; j < CallerFrame; j += 8 {
		x := (*[bandTaps + 7]float32)(x[j : j+bandTaps+7])
		var s0, s1, s2, s3, s4, s5, s6, s7 float32
		for i, c := range &bandRev {
			s0 += c * x[i]
			s1 += c * x[i+1]
			s2 += c * x[i+2]
			s3 += c * x[i+3]
			s4 += c * x[i+4]
			s5 += c * x[i+5]
			s6 += c * x[i+6]
			s7 += c * x[i+7]
		}
		o := (*[8]float32)(y[j : j+8])
		o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7] = s0, s1, s2, s3, s4, s5, s6, s7
	}
}

// follow keeps the filter's history as the full path (or the one-party
// path) reads caller frame in8, for the next fast tick.
func (b *bandStage) follow(in8 []int16) {
	for i, v := range in8[CallerFrame-(bandTaps-1):] {
		b.buf[i] = float32(v)
	}
}

// primeDown leaves d (an operator's 48 kHz -> 8 kHz downsampler) with the
// history the full path would have given it: the last 95 samples of the
// caller's frame upsampled, or silence after a silent tick.
func (pp *pairPath) primeDown(c *callerLeg, d *down6) {
	const hist = r6Len - 1 // 95
	if pp.silent {
		clear(d.buf[:hist])
		return
	}
	// The upsampler's window for input j is in8[j-15..j]; the last 16
	// inputs give the frame's last 96 output samples, of which we keep 95.
	var tail [r6Ratio * r6Taps]float32
	var w [r6Taps]float32
	for n := range r6Taps {
		j := CallerFrame - r6Taps + n
		for i := range r6Taps {
			w[i] = float32(c.in8[j-(r6Taps-1)+i])
		}
		for p := range r6Ratio {
			tail[r6Ratio*n+p] = float32(clip16(dot16(w[:], &r6Up[p])))
		}
	}
	copy(d.buf[:hist], tail[len(tail)-hist:])
}
