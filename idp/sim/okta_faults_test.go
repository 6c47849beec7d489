package sim

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// rateLimited answers 429 to the first n requests m matches, with Retry-After h
// (none when empty), and lets the rest through.
func rateLimited(n int, h string, m func(*http.Request, []byte) bool) func(http.Handler) http.Handler {
	count := 0
	return intercept(func(r *http.Request, b []byte) bool {
		if !m(r, b) {
			return false
		}
		count++
		return count <= n
	}, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ http.Handler) {
		if h != "" {
			w.Header().Set("Retry-After", h)
		}
		w.WriteHeader(http.StatusTooManyRequests)
	})
}

const oneUser = `
idp: %s
users:
  - {userName: alice@example.com, givenName: Alice, familyName: Archer}
steps:
  - do: assign
    user: alice
`

// TestOktaHonoursRetryAfter: Okta waits Retry-After (integer seconds) or five
// minutes, doubles with each further 429, and gives up after the 10th attempt.
// Entra has no such retry: it logs TooManyRequests and moves on.
func TestOktaHonoursRetryAfter(t *testing.T) {
	minute := time.Minute
	tests := []struct {
		name      string
		idp       exchange.IdP
		limited   int
		header    string
		waits     []time.Duration
		status    string
		code      string
		attempts  int
		wantInLog string
	}{
		{"Retry-After twice", exchange.Okta, 2, "2", []time.Duration{2 * time.Second, 4 * time.Second}, StatusPassed, NoteOktaRetried, 3, "waited 2s, then 4s"},
		{"Retry-After grows past the doubling", exchange.Okta, 2, "30", []time.Duration{30 * time.Second, 60 * time.Second}, StatusPassed, NoteOktaRetried, 3, "Attempt 3 was answered 201"},
		{"no Retry-After", exchange.Okta, 1, "", []time.Duration{5 * minute}, StatusPassed, NoteOktaRetried, 2, "waited 5m0s"},
		{"an HTTP date is not understood", exchange.Okta, 1, "Wed, 21 Oct 2026 07:28:00 GMT", []time.Duration{5 * minute}, StatusPassed, NoteOktaRetried, 2, "5m0s"},
		{"ten 429s", exchange.Okta, 100, "1", []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256}, StatusFailed, NoteOktaGaveUp, 10, "gave up after the 10th attempt"},
		{"Entra does not retry", exchange.Entra, 1, "1", nil, StatusFailed, NoteFailed, 1, "TooManyRequests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "ten 429s" {
				for i := range tt.waits {
					tt.waits[i] *= time.Second
				}
			}
			target := newServer(t, false, rateLimited(tt.limited, tt.header, is(http.MethodPost, "/Users")))
			var s sleeps
			rep := play(t, Config{IdP: tt.idp, Target: target, Scenario: writeScenario(t, "one.yaml", strings.Replace(oneUser, "%s", string(tt.idp), 1)), Sleep: s.sleep})
			o := outcome(t, rep.Steps[0], "alice")
			got := s.all()
			if len(got) != len(tt.waits) {
				t.Fatalf("waits %v, want %v\n%s", got, tt.waits, text(t, rep))
			}
			for i := range got {
				if got[i] != tt.waits[i] {
					t.Errorf("wait %d = %v, want %v", i+1, got[i], tt.waits[i])
				}
			}
			last := o.Exchanges[len(o.Exchanges)-1]
			if o.Status != tt.status || !hasCode(o, tt.code) || last.Attempt != tt.attempts || !strings.Contains(notesOf(o), tt.wantInLog) {
				t.Errorf("status %s, attempt %d, want %s after %d attempts with %s %q:\n%s", o.Status, last.Attempt, tt.status, tt.attempts, tt.code, tt.wantInLog, notesOf(o))
			}
			if tt.limited == 0 && hasCode(o, NoteOktaRetried) {
				t.Errorf("no 429, yet a retry was noted")
			}
		})
	}
}

// TestOktaWithoutRateLimitNotesNoRetry is the other side of the retry note.
func TestOktaWithoutRateLimitNotesNoRetry(t *testing.T) {
	var s sleeps
	rep := play(t, Config{IdP: exchange.Okta, Target: newServer(t, false, nil), Scenario: writeScenario(t, "one.yaml", strings.Replace(oneUser, "%s", "okta", 1)), Sleep: s.sleep})
	if o := outcome(t, rep.Steps[0], "alice"); hasCode(o, NoteOktaRetried) || len(s.all()) != 0 || len(o.Exchanges) != 2 {
		t.Errorf("a plain create must not retry or wait: %v\n%s", s.all(), notesOf(o))
	}
}

