//go:build soak

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSoak (make soak, SOAK_SECONDS, default 300) runs issue 12's hostile
// traffic together against one real meetd: a login flood, slowloris (500
// idle HTTP and 500 idle SIP TCP connections, re-opened whenever meetd
// closes them; SIP idle timeout 30 s here), the PROTOS-style malformed
// INVITEs at 100/s, sipp load at 20 calls/s and normal operator API traffic. meetd must stay up with no 5xx, and its RSS, open
// fds and goroutines must come back to where they were.
func TestSoak(t *testing.T) {
	secs := 300
	if s := os.Getenv("SOAK_SECONDS"); s != "" {
		secs, _ = strconv.Atoi(s)
	}
	dur := time.Duration(secs) * time.Second
	metricsPort := freePort(t, "tcp")
	m := startMeetd(t, "--metrics", fmt.Sprintf("127.0.0.1:%d", metricsPort), "--log-level", "warn", "--sip-idle-timeout", "30s")
	pid := m.proc.cmd.Process.Pid
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)
	op := m.login(t, "op@e2e.test")
	goodIP := "127.0.0.250"
	good := httpFrom(goodIP)
	loginBody := fmt.Sprintf(`{"email":"sv@e2e.test","password":%q}`, password)
	if resp, err := good.Post(m.url+"/v1/login", "application/json", strings.NewReader(loginBody)); err != nil || resp.StatusCode != 200 {
		t.Fatalf("first login: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
	time.Sleep(2 * time.Second)
	before := soakSample(pid, metricsURL)

	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var clients []*http.Client // their idle keep-alive connections are closed at the end
	newClient := func(ip string) *http.Client {
		hc := httpFrom(ip)
		mu.Lock()
		clients = append(clients, hc)
		mu.Unlock()
		return hc
	}
	status := map[string]int{} // "what status" → count
	count := func(k string) { mu.Lock(); status[k]++; mu.Unlock() }
	peak := before
	var slowestGood time.Duration

	// Login flood: 50 workers over 20 source IPs.
	for w := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := newClient(fmt.Sprintf("127.0.1.%d", w%20+1))
			for i := 0; ctx.Err() == nil; i++ {
				body := fmt.Sprintf(`{"email":"user%d@e2e.test","password":"guess-%d"}`, (w*7+i)%60, i)
				resp, err := hc.Post(m.url+"/v1/login", "application/json", strings.NewReader(body))
				if err != nil {
					count("login error")
					time.Sleep(10 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				count(fmt.Sprintf("login %d", resp.StatusCode))
			}
		}()
	}
	// A correct login every 2 s from the operator's usual IP.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			start := time.Now()
			resp, err := good.Post(m.url+"/v1/login", "application/json", strings.NewReader(loginBody))
			el := time.Since(start)
			if err != nil || resp.StatusCode != 200 {
				count("correct login refused")
			} else {
				mu.Lock()
				slowestGood = max(slowestGood, el)
				mu.Unlock()
				count("correct login ok")
			}
			if resp != nil {
				resp.Body.Close()
			}
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
			}
		}
	}()
	// Operator traffic.
	wg.Add(1)
	go func() {
		defer wg.Done()
		hc := newClient("127.0.0.1")
		for ctx.Err() == nil {
			req, _ := http.NewRequest("GET", m.url+"/v1/chats?limit=50", nil)
			req.Header.Set("Authorization", "Bearer "+op.Token())
			if resp, err := hc.Do(req); err != nil {
				count("api error")
			} else {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				count(fmt.Sprintf("api %d", resp.StatusCode))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	// Slowloris: 500 idle HTTP connections with half a request each, and
	// 500 idle SIP TCP connections (25 IPs × 20), re-opened when closed.
	var httpClosed, sipClosed atomic.Int64
	idle := func(network, addr, local, first string, closed *atomic.Int64) {
		defer wg.Done()
		for ctx.Err() == nil {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				time.Sleep(200 * time.Millisecond)
				continue
			}
			if first != "" {
				c.Write([]byte(first))
			}
			stop := context.AfterFunc(ctx, func() { c.Close() })
			io.Copy(io.Discard, c) // until meetd closes it (or the soak ends)
			stop()
			c.Close()
			if ctx.Err() == nil {
				closed.Add(1)
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	httpAddr := strings.TrimPrefix(m.url, "http://")
	for i := range 500 {
		wg.Add(2)
		go idle("tcp", httpAddr, fmt.Sprintf("127.0.3.%d", i%25+1), "GET /v1/me HTTP/1.1\r\nHost: x\r\n", &httpClosed)
		go idle("tcp", m.sip, fmt.Sprintf("127.0.2.%d", i%25+1), "", &sipClosed)
	}
	// Malformed SIP at 100 INVITEs/s, round and round.
	_, portStr, _ := net.SplitHostPort(m.sip)
	port, _ := strconv.Atoi(portStr)
	cases := protosCases(openNumber, "127.0.0.1", port+1)
	var malformed atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		dst, _ := net.ResolveUDPAddr("udp", m.sip)
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		go io.Copy(io.Discard, readerOf(c))
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ctx.Err() == nil; i++ {
			<-tick.C
			pc := cases[i%len(cases)]
			c.WriteToUDP(pc.invite, dst)
			c.WriteToUDP(pc.cancel, dst)
			malformed.Add(1)
		}
	}()
	// sipp: 20 calls/s into guidance for the whole soak.
	sippDone := make(chan string, 1)
	go func() {
		dir := t.TempDir()
		sf, _ := filepath.Abs(filepath.Join("testdata", "sipp_cps", "uac_guidance_480.xml"))
		stat := filepath.Join(dir, "stat.csv")
		n := 20 * secs
		cmd := exec.Command(need(t, "sipp"), "-nostdin", "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp")),
			"-mp", fmt.Sprint(freePort(t, "udp")), "-sf", sf, "-s", closedNumber, "-r", "20", "-m", fmt.Sprint(n),
			"-timeout", fmt.Sprintf("%ds", secs+60), "-timeout_error", "-trace_stat", "-stf", stat, "-fd", "1", m.sip)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		st, perr := readSippStat(stat)
		sippDone <- fmt.Sprintf("sipp: %d calls, %d ok, %d failed (exit %v, stat %v)", n, st.ok, max(st.fail, n-st.ok), err, perr)
		if perr != nil {
			t.Logf("sipp output:\n%s", tail(string(out), 2000))
		}
	}()
	// Sample every 10 s.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Second):
				s := soakSample(pid, metricsURL)
				mu.Lock()
				peak = soakMax(peak, s)
				mu.Unlock()
				t.Logf("t+%v: RSS %.0f MB, fds %d, goroutines %d", time.Since(before.at).Round(time.Second), s.rss, s.fds, s.goroutines)
			}
		}
	}()
	wg.Wait()
	sippLine := <-sippDone
	good.CloseIdleConnections()
	for _, hc := range clients {
		hc.CloseIdleConnections()
	}
	time.Sleep(40 * time.Second) // SIP transactions linger 64×T1 = 32 s after their final response
	after := soakSample(pid, metricsURL)
	crashed := 0
	if m.proc.cmd.ProcessState != nil {
		crashed = 1
	}
	out := m.proc.output()
	panics := strings.Count(out, "panic")

	var b strings.Builder
	fmt.Fprintf(&b, "soak %v: login flood, correct logins, API traffic, slowloris 500 HTTP + 500 SIP TCP, %d malformed INVITEs, sipp 20 calls/s\n", dur, malformed.Load())
	fmt.Fprintf(&b, "%-12s %10s %10s %10s\n", "", "before", "peak", "after")
	fmt.Fprintf(&b, "%-12s %10.0f %10.0f %10.0f\n", "RSS MB", before.rss, peak.rss, after.rss)
	fmt.Fprintf(&b, "%-12s %10d %10d %10d\n", "fds", before.fds, peak.fds, after.fds)
	fmt.Fprintf(&b, "%-12s %10d %10d %10d\n", "goroutines", before.goroutines, peak.goroutines, after.goroutines)
	fmt.Fprintf(&b, "crashed: %d, panics logged: %d, slowloris closed by meetd: %d HTTP, %d SIP; slowest correct login %v\n",
		crashed, panics, httpClosed.Load(), sipClosed.Load(), slowestGood.Round(time.Millisecond))
	fmt.Fprintf(&b, "%s\n", sippLine)
	mu.Lock()
	for k, v := range status {
		fmt.Fprintf(&b, "  %-24s %d\n", k, v)
	}
	n5xx := 0
	for k, v := range status {
		if f := strings.Fields(k); len(f) == 2 && strings.HasPrefix(f[1], "5") {
			n5xx += v
		}
	}
	refused := status["correct login refused"]
	mu.Unlock()
	t.Log("\n" + b.String())
	if crashed > 0 || panics > 0 || n5xx > 0 {
		t.Errorf("meetd crashed %d, logged %d panics, answered %d 5xx", crashed, panics, n5xx)
	}
	if refused > 0 {
		t.Errorf("%d correct logins refused", refused)
	}
	if after.fds > before.fds+50 || after.goroutines > before.goroutines+100 {
		t.Errorf("not flat: fds %d → %d, goroutines %d → %d", before.fds, after.fds, before.goroutines, after.goroutines)
	}
}

type soakStat struct {
	at         time.Time
	rss        float64
	fds        int
	goroutines int
}

func soakSample(pid int, metricsURL string) soakStat {
	s := soakStat{at: time.Now()}
	s.rss, _, s.fds = procStat(pid)
	if resp, err := http.Get(metricsURL); err == nil {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
				s.goroutines, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		resp.Body.Close()
	}
	return s
}

func soakMax(a, b soakStat) soakStat {
	return soakStat{at: a.at, rss: max(a.rss, b.rss), fds: max(a.fds, b.fds), goroutines: max(a.goroutines, b.goroutines)}
}

// readerOf reads datagrams from c as a stream (for draining responses).
func readerOf(c *net.UDPConn) io.Reader { return udpReader{c} }

type udpReader struct{ c *net.UDPConn }

func (r udpReader) Read(p []byte) (int, error) {
	n, _, err := r.c.ReadFromUDP(p)
	return n, err
}
