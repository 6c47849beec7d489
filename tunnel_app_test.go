package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/adrg/xdg"
	"github.com/charmbracelet/x/ansi"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tui"
	"github.com/scimlab/scimlab/tunnel"
)

// Tokens shaped like ngrok's; none of them is real.
const (
	ngrokTokenEnv    = "2envTOKENabcdefghijklmnopqrstuvwxyz_0123456789"
	ngrokTokenFlag   = "2flagTOKENabcdefghijklmnopqrstuvwxyz_012345678"
	ngrokTokenConfig = "2fileTOKENabcdefghijklmnopqrstuvwxyz_012345678"
	ngrokTokenSaved  = "2savedTOKENabcdefghijklmnopqrstuvwxyz_01234567"
)

// waitLimit only keeps a broken test from hanging; it is not a performance claim.
const waitLimit = 20 * time.Second

// useConfigDir gives the test its own scimlab config file, so a token, domain or last
// URL saved by one test cannot reach another (or make it dial ngrok).
func useConfigDir(t *testing.T) string {
	t.Helper()
	t.Cleanup(xdg.Reload) // registered first, so it runs after t.Setenv restores the variable
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	xdg.Reload()
	return tunnel.DefaultConfigPath()
}

func envWith(kv ...string) func(string) string {
	return func(k string) string {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == k {
				return kv[i+1]
			}
		}
		return ""
	}
}

// closedAddr is a loopback address nothing listens on: connecting to it is refused at
// once, like a network that blocks ngrok.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// refusingDialer stands in for ngrok turning the token down. The real refusal comes
// over an ngrok session, which needs ngrok's servers; what scimlab shows depends only on
// the error's text, which, like ngrok's, echoes the token. It answers only once let go,
// as a real refusal takes a network round trip.
type refusingDialer struct {
	token   string
	calls   atomic.Int32
	gate    chan struct{}
	letOnce sync.Once
}

func newRefusingDialer(token string) *refusingDialer {
	return &refusingDialer{token: token, gate: make(chan struct{})}
}

func (d *refusingDialer) letGo() { d.letOnce.Do(func() { close(d.gate) }) }

func (d *refusingDialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

func (d *refusingDialer) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	d.calls.Add(1)
	select {
	case <-d.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return nil, errors.New("authentication failed: The authtoken you specified has been reset or revoked. " +
		"Your authtoken: " + d.token + "\n\nERR_NGROK_107")
}

// waitConnecting waits until the ngrok tunnel is trying to connect, so the answer the
// dialer lets go next is a change serve's reporter prints.
func waitConnecting(t *testing.T, a *app.App) {
	t.Helper()
	waitStatus(t, a, func(st tunnel.Status) bool {
		return st.Mode == tunnel.ModeNgrok && st.State == tunnel.Connecting
	})
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitStatus polls the tunnel instead of reading its updates, which serve's reporter
// and the console already consume.
func waitStatus(t *testing.T, a *app.App, ok func(tunnel.Status) bool) tunnel.Status {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		st := a.TunnelStatus()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("the expected tunnel status never came; last: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func hasFailed(st tunnel.Status) bool {
	return (st.State == tunnel.Failed || st.State == tunnel.Reconnecting) && st.Reason != ""
}

func waitOutput(t *testing.T, buf *lockedBuffer, want string) {
	t.Helper()
	waitUntil(t, "output "+want+" in:\n"+buf.String(), func() bool { return strings.Contains(buf.String(), want) })
}

func mustNotLeak(t *testing.T, secret string, outputs ...*lockedBuffer) {
	t.Helper()
	for _, o := range outputs {
		if strings.Contains(o.String(), secret) {
			t.Fatalf("the ngrok token appears in the output:\n%s", o.String())
		}
	}
}

// serviceProviderConfig is what an IdP's "test connection" fetches first.
func serviceProviderConfig(t *testing.T, base, token string) int {
	t.Helper()
	status, _ := call(t, "GET", base+"/ServiceProviderConfig", token, "")
	return status
}

var localLine = regexp.MustCompile(`Local URL\s+(http://\S+/scim/v2)`)

// servedCLI is a "scimlab serve" run in-process through run(), as a user starts it.
type servedCLI struct {
	stdout, stderr *lockedBuffer
	local, token   string
	stop           func() error
}

// serveCLI runs "scimlab serve" and waits for its banner. Unlike startServe it accepts
// any base URL (an https --public-url too) and keeps stderr.
func serveCLI(t *testing.T, args []string, getenv func(string) string) *servedCLI {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &servedCLI{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
	args = append([]string{"serve", "--listen", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "scimlab.db")}, args...)
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, getenv, strings.NewReader(""), s.stdout, s.stderr) }()
	deadline := time.Now().Add(waitLimit)
	for !strings.Contains(s.stdout.String(), "Press Ctrl+C to stop.") {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited early: %v\nstdout: %s\nstderr: %s", err, s.stdout, s.stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve printed no banner: %s", s.stdout)
		}
	}
	s.local = localLine.FindStringSubmatch(s.stdout.String())[1]
	s.token = tokenLine.FindStringSubmatch(s.stdout.String())[1]
	var once sync.Once
	var stopErr error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			stopErr = <-done
		})
		return stopErr
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// servedApp is an app shown the way serve shows it (banner, one line per tunnel change,
// request and tunnel logs on stderr), started with hooks serve's flags cannot set.
type servedApp struct {
	*app.App
	stdout, stderr *lockedBuffer
	log            *slog.Logger
	stop           func()
}

