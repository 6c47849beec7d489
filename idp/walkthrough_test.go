package idp

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// observe annotates ex (numbered seq) and feeds it to w.
func observe(c *Classifier, w *Walkthrough, seq int64, ex *exchange.Record) exchange.Annotation {
	ex.Seq = seq
	ex.Time = t0.Add(time.Duration(seq) * time.Second)
	ex.Annotation = c.Annotate(ex)
	w.Observe(ex)
	return ex.Annotation
}

func stepByID(t *testing.T, w *Walkthrough, id string) StepState {
	t.Helper()
	for _, s := range w.Steps() {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no step %q", id)
	return StepState{}
}

func TestWalkthroughConnectionFailsThenPasses(t *testing.T) {
	c, w := NewClassifier(), NewWalkthrough(exchange.Okta)
	if got := w.Steps()[0].Status; got != StatusCurrent {
		t.Fatalf("first step = %s, want current", got)
	}
	observe(c, w, 1, unauthorized(oktaTest, oktaUA, "Bearer [redacted]", exchange.AuthDoubleBearer, ""))
	conn := stepByID(t, w, "okta-connect")
	if conn.Status != StatusFailed || !strings.Contains(conn.Diagnosis, "the word Bearer was pasted") {
		t.Fatalf("after 401: %+v", conn)
	}
	if !strings.HasPrefix(conn.Seen, "#1 09:00:01 401: the word Bearer") {
		t.Errorf("seen = %q", conn.Seen)
	}
	if first := w.Steps()[0]; first.Status != StatusCurrent || !first.Manual {
		t.Errorf("manual first step = %+v", first)
	}

	observe(c, w, 2, req("GET", oktaTest, oktaUA, "", 200, emptyList))
	conn = stepByID(t, w, "okta-connect")
	if conn.Status != StatusDone || conn.Diagnosis != "" || conn.SeenSeq != 2 {
		t.Fatalf("after pass: %+v", conn)
	}
	if st := stepByID(t, w, "okta-app"); st.Status != StatusDone {
		t.Errorf("manual step before a done step = %s, want done", st.Status)
	}
	if st := stepByID(t, w, "okta-to-app"); st.Status != StatusCurrent {
		t.Errorf("next manual step = %s, want current", st.Status)
	}

	// A later failure does not undo a done step; the token rotated, so the step being
	// worked on turns red.
	rotated := unauthorized("/scim/v2/Users?filter=userName%20eq%20%22alice%40example.com%22&startIndex=1&count=100", oktaUA, "Bearer [redacted]", exchange.AuthPrevious, "")
	observe(c, w, 3, rotated)
	if st := stepByID(t, w, "okta-connect"); st.Status != StatusDone {
		t.Errorf("connection step = %s after a later 401", st.Status)
	}
	if st := stepByID(t, w, "okta-to-app"); st.Status != StatusFailed || !strings.Contains(st.Diagnosis, "rotated") {
		t.Errorf("current step after rotation 401 = %+v", st)
	}
}

func TestWalkthroughFailuresOfTheirOwnStep(t *testing.T) {
	c, w := NewClassifier(), NewWalkthrough(exchange.Entra)
	observe(c, w, 1, req("GET", "/scim/v2/Users?filter=userName+eq+%22alice%40example.com%22", "", "", 404, ""))
	if st := stepByID(t, w, "entra-provision-user"); st.Status != StatusFailed || !strings.Contains(st.Diagnosis, "200 with an empty list") {
		t.Fatalf("lookup 404: %+v", st)
	}
	observe(c, w, 2, req("POST", "/scim/v2/Users", "", `{"userName":"alice@example.com","meta":{"resourceType":"User"}}`, 201, userJSON("u1", "alice@example.com", true)))
	if st := stepByID(t, w, "entra-provision-user"); st.Status != StatusDone {
		t.Fatalf("after create: %+v", st)
	}
	// Manual steps before a done step are done; the connection step is not manual and
	// stays as it was.
	if st := stepByID(t, w, "entra-mappings"); st.Status != StatusDone {
		t.Errorf("mappings = %s", st.Status)
	}
	if st := stepByID(t, w, "entra-connect"); st.Status != StatusCurrent {
		t.Errorf("connect = %s, want current", st.Status)
	}
}

func TestWalkthroughDuplicateCreateTurnsRed(t *testing.T) {
	c, w := NewClassifier(), NewWalkthrough(exchange.Okta)
	c.Annotate(req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, userJSON("u1", "alice@example.com", true)))
	c.Annotate(req("GET", "/scim/v2/Users?filter=userName%20eq%20%22ALICE%40example.com%22&startIndex=1&count=100", oktaUA, "", 200, emptyList))
	observe(c, w, 3, req("POST", "/scim/v2/Users", oktaUA, `{"userName":"ALICE@example.com"}`, 201, userJSON("u2", "ALICE@example.com", true)))
	if st := stepByID(t, w, "okta-assign"); st.Status != StatusFailed || !strings.Contains(st.Diagnosis, "two accounts") {
		t.Errorf("assign = %+v", st)
	}
}

