package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/internal/simcaller"
)

// A PROTOS c07-sip equivalent (the suite's jar is in no registry here):
// every field of a valid INVITE, request line to SDP attributes, is
// replaced by, prefixed or suffixed with each anomaly PROTOS uses
// (overflows, format strings, NULs, CR/LF, integer edges, separators,
// non-UTF-8), then the RFC 4475 torture messages are sent, all over UDP
// to a real meetd; it must stay up, keep answering OPTIONS, and a valid
// call must still be answered with audio both ways.

// protosField is one place a value sits in the INVITE.
type protosField struct{ name, value string }

// protosTemplate is the valid INVITE; {name} marks each field.
const protosTemplate = "{method} sip:{ruri-user}@{ruri-host} {version}\r\n" +
	"Via: SIP/2.0/{via-transport} {via-host}:{via-port};branch=z9hG4bK{via-branch};rport\r\n" +
	"Max-Forwards: {max-forwards}\r\n" +
	"From: \"{from-display}\" <sip:{from-user}@{from-host}>;tag={from-tag}\r\n" +
	"To: <sip:{to-user}@{to-host}>\r\n" +
	"Call-ID: {call-id}\r\n" +
	"CSeq: {cseq-number} {cseq-method}\r\n" +
	"Contact: <sip:{contact-user}@{contact-host}:{via-port}>\r\n" +
	"Expires: {expires}\r\n" +
	"User-Agent: {user-agent}\r\n" +
	"{extra-name}: {extra-value}\r\n" +
	"Content-Type: {content-type}\r\n" +
	"Content-Length: {content-length}\r\n\r\n" +
	"v={sdp-v}\r\n" +
	"o={o-user} {o-session} {o-version} {o-nettype} {o-addrtype} {o-addr}\r\n" +
	"s={sdp-s}\r\n" +
	"c={c-nettype} IP4 {c-addr}\r\n" +
	"t={t-start} {t-stop}\r\n" +
	"m={m-media} {m-port} {m-proto} {m-fmt} 101\r\n" +
	"a=rtpmap:{rtpmap-pt} {rtpmap-name}/{rtpmap-rate}\r\n" +
	"a=rtpmap:101 telephone-event/8000\r\n" +
	"a={a-dir}\r\n"

// protosFields are the fields mutated, with their valid values.
func protosFields(number, host string, port int) []protosField {
	return []protosField{
		{"method", "INVITE"}, {"ruri-user", number}, {"ruri-host", host}, {"version", "SIP/2.0"},
		{"via-transport", "UDP"}, {"via-host", host}, {"via-port", fmt.Sprint(port)}, {"via-branch", "BRANCH"},
		{"max-forwards", "70"}, {"from-display", "PROTOS"}, {"from-user", "+819011112222"}, {"from-host", host},
		{"from-tag", "tag1"}, {"to-user", number}, {"to-host", host}, {"call-id", "CALLID"},
		{"cseq-number", "1"}, {"cseq-method", "INVITE"}, {"contact-user", "protos"}, {"contact-host", host},
		{"expires", "120"}, {"user-agent", "protos-equivalent"}, {"extra-name", "Subject"}, {"extra-value", "c07"},
		{"content-type", "application/sdp"}, {"content-length", "LEN"},
		{"sdp-v", "0"}, {"o-user", "protos"}, {"o-session", "1"}, {"o-version", "1"}, {"o-nettype", "IN"},
		{"o-addrtype", "IP4"}, {"o-addr", host}, {"sdp-s", "-"}, {"c-nettype", "IN"}, {"c-addr", host},
		{"t-start", "0"}, {"t-stop", "0"}, {"m-media", "audio"}, {"m-port", "40000"}, {"m-proto", "RTP/AVP"},
		{"m-fmt", "0"}, {"rtpmap-pt", "0"}, {"rtpmap-name", "PCMU"}, {"rtpmap-rate", "8000"}, {"a-dir", "sendrecv"},
	}
}

