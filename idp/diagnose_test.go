package idp

import (
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/scim/quirk"

	"github.com/scimlab/scimlab/exchange"
)

// unauthorized builds a refused request with the given (redacted) Authorization header.
func unauthorized(target, ua, authz string, auth exchange.Auth, detail string) *exchange.Record {
	ex := req("GET", target, ua, "", 401, `{"status":"401","detail":"unauthorized"}`)
	ex.ReqHeaders.Del("Authorization")
	if authz != "" {
		ex.ReqHeaders.Set("Authorization", authz)
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
	with := func(ex *exchange.Record, f func(*exchange.Record)) *exchange.Record { f(ex); return ex }
	tests := []struct {
		name     string
		prior    []*exchange.Record
		names    Names
		ex       *exchange.Record
		step     exchange.Step
		code     exchange.Cause
		severity exchange.Severity
		failed   bool
		summary  string
		text     string // a substring of the hint's text
		notText  string // a substring the hint's text must not have
	}{
		{name: "401 without header", ex: unauthorized(oktaTest, oktaUA, "", exchange.AuthMissing, ""),
			step: exchange.StepAuthFailure, code: HintAuthMissing, severity: exchange.SeverityError, failed: true,
			summary: "401: Okta sent no Authorization header", text: "Authentication Mode \"HTTP Header\""},
		{name: "401 Entra without header blames a proxy", ex: unauthorized(entraTest, "", "", exchange.AuthMissing, ""),
			step: exchange.StepAuthFailure, code: HintAuthMissing, severity: exchange.SeverityError, failed: true, text: "proxy or firewall"},
		{name: "401 Basic scheme", ex: unauthorized(oktaTest, oktaUA, "Basic [redacted]", exchange.AuthBasic, ""),
			step: exchange.StepAuthFailure, code: HintAuthScheme, severity: exchange.SeverityError, failed: true,
			summary: "401: Okta used Basic authentication, not a bearer token", text: "switch Authentication Mode to HTTP Header"},
		{name: "401 another scheme", ex: unauthorized(oktaTest, oktaUA, "Digest [redacted]", exchange.AuthScheme, ""),
			step: exchange.StepAuthFailure, code: HintAuthScheme, severity: exchange.SeverityError, failed: true,
			summary: "401: Okta used Digest authentication, not a bearer token"},
		{name: "401 bare token without Bearer", ex: unauthorized(oktaTest, oktaUA, "[redacted]", exchange.AuthBare, ""),
			step: exchange.StepAuthFailure, code: HintAuthNoScheme, severity: exchange.SeverityError, failed: true, text: "Header Auth"},
		{name: "401 two Authorization headers", ex: unauthorized(oktaTest, oktaUA, "Bearer [redacted]", exchange.AuthSeveral, ""),
			step: exchange.StepAuthFailure, code: HintAuthScheme, severity: exchange.SeverityError, failed: true, text: "several Authorization headers"},
		{name: "401 Bearer Bearer (Okta)", ex: unauthorized(oktaTest, oktaUA, "Bearer [redacted]", exchange.AuthDoubleBearer, ""),
			step: exchange.StepAuthFailure, code: HintAuthDoubleBearer, severity: exchange.SeverityError, failed: true,
			summary: "401: the word Bearer was pasted into Okta's token field", text: "Paste only the token"},
		{name: "401 Bearer Bearer (Entra)", ex: unauthorized(entraTest, "", "Bearer [redacted]", exchange.AuthDoubleBearer, ""),
			step: exchange.StepAuthFailure, code: HintAuthDoubleBearer, severity: exchange.SeverityError, failed: true,
			summary: "401: the word Bearer was pasted into Entra's Secret Token field", text: "Secret Token"},
		{name: "401 empty token", ex: unauthorized(oktaTest, oktaUA, "Bearer", exchange.AuthEmpty, ""),
			step: exchange.StepAuthFailure, code: HintAuthEmptyToken, severity: exchange.SeverityError, failed: true, summary: "401: Okta's token field is empty"},
		{name: "401 previous token after rotation", ex: unauthorized(oktaTest, oktaUA, "Bearer [redacted]", exchange.AuthPrevious, ""),
			step: exchange.StepAuthFailure, code: HintAuthOldToken, severity: exchange.SeverityError, failed: true,
			summary: "401: Okta still sends the token from before the rotation", text: "rotated"},
		{name: "401 token that matches none (Okta)", ex: unauthorized(oktaTest, oktaUA, "Bearer [redacted]", exchange.AuthWrongToken, ""),
			step: exchange.StepAuthFailure, code: HintAuthBadToken, severity: exchange.SeverityError, failed: true,
			summary: "401: the token pasted in Okta does not match", text: "Test Connector Configuration"},
		{name: "401 token that matches none (Entra)", ex: unauthorized(entraTest, "", "Bearer [redacted]", exchange.AuthWrongToken, ""),
			step: exchange.StepAuthFailure, code: HintAuthBadToken, severity: exchange.SeverityError, failed: true,
			summary: "401: the Secret Token pasted in Entra does not match", text: "Admin Credentials"},
		{name: "401 quoted token", ex: unauthorized(oktaTest, oktaUA, "Bearer [redacted]", exchange.AuthQuoted, ""),
			step: exchange.StepAuthFailure, code: HintAuthBadToken, severity: exchange.SeverityError, failed: true, text: "quotation marks"},
		{name: "401 Entra's own JWT", ex: unauthorized(entraTest, "", "Bearer [redacted]", exchange.AuthJWT, ""),
			step: exchange.StepAuthFailure, code: HintAuthEntraJWT, severity: exchange.SeverityError, failed: true,
			summary: "401: Entra sent its own token; the Secret Token field is blank", text: "Secret Token is left blank"},
		{name: "401 a JWT from Okta is an OAuth token, not Entra's", ex: unauthorized(oktaTest, oktaUA, "Bearer [redacted]", exchange.AuthJWT, ""),
			step: exchange.StepAuthFailure, code: HintAuthBadToken, severity: exchange.SeverityError, failed: true,
			summary: "401: Okta sent a JSON Web Token, not scimlab's token", text: "not OAuth"},
		{name: "Okta spec test expects 401", ex: unauthorized("/scim/v2/Users?filter=userName%20eq%20%22X%22", "OKTA SCIM Integration", "[redacted]", exchange.AuthBare, ""),
			step: exchange.StepAuthFailure, code: HintSpecTest, severity: exchange.SeverityInfo, failed: false},
		{name: "Okta spec test's non-token is recognised", ex: unauthorized("/scim/v2/Users?filter=userName%20eq%20%22X%22", "OKTA SCIM Integration", "[redacted]", exchange.AuthWrongBare, ""),
			step: exchange.StepAuthFailure, code: HintSpecTest, severity: exchange.SeverityInfo, failed: false},
		{name: "401 right token without Bearer in strict mode names the template", ex: unauthorized(oktaTest, oktaUA, "[redacted]", exchange.AuthBare, ""),
			step: exchange.StepAuthFailure, code: HintAuthNoScheme, severity: exchange.SeverityError, failed: true,
			summary: "401: Okta sent the token without \"Bearer\"", text: `"SCIM 2.0 Test App (Header Auth)" template sends its API Token field verbatim`},
		{name: "401 wrong token without Bearer is a wrong token", ex: unauthorized(oktaTest, oktaUA, "[redacted]", exchange.AuthWrongBare, ""),
			step: exchange.StepAuthFailure, code: HintAuthBadToken, severity: exchange.SeverityError, failed: true,
			summary: "401: the token pasted in Okta does not match", notText: "Header Auth"},

		{name: "path without /scim/v2 (Okta)", ex: req("GET", "/Users?startIndex=1&count=2", oktaUA, "", 404, ""),
			step: exchange.StepWrongPath, code: HintPathMissingBase, severity: exchange.SeverityError, failed: true,
			summary: "Okta sent GET /Users: not a SCIM path (404)", text: "In Okta, SCIM connector base URL (SCIM 2.0 Base URL in catalog apps) must end with /scim/v2"},
		{name: "path /scim without /v2 (Entra)", ex: req("GET", "/scim/Users?filter=userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22", "", "", 404, ""),
			step: exchange.StepWrongPath, code: HintPathMissingBase, severity: exchange.SeverityError, failed: true, text: "In Entra, Tenant URL must be .../scim/v2"},
		{name: "path with /scim/v2 twice", ex: req("POST", "/scim/v2/scim/v2/Users", oktaUA, `{"userName":"a"}`, 404, ""),
			step: exchange.StepWrongPath, code: HintPathDoubledBase, severity: exchange.SeverityError, failed: true, text: "twice"},
		{name: "path with trailing garbage after the base", ex: req("GET", "/scim/v2/x7/Users", oktaUA, "", 404, ""),
			step: exchange.StepWrongPath, code: HintPathExtraText, severity: exchange.SeverityError, failed: true, text: `after /scim/v2 ("/x7")`},
		{name: "path with text before the base", ex: req("GET", "/api/scim/v2/Users", oktaUA, "", 404, ""),
			step: exchange.StepWrongPath, code: HintPathExtraText, severity: exchange.SeverityError, failed: true, text: `before /scim/v2 ("/api")`},
		{name: "path in the wrong case", ex: req("GET", "/SCIM/V2/Users", oktaUA, "", 404, ""),
			step: exchange.StepWrongPath, code: HintPathExtraText, severity: exchange.SeverityError, failed: true, text: "case-sensitive"},
		{name: "endpoint in the wrong case", ex: req("GET", "/scim/v2/users", oktaUA, "", 404, ""),
			step: exchange.StepWrongPath, code: HintPathExtraText, severity: exchange.SeverityError, failed: true, text: `spelled "users"`},
		{name: "other path prefix", ex: req("GET", "/v2/Users", "", "", 404, ""),
			step: exchange.StepWrongPath, code: HintPathMissingBase, severity: exchange.SeverityError, failed: true, text: "Give the client"},
		{name: "segments after the id", ex: req("GET", "/scim/v2/Users/u1/groups", oktaUA, "", 404, ""),
			step: exchange.StepWrongPath, code: HintPathUnknown, severity: exchange.SeverityWarn, failed: true},
		{name: "no SCIM endpoint at all", ex: req("GET", "/favicon.ico", "Mozilla/5.0", "", 404, ""),
			step: exchange.StepOther, code: HintPathUnknown, severity: exchange.SeverityInfo, failed: true},
		{name: "wrong path and a wrong token", ex: unauthorized("/Users?startIndex=1&count=2", oktaUA, "Bearer [redacted]", exchange.AuthWrongToken, ""),
			step: exchange.StepAuthFailure, code: HintPathMissingBase, severity: exchange.SeverityError, failed: true},

		{name: "lookup misses a known user (case)", prior: []*exchange.Record{
			req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, userJSON("u1", "alice@example.com", true))},
			ex:   req("GET", "/scim/v2/Users?filter=userName%20eq%20%22Alice%40Example.com%22&startIndex=1&count=100", oktaUA, "", 200, emptyList),
			step: exchange.StepUserLookup, code: HintLookupMissedKnown, severity: exchange.SeverityWarn, text: "differs only in case"},
		{name: "lookup misses a known externalId", prior: []*exchange.Record{
			req("POST", "/scim/v2/Users", entraUA, `{"userName":"alice@example.com","externalId":"alice"}`, 201, `{"id":"u1","userName":"alice@example.com","externalId":"alice"}`)},
			ex:   req("GET", "/scim/v2/Users?filter=externalId+eq+%22alice%22", entraUA, "", 200, emptyList),
			step: exchange.StepUserLookup, code: HintLookupMissedKnown, severity: exchange.SeverityWarn, text: "two accounts for one person"},
		{name: "create after a lookup that missed a known user", prior: []*exchange.Record{
			req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, userJSON("u1", "alice@example.com", true)),
			req("GET", "/scim/v2/Users?filter=userName%20eq%20%22ALICE%40example.com%22&startIndex=1&count=100", oktaUA, "", 200, emptyList)},
			ex:   req("POST", "/scim/v2/Users", oktaUA, `{"userName":"ALICE@example.com"}`, 201, userJSON("u2", "ALICE@example.com", true)),
			step: exchange.StepCreateUser, code: HintDuplicateRisk, severity: exchange.SeverityError, text: "missed user alice@example.com (id u1)"},
		{name: "create with the externalId of a user under another userName", prior: []*exchange.Record{
			req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com","externalId":"00u1a2b3c4d5e6f7g8h9"}`, 201, `{"id":"u1","userName":"alice@example.com","externalId":"00u1a2b3c4d5e6f7g8h9"}`)},
			ex:   req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice.archer@example.com","externalId":"00u1a2b3c4d5e6f7g8h9"}`, 201, userJSON("u2", "alice.archer@example.com", true)),
			step: exchange.StepCreateUser, code: HintDuplicateRisk, severity: exchange.SeverityWarn, text: "same externalId 00u1a2b3c4d5e6f7g8h9"},
		{name: "Okta looks users up by email", ex: req("GET", "/scim/v2/Users?filter=email%20eq%20%22a%40b.c%22&startIndex=1&count=100", oktaUA, "", 200, emptyList),
			step: exchange.StepUserLookup, code: HintOktaUniqueID, severity: exchange.SeverityWarn, text: "Unique identifier field for users"},
		{name: "Entra probe answered 404", ex: req("GET", entraTest, "", "", 404, `{"status":"404","detail":"not found"}`),
			step: exchange.StepTestConnection, code: HintEntraFilter404, severity: exchange.SeverityError, failed: true,
			summary: "Entra test connection: failed (404 not found)", text: "Test Connection fails"},
		{name: "Entra lookup answered 404", ex: req("GET", "/scim/v2/Users?filter=userName+eq+%22alice%40example.com%22", entraUA, "", 404, ""),
			step: exchange.StepUserLookup, code: HintEntraFilter404, severity: exchange.SeverityError, failed: true},
		{name: "Okta reads a vanished user", ex: req("GET", "/scim/v2/Users/u1", oktaUA, "", 404, ""),
			step: exchange.StepUserLookup, code: HintOktaUserGone, severity: exchange.SeverityError, failed: true, text: "does not search again"},
		{name: "409 on create (Okta)", ex: with(req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 409, ""), func(e *exchange.Record) { e.ErrorDetail = "userName already exists" }),
			step: exchange.StepCreateUser, code: HintConflict, severity: exchange.SeverityWarn, failed: true,
			summary: "Okta could not create user alice@example.com: 409 userName already exists", text: "Dashboard → Tasks"},
		{name: "409 on group create (Entra)", ex: req("POST", "/scim/v2/Groups", entraUA, `{"displayName":"Sales"}`, 409, ""),
			step: exchange.StepCreateGroup, code: HintConflict, severity: exchange.SeverityWarn, failed: true,
			text: "Entra logs Conflict (EntryConflict) in Provisioning logs and retries the group every cycle. Entra looks a group up by displayName, its matching attribute, before creating it: check Mappings → Matching attributes"},
		{name: "500", ex: req("PATCH", "/scim/v2/Users/u1", entraUA, patchJSON(`{"op":"Replace","path":"title","value":"x"}`), 500, ""),
			step: exchange.StepUpdateUser, code: HintServerError, severity: exchange.SeverityError, failed: true, text: "as InternalServerError and retries the object in the next cycle, about 40 minutes later, then less and less often; if most requests fail it quarantines the job."},
		{name: "429 (Okta) is waited out, not an admin's Retry", ex: req("POST", "/scim/v2/Users", oktaUA, `{"userName":"a"}`, 429, ""),
			step: exchange.StepCreateUser, code: HintRateLimited, severity: exchange.SeverityWarn, failed: true, text: "Retry-After (whole seconds; without one, 5 minutes), at least doubling the wait after each further 429; after the 10th attempt"},
		{name: "429 (Entra) is TooManyRequests", ex: req("PATCH", "/scim/v2/Users/u1", entraUA, patchJSON(`{"op":"Replace","path":"title","value":"x"}`), 429, ""),
			step: exchange.StepUpdateUser, code: HintRateLimited, severity: exchange.SeverityWarn, failed: true, text: "as TooManyRequests and retries the request automatically later"},
		{name: "400 (Entra) names the provisioning log's code", ex: req("PATCH", "/scim/v2/Users/u1", entraUA, patchJSON(`{"op":"Replace","path":"title","value":"x"}`), 400, `{"detail":"bad"}`),
			step: exchange.StepUpdateUser, code: HintRejected, severity: exchange.SeverityWarn, failed: true, text: "as SystemForCrossDomainIdentityManagementServiceIncompatible and retries the object in the next cycle."},
		{name: "no status at all counts as 500", ex: req("POST", "/scim/v2/Users", oktaUA, `{"userName":"a"}`, 0, ""),
			step: exchange.StepCreateUser, code: HintServerError, severity: exchange.SeverityError, failed: true},
		{name: "strict mode refuses a quirk", ex: with(req("PATCH", "/scim/v2/Users/u1", "", patchJSON(`{"op":"Replace","path":"active","value":"False"}`), 400, ""),
			func(e *exchange.Record) {
				e.Quirks, e.Strict, e.RefusedBy = []quirk.Quirk{quirk.CapitalisedOp}, true, quirk.CapitalisedOp
			}),
			step: exchange.StepDeactivateUser, code: HintStrictRejected, severity: exchange.SeverityWarn, failed: true,
			text: `Microsoft Entra ID really sends: a PATCH op was capitalised ("Add", "Replace" or "Remove" instead of lower case) (a strict server answers 400 invalidSyntax: op must be add, remove or replace). Production`},
		{name: "strict refusal names the quirk that was refused, not another the request carried", ex: with(req("PATCH", "/scim/v2/Users/u1", "", patchJSON(`{"op":"replace","path":"active","value":"False"},{"op":"Add","path":"title","value":"x"}`), 400, ""),
			func(e *exchange.Record) {
				e.Quirks, e.Strict, e.RefusedBy = []quirk.Quirk{quirk.CapitalisedOp, quirk.MissingUserAgent, quirk.StringBoolean}, true, quirk.StringBoolean
			}),
			step: exchange.StepDeactivateUser, code: HintStrictRejected, severity: exchange.SeverityWarn, failed: true,
			text:    `really sends: a boolean was sent as a string ("True"/"False") (a strict server answers 400 invalidValue: the attribute is of type boolean). Production`,
			notText: "capitalised"},
		{name: "a 400 without a refused quirk is no strict refusal", ex: with(req("POST", "/scim/v2/Users", "", `{"displayName":"x"}`, 400, `{"detail":"userName is required"}`),
			func(e *exchange.Record) { e.Quirks, e.Strict = []quirk.Quirk{quirk.MissingUserAgent}, true }),
			step: exchange.StepCreateUser, code: HintRejected, severity: exchange.SeverityWarn, failed: true, text: "refused the request with 400 userName is required"},
		{name: "tolerant mode: a 400 on a quirky Entra group PATCH blames the value, not strict mode", ex: with(req("PATCH", "/scim/v2/Groups/g1", "", patchJSON(`{"op":"Add","path":"members","value":[{"$ref":null,"value":"no-such-user"}]}`), 400,
			`{"status":"400","scimType":"invalidValue","detail":"member \"no-such-user\" is not a User on this server"}`),
			func(e *exchange.Record) {
				e.Quirks, e.ErrorDetail = []quirk.Quirk{quirk.CapitalisedOp, quirk.MissingUserAgent}, `member "no-such-user" is not a User on this server`
			}),
			step: exchange.StepAddMembers, code: HintRejected, severity: exchange.SeverityWarn, failed: true, text: `400 member "no-such-user" is not a User`},
		{name: "tolerant mode: an empty userName in a capitalised Replace is rejected for the value", ex: with(req("PATCH", "/scim/v2/Users/u1", "", patchJSON(`{"op":"Replace","path":"userName","value":""}`), 400,
			`{"status":"400","scimType":"invalidValue","detail":"userName must not be empty"}`),
			func(e *exchange.Record) { e.Quirks = []quirk.Quirk{quirk.CapitalisedOp, quirk.MissingUserAgent} }),
			step: exchange.StepUpdateUser, code: HintRejected, severity: exchange.SeverityWarn, failed: true, text: "userName must not be empty"},
		{name: "other 4xx", ex: req("PUT", "/scim/v2/Users/u1", oktaUA, `{"userName":"a","active":true}`, 400, `{"detail":"name.givenName is required"}`),
			step: exchange.StepUpdateUser, code: HintRejected, severity: exchange.SeverityWarn, failed: true, text: "Retry"},
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
			var h *exchange.Hint
			for i := range a.Hints {
				if a.Hints[i].Cause == tt.code {
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
			if tt.notText != "" && strings.Contains(h.Text, tt.notText) {
				t.Errorf("hint text %q has %q", h.Text, tt.notText)
			}
			// Only a strict refusal may speak of strict and tolerant mode.
			if tt.code != HintStrictRejected && hasHint(a, HintStrictRejected) {
				t.Errorf("a strict-mode hint on a request strict mode did not refuse: %+v", a.Hints)
			}
		})
	}
}

