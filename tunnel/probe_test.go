package tunnel

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	muxado "golang.ngrok.com/muxado/v2"
)

// srvInfoReq is the stream type of ngrok's server-info call
// (internal/tunnel/proto.SrvInfoReq in ngrok-go).
const srvInfoReq = 8

// fakeNgrokServer stands in for ngrok's service as far as a probe goes: a TLS
// listener on 127.0.0.1 whose certificate is in the returned pool, speaking muxado
// and answering the server-info call with region; answer false accepts the TLS
// handshake and then closes the connection.
func fakeNgrokServer(t *testing.T, region string, answer bool) (addr string, cas *x509.CertPool) {
	t.Helper()
	certSrc := httptest.NewUnstartedServer(nil)
	certSrc.StartTLS()
	cfg := certSrc.TLS.Clone()
	cfg.NextProtos = nil
	cas = x509.NewCertPool()
	cas.AddCert(certSrc.Certificate())
	certSrc.Close()

	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveFakeNgrok(conn.(*tls.Conn), region, answer)
		}
	}()
	return ln.Addr().String(), cas
}

func serveFakeNgrok(conn *tls.Conn, region string, answer bool) {
	defer conn.Close()
	if err := conn.Handshake(); err != nil || !answer {
		return
	}
	sess := muxado.NewTypedStreamSession(muxado.Server(conn, nil))
	defer sess.Close()
	for {
		st, err := sess.AcceptTypedStream()
		if err != nil {
			return
		}
		go func() {
			defer st.Close()
			if st.StreamType() != srvInfoReq {
				_, _ = io.Copy(st, st) // the heartbeat: echoed
				return
			}
			var req struct{}
			if json.NewDecoder(st).Decode(&req) == nil {
				_ = json.NewEncoder(st).Encode(map[string]string{"Region": region})
			}
		}()
	}
}

func TestProbeReachesNgrok(t *testing.T) {
	addr, cas := fakeNgrokServer(t, "eu", true)
	res := Probe(context.Background(), ProbeConfig{ConnectURL: addr, CAs: cas})
	if !res.Reachable || res.Failed != "" || res.Region != "eu" || res.Reason != "" || res.Err != nil {
		t.Errorf("probe of a working server: %+v", res)
	}
	if res.Addr != addr {
		t.Errorf("probed %q, want %q", res.Addr, addr)
	}
}

func TestProbeFailures(t *testing.T) {
	untrusted, _ := fakeNgrokServer(t, "eu", true)
	silent, silentCAs := fakeNgrokServer(t, "eu", false)
	refused := closedPort(t)
	tests := []struct {
		name      string
		cfg       ProbeConfig
		failed    ProbeStep
		reachable bool
		reason    []string
	}{
		{"no network", ProbeConfig{Dialer: &failingDialer{err: dnsFailure}}, ProbeTCP, false,
			[]string{"no network", "connect.ngrok-agent.com", "DNS"}},
		{"refused", ProbeConfig{ConnectURL: refused}, ProbeTCP, false, []string{refused, "connection refused"}},
		{"intercepted", ProbeConfig{ConnectURL: untrusted}, ProbeTLS, false, []string{"secure connection", untrusted}},
		{"protocol", ProbeConfig{ConnectURL: silent, CAs: silentCAs}, ProbeProtocol, true, []string{"did not answer its tunnel protocol"}},
		{"timeout", ProbeConfig{Dialer: hangingDialer{}, Timeout: 50 * time.Millisecond}, ProbeTCP, false, []string{"timed out"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Probe(context.Background(), tt.cfg)
			if res.Failed != tt.failed || res.Reachable != tt.reachable || res.Err == nil {
				t.Errorf("%+v: want failed at %q, reachable %v", res, tt.failed, tt.reachable)
			}
			for _, w := range tt.reason {
				if !strings.Contains(res.Reason, w) {
					t.Errorf("reason %q lacks %q", res.Reason, w)
				}
			}
		})
	}
}

// closedPort is a local address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