// protosAnomalies are the values PROTOS c07 puts into fields.
func protosAnomalies() []string {
	var out []string
	for _, n := range []int{2, 128, 255, 256, 1024, 4096, 16384, 65000} {
		out = append(out, strings.Repeat("a", n))
	}
	out = append(out,
		"%s%s%s%s%s%s%s%s", "%n%n%n%n%n%n%n%n", strings.Repeat("%x", 64), "%.16705u%2$hn", "%99999999999s",
		"\x00", "a\x00b", strings.Repeat("\x00", 64), "\r\n", "\r\n\r\n", "\n", "\r", "\t",
		"-1", "0", "4294967295", "4294967296", "18446744073709551616", "-2147483649", "0x7fffffff", "1e999",
		"", " ", ";", strings.Repeat(";", 1000), strings.Repeat(",", 1000), ":", "@", "<", ">", "\"", "\\",
		"sip:", "%00", "\xff\xfe\xfd", "\xc0\xaf", "\u202e", "..", "../../../../etc/passwd", "'; DROP TABLE calls; --",
		strings.Repeat("\x1b[2J", 32), "999.999.999.999", "[::1", "sip:a@b:99999",
	)
	return out
}

// protosCase is one generated INVITE and the CANCEL that cleans it up.
type protosCase struct {
	name           string
	invite, cancel []byte
}

// protosCases generates len(fields) × len(anomalies) × 3 (replace,
// prepend, append) malformed INVITEs, each with its own Call-ID and branch
// unless those are the field under test.
func protosCases(number, host string, port int) []protosCase {
	fields := protosFields(number, host, port)
	var out []protosCase
	n := 0
	for _, f := range fields {
		for ai, a := range protosAnomalies() {
			for _, mode := range []string{"replace", "prepend", "append"} {
				n++
				vals := map[string]string{}
				for _, g := range fields {
					vals[g.name] = g.value
				}
				vals["call-id"] = fmt.Sprintf("protos-%d@%s", n, host)
				vals["via-branch"] = fmt.Sprintf("protos%d", n)
				v := vals[f.name]
				switch mode {
				case "replace":
					v = a
				case "prepend":
					v = a + v
				default:
					v += a
				}
				vals[f.name] = v
				out = append(out, protosCase{name: fmt.Sprintf("%s/%d/%s", f.name, ai, mode),
					invite: protosBuild(vals, f.name == "content-length"), cancel: protosCancel(vals)})
			}
		}
	}
	return out
}

func protosBuild(vals map[string]string, keepLength bool) []byte {
	msg := protosTemplate
	for k, v := range vals {
		if k != "content-length" {
			msg = strings.ReplaceAll(msg, "{"+k+"}", v)
		}
	}
	head, body, _ := strings.Cut(msg, "\r\n\r\n")
	cl := fmt.Sprint(len(body))
	if keepLength {
		cl = vals["content-length"]
	}
	return []byte(strings.Replace(head, "{content-length}", cl, 1) + "\r\n\r\n" + body)
}

func protosCancel(vals map[string]string) []byte {
	return []byte(fmt.Sprintf("CANCEL sip:%s@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%s;branch=z9hG4bK%s;rport\r\nMax-Forwards: 70\r\n"+
		"From: <sip:%s@%s>;tag=%s\r\nTo: <sip:%s@%s>\r\nCall-ID: %s\r\nCSeq: %s CANCEL\r\nContent-Length: 0\r\n\r\n",
		vals["ruri-user"], vals["ruri-host"], vals["via-host"], vals["via-port"], vals["via-branch"],
		vals["from-user"], vals["from-host"], vals["from-tag"], vals["to-user"], vals["to-host"], vals["call-id"], vals["cseq-number"]))
}