// TestNoFalseDiagnostics checks the quiet cases next to the diagnostics above.
func TestNoFalseDiagnostics(t *testing.T) {
	t.Run("only a 429 is rate limiting", func(t *testing.T) {
		for _, status := range []int{400, 409, 500, 503} {
			for _, ua := range []string{oktaUA, entraUA} {
				a := NewClassifier().Annotate(req("POST", "/scim/v2/Users", ua, `{"userName":"a"}`, status, ""))
				if hasHint(a, HintRateLimited) {
					t.Errorf("%d from %s: a rate-limit hint: %+v", status, ua, a.Hints)
				}
			}
		}
	})
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
		if a.Failed || len(a.Hints) != 0 || a.Step != exchange.StepTestConnection {
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
		a := c.Annotate(unauthorized(entraTest, "", "Bearer [redacted]", exchange.AuthWrongToken, ""))
		if hasHint(a, HintEntraQuarantine) {
			warned = append(warned, i)
		}
	}
	if len(warned) != 1 || warned[0] != quarantineStreak {
		t.Errorf("warned on requests %v, want only on %d", warned, quarantineStreak)
	}
	c.Annotate(req("GET", entraTest, "", "", 200, emptyList))
	for i := 0; i < quarantineStreak; i++ {
		if a := c.Annotate(unauthorized(entraTest, "", "Bearer [redacted]", exchange.AuthWrongToken, "")); hasHint(a, HintEntraQuarantine) && i < quarantineStreak-1 {
			t.Fatalf("streak not reset by a success")
		}
	}
}

