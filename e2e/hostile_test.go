package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
)

// Issue 12's attacks against a real `meetd serve`, each with the answer it
// must get now.

// httpFrom is an HTTP client whose connections leave from local IP ip
// (any 127.0.0.0/8 address on loopback).
func httpFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 200}}
}

// call does one request and returns the status and the parsed error body.
func call(t testing.TB, hc *http.Client, method, url, token, ctype string, body io.Reader) (int, api.ErrorBody, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var eb api.ErrorBody
	if resp.StatusCode >= 400 {
		if err := json.Unmarshal(b, &eb); err != nil || eb.Error.Code == "" {
			t.Errorf("%s %s: %d with a body that is no JSON error: %q", method, url, resp.StatusCode, b)
		}
	}
	return resp.StatusCode, eb, resp.Header
}

// rawHTTP writes req on a fresh connection and returns the response.
func rawHTTP(t testing.TB, addr string, req []byte) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(req)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(c)
	return string(b)
}

func TestHostileInputs(t *testing.T) {
	metricsPort := freePort(t, "tcp")
	m := startMeetd(t, "--metrics", fmt.Sprintf("127.0.0.1:%d", metricsPort))
	hc := httpFrom("127.0.0.1")
	op, admin := m.login(t, "op@e2e.test"), m.login(t, "admin@e2e.test")
	u := m.url

	// Search text with a NUL: 400, not a 500 from SQLite.
	if st, eb, _ := call(t, hc, "GET", u+"/v1/chats?q=ab%00cd", op.Token(), "", nil); st != 400 || eb.Error.Code != api.CodeBadRequest {
		t.Errorf("q with NUL: %d %+v", st, eb)
	}
	if st, _, _ := call(t, hc, "GET", u+`/v1/chats?q=%22OR%20*%20NEAR(a`, op.Token(), "", nil); st != 200 {
		t.Errorf("q with FTS syntax: %d, want 200 (it is plain text)", st)
	}
	// Query parameters out of range.
	for _, q := range []string{"/v1/chats?limit=-1", "/v1/chats?limit=abc", "/v1/calls?live=false&limit=-1", "/v1/exports/audit?limit=abc"} {
		if st, _, _ := call(t, hc, "GET", u+q, admin.Token(), "", nil); st != 400 {
			t.Errorf("GET %s: %d, want 400", q, st)
		}
	}
	// Channel names that are paths or hold NUL.
	for _, name := range []string{"../../etc/passwd", "x\u0000y", "\u001b[31mred"} {
		b, _ := json.Marshal(map[string]string{"name": name})
		if st, _, _ := call(t, hc, "POST", u+"/v1/admin/channels", admin.Token(), "application/json", bytes.NewReader(b)); st != 400 {
			t.Errorf("channel name %q: %d, want 400", name, st)
		}
	}
	// Tags with escape sequences or NUL, on a real chat.
	sipp(t, m.sip, "uac_unanswered.xml", "-s", closedNumber)
	chats := waitMissed(t, admin, api.ReasonNotInOperation, 1)
	for _, tag := range []string{"\u001b[2J\u001b[31mVIP", "a\u0000b", "\u202eevil"} {
		b, _ := json.Marshal(map[string]string{"tag": tag})
		if st, _, _ := call(t, hc, "POST", fmt.Sprintf("%s/v1/chats/%d/tags", u, chats[0].ID), admin.Token(), "application/json", bytes.NewReader(b)); st != 400 {
			t.Errorf("tag %q: %d, want 400", tag, st)
		}
	}
	// PUT settings null must not reset anything.
	before, err := op.PutSettings(context.Background(), api.Settings{DND: true})
	if err != nil {
		t.Fatal(err)
	}
	if st, _, _ := call(t, hc, "PUT", u+"/v1/me/settings", op.Token(), "application/json", strings.NewReader("null")); st != 400 {
		t.Errorf("PUT settings null: %d, want 400", st)
	}
	if after, _ := op.Settings(context.Background()); after.DND != before.DND {
		t.Errorf("settings changed by a refused null: %+v", after)
	}
	// Guidance: 70 MB → 413; 1 Hz WAV → 415.
	chID := chats[0].ChannelID
	big := io.LimitReader(zeroReader{}, 70<<20)
	if st, eb, _ := call(t, hc, "POST", fmt.Sprintf("%s/v1/admin/channels/%d/guidance/greeting", u, chID), admin.Token(), "audio/wav", big); st != 413 || eb.Error.Code != api.CodeTooLarge {
		t.Errorf("70 MB upload: %d %+v, want 413", st, eb)
	}
	var oneHz bytes.Buffer
	audio.WriteWAV(&oneHz, 1, make(audio.PCM16, 600))
	if st, _, _ := call(t, hc, "POST", fmt.Sprintf("%s/v1/admin/channels/%d/guidance/greeting", u, chID), admin.Token(), "audio/wav", &oneHz); st != 415 {
		t.Errorf("1 Hz WAV: %d, want 415", st)
	}
	// Errors net/http writes itself, and the WebSocket's 426, are JSON.
	addr := strings.TrimPrefix(u, "http://")
	for name, req := range map[string][]byte{
		"control byte in token": []byte("GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\x01b\r\n\r\n"),
		"431":                   []byte("GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 200<<10) + "\r\n\r\n"),
		"bad request line":      []byte("GARBAGE\r\n\r\n"),
	} {
		resp := rawHTTP(t, addr, req)
		if !strings.Contains(resp, "Content-Type: application/json") || !strings.Contains(resp, `{"error":{"code":`) {
			t.Errorf("%s: answer is not a JSON error:\n%.300s", name, resp)
		}
	}
	if st, _, h := call(t, hc, "GET", u+"/v1/ws", op.Token(), "", nil); st != 426 || h.Get("Upgrade") != "websocket" {
		t.Errorf("plain GET /v1/ws: %d", st)
	}
	// /metrics only on its own listener; the WebSocket takes no token in the URL.
	if st, _, _ := call(t, hc, "GET", u+"/metrics", "", "", nil); st != 404 {
		t.Errorf("/metrics on the API listener: %d, want 404", st)
	}
	if resp, err := hc.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)); err != nil || resp.StatusCode != 200 {
		t.Errorf("/metrics on --metrics: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(u, "http") + "/v1/ws"
	if c, resp, err := websocket.Dial(ctx, wsURL+"?token="+op.Token(), nil); err == nil || resp == nil || resp.StatusCode != 401 {
		if c != nil {
			c.CloseNow()
		}
		t.Errorf("token in the URL accepted: %v", err)
	}
	var tk api.WSTicket
	req, _ := http.NewRequest("POST", u+"/v1/ws/ticket", nil)
	req.Header.Set("Authorization", "Bearer "+op.Token())
	if resp, err := hc.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("ticket: %v %v", err, resp)
	} else {
		json.NewDecoder(resp.Body).Decode(&tk)
		resp.Body.Close()
	}
	c, _, err := websocket.Dial(ctx, wsURL+"?ticket="+tk.Ticket, nil)
	if err != nil {
		t.Fatalf("ticket refused: %v", err)
	}
	c.CloseNow()
	if _, resp, err := websocket.Dial(ctx, wsURL+"?ticket="+tk.Ticket, nil); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Errorf("ticket used twice: %v", err)
	}

	// Login flood from one IP: refused with 429 + Retry-After after a few,
	// while an operator elsewhere logs in at once.
	var n429 atomic.Int32
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := fmt.Sprintf(`{"email":"op%d@e2e.test","password":"wrong-password"}`, i%3)
			st, eb, h := call(t, hc, "POST", u+"/v1/login", "", "application/json", strings.NewReader(b))
			switch {
			case st == 429 && h.Get("Retry-After") != "" && eb.Error.Code == api.CodeRateLimited:
				n429.Add(1)
			case st != 401:
				t.Errorf("flooding login: %d %+v", st, eb)
			}
		}()
	}
	wg.Wait()
	if n429.Load() < 30 {
		t.Errorf("%d of 60 wrong logins from one IP were refused with 429", n429.Load())
	}
	start := time.Now()
	b := fmt.Sprintf(`{"email":"sv@e2e.test","password":%q}`, password)
	if st, eb, _ := call(t, httpFrom("127.0.0.2"), "POST", u+"/v1/login", "", "application/json", strings.NewReader(b)); st != 200 {
		t.Errorf("correct login from another IP during the flood: %d %+v", st, eb)
	}
	t.Logf("correct login from another IP after the flood: %v", time.Since(start))
	if out := m.proc.output(); !strings.Contains(out, "msg=refused proto=http src=127.0.0.1 reason=") {
		t.Errorf("no security line for refused logins")
	}

	// SIP over TCP: idle connections beyond the per-IP cap are closed; the API stays up.
	var conns []net.Conn
	closed := 0
	for range 40 {
		c, err := net.Dial("tcp", m.sip)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
			closed++
		}
		c.Close()
	}
	if closed < 8 {
		t.Errorf("%d of 40 idle SIP TCP connections from one IP closed, want ≥ 8 (cap 32)", closed)
	}
	if err := op.Healthz(context.Background()); err != nil {
		t.Errorf("API after the SIP connections: %v", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// procStat reads a process's VmRSS and VmHWM (MB) and open fds.
func procStat(pid int) (rssMB, hwmMB float64, fds int) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 {
			kb, _ := strconv.ParseFloat(f[1], 64)
			switch f[0] {
			case "VmRSS:":
				rssMB = kb / 1024
			case "VmHWM:":
				hwmMB = kb / 1024
			}
		}
	}
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return rssMB, hwmMB, len(ents)
}

