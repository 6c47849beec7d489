package tunnel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const fakeToken = "2abcDEFghiJKLmnoPQRstuVWXyz_0123456789abcdef"

// failingDialer stands in for a network where ngrok cannot be reached.
type failingDialer struct {
	calls atomic.Int32
	err   func(addr string) error
}

func (d *failingDialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

func (d *failingDialer) DialContext(_ context.Context, _, addr string) (net.Conn, error) {
	d.calls.Add(1)
	return nil, d.err(addr)
}

func dnsFailure(addr string) error {
	host, _, _ := net.SplitHostPort(addr)
	return &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
}

// hangingDialer never connects until the attempt is given up.
type hangingDialer struct{}

func (hangingDialer) Dial(network, addr string) (net.Conn, error) {
	return nil, errors.New("unused")
}

func (hangingDialer) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func localServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "local ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The real agent, pointed at a closed local port: the pre-flight probe
// fails, the tunnel reports Failed in words, and the local server is
// untouched throughout.
func TestNgrokUnreachableReportsFailedAndLocalServerAnswers(t *testing.T) {
	local := localServer(t)

	n := NewNgrok(NgrokConfig{AuthToken: fakeToken, TokenSource: SourceEnv, ConnectURL: "127.0.0.1:1", ConnectTimeout: 2 * time.Second}, nil)
	if st := n.Status(); st.State != Off || st.Mode != ModeNgrok {
		t.Fatalf("before Start: %+v", st)
	}
	if err := n.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	if got := get(t, local.URL); got != "local ok" {
		t.Fatalf("local server during connect: %q", got)
	}
	st := waitFor(t, n, inState(Failed))
	if st.Reason != "cannot reach 127.0.0.1:1: connection refused" {
		t.Errorf("reason = %q", st.Reason)
	}
	if st.RetryAt.IsZero() || st.RetryIn <= 0 || st.Attempt != 1 {
		t.Errorf("a network failure must plan a retry: %+v", st)
	}
	if st.Err == nil || st.Hint == "" {
		t.Errorf("missing Err or Hint: %+v", st)
	}
	mustContain(t, "String()", st.String(), "failed: cannot reach 127.0.0.1:1", "retrying in")
	if got := get(t, local.URL); got != "local ok" {
		t.Fatalf("local server after failure: %q", got)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if st := n.Status(); st.State != Off {
		t.Errorf("after Close: %+v", st)
	}
	if got := get(t, local.URL); got != "local ok" {
		t.Fatalf("local server after Close: %q", got)
	}
	checkNoLeak(t)
}

// Without the pre-flight probe the agent's own Listen runs and its first
// failed try ends the attempt at once: the ngrok library would otherwise
// retry until the connect timeout (one minute here).
func TestNgrokListenPathFailsOnFirstError(t *testing.T) {
	d := &failingDialer{err: dnsFailure}
	n := NewNgrok(NgrokConfig{AuthToken: fakeToken, Dialer: d, ConnectTimeout: time.Minute}, nil)
	n.skipDiagnose = true
	if err := n.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, n, inState(Failed))
	if st.Reason != "no network: cannot reach connect.ngrok-agent.com (DNS lookup failed)" {
		t.Errorf("reason = %q", st.Reason)
	}
	if d.calls.Load() == 0 {
		t.Error("the agent never dialled")
	}
	n.Close()
	checkNoLeak(t)
}

func TestNgrokConnectTimeout(t *testing.T) {
	n := NewNgrok(NgrokConfig{AuthToken: fakeToken, Dialer: hangingDialer{}, ConnectTimeout: 200 * time.Millisecond}, nil)
	n.skipDiagnose = true
	if err := n.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, n, inState(Failed))
	if st.Reason != "ngrok at connect.ngrok-agent.com did not answer within 200ms" {
		t.Errorf("reason = %q", st.Reason)
	}
	n.Close()
	checkNoLeak(t)
}

// The pre-flight probe goes through the configured dialer too.
func TestNgrokDiagnoseUsesDialer(t *testing.T) {
	d := &failingDialer{err: dnsFailure}
	n := NewNgrok(NgrokConfig{AuthToken: fakeToken, Dialer: d}, nil)
	if err := n.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	st := waitFor(t, n, inState(Failed))
	if st.Reason != "no network: cannot reach connect.ngrok-agent.com (DNS lookup failed)" {
		t.Errorf("reason = %q", st.Reason)
	}
	if d.calls.Load() != 1 {
		t.Errorf("dials = %d, want 1 (the probe decides)", d.calls.Load())
	}
}

