package trunk

// dtmfDecoder turns RFC 4733 telephone-event packets into digits. One event
// is one RTP timestamp; it is reported once, on its first end packet (the
// end packet is sent three times), or when the next event starts while its
// end packets were all lost.
type dtmfDecoder struct {
	active   bool
	ts       uint32
	digit    rune
	reported bool
}

// eventDigit maps an RFC 4733 event code to its key; 0 when not a key.
func eventDigit(ev byte) rune {
	switch {
	case ev <= 9:
		return rune('0' + ev)
	case ev == 10:
		return '*'
	case ev == 11:
		return '#'
	case ev >= 12 && ev <= 15:
		return rune('A' + ev - 12)
	}
	return 0
}

// Decode consumes one telephone-event payload with its RTP timestamp and
// returns the digits to report (at most two: a lost-end previous event and
// this one).
func (d *dtmfDecoder) Decode(ts uint32, payload []byte) []rune {
	if len(payload) < 4 {
		return nil
	}
	digit := eventDigit(payload[0])
	end := payload[1]&0x80 != 0
	var out []rune
	if !d.active || ts != d.ts {
		if d.active && !d.reported && d.digit != 0 && int32(ts-d.ts) > 0 {
			out = append(out, d.digit) // previous event lost its end packets
		}
		if d.active && int32(ts-d.ts) < 0 {
			return out // an old event's late retransmission
		}
		d.active, d.ts, d.digit, d.reported = true, ts, digit, false
	}
	if end && !d.reported {
		d.reported = true
		if d.digit != 0 {
			out = append(out, d.digit)
		}
	}
	return out
}
