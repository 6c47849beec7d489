package tunnel

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.ngrok.com/ngrok/v2"
)

// The ngrok service cannot be reached from tests, so the online half of
// the tunnel runs against a stand-in: an agent whose endpoint is a real
// 127.0.0.1 listener. Only the methods scimlab calls are implemented; the
// embedded nil interfaces make any other call fail loudly.

type fakeEndpoint struct {
	ngrok.EndpointListener
	l    net.Listener
	u    *url.URL
	done chan struct{}
	once sync.Once
}

func (e *fakeEndpoint) Accept() (net.Conn, error) { return e.l.Accept() }
func (e *fakeEndpoint) Addr() net.Addr            { return e.l.Addr() }
func (e *fakeEndpoint) URL() *url.URL             { return e.u }
func (e *fakeEndpoint) Done() <-chan struct{}     { return e.done }
func (e *fakeEndpoint) Close() error {
	e.once.Do(func() { close(e.done) })
	return e.l.Close()
}

type fakeAgent struct {
	ngrok.Agent
	emit         ngrok.EventHandler
	ep           *fakeEndpoint
	disconnected atomic.Bool
}

func (a *fakeAgent) Listen(context.Context, ...ngrok.EndpointOption) (ngrok.EndpointListener, error) {
	return a.ep, nil
}

func (a *fakeAgent) Disconnect() error {
	a.disconnected.Store(true)
	return nil
}

func newFakeAgent(t *testing.T, emit ngrok.EventHandler) *fakeAgent {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://scim.ngrok.test")
	return &fakeAgent{emit: emit, ep: &fakeEndpoint{l: l, u: u, done: make(chan struct{})}}
}

func TestNgrokOnlineReconnectAndLoss(t *testing.T) {
	agents := make(chan *fakeAgent, 4)
	release := make(chan struct{}, 4)
	var marked atomic.Int32
	cc := func(ctx context.Context, c net.Conn) context.Context {
		if _, ok := ClientIP(c); ok {
			marked.Add(1)
		}
		return ctx
	}
	n := NewNgrok(NgrokConfig{AuthToken: fakeToken, Domain: "scim.ngrok.test", ConnContext: cc}, nil)
	n.newAgent = func(h ngrok.EventHandler, _ []ngrok.AgentOption) (ngrok.Agent, error) {
		a := newFakeAgent(t, h)
		agents <- a
		return a, nil
	}
	n.after = func(time.Duration) (<-chan time.Time, func() bool) {
		ch := make(chan time.Time, 1)
		go func() {
			<-release
			ch <- time.Time{}
		}()
		return ch, func() bool { return false }
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, ok := ClientIPFromContext(r.Context())
		fmt.Fprintf(w, "%s %v", ip, ok)
	})
	if err := n.Start(context.Background(), h); err != nil {
		t.Fatal(err)
	}

	a := <-agents
	st := waitFor(t, n, inState(Online))
	if st.PublicURL != "https://scim.ngrok.test" || st.Domain != "scim.ngrok.test" || st.Mode != ModeNgrok {
		t.Fatalf("online status = %+v", st)
	}
	if got := get(t, "http://"+a.ep.Addr().String()+"/scim/v2/Users"); got != "127.0.0.1 true" {
		t.Errorf("request over the endpoint: %q", got)
	}
	if marked.Load() != 1 {
		t.Errorf("ConnContext saw %d marked conns, want 1", marked.Load())
	}

	// The library reconnects by itself: the tunnel says so, keeps the URL.
	a.emit(&ngrok.EventAgentDisconnected{Error: dnsFailure("connect.ngrok-agent.com:443")})
	st = waitFor(t, n, inState(Reconnecting))
	if st.PublicURL != "https://scim.ngrok.test" || !strings.Contains(st.Reason, "DNS lookup failed") || st.Attempt != 1 {
		t.Errorf("reconnecting status = %+v", st)
	}
	a.emit(&ngrok.EventAgentConnectSucceeded{})
	waitFor(t, n, inState(Online))

	// ngrok drops the endpoint: the session is torn down and retried.
	a.ep.Close()
	st = waitFor(t, n, inState(Failed))
	if st.Reason != "ngrok closed the public endpoint" || st.RetryAt.IsZero() {
		t.Errorf("lost status = %+v", st)
	}
	if !a.disconnected.Load() {
		t.Error("old agent not disconnected")
	}
	release <- struct{}{}
	a2 := <-agents
	st = waitFor(t, n, inState(Online))
	if st.Attempt != 0 {
		t.Errorf("attempt counter not reset when back online: %+v", st)
	}
	if got := get(t, "http://"+a2.ep.Addr().String()+"/"); got != "127.0.0.1 true" {
		t.Errorf("request after reconnect: %q", got)
	}

	// The token is revoked while online: no point retrying.
	a2.emit(&ngrok.EventAgentDisconnected{Error: codeErr{"ERR_NGROK_107", "The authtoken you specified is properly formed, but it is invalid. Your authtoken: " + fakeToken}})
	st = waitFor(t, n, inState(Failed))
	if st.Reason != "ngrok rejected the auth token (ERR_NGROK_107): check NGROK_AUTHTOKEN" || !st.RetryAt.IsZero() {
		t.Errorf("revoked status = %+v", st)
	}
	if strings.Contains(st.Err.Error(), fakeToken) {
		t.Errorf("token in Err: %v", st.Err)
	}
	if !a2.disconnected.Load() {
		t.Error("agent not disconnected after a permanent failure")
	}

	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	checkNoLeak(t)
}

// Close while online ends the HTTP server and the session.
func TestNgrokCloseWhileOnline(t *testing.T) {
	agents := make(chan *fakeAgent, 1)
	n := NewNgrok(NgrokConfig{AuthToken: fakeToken}, nil)
	n.newAgent = func(h ngrok.EventHandler, _ []ngrok.AgentOption) (ngrok.Agent, error) {
		a := newFakeAgent(t, h)
		agents <- a
		return a, nil
	}
	if err := n.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	a := <-agents
	waitFor(t, n, inState(Online))
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if !a.disconnected.Load() {
		t.Error("agent not disconnected")
	}
	select {
	case <-a.ep.Done():
	default:
		t.Error("endpoint not closed")
	}
	if st := n.Status(); st.State != Off {
		t.Errorf("after Close: %+v", st)
	}
	checkNoLeak(t)
}
