package tunnel

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSelect(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		mode   string
		state  State
		reason string
	}{
		{"no token", Options{}, ModeLocalOnly, Off, ReasonNoToken},
		{"--no-tunnel wins over a token", Options{NoTunnel: true, Token: fakeToken}, ModeLocalOnly, Off, "the tunnel is turned off by --no-tunnel"},
		{"--no-tunnel keeps --public-url", Options{NoTunnel: true, Token: fakeToken, PublicURL: "https://x.example.com"}, ModePublicURL, Online, ""},
		{"--no-tunnel wins over loopback", Options{NoTunnel: true, Loopback: true}, ModeLocalOnly, Off, "the tunnel is turned off by --no-tunnel"},
		{"--public-url wins over a token", Options{PublicURL: "https://scim.example.com/", Token: fakeToken}, ModePublicURL, Online, ""},
		{"token", Options{Token: fakeToken, TokenSource: SourceEnv, Domain: "scim.ngrok.app"}, ModeNgrok, Off, "not started"},
		{"loopback", Options{Loopback: true, Token: fakeToken}, ModeLoopback, Off, "not started"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tun := Select(tt.opts)
			defer tun.Close()
			st := tun.Status()
			if st.Mode != tt.mode || st.State != tt.state || st.Reason != tt.reason {
				t.Errorf("status = %+v; want mode %s state %s reason %q", st, tt.mode, tt.state, tt.reason)
			}
		})
	}
}

func TestLocalOnlyExplainsHowToEnable(t *testing.T) {
	l := NewLocalOnly(ReasonNoToken)
	if err := l.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	st := <-l.Updates()
	if st.State != Off || st.PublicURL != "" {
		t.Fatalf("status = %+v", st)
	}
	line := st.String()
	mustContain(t, "String()", line, "local only", "NGROK_AUTHTOKEN", "--ngrok-token", "console", "--public-url", "dashboard.ngrok.com")

	nt := NewLocalOnly(ReasonNoTunnel).Status()
	mustContain(t, "--no-tunnel status", nt.String(), "--no-tunnel", "--public-url")

	l.Close()
	if _, open := <-l.Updates(); open {
		if _, open := <-l.Updates(); open {
			t.Error("Updates not closed")
		}
	}
}

func TestPublicURLIsOnline(t *testing.T) {
	p := NewPublicURL("https://scim.example.com/")
	if err := p.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	st := <-p.Updates()
	if st.State != Online || st.PublicURL != "https://scim.example.com" || st.Mode != ModePublicURL || st.Domain != "scim.example.com" {
		t.Errorf("status = %+v", st)
	}
	mustContain(t, "String()", st.String(), "online at https://scim.example.com", "--public-url")
	p.Close()
	if st := p.Status(); st.State != Off {
		t.Errorf("after Close: %+v", st)
	}

	if st := NewPublicURL("http://10.1.1.1:8080").Status(); st.State != Online || !strings.Contains(st.Hint, "https") {
		t.Errorf("http URL: %+v", st)
	}
	bad := NewPublicURL("scim.example.com").Status()
	if bad.State != Failed || !strings.Contains(bad.Reason, "--public-url") || bad.Hint == "" {
		t.Errorf("bad URL: %+v", bad)
	}
}

type ctxKey struct{}

// The loopback stand-in serves the handler and marks its conns exactly as
// an ngrok endpoint does.
func TestLoopbackServesAndMarksConns(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	cc := func(ctx context.Context, c net.Conn) context.Context {
		ip, ok := ClientIP(c)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %v", ip, ok))
		mu.Unlock()
		return context.WithValue(ctx, ctxKey{}, "marked")
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, ok := ClientIPFromContext(r.Context())
		fmt.Fprintf(w, "%s|%v|%v|%s", ip, ok, r.Context().Value(ctxKey{}), r.URL.Path)
	})
	l := NewLoopback(WithConnContext(cc))
	if err := l.Start(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, l, inState(Online))
	if st.Mode != ModeLoopback || !strings.HasPrefix(st.PublicURL, "http://127.0.0.1:") {
		t.Fatalf("status = %+v", st)
	}
	if got := get(t, st.PublicURL+"/scim/v2/Users"); got != "127.0.0.1|true|marked|/scim/v2/Users" {
		t.Errorf("response = %q", got)
	}
	mu.Lock()
	if len(seen) != 1 || seen[0] != "127.0.0.1 true" {
		t.Errorf("ConnContext saw %v", seen)
	}
	mu.Unlock()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 2 * time.Second}
	if _, err := client.Get(st.PublicURL); err == nil {
		t.Error("loopback still serving after Close")
	}
	if st := l.Status(); st.State != Off {
		t.Errorf("after Close: %+v", st)
	}
	checkNoLeak(t)
}

func TestLoopbackStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	l := NewLoopback()
	if err := l.Start(ctx, http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	cancel()
	waitFor(t, l, inState(Off))
	checkNoLeak(t)
}

func TestClientIPOnPlainConn(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if ip, ok := ClientIP(a); ok || ip != "" {
		t.Errorf("plain conn reported as tunnel conn: %q", ip)
	}
	if _, ok := ClientIPFromContext(context.Background()); ok {
		t.Error("empty context reported a tunnel client")
	}
	wrapped := &tunnelConn{Conn: a, clientIP: "203.0.113.7"}
	if ip, ok := ClientIP(wrapped); !ok || ip != "203.0.113.7" {
		t.Errorf("ClientIP = %q, %v", ip, ok)
	}
}

func TestRemoteIP(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("203.0.113.7"), Port: 5555}, "203.0.113.7"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 443}, "2001:db8::1"},
		{&net.UnixAddr{Name: "/tmp/x", Net: "unix"}, "/tmp/x"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := remoteIP(tt.addr); got != tt.want {
			t.Errorf("remoteIP(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestSwitchReplacesLocalOnlyWithLoopback(t *testing.T) {
	s := NewSwitch(NewLocalOnly(ReasonNoToken))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "scim") })
	if err := s.Start(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	if st := waitFor(t, s, inState(Off)); st.Mode != ModeLocalOnly {
		t.Fatalf("status = %+v", st)
	}
	if err := s.Replace(NewLoopback()); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, s, inState(Online))
	if got := get(t, st.PublicURL); got != "scim" {
		t.Errorf("response = %q", got)
	}
	if _, ok := s.Current().(*Loopback); !ok {
		t.Errorf("Current = %T", s.Current())
	}
	if err := s.Replace(NewPublicURL("https://scim.example.com")); err != nil {
		t.Fatal(err)
	}
	if st := waitFor(t, s, func(st Status) bool { return st.Mode == ModePublicURL }); st.State != Online {
		t.Errorf("status = %+v", st)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range s.Updates() { // must end: Close closes the channel
	}
	if err := s.Replace(NewLocalOnly("x")); err == nil {
		t.Error("Replace after Close accepted")
	}
	checkNoLeak(t)
}

// Publishing never waits for a reader and a late reader sees the latest.
func TestStatusBoxCoalesces(t *testing.T) {
	b := newStatusBox(Status{State: Off})
	for i := 1; i <= 1000; i++ {
		b.set(Status{State: Reconnecting, Attempt: i})
	}
	st := <-b.updates()
	if st.Attempt != 1000 {
		t.Errorf("read attempt %d, want the latest (1000)", st.Attempt)
	}
	select {
	case st := <-b.updates():
		t.Errorf("a second, stale value was queued: %+v", st)
	default:
	}
	first := b.get().Since
	b.set(Status{State: Reconnecting, Attempt: 1001})
	if b.get().Since != first {
		t.Error("Since changed while the state stayed the same")
	}
	b.close(Status{State: Off})
	b.set(Status{State: Online})
	if b.get().State != Off {
		t.Error("set after close took effect")
	}
}

func TestStatusString(t *testing.T) {
	tests := []struct {
		st   Status
		want string
	}{
		{Status{State: Connecting, Mode: ModeNgrok, Domain: "scim.ngrok.app"}, "connecting to ngrok for scim.ngrok.app"},
		{Status{State: Online, Mode: ModeNgrok, PublicURL: "https://scim.ngrok.app"}, "online at https://scim.ngrok.app"},
		{Status{State: Reconnecting, Mode: ModeNgrok, Attempt: 3, Reason: "no network"}, "reconnecting to ngrok (attempt 3): no network"},
		{Status{State: Failed, Reason: "bad token", Hint: "fix it"}, "failed: bad token. fix it"},
		{Status{State: Failed, Reason: "no network", RetryAt: time.Now(), RetryIn: 4 * time.Second}, "failed: no network (retrying in 4s)"},
		{Status{State: Off, Reason: "closed"}, "local only: closed"},
		{Status{State: Off, Mode: ModeNgrok, Reason: "the tunnel is closed"}, "ngrok off: the tunnel is closed"},
	}
	for _, tt := range tests {
		if got := tt.st.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	if got := State(42).String(); got != "State(42)" {
		t.Errorf("unknown state = %q", got)
	}
}