// loginFlood sends n wrong logins, par at a time, from ips source
// addresses (127.0.1.x), while one correct login from 127.0.0.250 (an IP
// the operator logged in from before) runs every 200 ms. It returns the
// status counts and the slowest correct login.
func loginFlood(t testing.TB, m *meetd, n, par, ips int) (counts map[int]int, slowest time.Duration, correct int) {
	clients := make([]*http.Client, ips)
	for i := range clients {
		clients[i] = httpFrom(fmt.Sprintf("127.0.1.%d", i+1))
	}
	counts = map[int]int{}
	good := httpFrom("127.0.0.250")
	body := fmt.Sprintf(`{"email":"sv@e2e.test","password":%q}`, password)
	if resp, err := good.Post(m.url+"/v1/login", "application/json", strings.NewReader(body)); err != nil || resp.StatusCode != 200 {
		t.Fatalf("login before the flood: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
	var mu sync.Mutex
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				b := fmt.Sprintf(`{"email":"user%d@e2e.test","password":"guess-%d"}`, i%50, i)
				req, _ := http.NewRequest("POST", m.url+"/v1/login", strings.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				st := 0
				if resp, err := clients[i%ips].Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					st = resp.StatusCode
				}
				mu.Lock()
				counts[st]++
				mu.Unlock()
			}
		}()
	}
	done := make(chan struct{})
	var cwg sync.WaitGroup
	cwg.Add(1)
	go func() {
		defer cwg.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(200 * time.Millisecond):
			}
			start := time.Now()
			resp, err := good.Post(m.url+"/v1/login", "application/json", strings.NewReader(body))
			el := time.Since(start)
			ok := err == nil && resp.StatusCode == 200
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			mu.Lock()
			if !ok {
				counts[-1]++ // a correct login refused
			} else {
				correct++
				slowest = max(slowest, el)
			}
			mu.Unlock()
		}
	}()
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(done)
	cwg.Wait()
	return counts, slowest, correct
}