func TestWalkthroughIgnoresOtherIdPs(t *testing.T) {
	c, w := NewClassifier(), NewWalkthrough(exchange.Entra)
	okta := req("GET", oktaTest, oktaUA, "", 200, emptyList)
	okta.Annotation = c.Annotate(okta)
	if w.Observe(okta) {
		t.Error("Okta traffic changed an Entra walkthrough")
	}
	// A refused request of unknown origin can only be a wrong URL or token: it belongs
	// to the connection step.
	ex := req("GET", "/scim/v2/Users/u1", "", "", 401, "")
	ex.ReqHeaders.Del("Authorization")
	ex.Auth = exchange.AuthMissing
	ex.Annotation = NewClassifier().Annotate(ex)
	if !w.Observe(ex) {
		t.Fatal("a refused request of unknown origin was ignored")
	}
	if st := stepByID(t, w, "entra-connect"); st.Status != StatusFailed {
		t.Errorf("connect = %s", st.Status)
	}
}

// TestConcerns decides which events a walkthrough (and its narration) speaks of: its
// own IdP's, and refusals of unknown origin, which can only be a wrong URL or token.
func TestConcerns(t *testing.T) {
	c := NewClassifier()
	annotate := func(ex *exchange.Record) exchange.Annotation { return c.Annotate(ex) }
	oktaOK := annotate(req("GET", oktaTest, oktaUA, "", 200, emptyList))
	entraOK := annotate(req("GET", entraTest, "", "", 200, emptyList))
	unknownRefused := NewClassifier().Annotate(unauthorized("/scim/v2/Users/u1", "curl/8", "", exchange.AuthMissing, ""))
	unknownOK := NewClassifier().Annotate(req("GET", "/scim/v2/ServiceProviderConfig", "curl/8", "", 200, "{}"))
	tests := []struct {
		name string
		p    exchange.IdP
		a    exchange.Annotation
		want bool
	}{
		{"Okta traffic in the Okta walkthrough", exchange.Okta, oktaOK, true},
		{"Entra traffic in the Okta walkthrough", exchange.Okta, entraOK, false},
		{"Okta traffic in the Entra walkthrough", exchange.Entra, oktaOK, false},
		{"a refusal of unknown origin", exchange.Okta, unknownRefused, true},
		{"a success of unknown origin", exchange.Entra, unknownOK, false},
	}
	for _, tc := range tests {
		if got := Concerns(tc.p, tc.a); got != tc.want {
			t.Errorf("%s: Concerns = %v, want %v (annotation %+v)", tc.name, got, tc.want, tc.a)
		}
	}
}

// TestResetStartsTheStoryAfterTheLastExchange: a restarted rehearsal's narration starts
// after the newest exchange seen, whatever IdP sent it, and that survives a restart.
func TestResetStartsTheStoryAfterTheLastExchange(t *testing.T) {
	c, w := NewClassifier(), NewWalkthrough(exchange.Okta)
	observe(c, w, 1, req("GET", oktaTest, oktaUA, "", 200, emptyList))
	observe(c, w, 2, req("GET", entraTest, "", "", 200, emptyList))
	if w.After() != 0 {
		t.Fatalf("After = %d before any reset", w.After())
	}
	w.Reset()
	if w.After() != 2 {
		t.Fatalf("After = %d, want 2 (the newest exchange, an Entra one)", w.After())
	}
	if done, _ := w.Progress(); done != 0 {
		t.Errorf("%d steps done after Reset", done)
	}
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	var again Walkthrough
	if err := json.Unmarshal(b, &again); err != nil {
		t.Fatal(err)
	}
	if again.After() != 2 {
		t.Errorf("restored After = %d, want 2", again.After())
	}
	observe(c, &again, 3, req("GET", oktaTest, oktaUA, "", 200, emptyList))
	again.Reset()
	if again.After() != 3 {
		t.Errorf("After the second reset = %d, want 3", again.After())
	}
}

