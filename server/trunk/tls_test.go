package trunk

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeSelfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "meetd test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

func TestTLSListener(t *testing.T) {
	cert, key := writeSelfSigned(t)
	s := startServer(t, newFakeHandler(), WithTLS("127.0.0.1:0", cert, key))
	addr := s.Addr("tls")
	if addr == nil {
		t.Fatal("no TLS listener")
	}
	c, err := tls.Dial("tcp", addr.String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	fmt.Fprintf(c, "OPTIONS sip:%s;transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS %s;branch=z9hG4bKtls1\r\n"+
		"From: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:%s>\r\nCall-ID: tls-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		addr, local, addr)
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(line, "SIP/2.0 200") {
		t.Fatalf("got %q", line)
	}
	if _, err := New(WithTLS("127.0.0.1:0", cert+".missing", key)); err != nil {
		t.Fatal("New must not read files yet")
	}
	bad, _ := New(WithListen("127.0.0.1:0"), WithTLS("127.0.0.1:0", cert+".missing", key))
	if err := bad.Start(t.Context(), newFakeHandler()); err == nil || !strings.Contains(err.Error(), "TLS certificate") {
		t.Fatalf("missing certificate: %v", err)
	}
}