// TestOktaStopsAUserOn409: a 409 to bob's create stops Okta for bob only.
func TestOktaStopsAUserOn409(t *testing.T) {
	target := newServer(t, false, intercept(bodyHas(http.MethodPost, "/Users", "bob@example.com"), scimError(http.StatusConflict, "userName is taken")))
	rep := play(t, Config{IdP: exchange.Okta, Target: target})
	out := text(t, rep)
	assign := stepNamed(t, rep, StepAssign, "2 users")
	bob, alice := outcome(t, assign, "bob"), outcome(t, assign, "alice")
	if bob.Status != StatusFailed || !hasCode(bob, NoteConflict) || !hasCode(bob, NoteOktaStopped) ||
		!strings.Contains(notesOf(bob), "Okta marks the assignment failed and stops") || !strings.Contains(notesOf(bob), "userName is taken") {
		t.Fatalf("bob's 409: want Okta's stop:\n%s", out)
	}
	if alice.Status != StatusPassed || hasCode(alice, NoteConflict) {
		t.Errorf("alice must be created normally:\n%s", out)
	}
	for _, title := range []string{"deactivate bob", "reactivate bob"} {
		o := outcome(t, stepNamed(t, rep, "", title), "bob")
		if o.Status != StatusSkipped || len(o.Exchanges) != 0 || !strings.Contains(notesOf(o), "Okta stopped provisioning bob@example.com at step 4") {
			t.Errorf("%s after the 409: want skipped, nothing sent:\n%s", title, notesOf(o))
		}
	}
	if s := stepNamed(t, rep, StepUpdateUser, "alice"); s.Status != StatusPassed {
		t.Errorf("alice's update must go on: %s", s.Status)
	}
	if rep.ExitCode() != ExitFailed || ExitStatus(rep, nil) != ExitFailed {
		t.Errorf("exit code %d, want 1", rep.ExitCode())
	}
}

// TestOktaLookupAnswers covers what Okta makes of its existence check.
func TestOktaLookupAnswers(t *testing.T) {
	emptyList := func(w http.ResponseWriter, _ *http.Request, _ []byte, _ http.Handler) {
		w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}`))
	}
	ignoreFilter := func(w http.ResponseWriter, r *http.Request, _ []byte, next http.Handler) {
		q := r.URL.Query()
		q.Del("filter")
		r.URL.RawQuery = q.Encode()
		next.ServeHTTP(w, r)
	}
	tests := []struct {
		name  string
		wrap  func(http.Handler) http.Handler
		step  string
		user  string
		code  string // "" : the target passes without a note
		want  string
		fails bool
	}{
		{"404 means not found", intercept(isFilter("Users", "alice"), scimError(http.StatusNotFound, "")), "assign 2 users", "alice", "", "", false},
		{"an inactive user the filter hides", intercept(nth(2, isFilter("Users", "bob")), emptyList), "reactivate bob", "bob", NoteDuplicateCreate, "Okta would create a duplicate: the userName lookup for \"bob@example.com\" returned 0 results", true},
		{"a filter the server ignores", intercept(isFilter("Users", "bob"), ignoreFilter), "assign 2 users", "bob", NoteWrongMatch, "Okta would link the first one it got", true},
		{"startIndex as a string", intercept(is(http.MethodGet, "/Users"), edited(func(s int, b []byte) (int, []byte) {
			return s, []byte(strings.Replace(string(b), `"startIndex":1`, `"startIndex":"1"`, 1))
		})), "test connection", "", NoteListTypes, `startIndex is "1"`, true},
		{"a create answered without id", intercept(bodyHas(http.MethodPost, "/Users", "alice@"), func(w http.ResponseWriter, _ *http.Request, _ []byte, _ http.Handler) {
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{}`))
		}), "assign 2 users", "alice", NoteNoID, "Create new user returned empty user", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := play(t, Config{IdP: exchange.Okta, Target: newServer(t, false, tt.wrap)})
			out := text(t, rep)
			s := stepNamed(t, rep, "", tt.step)
			o := outcome(t, s, tt.user)
			if tt.code == "" {
				if o.Status != StatusPassed || len(o.Notes) != 0 {
					t.Fatalf("want %s passed without notes:\n%s", tt.user, out)
				}
				return
			}
			if !hasCode(o, tt.code) || !strings.Contains(notesOf(o), tt.want) || (o.Status == StatusFailed) != tt.fails {
				t.Fatalf("want %s with %q on %q, failed=%v:\n%s", tt.code, tt.want, tt.step, tt.fails, out)
			}
		})
	}
}

