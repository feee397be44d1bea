package trunk

import "strings"

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

// maxInfoBody bounds a SIP INFO body we read for a digit.
const maxInfoBody = 512

// infoDigit reads the key of a SIP INFO DTMF body: application/dtmf-relay
// ("Signal=5\r\nDuration=160") or application/dtmf ("5"). ok is false for
// any other content type or a body without a key.
func infoDigit(contentType string, body []byte) (digit rune, ok bool) {
	if len(body) > maxInfoBody {
		return 0, false
	}
	ct := strings.ToLower(strings.TrimSpace(contentType))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	switch ct {
	case "application/dtmf-relay":
		for _, line := range strings.Split(string(body), "\n") {
			k, v, found := strings.Cut(line, "=")
			if found && strings.EqualFold(strings.TrimSpace(k), "signal") {
				return keyDigit(strings.TrimSpace(v))
			}
		}
	case "application/dtmf":
		return keyDigit(strings.TrimSpace(string(body)))
	}
	return 0, false
}

// keyDigit maps one key ("0"-"9", "*", "#", "A"-"D", or RFC 4733 codes
// "10" and "11" as some phones send them) to its rune.
func keyDigit(s string) (rune, bool) {
	switch s {
	case "10":
		return '*', true
	case "11":
		return '#', true
	}
	if len(s) != 1 {
		return 0, false
	}
	c := rune(s[0])
	switch {
	case c >= '0' && c <= '9', c == '*', c == '#':
		return c, true
	case c >= 'A' && c <= 'D':
		return c, true
	case c >= 'a' && c <= 'd':
		return c - 'a' + 'A', true
	}
	return 0, false
}
