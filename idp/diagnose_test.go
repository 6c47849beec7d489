package idp

import (
	"strings"
	"testing"
	"time"
)

// unauthorized builds a refused request with the given (redacted) Authorization header.
func unauthorized(target, ua, authz, auth, detail string) Exchange {
	ex := req("GET", target, ua, "", 401, `{"status":"401","detail":"unauthorized"}`)
	ex.Header.Del("Authorization")
	if authz != "" {
		ex.Header.Set("Authorization", authz)
	}
	ex.Auth, ex.ErrorDetail = auth, detail
	return ex
}

const (
	oktaTest  = "/scim/v2/Users?startIndex=1&count=2"
	entraTest = "/scim/v2/Users?filter=userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22"
)

// TestDiagnostics has one case per diagnostic a single exchange can trigger.
func TestDiagnostics(t *testing.T) {
	with := func(ex Exchange, f func(*Exchange)) Exchange { f(&ex); return ex }
	tests := []struct {
		name     string
		prior    []Exchange
		names    Names
		ex       Exchange
		step     StepKind
		code     string
		severity string
		failed   bool
		summary  string
		text     string // a substring of the hint's text
	}{
		{name: "401 without header", ex: unauthorized(oktaTest, oktaUA, "", "missing", ""),
			step: StepAuthFailure, code: HintAuthMissing, severity: SeverityError, failed: true,
			summary: "401: Okta sent no Authorization header", text: "Authentication Mode \"HTTP Header\""},
		{name: "401 Entra without header blames a proxy", ex: unauthorized(entraTest, "", "", "missing", ""),
			step: StepAuthFailure, code: HintAuthMissing, severity: SeverityError, failed: true, text: "proxy or firewall"},
		{name: "401 Basic scheme", ex: unauthorized(oktaTest, oktaUA, "Basic [redacted]", "scheme", ""),
			step: StepAuthFailure, code: HintAuthScheme, severity: SeverityError, failed: true,
			summary: "401: Okta used Basic authentication, not a bearer token", text: "switch Authentication Mode to HTTP Header"},
		{name: "401 bare token without Bearer", ex: unauthorized(oktaTest, oktaUA, "[redacted]", "scheme", "the Authorization header has no scheme"),
			step: StepAuthFailure, code: HintAuthNoScheme, severity: SeverityError, failed: true, text: "Header Auth"},
		{name: "401 two Authorization headers", ex: unauthorized(oktaTest, oktaUA, "Bearer [redacted]", "scheme", "the request has more than one Authorization header"),
			step: StepAuthFailure, code: HintAuthScheme, severity: SeverityError, failed: true, text: "several Authorization headers"},
		{name: "401 Bearer Bearer seen in the header", ex: unauthorized(oktaTest, oktaUA, "Bearer Bearer [redacted]", "bad-token", ""),
			step: StepAuthFailure, code: HintAuthDoubleBearer, severity: SeverityError, failed: true,
			summary: "401: the word Bearer was pasted into Okta's token field", text: "Paste only the token"},
		{name: "401 Bearer Bearer told by the server", ex: unauthorized(entraTest, "", "Bearer [redacted]", "bad-token", `the Authorization header says "Bearer" twice: the word Bearer was pasted`),
			step: StepAuthFailure, code: HintAuthDoubleBearer, severity: SeverityError, failed: true,
			summary: "401: the word Bearer was pasted into Entra's Secret Token field", text: "Secret Token"},
		{name: "401 empty token", ex: unauthorized(oktaTest, oktaUA, "Bearer", "bad-token", ""),
			step: StepAuthFailure, code: HintAuthEmptyToken, severity: SeverityError, failed: true, summary: "401: Okta's token field is empty"},
		{name: "401 previous token after rotation", ex: with(unauthorized(oktaTest, oktaUA, "Bearer [redacted]", "bad-token", ""), func(e *Exchange) { e.PreviousTokenUsed = true }),
			step: StepAuthFailure, code: HintAuthOldToken, severity: SeverityError, failed: true,
			summary: "401: Okta still sends the token from before the rotation", text: "rotated"},
		{name: "401 previous token told by the server", ex: unauthorized(entraTest, "", "Bearer [redacted]", "bad-token", "this is scimlab's previous token, which was replaced"),
			step: StepAuthFailure, code: HintAuthOldToken, severity: SeverityError, failed: true},
		{name: "401 token that matches none (Okta)", ex: unauthorized(oktaTest, oktaUA, "Bearer [redacted]", "bad-token", ""),
			step: StepAuthFailure, code: HintAuthBadToken, severity: SeverityError, failed: true,
			summary: "401: the token pasted in Okta does not match", text: "Test Connector Configuration"},
		{name: "401 token that matches none (Entra)", ex: unauthorized(entraTest, "", "Bearer [redacted]", "bad-token", ""),
			step: StepAuthFailure, code: HintAuthBadToken, severity: SeverityError, failed: true,
			summary: "401: the Secret Token pasted in Entra does not match", text: "Admin Credentials"},
		{name: "401 quoted token", ex: unauthorized(oktaTest, oktaUA, "Bearer [redacted]", "bad-token", "the token was sent inside quotes"),
			step: StepAuthFailure, code: HintAuthBadToken, severity: SeverityError, failed: true, text: "quotation marks"},
		{name: "401 Entra's own JWT", ex: unauthorized(entraTest, "", "Bearer eyJ[redacted]", "bad-token", ""),
			step: StepAuthFailure, code: HintAuthEntraJWT, severity: SeverityError, failed: true, text: "Secret Token is left blank"},
		{name: "Okta spec test expects 401", ex: unauthorized("/scim/v2/Users?filter=userName%20eq%20%22X%22", "OKTA SCIM Integration", "[redacted]", "scheme", ""),
			step: StepAuthFailure, code: HintSpecTest, severity: SeverityInfo, failed: false},

		{name: "path without /scim/v2 (Okta)", ex: req("GET", "/Users?startIndex=1&count=2", oktaUA, "", 404, ""),
			step: StepWrongPath, code: HintPathMissingBase, severity: SeverityError, failed: true,
			summary: "Okta sent GET /Users: not a SCIM path (404)", text: "In Okta, SCIM connector base URL (SCIM 2.0 Base URL in catalog apps) must end with /scim/v2"},
		{name: "path /scim without /v2 (Entra)", ex: req("GET", "/scim/Users?filter=userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22", "", "", 404, ""),
			step: StepWrongPath, code: HintPathMissingBase, severity: SeverityError, failed: true, text: "In Entra, Tenant URL must be .../scim/v2"},
		{name: "path with /scim/v2 twice", ex: req("POST", "/scim/v2/scim/v2/Users", oktaUA, `{"userName":"a"}`, 404, ""),
			step: StepWrongPath, code: HintPathDoubledBase, severity: SeverityError, failed: true, text: "twice"},
		{name: "path with trailing garbage after the base", ex: req("GET", "/scim/v2/x7/Users", oktaUA, "", 404, ""),
			step: StepWrongPath, code: HintPathExtraText, severity: SeverityError, failed: true, text: `after /scim/v2 ("/x7")`},
		{name: "path with text before the base", ex: req("GET", "/api/scim/v2/Users", oktaUA, "", 404, ""),
			step: StepWrongPath, code: HintPathExtraText, severity: SeverityError, failed: true, text: `before /scim/v2 ("/api")`},
		{name: "path in the wrong case", ex: req("GET", "/SCIM/V2/Users", oktaUA, "", 404, ""),
			step: StepWrongPath, code: HintPathExtraText, severity: SeverityError, failed: true, text: "case-sensitive"},
		{name: "endpoint in the wrong case", ex: req("GET", "/scim/v2/users", oktaUA, "", 404, ""),
			step: StepWrongPath, code: HintPathExtraText, severity: SeverityError, failed: true, text: `spelled "users"`},
		{name: "other path prefix", ex: req("GET", "/v2/Users", "", "", 404, ""),
			step: StepWrongPath, code: HintPathMissingBase, severity: SeverityError, failed: true, text: "Give the client"},
		{name: "segments after the id", ex: req("GET", "/scim/v2/Users/u1/groups", oktaUA, "", 404, ""),
			step: StepWrongPath, code: HintPathUnknown, severity: SeverityWarn, failed: true},
		{name: "no SCIM endpoint at all", ex: req("GET", "/favicon.ico", "Mozilla/5.0", "", 404, ""),
			step: StepOther, code: HintPathUnknown, severity: SeverityInfo, failed: true},
		{name: "wrong path and a wrong token", ex: unauthorized("/Users?startIndex=1&count=2", oktaUA, "Bearer [redacted]", "bad-token", ""),
			step: StepAuthFailure, code: HintPathMissingBase, severity: SeverityError, failed: true},

		{name: "lookup misses a known user (case)", prior: []Exchange{
			req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, userJSON("u1", "alice@example.com", true))},
			ex:   req("GET", "/scim/v2/Users?filter=userName%20eq%20%22Alice%40Example.com%22&startIndex=1&count=100", oktaUA, "", 200, emptyList),
			step: StepUserLookup, code: HintLookupMissedKnown, severity: SeverityWarn, text: "differs only in case"},
		{name: "lookup misses a known externalId", prior: []Exchange{
			req("POST", "/scim/v2/Users", entraUA, `{"userName":"alice@example.com","externalId":"alice"}`, 201, `{"id":"u1","userName":"alice@example.com","externalId":"alice"}`)},
			ex:   req("GET", "/scim/v2/Users?filter=externalId+eq+%22alice%22", entraUA, "", 200, emptyList),
			step: StepUserLookup, code: HintLookupMissedKnown, severity: SeverityWarn, text: "two accounts for one person"},
		{name: "create after a lookup that missed a known user", prior: []Exchange{
			req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, userJSON("u1", "alice@example.com", true)),
			req("GET", "/scim/v2/Users?filter=userName%20eq%20%22ALICE%40example.com%22&startIndex=1&count=100", oktaUA, "", 200, emptyList)},
			ex:   req("POST", "/scim/v2/Users", oktaUA, `{"userName":"ALICE@example.com"}`, 201, userJSON("u2", "ALICE@example.com", true)),
			step: StepCreateUser, code: HintDuplicateRisk, severity: SeverityError, text: "missed user alice@example.com (id u1)"},
		{name: "create with the externalId of a user under another userName", prior: []Exchange{
			req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com","externalId":"00u1a2b3c4d5e6f7g8h9"}`, 201, `{"id":"u1","userName":"alice@example.com","externalId":"00u1a2b3c4d5e6f7g8h9"}`)},
			ex:   req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice.archer@example.com","externalId":"00u1a2b3c4d5e6f7g8h9"}`, 201, userJSON("u2", "alice.archer@example.com", true)),
			step: StepCreateUser, code: HintDuplicateRisk, severity: SeverityWarn, text: "same externalId 00u1a2b3c4d5e6f7g8h9"},
		{name: "Okta looks users up by email", ex: req("GET", "/scim/v2/Users?filter=email%20eq%20%22a%40b.c%22&startIndex=1&count=100", oktaUA, "", 200, emptyList),
			step: StepUserLookup, code: HintOktaUniqueID, severity: SeverityWarn, text: "Unique identifier field for users"},
		{name: "Entra probe answered 404", ex: req("GET", entraTest, "", "", 404, `{"status":"404","detail":"not found"}`),
			step: StepTestConnection, code: HintEntraFilter404, severity: SeverityError, failed: true,
			summary: "Entra test connection: failed (404 not found)", text: "Test Connection fails"},
		{name: "Entra lookup answered 404", ex: req("GET", "/scim/v2/Users?filter=userName+eq+%22alice%40example.com%22", entraUA, "", 404, ""),
			step: StepUserLookup, code: HintEntraFilter404, severity: SeverityError, failed: true},
		{name: "Okta reads a vanished user", ex: req("GET", "/scim/v2/Users/u1", oktaUA, "", 404, ""),
			step: StepUserLookup, code: HintOktaUserGone, severity: SeverityError, failed: true, text: "does not search again"},
		{name: "409 on create (Okta)", ex: with(req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 409, ""), func(e *Exchange) { e.ErrorDetail = "userName already exists" }),
			step: StepCreateUser, code: HintConflict, severity: SeverityWarn, failed: true,
			summary: "Okta could not create user alice@example.com: 409 userName already exists", text: "Dashboard → Tasks"},
		{name: "409 on group create (Entra)", ex: req("POST", "/scim/v2/Groups", entraUA, `{"displayName":"Sales"}`, 409, ""),
			step: StepCreateGroup, code: HintConflict, severity: SeverityWarn, failed: true, text: "Matching attributes"},
		{name: "500", ex: req("PATCH", "/scim/v2/Users/u1", entraUA, patchJSON(`{"op":"Replace","path":"title","value":"x"}`), 500, ""),
			step: StepUpdateUser, code: HintServerError, severity: SeverityError, failed: true, text: "quarantines"},
		{name: "no status at all counts as 500", ex: req("POST", "/scim/v2/Users", oktaUA, `{"userName":"a"}`, 0, ""),
			step: StepCreateUser, code: HintServerError, severity: SeverityError, failed: true},
		{name: "strict mode refuses a quirk", ex: with(req("PATCH", "/scim/v2/Users/u1", "", patchJSON(`{"op":"Replace","path":"active","value":"False"}`), 400, ""),
			func(e *Exchange) { e.Quirks = []string{"capitalised-op", "string-boolean"} }),
			step: StepDeactivateUser, code: HintStrictRejected, severity: SeverityWarn, failed: true, text: "the PATCH op was capitalised"},
		{name: "strict refusal names the refused quirk, not the missing User-Agent", ex: with(req("PATCH", "/scim/v2/Users/u1", "", patchJSON(`{"op":"Replace","path":"title","value":"x"}`), 400, ""),
			func(e *Exchange) { e.Quirks = []string{"capitalised-op", "missing-user-agent"} }),
			step: StepUpdateUser, code: HintStrictRejected, severity: SeverityWarn, failed: true,
			text: `Microsoft Entra ID really sends: the PATCH op was capitalised ("Replace" instead of "replace") (a strict server answers 400 invalidSyntax: op must be add, remove or replace). Production`},
		{name: "a 400 without a refused quirk is no strict refusal", ex: with(req("POST", "/scim/v2/Users", "", `{"displayName":"x"}`, 400, `{"detail":"userName is required"}`),
			func(e *Exchange) { e.Quirks = []string{"missing-user-agent"} }),
			step: StepCreateUser, code: HintRejected, severity: SeverityWarn, failed: true, text: "refused the request with 400 userName is required"},
		{name: "other 4xx", ex: req("PUT", "/scim/v2/Users/u1", oktaUA, `{"userName":"a","active":true}`, 400, `{"detail":"name.givenName is required"}`),
			step: StepUpdateUser, code: HintRejected, severity: SeverityWarn, failed: true, text: "Retry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClassifier()
			if tt.names != nil {
				c.SetNames(tt.names)
			}
			for _, p := range tt.prior {
				c.Annotate(p)
			}
			a := c.Annotate(tt.ex)
			if a.Step != tt.step {
				t.Errorf("step = %q, want %q (%s)", a.Step, tt.step, a.Summary)
			}
			if a.Failed != tt.failed {
				t.Errorf("failed = %v, want %v", a.Failed, tt.failed)
			}
			if tt.summary != "" && a.Summary != tt.summary {
				t.Errorf("summary = %q\n         want %q", a.Summary, tt.summary)
			}
			var h *Hint
			for i := range a.Hints {
				if a.Hints[i].Code == tt.code {
					h = &a.Hints[i]
				}
			}
			if h == nil {
				t.Fatalf("no %s hint in %+v", tt.code, a.Hints)
			}
			if h.Severity != tt.severity {
				t.Errorf("severity = %q, want %q", h.Severity, tt.severity)
			}
			if !strings.Contains(h.Text, tt.text) {
				t.Errorf("hint text %q lacks %q", h.Text, tt.text)
			}
		})
	}
}