// BenchmarkLoginFlood: 1,000 wrong-password logins, 100 in parallel, from
// one source IP and from 100 (a distributed flood), against a real meetd
// over loopback, with a correct login from elsewhere every 200 ms. Reports
// meetd's peak RSS (VmHWM) and the slowest correct login.
func BenchmarkLoginFlood(b *testing.B) {
	for _, ips := range []int{1, 100} {
		b.Run(fmt.Sprintf("ips=%d", ips), func(b *testing.B) {
			for range b.N {
				m := startMeetd(b, "--metrics", "off")
				pid := m.proc.cmd.Process.Pid
				rss0, _, _ := procStat(pid)
				start := time.Now()
				counts, slowest, correct := loginFlood(b, m, 1000, 100, ips)
				el := time.Since(start)
				_, hwm, _ := procStat(pid)
				b.ReportMetric(hwm, "peak-RSS-MB")
				b.ReportMetric(rss0, "idle-RSS-MB")
				b.ReportMetric(float64(slowest.Milliseconds()), "correct-login-max-ms")
				b.ReportMetric(float64(counts[-1]), "correct-refused")
				b.ReportMetric(float64(counts[500]+counts[502]+counts[503]+counts[0]), "5xx-or-failed")
				b.ReportMetric(el.Seconds(), "flood-s")
				b.Logf("ips=%d: %v in %v; %d correct logins, slowest %v; meetd RSS %.0f MB idle, %.0f MB peak",
					ips, counts, el.Round(time.Millisecond), correct, slowest, rss0, hwm)
				m.proc.stop()
			}
		})
	}
}