// fakeClock records the back-off delays and lets every wait end at once.
type fakeClock struct {
	mu     sync.Mutex
	delays []time.Duration
	enough chan struct{}
	want   int
}

func (c *fakeClock) after(d time.Duration) (<-chan time.Time, func() bool) {
	c.mu.Lock()
	c.delays = append(c.delays, d)
	if len(c.delays) == c.want {
		close(c.enough)
	}
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch, func() bool { return false }
}

func TestNgrokReconnectBackoffIncreasesAndCloseStops(t *testing.T) {
	clock := &fakeClock{enough: make(chan struct{}), want: 7}
	d := &failingDialer{err: dnsFailure}
	b := Backoff{Min: time.Second, Max: 8 * time.Second, Factor: 2, Jitter: 0.2}
	n := NewNgrok(NgrokConfig{AuthToken: fakeToken, Dialer: d, Backoff: b}, nil)
	n.after = clock.after
	n.random = func() float64 { return 0.999 } // the most jitter: still increasing
	if err := n.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-clock.enough:
	case <-time.After(20 * time.Second):
		t.Fatal("the reconnect loop stopped retrying")
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	clock.mu.Lock()
	delays := append([]time.Duration(nil), clock.delays...)
	clock.mu.Unlock()
	for i := 1; i < len(delays); i++ {
		if delays[i] < delays[i-1] {
			t.Errorf("delay %d (%s) shorter than delay %d (%s)", i, delays[i], i-1, delays[i-1])
		}
		if delays[i-1] < b.Max*8/10 && delays[i] <= delays[i-1] {
			t.Errorf("delay %d (%s) did not grow from %s", i, delays[i], delays[i-1])
		}
	}
	for i, dl := range delays {
		if dl > b.Max || dl < b.Min*8/10 {
			t.Errorf("delay %d = %s, outside [%s, %s]", i, dl, b.Min*8/10, b.Max)
		}
	}
	if delays[len(delays)-1] < b.Max*8/10 {
		t.Errorf("delays never reached the cap: %v", delays)
	}
	if int(d.calls.Load()) < clock.want {
		t.Errorf("dials = %d, want at least one per attempt (%d)", d.calls.Load(), clock.want)
	}
	calls := d.calls.Load()
	checkNoLeak(t)
	if d.calls.Load() != calls {
		t.Error("still dialling after Close")
	}
	if _, open := <-n.Updates(); open {
		// The final status may still be buffered; the channel must close after it.
		if _, open := <-n.Updates(); open {
			t.Error("Updates not closed after Close")
		}
	}
}

// Later attempts report Reconnecting and keep the last reason visible.
func TestNgrokSecondAttemptIsReconnecting(t *testing.T) {
	release := make(chan struct{})
	d := &failingDialer{err: dnsFailure}
	n := NewNgrok(NgrokConfig{AuthToken: fakeToken, Dialer: d}, nil)
	n.after = func(time.Duration) (<-chan time.Time, func() bool) {
		ch := make(chan time.Time)
		go func() {
			<-release
			close(ch)
		}()
		return ch, func() bool { return false }
	}
	if err := n.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	waitFor(t, n, inState(Failed))
	close(release)
	st := waitFor(t, n, func(s Status) bool { return s.Attempt >= 2 })
	if st.State != Reconnecting && st.State != Failed {
		t.Fatalf("second attempt state = %s", st.State)
	}
	if !strings.Contains(st.Reason, "DNS lookup failed") {
		t.Errorf("reason lost on retry: %q", st.Reason)
	}
}

// Retry cuts a long back-off short.
func TestNgrokRetryNow(t *testing.T) {
	d := &failingDialer{err: dnsFailure}
	n := NewNgrok(NgrokConfig{AuthToken: fakeToken, Dialer: d, Backoff: Backoff{Min: time.Hour, Max: time.Hour}}, nil)
	if err := n.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	waitFor(t, n, inState(Failed))
	if got := d.calls.Load(); got != 1 {
		t.Fatalf("dials before Retry = %d", got)
	}
	n.Retry()
	waitFor(t, n, func(s Status) bool { return s.State == Failed && s.Attempt == 2 })
	if got := d.calls.Load(); got != 2 {
		t.Fatalf("dials after Retry = %d, want 2", got)
	}
}

