package sim

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// intercept wraps a server: for requests match accepts, answer writes the reply
// (it may call next for the real one); the rest pass through. The request body is
// read once and handed to both.
func intercept(match func(r *http.Request, body []byte) bool, answer func(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if match(r, body) {
				answer(w, r, body, next)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// scimError answers a SCIM error with status and detail (no detail when empty).
func scimError(status int, detail string) func(http.ResponseWriter, *http.Request, []byte, http.Handler) {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte, _ http.Handler) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(status)
		if detail != "" {
			w.Write(mustJSON(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"}, "status": strconv.Itoa(status), "detail": detail}))
		}
	}
}

// edited passes the request to the real server and lets edit rewrite the answer.
func edited(edit func(status int, body []byte) (int, []byte)) func(http.ResponseWriter, *http.Request, []byte, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, _ []byte, next http.Handler) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		status, body := edit(rec.Code, rec.Body.Bytes())
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(status)
		w.Write(body)
	}
}

func is(method, pathPart string) func(*http.Request, []byte) bool {
	return func(r *http.Request, _ []byte) bool {
		return r.Method == method && strings.Contains(r.URL.Path, pathPart)
	}
}

func isFilter(resource, value string) func(*http.Request, []byte) bool {
	return func(r *http.Request, _ []byte) bool {
		return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/"+resource) && strings.Contains(r.URL.Query().Get("filter"), value)
	}
}

func bodyHas(method, pathPart, part string) func(*http.Request, []byte) bool {
	return func(r *http.Request, body []byte) bool {
		return r.Method == method && strings.Contains(r.URL.Path, pathPart) && bytes.Contains(body, []byte(part))
	}
}

// nth matches the n-th request (from 1) that m matches, and only that one.
func nth(n int, m func(*http.Request, []byte) bool) func(*http.Request, []byte) bool {
	var mu sync.Mutex
	seen := 0
	return func(r *http.Request, b []byte) bool {
		if !m(r, b) {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		seen++
		return seen == n
	}
}

// writeScenario writes a scenario to a temporary file and returns its path.
func writeScenario(t testing.TB, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// outcome returns the outcome for target in a step.
func outcome(t *testing.T, s *StepResult, target string) Outcome {
	t.Helper()
	for _, o := range s.Outcomes {
		if o.Target == target {
			return o
		}
	}
	t.Fatalf("step %q has no outcome for %s", s.Title, target)
	return Outcome{}
}

func notesOf(o Outcome) string {
	var b strings.Builder
	for _, n := range o.Notes {
		b.WriteString(n.Code + ": " + n.Text + "\n")
	}
	return b.String()
}

func hasCode(o Outcome, code string) bool { return hasNote(o.Notes, code) }
