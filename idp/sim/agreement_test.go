package sim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp"
)

// wire records every request a run sends and the answer it gets, as scimlab's request
// log would, so the classifier can read the same exchanges the simulator reacted to.
type wire struct {
	mu   sync.Mutex
	recs []*exchange.Record
}

type capture struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *capture) WriteHeader(s int) { c.status = s; c.ResponseWriter.WriteHeader(s) }
func (c *capture) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}

func (w *wire) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		c := &capture{ResponseWriter: rw}
		next.ServeHTTP(c, r)
		w.mu.Lock()
		defer w.mu.Unlock()
		w.recs = append(w.recs, &exchange.Record{
			Seq: int64(len(w.recs) + 1), Time: time.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			UserAgent: r.UserAgent(), ReqHeaders: r.Header.Clone(), ReqBody: body, Status: c.status, RespBody: c.body.Bytes(),
			Auth: exchange.AuthOK,
		})
	})
}

// What the simulator says the real IdP does after a failure, and what package idp tells
// an admin who sees the same exchange from a real tenant, must agree: each case plays
// a lifecycle against scimlab with one kind of request answered badly, classifies the
// very exchanges the simulator sent, and looks for the same facts in the simulator's
// note and the classifier's hint.
func TestSimulatorAndClassifierAgreeOnWhatTheIdPDoesNext(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		match  func(*http.Request, []byte) bool
		status int
		note   string
		cause  exchange.Cause
		// not is a hint the classifier must not give.
		not exchange.Cause
		// facts appear in both the note and the hint.
		facts []string
	}{
		{"Okta, 409 to a create", Config{IdP: exchange.Okta}, is("POST", "/Users"), 409, NoteOktaStopped, idp.HintConflict, "",
			[]string{"Okta links instead of creating when its lookup (filter userName eq) finds the existing user", "then Retry"}},
		{"Okta, 500 to a profile push", Config{IdP: exchange.Okta}, is("PUT", "/Users/"), 500, NoteFailed, idp.HintServerError, "",
			[]string{idp.Consequence(exchange.Okta, 500)}},
		{"Okta, 400 to a profile push", Config{IdP: exchange.Okta}, is("PUT", "/Users/"), 400, NoteRefusedQuirk, idp.HintRejected, idp.HintStrictRejected,
			[]string{idp.Consequence(exchange.Okta, 400)}},
		{"Okta, a user gone", Config{IdP: exchange.Okta}, is("GET", "/Users/"), 404, NoteNotFound, idp.HintOktaUserGone, "",
			[]string{"does not search again or re-create"}},
		{"Okta, rate limited", Config{IdP: exchange.Okta, Sleep: (&sleeps{}).sleep}, is("POST", "/Users"), 429, NoteOktaGaveUp, idp.HintRateLimited, idp.HintRejected,
			[]string{"after the 10th attempt the task fails for good under Dashboard → Tasks"}},
		{"Entra, 404 to a lookup", Config{IdP: exchange.Entra}, isFilter("Users", "alice"), 404, NoteFilter404, idp.HintEntraFilter404, "",
			[]string{"Entra treats a 404 to a filter query as a failure"}},
		{"Entra, 404 to a PATCH by id", Config{IdP: exchange.Entra}, is("PATCH", "/Users/"), 404, NoteInvalidAnchor, idp.HintEntraInvalidAnchor, "",
			[]string{"InvalidAnchor", "does not re-create it", "Restart provisioning"}},
		{"Entra, 404 to a DELETE", Config{IdP: exchange.Entra}, is("DELETE", "/Users/"), 404, NoteFailed, idp.HintRejected, idp.HintEntraInvalidAnchor,
			[]string{idp.Consequence(exchange.Entra, 404)}},
		{"Entra, 409 to a create", Config{IdP: exchange.Entra}, is("POST", "/Users"), 409, NoteConflict, idp.HintConflict, "",
			[]string{"Entra logs Conflict (EntryConflict) in Provisioning logs and retries the user every cycle", idp.EntraMatches("user")}},
		{"Entra, 409 to a group create", Config{IdP: exchange.Entra}, is("POST", "/Groups"), 409, NoteConflict, idp.HintConflict, "",
			[]string{"retries the group every cycle", idp.EntraMatches("group")}},
		{"Entra, 500 to a PATCH", Config{IdP: exchange.Entra}, is("PATCH", "/Users/"), 500, NoteFailed, idp.HintServerError, "",
			[]string{idp.Consequence(exchange.Entra, 500)}},
		{"Entra, 429 to a PATCH", Config{IdP: exchange.Entra}, is("PATCH", "/Users/"), 429, NoteFailed, idp.HintRateLimited, idp.HintRejected,
			[]string{idp.Consequence(exchange.Entra, 429)}},
		{"Entra, 400 to a PATCH", Config{IdP: exchange.Entra}, is("PATCH", "/Users/"), 400, NoteRefusedQuirk, idp.HintRejected, idp.HintStrictRejected,
			[]string{"as SystemForCrossDomainIdentityManagementServiceIncompatible and retries the object in the next cycle"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w wire
			fail := intercept(tt.match, scimError(tt.status, fmt.Sprintf("answered %d on purpose", tt.status)))
			tt.cfg.Target = newServer(t, false, func(h http.Handler) http.Handler { return w.wrap(fail(h)) })
			tt.cfg.Token = testToken
			rep, err := Run(context.Background(), tt.cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			note, ok := firstNote(rep, tt.note)
			if !ok {
				t.Fatalf("no %s note:\n%s", tt.note, text(t, rep))
			}
			c := idp.NewClassifier()
			var hint *exchange.Hint
			var hints []exchange.Hint
			for _, r := range w.recs {
				a := c.Annotate(r)
				if r.Status != tt.status || hint != nil {
					continue
				}
				hints = a.Hints
				for i := range a.Hints {
					if a.Hints[i].Cause == tt.cause {
						hint = &a.Hints[i]
					}
				}
				if tt.not != "" && hasCause(a.Hints, tt.not) {
					t.Errorf("the classifier also says %s: %+v", tt.not, a.Hints)
				}
			}
			if hint == nil {
				t.Fatalf("the classifier gave no %s hint to the first %d; it said %+v", tt.cause, tt.status, hints)
			}
			for _, f := range tt.facts {
				if !strings.Contains(note, f) {
					t.Errorf("the simulator's note lacks %q:\n%s", f, note)
				}
				if !strings.Contains(hint.Text, f) {
					t.Errorf("the classifier's hint lacks %q:\n%s", f, hint.Text)
				}
			}
		})
	}
}

// firstNote joins the notes of the first outcome that carries a note with code.
func firstNote(rep *Report, code string) (string, bool) {
	for _, s := range rep.Steps {
		for _, o := range s.Outcomes {
			if hasCode(o, code) {
				return notesOf(o), true
			}
		}
	}
	return "", false
}

func hasCause(hs []exchange.Hint, c exchange.Cause) bool {
	for _, h := range hs {
		if h.Cause == c {
			return true
		}
	}
	return false
}