// A domain that cannot be one fails for good: no retry is planned.
func TestNgrokInvalidDomainIsPermanent(t *testing.T) {
	d := &failingDialer{err: dnsFailure}
	n := NewNgrok(NgrokConfig{AuthToken: fakeToken, Domain: "https://x.ngrok.app/scim", Dialer: d}, nil)
	if err := n.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	st := waitFor(t, n, inState(Failed))
	if !st.RetryAt.IsZero() {
		t.Errorf("permanent failure planned a retry: %+v", st)
	}
	mustContain(t, "reason", st.Reason, "bare host name")
	if d.calls.Load() != 0 {
		t.Error("dialled with an invalid domain")
	}
}

func TestNgrokMissingTokenIsPermanent(t *testing.T) {
	n := NewNgrok(NgrokConfig{}, nil)
	if err := n.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	st := waitFor(t, n, inState(Failed))
	if st.Reason != ReasonNoToken || !st.RetryAt.IsZero() {
		t.Errorf("status = %+v", st)
	}
}

// ngrok echoes a rejected token in its errors and the library logs them:
// neither the status nor the log may carry it.
func TestNgrokTokenNeverInStatusOrLogs(t *testing.T) {
	var logs syncBuffer
	d := &failingDialer{err: func(string) error { return errors.New("proxy said: unknown credential " + fakeToken) }}
	n := NewNgrok(NgrokConfig{AuthToken: fakeToken, Dialer: d}, testLogger(&logs))
	n.skipDiagnose = true
	if err := n.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, n, inState(Failed))
	n.Close()
	text := fmt.Sprintf("%s %s %v %s", st.Reason, st.Hint, st.Err, st)
	if strings.Contains(text, fakeToken) {
		t.Errorf("token in status: %s", text)
	}
	if !strings.Contains(text, redacted) {
		t.Errorf("expected the redaction marker in %q", text)
	}
	if strings.Contains(logs.String(), fakeToken) {
		t.Errorf("token in logs:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "ngrok tunnel failed") {
		t.Errorf("failure not logged:\n%s", logs.String())
	}
}

func TestNgrokStartTwiceAndAfterClose(t *testing.T) {
	n := NewNgrok(NgrokConfig{AuthToken: fakeToken, ConnectURL: "127.0.0.1:1"}, nil)
	if err := n.Start(context.Background(), nil); err == nil {
		t.Error("nil handler accepted")
	}
	if err := n.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background(), http.NotFoundHandler()); err == nil {
		t.Error("second Start accepted")
	}
	n.Close()
	if err := n.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	fresh := NewNgrok(NgrokConfig{AuthToken: fakeToken}, nil)
	fresh.Close()
	if err := fresh.Start(context.Background(), http.NotFoundHandler()); err == nil {
		t.Error("Start after Close accepted")
	}
}

// Cancelling Start's context stops the tunnel like Close does.
func TestNgrokContextCancelStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := NewNgrok(NgrokConfig{AuthToken: fakeToken, ConnectURL: "127.0.0.1:1"}, nil)
	if err := n.Start(ctx, http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, n, inState(Failed))
	cancel()
	st := waitFor(t, n, inState(Off))
	mustContain(t, "reason", st.Reason, "stopped")
	n.Close()
}

// TestNgrokLiveBogusToken talks to the real ngrok service with a made-up
// token; opt in with SCIMLAB_TEST_NGROK_NETWORK=1. Offline it shows how
// fast "no network" surfaces; online, that ngrok's refusal is put in words.
func TestNgrokLiveBogusToken(t *testing.T) {
	if os.Getenv("SCIMLAB_TEST_NGROK_NETWORK") != "1" {
		t.Skip("set SCIMLAB_TEST_NGROK_NETWORK=1 to contact ngrok")
	}
	var logs syncBuffer
	n := NewNgrok(NgrokConfig{AuthToken: fakeToken}, testLogger(&logs))
	start := time.Now()
	if err := n.Start(context.Background(), http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	st := waitFor(t, n, inState(Failed))
	t.Logf("failed after %s: reason=%q code=%q hint=%q err=%v", time.Since(start), st.Reason, st.Code, st.Hint, st.Err)
	if strings.Contains(logs.String(), fakeToken) {
		t.Error("token in logs")
	}
}