// TestPending covers the hints that depend on time passing.
func TestPending(t *testing.T) {
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	timed := func(ex *exchange.Record, d time.Duration) *exchange.Record { ex.Time = at(d); return ex }
	codes := func(hs []exchange.Hint) []exchange.Cause {
		var out []exchange.Cause
		for _, h := range hs {
			out = append(out, h.Cause)
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
		if len(hs) != 1 || hs[0].Cause != HintNoTraffic {
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
		if len(hs) != 1 || hs[0].Cause != HintEntraCycle || !strings.Contains(hs[0].Text, "Entra provisions in cycles of ~40 minutes: use Provision on demand") || !strings.Contains(hs[0].Text, "12 minutes") {
			t.Fatalf("after 12 min: %+v", hs)
		}
	})
	t.Run("okta tested but provisions nobody", func(t *testing.T) {
		c := NewClassifier()
		c.Annotate(timed(req("GET", oktaTest, oktaUA, "", 200, emptyList), 0))
		hs := c.Pending(at(4 * time.Minute))
		if len(hs) != 1 || hs[0].Cause != HintOktaAssignments || !strings.Contains(hs[0].Text, "Okta: check Assignments of the SCIM app, not only the SSO app") {
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
		if len(hs) != 1 || hs[0].Cause != HintUserNotInGroup {
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
		if len(hs) != 1 || hs[0].Cause != HintUserNotInGroup || !strings.Contains(hs[0].Text, "nested groups are not provisioned") {
			t.Fatalf("after grace: %+v", hs)
		}
	})
}