// TestNoFalseDiagnostics checks the quiet cases next to the diagnostics above.
func TestNoFalseDiagnostics(t *testing.T) {
	t.Run("user deleted in scimlab is not a missed lookup", func(t *testing.T) {
		c := NewClassifier()
		c.Annotate(req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, userJSON("u1", "alice@example.com", true)))
		c.SetNames(staticNames{}) // the server no longer knows u1
		a := c.Annotate(req("GET", "/scim/v2/Users?filter=userName%20eq%20%22alice%40example.com%22&startIndex=1&count=100", oktaUA, "", 200, emptyList))
		if len(a.Hints) != 0 {
			t.Errorf("hints = %+v", a.Hints)
		}
	})
	t.Run("user deleted by the IdP is not a missed lookup", func(t *testing.T) {
		c := NewClassifier()
		c.Annotate(req("POST", "/scim/v2/Users", entraUA, `{"userName":"alice@example.com"}`, 201, userJSON("u1", "alice@example.com", true)))
		c.Annotate(req("DELETE", "/scim/v2/Users/u1", entraUA, "", 204, ""))
		a := c.Annotate(req("GET", "/scim/v2/Users?filter=userName+eq+%22alice%40example.com%22", entraUA, "", 200, emptyList))
		if len(a.Hints) != 0 {
			t.Errorf("hints = %+v", a.Hints)
		}
	})
	t.Run("wrong-looking path that the server served", func(t *testing.T) {
		c := NewClassifier()
		a := c.Annotate(req("GET", "/scim/v2//Users?startIndex=1&count=2", oktaUA, "", 200, emptyList))
		if a.Failed || len(a.Hints) != 0 || a.Step != StepTestConnection {
			t.Errorf("annotation = %+v", a)
		}
	})
	t.Run("Okta lookup 404 is no failure", func(t *testing.T) {
		c := NewClassifier()
		a := c.Annotate(req("GET", "/scim/v2/Users?filter=userName%20eq%20%22x%22&startIndex=1&count=100", oktaUA, "", 404, ""))
		if a.Failed || len(a.Hints) != 0 {
			t.Errorf("annotation = %+v", a)
		}
	})
}