func serveApp(t *testing.T, o app.Options, getenv func(string) string) *servedApp {
	t.Helper()
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.DB == "" {
		o.DB = filepath.Join(t.TempDir(), "scimlab.db")
	}
	o.MaxBody = scimserver.DefaultMaxBodyBytes
	o.LogRetention = scimserver.DefaultLogRetention
	s := &servedApp{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
	logger := slog.New(slog.NewTextHandler(s.stderr, nil))
	a, err := app.Start(context.Background(), o, getenv, logger)
	if err != nil {
		t.Fatal(err)
	}
	s.App, s.log = a, logger
	events, cancelEvents := a.Subscribe(1024)
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		logEvents(s.stderr, events)
	}()
	shown := printBanner(s.stdout, a, o.Strict)
	changesCtx, stopChanges := context.WithCancel(context.Background())
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		reportTunnel(s.stdout, a, a.TunnelChanges(changesCtx), shown)
	}()
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			a.Close()
			stopChanges()
			cancelEvents()
			<-logged
			<-reported
		})
	}
	t.Cleanup(s.stop)
	return s
}

// renderConsole draws the console's first tab from the deps the real console gets.
func renderConsole(t *testing.T, deps tui.Deps) (screen, title string) {
	t.Helper()
	m, _ := tui.New(deps).Update(tea.WindowSizeMsg{Width: 200, Height: 50})
	v := m.(tui.Model).View()
	return ansi.Strip(v.Content), v.WindowTitle
}

