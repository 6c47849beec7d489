package doctor

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/tunnel"
)

const ngrokToken = "2ngrokAuthTokenForTests_0123456789abcdefQRST"

// offline is a dialer for a machine without a network: every lookup fails.
type offline struct{}

func (offline) Dial(network, addr string) (net.Conn, error) {
	return offline{}.DialContext(context.Background(), network, addr)
}

func (offline) DialContext(_ context.Context, _, addr string) (net.Conn, error) {
	host, _, _ := net.SplitHostPort(addr)
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestTunnelChecks(t *testing.T) {
	freshHome(t)
	tests := []struct {
		name    string
		env     map[string]string
		o       app.Options
		token   []string
		tunnel  Status
		words   []string
		service []string
	}{
		{"nothing: local only", nil, app.Options{}, []string{"none"}, Warn,
			[]string{"local only: there is no ngrok auth token", "dashboard.ngrok.com"}, []string{"unreachable"}},
		{"NGROK_AUTHTOKEN", map[string]string{"NGROK_AUTHTOKEN": ngrokToken}, app.Options{}, []string{"NGROK_AUTHTOKEN"}, OK,
			[]string{"ngrok, with the token from the NGROK_AUTHTOKEN variable", "on the domain ngrok assigns"}, []string{"unreachable"}},
		{"--ngrok-token and --domain", map[string]string{"NGROK_AUTHTOKEN": "other"}, app.Options{NgrokToken: ngrokToken, Domain: "me.ngrok-free.app"},
			[]string{"from --ngrok-token"}, OK, []string{"on me.ngrok-free.app (--domain; remembered"}, []string{"unreachable"}},
		{"--no-tunnel with a token", map[string]string{"NGROK_AUTHTOKEN": ngrokToken}, app.Options{NoTunnel: true},
			[]string{"NGROK_AUTHTOKEN", "not used by this start: --no-tunnel comes first"}, OK,
			[]string{"turned off by --no-tunnel"}, []string{"not checked", "(--no-tunnel)"}},
		{"--public-url", nil, app.Options{PublicURL: "https://scim.example.com"}, []string{"none"}, OK,
			[]string{"your own tunnel or proxy at https://scim.example.com"}, []string{"not checked", "(--public-url)"}},
		{"--public-url over http", nil, app.Options{PublicURL: "http://scim.example.com"}, []string{"none"}, Warn,
			[]string{"only call https", "https:// URL"}, []string{"not checked"}},
		{"an unusable --public-url", nil, app.Options{PublicURL: "scim.example.com"}, []string{"none"}, Fail,
			[]string{"is not an http(s) URL", "refuses to start", "--public-url https://"}, []string{"not checked"}},
		{"--tunnel loopback", nil, app.Options{TunnelMode: "loopback"}, []string{"none"}, OK,
			[]string{"loopback", "cannot reach it"}, []string{"not checked", "--tunnel loopback"}},
		{"--tunnel of an unknown kind", nil, app.Options{TunnelMode: "wireguard"}, []string{"none"}, Fail,
			[]string{`not "wireguard"`, "refuses to start"}, []string{"unreachable"}},
		{"an unusable --domain", map[string]string{"NGROK_AUTHTOKEN": ngrokToken}, app.Options{Domain: "https://x.ngrok.app/scim"},
			[]string{"NGROK_AUTHTOKEN"}, Fail, []string{"refuses to start", "--domain"}, []string{"unreachable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checks := tunnelChecks(context.Background(), Options{App: tt.o, Getenv: envOf(tt.env), Probe: tunnel.ProbeConfig{Dialer: offline{}}})
			tok := find(t, checks, GroupTunnel, "ngrok auth token")
			want(t, tok, OK, tt.token...)
			want(t, find(t, checks, GroupTunnel, "tunnel"), tt.tunnel, tt.words...)
			svc := find(t, checks, GroupTunnel, "ngrok service")
			for _, w := range tt.service {
				want(t, svc, svc.Status, w)
			}
			for _, c := range checks {
				refuse(t, c, ngrokToken, ngrokToken[len(ngrokToken)-4:])
			}
		})
	}
}

// A domain remembered in the config file is named as such, and one that is
// unusable there is fixed there.
func TestTunnelChecksSavedDomain(t *testing.T) {
	freshHome(t)
	path := tunnel.DefaultConfigPath()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	save := func(body string) {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	save(`{"ngrok_authtoken":"` + ngrokToken + `","domain":"saved.ngrok-free.app"}`)
	checks := tunnelChecks(context.Background(), Options{NoNetwork: true, Getenv: envOf(nil)})
	want(t, find(t, checks, GroupTunnel, "ngrok auth token"), OK, "saved settings (config.json)")
	want(t, find(t, checks, GroupTunnel, "tunnel"), OK, "on saved.ngrok-free.app (remembered in the saved settings")
	want(t, find(t, checks, GroupTunnel, "ngrok service"), OK, "not checked (--no-network)")

	save(`{"ngrok_authtoken":"` + ngrokToken + `","domain":"https://saved.ngrok-free.app/scim"}`)
	checks = tunnelChecks(context.Background(), Options{NoNetwork: true, Getenv: envOf(nil)})
	want(t, find(t, checks, GroupTunnel, "tunnel"), Fail, "domain in scimlab's saved settings", `"domain" in `+path)
}

// The probe of ngrok's service runs for real against addresses that fail as an
// offline machine's and a firewalled one's do.
func TestTunnelChecksProbe(t *testing.T) {
	freshHome(t)
	checks := tunnelChecks(context.Background(), Options{Getenv: envOf(nil), Probe: tunnel.ProbeConfig{Dialer: offline{}}})
	svc := find(t, checks, GroupTunnel, "ngrok service")
	want(t, svc, Warn, "unreachable: no network: cannot reach connect.ngrok-agent.com (DNS lookup failed)",
		"local only", "Okta and Entra cannot reach it", "--public-url", "check the internet connection", "connect.ngrok-agent.com on port 443")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	checks = tunnelChecks(context.Background(), Options{Getenv: envOf(nil), Probe: tunnel.ProbeConfig{ConnectURL: closed}})
	want(t, find(t, checks, GroupTunnel, "ngrok service"), Warn, "connection refused", closed)
}

func TestProbeCheck(t *testing.T) {
	const addr = "connect.ngrok-agent.com:443"
	c := probeCheck(tunnel.ProbeResult{Addr: addr, Reachable: true, Region: "eu", Latency: 20 * time.Millisecond}, 85*time.Millisecond)
	want(t, c, OK, "reachable: connect.ngrok-agent.com:443 answered in 85ms (region eu)")
	refuse(t, c, "unreachable", "local only")

	c = probeCheck(tunnel.ProbeResult{Addr: addr, Reachable: true, Failed: tunnel.ProbeProtocol,
		Reason: "ngrok's server accepted the connection but did not answer its tunnel protocol: EOF", Err: errors.New("EOF")}, time.Second)
	want(t, c, Warn, "did not answer its tunnel protocol", "tunnel line")
	refuse(t, c, "unreachable")

	c = probeCheck(tunnel.ProbeResult{Addr: addr, Failed: tunnel.ProbeTLS,
		Reason: "the secure connection to connect.ngrok-agent.com failed", Err: errors.New("x509")}, time.Second)
	want(t, c, Warn, "unreachable: the secure connection", "intercepts HTTPS", "let it through unchanged")
	refuse(t, c, "check the internet connection")
}