func TestWalkthroughSavedAndResumed(t *testing.T) {
	c, w := NewClassifier(), NewWalkthrough(exchange.Entra)
	observe(c, w, 1, req("GET", entraTest, "", "", 200, emptyList))
	observe(c, w, 2, req("GET", "/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales%22", "", "", 404, ""))
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "Instruction") || strings.Contains(string(b), "Tenant URL") {
		t.Errorf("saved state holds step texts: %s", b)
	}
	var back Walkthrough
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Steps(), w.Steps()) {
		t.Errorf("resumed steps differ:\n%+v\n%+v", back.Steps(), w.Steps())
	}
	if back.IdP() != exchange.Entra {
		t.Errorf("IdP = %q", back.IdP())
	}
	// Resuming keeps working: the group step recovers.
	observe(c, &back, 3, req("POST", "/scim/v2/Groups", "", `{"schemas":["http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"displayName":"Sales"}`, 201, groupJSON("g1", "Sales")))
	if st := stepByID(t, &back, "entra-group"); st.Status != StatusDone {
		t.Errorf("group step after resume = %+v", st)
	}

	// State from another version: unknown steps are dropped, missing ones stay pending.
	var old Walkthrough
	if err := json.Unmarshal([]byte(`{"version":1,"idp":"okta","steps":[{"id":"okta-retired","status":"done"},{"id":"okta-assign","status":"done","seen":"#4 x","seenSeq":4}]}`), &old); err != nil {
		t.Fatal(err)
	}
	if st := stepByID(t, &old, "okta-assign"); st.Status != StatusDone || st.SeenSeq != 4 {
		t.Errorf("restored step = %+v", st)
	}
	if done, total := old.Progress(); done != 1 || total != len(oktaSteps) {
		t.Errorf("progress = %d/%d", done, total)
	}
	if err := json.Unmarshal([]byte(`{"idp":"ping"}`), &old); err == nil {
		t.Error("no error for an IdP without a walkthrough")
	}
}

func TestWalkthroughNil(t *testing.T) {
	w := NewWalkthrough(exchange.Unknown)
	if w != nil {
		t.Fatal("walkthrough for an unknown IdP")
	}
	if w.Observe(&exchange.Record{}) || w.After() != 0 || w.Steps() != nil || w.IdP() != exchange.Unknown {
		t.Error("nil walkthrough not inert")
	}
	w.Reset()
	if b, err := json.Marshal(w); err != nil || string(b) != "null" {
		t.Errorf("marshal nil = %s, %v", b, err)
	}
}

func TestWalkthroughReset(t *testing.T) {
	c, w := NewClassifier(), NewWalkthrough(exchange.Okta)
	observe(c, w, 1, req("GET", oktaTest, oktaUA, "", 200, emptyList))
	w.Reset()
	if done, _ := w.Progress(); done != 0 {
		t.Errorf("done after reset = %d", done)
	}
}

// TestWalkthroughStepsAreReachable checks every step can be ticked by some step kind and
// every instruction names where to click.
func TestWalkthroughStepsAreReachable(t *testing.T) {
	for _, p := range []exchange.IdP{exchange.Okta, exchange.Entra} {
		seen := map[string]bool{}
		for _, d := range walkthroughSteps(p) {
			if seen[d.id] {
				t.Errorf("%s: duplicate step id %q", p, d.id)
			}
			seen[d.id] = true
			if d.title == "" || !strings.Contains(d.instruction, "→") {
				t.Errorf("%s: step %q lacks a title or a click path", p, d.id)
			}
		}
	}
}