func TestEntraQuarantineWarning(t *testing.T) {
	c := NewClassifier()
	var warned []int
	for i := 1; i <= 7; i++ {
		a := c.Annotate(unauthorized(entraTest, "", "Bearer [redacted]", "bad-token", ""))
		if hasHint(a, HintEntraQuarantine) {
			warned = append(warned, i)
		}
	}
	if len(warned) != 1 || warned[0] != quarantineStreak {
		t.Errorf("warned on requests %v, want only on %d", warned, quarantineStreak)
	}
	c.Annotate(req("GET", entraTest, "", "", 200, emptyList))
	for i := 0; i < quarantineStreak; i++ {
		if a := c.Annotate(unauthorized(entraTest, "", "Bearer [redacted]", "bad-token", "")); hasHint(a, HintEntraQuarantine) && i < quarantineStreak-1 {
			t.Fatalf("streak not reset by a success")
		}
	}
}

// TestPending covers the hints that depend on time passing.
func TestPending(t *testing.T) {
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	timed := func(ex Exchange, d time.Duration) Exchange { ex.Time = at(d); return ex }
	codes := func(hs []Hint) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.Code)
		}
		return out
	}

	t.Run("no traffic", func(t *testing.T) {
		c := NewClassifier()
		if hs := c.Pending(at(0)); len(hs) != 0 {
			t.Fatalf("at start: %v", codes(hs))
		}
		if hs := c.Pending(at(time.Minute)); len(hs) != 0 {
			t.Fatalf("after 1 min: %v", codes(hs))
		}
		hs := c.Pending(at(3 * time.Minute))
		if len(hs) != 1 || hs[0].Code != HintNoTraffic {
			t.Fatalf("after 3 min: %v", codes(hs))
		}
	})
	t.Run("entra between cycles", func(t *testing.T) {
		c := NewClassifier()
		c.Annotate(timed(req("GET", entraTest, "", "", 200, emptyList), 0))
		if hs := c.Pending(at(2 * time.Minute)); len(hs) != 0 {
			t.Fatalf("after 2 min: %v", codes(hs))
		}
		hs := c.Pending(at(12 * time.Minute))
		if len(hs) != 1 || hs[0].Code != HintEntraCycle || !strings.Contains(hs[0].Text, "Entra provisions in cycles of ~40 minutes: use Provision on demand") || !strings.Contains(hs[0].Text, "12 minutes") {
			t.Fatalf("after 12 min: %+v", hs)
		}
	})
	t.Run("okta tested but provisions nobody", func(t *testing.T) {
		c := NewClassifier()
		c.Annotate(timed(req("GET", oktaTest, oktaUA, "", 200, emptyList), 0))
		hs := c.Pending(at(4 * time.Minute))
		if len(hs) != 1 || hs[0].Code != HintOktaAssignments || !strings.Contains(hs[0].Text, "Okta: check Assignments of the SCIM app, not only the SSO app") {
			t.Fatalf("after 4 min: %+v", hs)
		}
		c.Annotate(timed(req("GET", "/scim/v2/Users?filter=userName%20eq%20%22a%22&startIndex=1&count=100", oktaUA, "", 200, emptyList), 5*time.Minute))
		if hs := c.Pending(at(10 * time.Minute)); len(hs) != 0 {
			t.Fatalf("after a lookup: %v", codes(hs))
		}
	})
	t.Run("user created but in no pushed group", func(t *testing.T) {
		c := NewClassifier()
		c.Annotate(timed(req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, userJSON("u1", "alice@example.com", true)), 0))
		c.Annotate(timed(req("POST", "/scim/v2/Users", oktaUA, `{"userName":"bob@example.com"}`, 201, userJSON("u2", "bob@example.com", true)), time.Second))
		if hs := c.Pending(at(10 * time.Minute)); len(hs) != 0 {
			t.Fatalf("before any group was pushed: %v", codes(hs))
		}
		c.Annotate(timed(req("POST", "/scim/v2/Groups", oktaUA, `{"displayName":"Eng","members":[{"value":"u1","display":"alice@example.com"}]}`, 201, groupJSON("g1", "Eng")), 11*time.Minute))
		hs := c.Pending(at(15 * time.Minute))
		if len(hs) != 1 || hs[0].Code != HintUserNotInGroup {
			t.Fatalf("after the push: %+v", hs)
		}
		if !strings.Contains(hs[0].Text, "bob@example.com was created") || strings.Contains(hs[0].Text, "alice") {
			t.Errorf("text = %q", hs[0].Text)
		}
		c.Annotate(timed(req("PATCH", "/scim/v2/Groups/g1", oktaUA, patchJSON(`{"op":"add","path":"members","value":[{"value":"u2"}]}`), 204, ""), 16*time.Minute))
		if hs := c.Pending(at(20 * time.Minute)); len(hs) != 0 {
			t.Fatalf("after bob joined: %v", codes(hs))
		}
	})
	t.Run("recently created users get a grace period", func(t *testing.T) {
		c := NewClassifier()
		c.Annotate(timed(req("POST", "/scim/v2/Groups", entraUA, `{"displayName":"Sales"}`, 201, groupJSON("g1", "Sales")), 0))
		c.Annotate(timed(req("POST", "/scim/v2/Users", entraUA, `{"userName":"carol@example.com"}`, 201, userJSON("u3", "carol@example.com", true)), time.Minute))
		if hs := c.Pending(at(90 * time.Second)); len(hs) != 0 {
			t.Fatalf("within grace: %v", codes(hs))
		}
		hs := c.Pending(at(4 * time.Minute))
		if len(hs) != 1 || hs[0].Code != HintUserNotInGroup || !strings.Contains(hs[0].Text, "nested groups are not provisioned") {
			t.Fatalf("after grace: %+v", hs)
		}
	})
}
