package tunnel

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitFor reads updates until one satisfies ok. The limit only keeps a
// broken test from hanging; it is not a performance claim.
func waitFor(t *testing.T, tun Tunnel, ok func(Status) bool) Status {
	t.Helper()
	if st := tun.Status(); ok(st) {
		return st
	}
	limit := time.After(20 * time.Second)
	for {
		select {
		case st, open := <-tun.Updates():
			if !open {
				t.Fatalf("updates closed before the expected status; last: %+v", tun.Status())
			}
			if ok(st) {
				return st
			}
		case <-limit:
			t.Fatalf("expected status never came; last: %+v", tun.Status())
		}
	}
}

func inState(s State) func(Status) bool { return func(st Status) bool { return st.State == s } }

// get fetches url and returns the body.
func get(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return string(b)
}

// checkNoLeak waits until no goroutine of this package or of the ngrok
// library is left, other than the test's own. The library's retry
// goroutine sleeps out its back-off (500 ms) before it sees its session
// closed, so this polls instead of looking once.
func checkNoLeak(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := ourGoroutines()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left behind:\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ourGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var left []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "tunnel.checkNoLeak") {
			continue
		}
		if strings.Contains(g, "golang.ngrok.com/") || strings.Contains(g, "scimlab/scimlab/tunnel.") {
			left = append(left, g)
		}
	}
	return left
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s = %q, want it to contain %q", what, got, w)
		}
	}
}