// TestNoAnswer: unreachable and slow servers, and a refused token.
func TestNoAnswer(t *testing.T) {
	slow := intercept(is(http.MethodGet, "/Users"), func(w http.ResponseWriter, r *http.Request, _ []byte, _ http.Handler) {
		<-r.Context().Done()
	})
	tests := []struct {
		name   string
		idp    exchange.IdP
		target string
		token  string
		code   string
		want   string
	}{
		{"slow Okta", exchange.Okta, newServer(t, false, slow), testToken, NoteTimeout, "No answer (no answer within 200ms): Okta closes the socket"},
		{"slow Entra", exchange.Entra, newServer(t, false, slow), testToken, NoteTimeout, "as Timeout and retries the object in the next cycle, about 40 minutes later"},
		{"nobody listening", exchange.Okta, "http://127.0.0.1:1/scim/v2", testToken, NoteTimeout, "cannot connect"},
		{"wrong token, Okta", exchange.Okta, newServer(t, false, nil), "not-the-token-at-all", NoteUnauthorized, "Test Connector Configuration fails"},
		{"wrong token, Entra", exchange.Entra, newServer(t, false, nil), "not-the-token-at-all", NoteUnauthorized, "Entra logs Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Run(context.Background(), Config{IdP: tt.idp, Target: tt.target, Token: tt.token, Timeout: 200 * time.Millisecond}, nil)
			if err != nil {
				t.Fatal(err)
			}
			out := text(t, rep)
			o := rep.Steps[0].Outcomes[0]
			if !hasCode(o, tt.code) || !strings.Contains(notesOf(o), tt.want) {
				t.Fatalf("want %s %q:\n%s", tt.code, tt.want, out)
			}
			if rep.Steps[1].Status != StatusNotRun || rep.ExitCode() != ExitFailed {
				t.Errorf("after a failed test connection nothing more runs, exit 1:\n%s", out)
			}
			if strings.Contains(out, tt.token) {
				t.Errorf("the token appears in the report")
			}
		})
	}
}

// TestOktaLinksAUserItFinds: assigning a user the server already holds links it.
func TestOktaLinksAUserItFinds(t *testing.T) {
	file := writeScenario(t, "twice.yaml", strings.Replace(oneUser, "%s", "okta", 1)+"  - do: assign\n    user: alice\n")
	rep := play(t, Config{IdP: exchange.Okta, Target: newServer(t, false, nil), Scenario: file})
	first, again := outcome(t, rep.Steps[0], "alice"), outcome(t, rep.Steps[1], "alice")
	if hasCode(first, NoteLinked) || len(first.Exchanges) != 2 {
		t.Errorf("the first assignment creates alice:\n%s", notesOf(first))
	}
	if !hasCode(again, NoteLinked) || hasCode(again, NoteReactivateMatch) || len(again.Exchanges) != 1 || again.Status != StatusPassed {
		t.Errorf("the second assignment must link the active alice with one lookup and no create:\n%s", text(t, rep))
	}
}

// TestOktaPushFailsWhenItsIDIsGone: the app deleted alice; Okta's next profile push
// reads her id, gets 404, fails the task and neither searches again nor re-creates.
func TestOktaPushFailsWhenItsIDIsGone(t *testing.T) {
	file := writeScenario(t, "gone.yaml", strings.Replace(oneUser, "%s", "okta", 1)+"  - do: update-user\n    user: alice\n    set: {title: Lead}\n")
	gone := intercept(is(http.MethodGet, "/Users/"), scimError(http.StatusNotFound, "no such user"))
	for _, deleted := range []bool{false, true} {
		var wrap func(http.Handler) http.Handler
		if deleted {
			wrap = gone
		}
		rep := play(t, Config{IdP: exchange.Okta, Target: newServer(t, false, wrap), Scenario: file})
		o := outcome(t, rep.Steps[1], "alice")
		if got := hasCode(o, NoteNotFound); got != deleted {
			t.Fatalf("deleted=%v: not-found noted = %v:\n%s", deleted, got, text(t, rep))
		}
		if !deleted {
			continue
		}
		if o.Status != StatusFailed || len(o.Exchanges) != 1 || !strings.Contains(notesOf(o), "does not search again or re-create") {
			t.Errorf("want one failed GET and no lookup or create after it:\n%s", text(t, rep))
		}
	}
}
