package sim

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
)

const testToken = "sim-test-token-0123456789"

// newServer starts a real scimlab server over a real SQLite file on a real socket and
// returns its SCIM base URL. wrap, when not nil, stands in front of it, to play a
// server that refuses or answers something scimlab would not.
func newServer(t testing.TB, strict bool, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	url, _ := newServerDB(t, strict, wrap)
	return url
}

// newServerDB is newServer that also returns the server's store, whose request log
// tells what the server made of each request.
func newServerDB(t testing.TB, strict bool, wrap func(http.Handler) http.Handler) (string, *store.DB) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "scimlab.db"))
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	srv := scimserver.New(scimserver.Config{Token: testToken, Strict: strict}, db, slog.New(slog.DiscardHandler))
	var h http.Handler = srv.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	hs := httptest.NewUnstartedServer(h)
	hs.Config.ConnContext = scimserver.ConnContext
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		db.Close()
	})
	return hs.URL + scimserver.BasePath, db
}

// sleeps records the waits a run asks for instead of waiting.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// play runs cfg against target with the test token, failing the test on an error.
func play(t *testing.T, cfg Config) *Report {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = testToken
	}
	rep, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

// text renders a report without colour.
func text(t *testing.T, rep *Report) string {
	t.Helper()
	var b strings.Builder
	if err := rep.WriteText(&b, false); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// notes lists every note code in a report, step by step.
func noteCodes(rep *Report) map[string]int {
	out := map[string]int{}
	for _, s := range rep.Steps {
		for _, n := range s.Notes {
			out[n.Code]++
		}
		for _, o := range s.Outcomes {
			for _, n := range o.Notes {
				out[n.Code]++
			}
		}
	}
	return out
}

// stepNamed returns the first step of a kind whose title contains part.
func stepNamed(t *testing.T, rep *Report, kind StepKind, part string) *StepResult {
	t.Helper()
	for _, s := range rep.Steps {
		if (kind == "" || s.Do == kind) && strings.Contains(s.Title, part) {
			return s
		}
	}
	t.Fatalf("no %s step titled like %q", kind, part)
	return nil
}

// allNotes joins every note text of a step.
func allNotes(s *StepResult) string {
	var b strings.Builder
	for _, n := range s.Notes {
		b.WriteString(n.Text + "\n")
	}
	for _, o := range s.Outcomes {
		for _, n := range o.Notes {
			b.WriteString(n.Text + "\n")
		}
	}
	return b.String()
}