func fileMode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func loadConfig(t *testing.T, path string) tunnel.Config {
	t.Helper()
	cfg, err := tunnel.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestTunnelNoTokenIsLocalOnly(t *testing.T) {
	cfgPath := useConfigDir(t)
	s := serveCLI(t, nil, noEnv)

	out := s.stdout.String()
	for _, want := range []string{
		"SCIM base URL  " + s.local,
		"tunnel: local only: " + tunnel.ReasonNoToken,
		"dashboard.ngrok.com",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "warning:") {
		t.Errorf("a local-only start warns:\n%s", out)
	}
	if status := serviceProviderConfig(t, s.local, s.token); status != 200 {
		t.Fatalf("local server: %d", status)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	// Nothing to remember: a local-only run leaves no config file behind.
	if _, err := os.Stat(cfgPath); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("config file after a local-only run: %v", err)
	}

	// The console gets the same answer.
	a := serveApp(t, app.Options{}, noEnv)
	st := a.TunnelStatus()
	if st.State != tunnel.Off || st.Mode != tunnel.ModeLocalOnly || st.Reason != tunnel.ReasonNoToken {
		t.Errorf("status %+v, want local only for want of a token", st)
	}
	if a.PublicBaseURL() != "" || a.BaseURL() != a.LocalURL() {
		t.Errorf("public %q, base %q; want no public URL and the local one %q", a.PublicBaseURL(), a.BaseURL(), a.LocalURL())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	deps := a.ConsoleDeps(ctx, a.log)
	if deps.PublicURL() != "" || deps.LocalURL != a.LocalURL() || deps.TunnelNow().Mode != tunnel.ModeLocalOnly {
		t.Errorf("console deps: public %q, local %q, tunnel %+v", deps.PublicURL(), deps.LocalURL, deps.TunnelNow())
	}
	screen, _ := renderConsole(t, deps)
	if !strings.Contains(screen, a.LocalURL()) || !strings.Contains(screen, "local only") {
		t.Errorf("console does not show the local URL as local only:\n%s", screen)
	}
}

func TestTunnelNoTunnelFlagWinsOverToken(t *testing.T) {
	cfgPath := useConfigDir(t)
	if err := tunnel.SaveConfig(cfgPath, tunnel.Config{NgrokAuthToken: ngrokTokenConfig}); err != nil {
		t.Fatal(err)
	}
	s := serveCLI(t, []string{"--no-tunnel", "--ngrok-token", ngrokTokenFlag}, envWith("NGROK_AUTHTOKEN", ngrokTokenEnv))
	if !strings.Contains(s.stdout.String(), "tunnel: local only: the tunnel is turned off by --no-tunnel") {
		t.Errorf("banner does not say the tunnel is off:\n%s", s.stdout)
	}
	if !strings.Contains(s.stdout.String(), "SCIM base URL  "+s.local) {
		t.Errorf("base URL is not the local one:\n%s", s.stdout)
	}
	if status := serviceProviderConfig(t, s.local, s.token); status != 200 {
		t.Fatalf("local server: %d", status)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{ngrokTokenConfig, ngrokTokenFlag, ngrokTokenEnv} {
		mustNotLeak(t, tok, s.stdout, s.stderr)
	}

	// Not even an attempt: the dialer that would carry it is never used.
	d := newRefusingDialer(ngrokTokenEnv)
	a := serveApp(t, app.Options{NoTunnel: true, NgrokDialer: d}, envWith("NGROK_AUTHTOKEN", ngrokTokenEnv))
	if st := a.TunnelStatus(); st.Mode != tunnel.ModeLocalOnly || st.State != tunnel.Off {
		t.Errorf("status %+v, want local only", st)
	}
	if n := d.calls.Load(); n != 0 {
		t.Errorf("--no-tunnel still dialled ngrok %d times", n)
	}
}

// --no-tunnel turns off the tunnels scimlab runs (ngrok, loopback); a URL the admin
// publishes by other means still stands.
func TestNoTunnelKeepsThePublicURL(t *testing.T) {
	useConfigDir(t)
	const origin = "https://scim.example.com"
	const base = origin + "/scim/v2"
	d := newRefusingDialer(ngrokTokenEnv)
	s := serveCLI(t, []string{"--no-tunnel", "--public-url", origin}, envWith("NGROK_AUTHTOKEN", ngrokTokenEnv))
	out := s.stdout.String()
	for _, want := range []string{
		"SCIM base URL  " + base + "\n",
		"Local URL      " + s.local,
		"tunnel: online at " + origin + " (given by --public-url",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "pass --public-url") || strings.Contains(out, "local only") {
		t.Errorf("banner says the server is local only although --public-url was given:\n%s", out)
	}
	s.stop()
	mustNotLeak(t, ngrokTokenEnv, s.stdout, s.stderr)

	a := serveApp(t, app.Options{NoTunnel: true, PublicURL: origin, NgrokDialer: d}, envWith("NGROK_AUTHTOKEN", ngrokTokenEnv))
	if st := a.TunnelStatus(); st.Mode != tunnel.ModePublicURL || st.State != tunnel.Online || st.PublicURL != origin {
		t.Errorf("tunnel status %+v, want the public URL online", st)
	}
	if n := d.calls.Load(); n != 0 {
		t.Errorf("--no-tunnel dialled ngrok %d times", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	deps := a.ConsoleDeps(ctx, a.log)
	if deps.PublicURL() != base {
		t.Errorf("console public URL %q, want %q", deps.PublicURL(), base)
	}
	screen, _ := renderConsole(t, deps)
	if !strings.Contains(screen, base) || strings.Contains(screen, "local only") {
		t.Errorf("console does not show the public URL:\n%s", screen)
	}
}

// The ngrok code runs for real against a port that refuses connections.
func TestTunnelUnreachableServiceFailsAndLocalServerAnswers(t *testing.T) {
	useConfigDir(t)
	addr := closedAddr(t)
	a := serveApp(t, app.Options{NgrokConnectURL: addr}, envWith("NGROK_AUTHTOKEN", ngrokTokenEnv))
	if status := serviceProviderConfig(t, a.LocalURL(), a.Token()); status != 200 {
		t.Fatalf("local server while connecting: %d", status)
	}

	st := waitStatus(t, a.App, hasFailed)
	wantReason := "cannot reach " + addr + ": connection refused"
	if st.Mode != tunnel.ModeNgrok || st.Reason != wantReason {
		t.Errorf("status %+v, want ngrok failing with %q", st, wantReason)
	}
	if !strings.Contains(st.Hint, "the local server keeps answering") {
		t.Errorf("hint %q does not reassure about the local server", st.Hint)
	}
	waitOutput(t, a.stdout, ": "+wantReason)
	if status := serviceProviderConfig(t, a.LocalURL(), a.Token()); status != 200 {
		t.Fatalf("local server after the tunnel failed: %d", status)
	}
	if a.PublicBaseURL() != "" || a.BaseURL() != a.LocalURL() {
		t.Errorf("public %q, base %q while the tunnel is down", a.PublicBaseURL(), a.BaseURL())
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	deps := a.ConsoleDeps(ctx, a.log)
	if now := deps.TunnelNow(); now.Reason != wantReason || deps.PublicURL() != "" {
		t.Errorf("console deps: tunnel %+v, public %q", now, deps.PublicURL())
	}
	screen, _ := renderConsole(t, deps)
	if !strings.Contains(screen, wantReason) {
		t.Errorf("console does not say why the tunnel failed:\n%s", screen)
	}
	mustNotLeak(t, ngrokTokenEnv, a.stdout, a.stderr)
}

// A refused token names the place it came from, is not retried on its own, and never
// shows, although ngrok's error quotes it.
func TestTunnelRejectedTokenNamesItsSource(t *testing.T) {
	tests := []struct {
		name   string
		token  string
		opts   app.Options
		env    func(string) string
		config bool
		save   bool
		source string
	}{
		{name: "flag", token: ngrokTokenFlag, opts: app.Options{NgrokToken: ngrokTokenFlag}, env: envWith("NGROK_AUTHTOKEN", ngrokTokenEnv), source: "--ngrok-token"},
		{name: "environment", token: ngrokTokenEnv, env: envWith("NGROK_AUTHTOKEN", ngrokTokenEnv), config: true, source: "NGROK_AUTHTOKEN"},
		{name: "config file", token: ngrokTokenConfig, env: noEnv, config: true, source: "scimlab's saved settings"},
		{name: "saved from the console", token: ngrokTokenSaved, env: noEnv, save: true, source: "scimlab's saved settings"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfgPath := useConfigDir(t)
			if tc.config {
				if err := tunnel.SaveConfig(cfgPath, tunnel.Config{NgrokAuthToken: ngrokTokenConfig}); err != nil {
					t.Fatal(err)
				}
			}
			d := newRefusingDialer(tc.token)
			o := tc.opts
			o.NgrokDialer = d
			a := serveApp(t, o, tc.env)
			if tc.save {
				if err := a.SaveNgrokToken(tc.token); err != nil {
					t.Fatal(err)
				}
			}
			waitConnecting(t, a.App)
			d.letGo()

			st := waitStatus(t, a.App, hasFailed)
			want := "ngrok rejected the auth token (ERR_NGROK_107): check " + tc.source
			if st.State != tunnel.Failed || st.Reason != want || st.Code != "ERR_NGROK_107" {
				t.Errorf("status %+v, want failed with %q", st, want)
			}
			if !st.RetryAt.IsZero() {
				t.Errorf("a refused token is retried on its own: %+v", st)
			}
			waitOutput(t, a.stdout, "tunnel: failed: "+want)
			if status := serviceProviderConfig(t, a.LocalURL(), a.Token()); status != 200 {
				t.Fatalf("local server after the refusal: %d", status)
			}

			// The console's retry key tries again at once.
			before := d.calls.Load()
			a.RetryTunnel()
			waitUntil(t, "a new attempt after RetryTunnel", func() bool { return d.calls.Load() > before })
			waitStatus(t, a.App, func(st tunnel.Status) bool { return st.State == tunnel.Failed && st.Reason == want })

			a.stop()
			mustNotLeak(t, tc.token, a.stdout, a.stderr)
			if !strings.Contains(a.stderr.String(), "[REDACTED]") {
				t.Errorf("ngrok's error was not logged with the token removed:\n%s", a.stderr)
			}
		})
	}
}

func TestPublicURLShownEverywhere(t *testing.T) {
	cfgPath := useConfigDir(t)
	const origin = "https://scim.example.com"
	const base = origin + "/scim/v2"
	// --public-url wins over a token: no ngrok, and the token is nowhere.
	s := serveCLI(t, []string{"--public-url", "https://SCIM.example.com/"}, envWith("NGROK_AUTHTOKEN", ngrokTokenEnv))
	out := s.stdout.String()
	for _, want := range []string{
		"SCIM base URL  " + base + "\n",
		"Local URL      " + s.local,
		"tunnel: online at " + origin + " (given by --public-url",
		"Try it:        curl -H \"Authorization: Bearer " + s.token + "\" " + s.local + "/Users",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	if status := serviceProviderConfig(t, s.local, s.token); status != 200 {
		t.Fatalf("local server: %d", status)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	mustNotLeak(t, ngrokTokenEnv, s.stdout, s.stderr)
	if got := loadConfig(t, cfgPath).LastPublicURL; got != origin {
		t.Errorf("last public URL remembered as %q, want %q", got, origin)
	}

	// A URL that already ends in the SCIM path is not extended twice.
	a := serveApp(t, app.Options{PublicURL: origin + "/scim/v2/"}, noEnv)
	if a.BaseURL() != base || a.PublicBaseURL() != base {
		t.Errorf("base %q, public %q, want %q", a.BaseURL(), a.PublicBaseURL(), base)
	}
	if !strings.Contains(a.stdout.String(), "SCIM base URL  "+base+"\n") {
		t.Errorf("banner:\n%s", a.stdout)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	deps := a.ConsoleDeps(ctx, a.log)
	if deps.PublicURL() != base || deps.LocalURL != a.LocalURL() || deps.TunnelNow().Mode != tunnel.ModePublicURL {
		t.Errorf("console deps: public %q, local %q, tunnel %+v", deps.PublicURL(), deps.LocalURL, deps.TunnelNow())
	}
	screen, title := renderConsole(t, deps)
	if !strings.Contains(screen, base) || !strings.Contains(screen, a.LocalURL()) || strings.Contains(screen, "local only") {
		t.Errorf("console does not show the public URL with the local one beside it:\n%s", screen)
	}
	if !strings.Contains(title, base) {
		t.Errorf("window title %q lacks the public URL", title)
	}
}

func TestPublicURLChangeWarnsThatTheIdPPointsAtTheOldURL(t *testing.T) {
	cfgPath := useConfigDir(t)
	if err := tunnel.SaveConfig(cfgPath, tunnel.Config{LastPublicURL: "https://old.example.com"}); err != nil {
		t.Fatal(err)
	}
	s := serveCLI(t, []string{"--public-url", "https://new.example.com"}, noEnv)
	for _, want := range []string{
		"warning: The public URL changed: it was https://old.example.com and is now https://new.example.com",
		"Okta/Entra still point at the old URL",
		"to https://new.example.com/scim/v2",
	} {
		if !strings.Contains(s.stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, s.stdout)
		}
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if got := loadConfig(t, cfgPath).LastPublicURL; got != "https://new.example.com" {
		t.Errorf("last public URL %q after the change", got)
	}
	if mode := fileMode(t, cfgPath); mode != 0o600 {
		t.Errorf("config file mode %v, want 0600", mode)
	}

	// The same URL again is no news.
	same := serveCLI(t, []string{"--public-url", "https://new.example.com/"}, noEnv)
	if strings.Contains(same.stdout.String(), "warning:") {
		t.Errorf("warned although the URL did not change:\n%s", same.stdout)
	}
	same.stop()

	// The console warns too, on its own, without serve's output.
	a := serveApp(t, app.Options{PublicURL: "https://other.example.com"}, noEnv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	deps := a.ConsoleDeps(ctx, a.log)
	warn := deps.URLWarning()
	if !strings.Contains(warn, "Okta/Entra still point at the old URL") || !strings.Contains(warn, "https://new.example.com and is now https://other.example.com") {
		t.Errorf("console warning %q", warn)
	}
	screen, _ := renderConsole(t, deps)
	if !strings.Contains(screen, "The public URL changed") {
		t.Errorf("console does not show the warning:\n%s", screen)
	}
}

func TestTunnelDomainIsRemembered(t *testing.T) {
	cfgPath := useConfigDir(t)
	const domain = "scim-lab.ngrok-free.app"
	s := serveCLI(t, []string{"--no-tunnel", "--domain", "https://Scim-Lab.ngrok-free.app/"}, noEnv)
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if got := loadConfig(t, cfgPath).Domain; got != domain {
		t.Fatalf("remembered domain %q, want %q", got, domain)
	}
	if mode := fileMode(t, cfgPath); mode != 0o600 {
		t.Errorf("config file mode %v, want 0600", mode)
	}
	if mode := fileMode(t, filepath.Dir(cfgPath)); mode != 0o700 {
		t.Errorf("config directory mode %v, want 0700", mode)
	}

	// The next start publishes on it without --domain, and so does a token saved later.
	addr := closedAddr(t)
	a := serveApp(t, app.Options{NgrokConnectURL: addr}, envWith("NGROK_AUTHTOKEN", ngrokTokenEnv))
	if st := waitStatus(t, a.App, hasFailed); st.Domain != domain {
		t.Errorf("tunnel status %+v, want domain %s", st, domain)
	}
	a.stop()

	b := serveApp(t, app.Options{NgrokConnectURL: addr}, noEnv)
	if err := b.SaveNgrokToken(ngrokTokenSaved); err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, b.App, hasFailed); st.Domain != domain || st.Mode != tunnel.ModeNgrok {
		t.Errorf("tunnel status after saving a token %+v, want ngrok on %s", st, domain)
	}
	if got := loadConfig(t, cfgPath); got.Domain != domain || got.NgrokAuthToken != ngrokTokenSaved {
		t.Errorf("config after saving the token: domain %q, token saved %v", got.Domain, got.NgrokAuthToken == ngrokTokenSaved)
	}
}

func TestTunnelSaveNgrokTokenRestartsTheTunnel(t *testing.T) {
	cfgPath := useConfigDir(t)
	if err := tunnel.SaveConfig(cfgPath, tunnel.Config{LastPublicURL: "https://kept.example.com"}); err != nil {
		t.Fatal(err)
	}
	addr := closedAddr(t)
	a := serveApp(t, app.Options{NgrokConnectURL: addr}, noEnv)
	if st := a.TunnelStatus(); st.Mode != tunnel.ModeLocalOnly {
		t.Fatalf("before the token: %+v", st)
	}
	if err := a.SaveNgrokToken("  \n"); err == nil {
		t.Error("an empty token was saved")
	}

	if err := a.SaveNgrokToken("  " + ngrokTokenSaved + "\n"); err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, cfgPath)
	if cfg.NgrokAuthToken != ngrokTokenSaved {
		t.Error("the config file does not hold the trimmed token")
	}
	if cfg.LastPublicURL != "https://kept.example.com" {
		t.Errorf("saving the token lost the last public URL: %q", cfg.LastPublicURL)
	}
	if mode := fileMode(t, cfgPath); mode != 0o600 {
		t.Errorf("config file mode %v, want 0600", mode)
	}

	wantReason := "cannot reach " + addr + ": connection refused"
	st := waitStatus(t, a.App, hasFailed)
	if st.Mode != tunnel.ModeNgrok || st.Reason != wantReason {
		t.Errorf("status %+v, want ngrok failing with %q", st, wantReason)
	}
	waitOutput(t, a.stdout, ": "+wantReason)
	if status := serviceProviderConfig(t, a.LocalURL(), a.Token()); status != 200 {
		t.Fatalf("local server after the restart: %d", status)
	}
	a.stop()
	mustNotLeak(t, ngrokTokenSaved, a.stdout, a.stderr)

	// With --no-tunnel the token is kept for later, but this run stays local.
	cfgPath = useConfigDir(t)
	d := newRefusingDialer(ngrokTokenSaved)
	b := serveApp(t, app.Options{NoTunnel: true, NgrokDialer: d}, noEnv)
	if err := b.SaveNgrokToken(ngrokTokenSaved); err != nil {
		t.Fatal(err)
	}
	if got := loadConfig(t, cfgPath).NgrokAuthToken; got != ngrokTokenSaved {
		t.Error("token not saved under --no-tunnel")
	}
	if st := b.TunnelStatus(); st.Mode != tunnel.ModeLocalOnly || d.calls.Load() != 0 {
		t.Errorf("--no-tunnel run after saving a token: %+v, %d dials", st, d.calls.Load())
	}
}

// --tunnel=loopback goes through the same marking as ngrok: the log tells a request
// that came over the tunnel from one sent to the local address.
func TestLoopbackRecordsWhichRequestsCameThroughTheTunnel(t *testing.T) {
	cfgPath := useConfigDir(t)
	if err := tunnel.SaveConfig(cfgPath, tunnel.Config{LastPublicURL: "https://idp-facing.example.com"}); err != nil {
		t.Fatal(err)
	}
	a := serveApp(t, app.Options{TunnelMode: "loopback"}, envWith("NGROK_AUTHTOKEN", ngrokTokenEnv))
	st := waitStatus(t, a.App, func(st tunnel.Status) bool { return st.State == tunnel.Online })
	if st.Mode != tunnel.ModeLoopback || !strings.HasPrefix(st.PublicURL, "http://127.0.0.1:") {
		t.Fatalf("status %+v", st)
	}
	viaTunnel := st.PublicURL + scimserver.BasePath
	if a.PublicBaseURL() != viaTunnel || a.BaseURL() != viaTunnel {
		t.Errorf("public %q, base %q, want %q", a.PublicBaseURL(), a.BaseURL(), viaTunnel)
	}
	for _, want := range []string{"SCIM base URL  " + viaTunnel + "\n", "tunnel: online at " + st.PublicURL + "\n"} {
		if !strings.Contains(a.stdout.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, a.stdout)
		}
	}

	if status, body := call(t, "GET", viaTunnel+"/Users?count=1", a.Token(), ""); status != 200 {
		t.Fatalf("through the tunnel: %d %s", status, body)
	}
	if status, body := call(t, "GET", a.LocalURL()+"/Groups?count=1", a.Token(), ""); status != 200 {
		t.Fatalf("local: %d %s", status, body)
	}
	db, err := store.Open(context.Background(), a.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var reqs []*exchange.Record
	waitUntil(t, "both requests in the log", func() bool {
		var err error
		reqs, err = db.ListRequests(context.Background(), 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(reqs) >= 2
	})
	byPath := map[string]*exchange.Record{}
	for _, r := range reqs {
		byPath[r.Path] = r
	}
	tun, local := byPath[scimserver.BasePath+"/Users"], byPath[scimserver.BasePath+"/Groups"]
	if tun == nil || local == nil {
		t.Fatalf("log lacks a request: %v", byPath)
	}
	if !tun.ViaTunnel || tun.RemoteAddr != "127.0.0.1" {
		t.Errorf("tunnel request recorded as via tunnel %v from %q, want true from 127.0.0.1", tun.ViaTunnel, tun.RemoteAddr)
	}
	if local.ViaTunnel || !strings.HasPrefix(local.RemoteAddr, "127.0.0.1:") {
		t.Errorf("local request recorded as via tunnel %v from %q, want false from 127.0.0.1:port", local.ViaTunnel, local.RemoteAddr)
	}

	// A loopback URL is new on every start and never given to an IdP: no warning, and
	// the URL the IdP uses stays remembered.
	if w := a.URLWarning(); w != "" {
		t.Errorf("loopback raised a URL warning: %s", w)
	}
	a.stop()
	if got := loadConfig(t, cfgPath).LastPublicURL; got != "https://idp-facing.example.com" {
		t.Errorf("loopback overwrote the last public URL with %q", got)
	}
	mustNotLeak(t, ngrokTokenEnv, a.stdout, a.stderr)
}

func TestTunnelFlagsRejectBadValues(t *testing.T) {
	useConfigDir(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--tunnel", "ngrok"}, `--tunnel accepts only "loopback"`},
		{[]string{"--public-url", "scim.example.com"}, "--public-url"},
		{[]string{"--public-url", "https://scim.example.com/?x=1"}, "must not have a query"},
		{[]string{"--domain", "https://name.ngrok-free.app/path"}, "bare host name"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr lockedBuffer
			err := run(context.Background(), append([]string{"serve", "--listen", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "x.db")}, tc.args...), noEnv, strings.NewReader(""), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if strings.Contains(stdout.String(), "serving") {
				t.Errorf("started despite the bad flag:\n%s", stdout.String())
			}
		})
	}
}