// rfc4475Messages reads the RFC 4475 torture messages (valid and invalid)
// that the sipgo module ships as test data.
func rfc4475Messages(t *testing.T) map[string][]byte {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/emiago/sipgo").Output()
	if err != nil {
		t.Fatalf("locating the sipgo module: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "sip", "testdata", "torture")
	msgs := map[string][]byte{}
	for _, sub := range []string{"valid", "invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, sub, "*.dat"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			msgs[sub+"/"+filepath.Base(f)] = b
		}
	}
	if len(msgs) < 40 {
		t.Fatalf("only %d RFC 4475 messages found under %s", len(msgs), dir)
	}
	return msgs
}

// sipAlive sends OPTIONS from c and waits for a 200.
func sipAlive(c *net.UDPConn, dst *net.UDPAddr, n int) error {
	host, port, _ := net.SplitHostPort(c.LocalAddr().String())
	msg := fmt.Sprintf("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%s;branch=z9hG4bKalive%d\r\nMax-Forwards: 70\r\n"+
		"From: <sip:probe@%s>;tag=p%d\r\nTo: <sip:%s>\r\nCall-ID: alive-%d@%s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		dst, host, port, n, host, n, dst, n, host)
	want := fmt.Sprintf("alive-%d@", n)
	for attempt := 0; attempt < 3; attempt++ {
		if _, err := c.WriteToUDP([]byte(msg), dst); err != nil {
			return err
		}
		deadline := time.Now().Add(2 * time.Second)
		buf := make([]byte, 65535)
		for time.Now().Before(deadline) {
			c.SetReadDeadline(deadline)
			k, _, err := c.ReadFromUDP(buf)
			if err != nil {
				break
			}
			if bytes.HasPrefix(buf[:k], []byte("SIP/2.0 200")) && bytes.Contains(buf[:k], []byte(want)) {
				return nil
			}
		}
	}
	return fmt.Errorf("no 200 to OPTIONS #%d", n)
}

// runProtos sends every case (then its CANCEL) at about rate per second,
// checking after every 500 that meetd still answers OPTIONS.
func runProtos(t testing.TB, sipAddr string, cases []protosCase, rate int) (sent int) {
	dst, err := net.ResolveUDPAddr("udp", sipAddr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() { // drain responses
		buf := make([]byte, 65535)
		for {
			if _, _, err := c.ReadFromUDP(buf); err != nil && !isTimeout(err) {
				return
			}
		}
	}()
	probe, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for i, pc := range cases {
		<-tick.C
		c.WriteToUDP(pc.invite, dst)
		if pc.cancel != nil {
			c.WriteToUDP(pc.cancel, dst)
		}
		sent++
		if (i+1)%500 == 0 {
			if err := sipAlive(probe, dst, i); err != nil {
				t.Fatalf("meetd stopped answering after case %d (%s): %v", i, pc.name, err)
			}
		}
	}
	return sent
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestProtosEquivalent: the RFC 4475 torture messages and ≥ 4,000
// generated malformed INVITEs over UDP to a real meetd, which keeps
// answering; then a valid call is answered with audio both ways.
func TestProtosEquivalent(t *testing.T) {
	m := startMeetd(t)
	host, portStr, _ := net.SplitHostPort(m.sip)
	var port int
	fmt.Sscan(portStr, &port)
	cases := protosCases(openNumber, "127.0.0.1", port+1)
	if len(cases) < 4000 {
		t.Fatalf("only %d generated cases", len(cases))
	}
	for name, msg := range rfc4475Messages(t) {
		cases = append(cases, protosCase{name: "rfc4475/" + name, invite: msg})
	}
	start := time.Now()
	sent := runProtos(t, m.sip, cases, 600)
	t.Logf("%d PROTOS-style cases (%d generated, %d RFC 4475) sent in %v; meetd answered OPTIONS after every 500",
		sent, len(cases)-len(rfc4475Messages(t)), len(rfc4475Messages(t)), time.Since(start).Round(time.Millisecond))
	if m.proc.cmd.ProcessState != nil {
		t.Fatalf("meetd exited:\n%s", tail(m.proc.output(), 4000))
	}
	if out := m.proc.output(); strings.Contains(out, "panic") {
		t.Fatalf("meetd logged a panic:\n%s", tail(out, 4000))
	}

	// Torture calls whose CANCEL could not match wait out the max wait:
	// let them end, then a valid call still works end to end.
	admin := m.login(t, "admin@e2e.test")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		live, err := admin.Calls(context.Background(), true, 0)
		if err != nil {
			t.Fatalf("listing live calls after the torture: %v", err)
		}
		if len(live) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d torture calls still live after 30 s: %+v\nmeetd:\n%s", len(live), live, tail(m.proc.output(), 20000))
		}
	}
	p, _ := phone(t, m, "op@e2e.test", 1000, "--auto-answer")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	caller, _ := simPhone(t, ctx, host, "+819044445555")
	res, err := caller.Call(ctx, m.sip, openNumber, simcaller.CallPlan{Audio: audiotest.Tone(8000, 440, 0.3, 8000), TalkFor: 2 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("valid call after the torture: %v %+v\n%s", err, res.Status, tail(p.output(), 3000))
	}
}
