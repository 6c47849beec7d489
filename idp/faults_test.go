package idp

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// injected marks ex as answered by a fault rule, with the error body the server writes.
func injected(ex *exchange.Record, f exchange.Injected) *exchange.Record {
	ex.Fault = &f
	switch {
	case f.Drop:
		ex.Status, ex.RespBody = 444, nil
		ex.ErrorDetail = `scimlab fault injection: the rule "` + f.Rule + `" closed the connection without an answer; the request was not applied`
	case f.Status != 0:
		ex.ErrorDetail = `scimlab fault injection: the rule "` + f.Rule + `" answered this request; the request was not applied`
		ex.RespBody = []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"` + strconv.Itoa(f.Status) + `","detail":"` + strings.ReplaceAll(ex.ErrorDetail, `"`, `\"`) + `"}`)
	}
	return ex
}

const oktaCreate = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@example.com","externalId":"00u1a2b3c4d5e6f7g8h9","active":true}`

// Every injected failure gets the hint that says what the IdP does next, and never the
// server's own diagnosis of the same status; the same status not injected gets the
// server's diagnosis and no word of injection.
func TestInjectedFaultHints(t *testing.T) {
	entraPatch := patchJSON(`{"op":"Add","path":"members","value":[{"$ref":null,"value":"u1"}]}`)
	tests := []struct {
		name     string
		ex       *exchange.Record
		code     exchange.Cause
		severity exchange.Severity
		text     []string // substrings of the hint
		not      []exchange.Cause
	}{
		{name: "Okta 429 with Retry-After",
			ex:   injected(req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 429, ""), exchange.Injected{Rule: "POST /Users 429 retry-after=30 times=2", Status: 429, RetryAfter: 30}),
			code: HintFaultRateLimited, severity: exchange.SeverityWarn,
			text: []string{"on purpose", `"POST /Users 429 retry-after=30 times=2"`, "after 30 seconds, the Retry-After it was sent", "doubles the wait", "10th attempt"}},
		{name: "Okta 429 without Retry-After",
			ex:   injected(req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 429, ""), exchange.Injected{Rule: "POST /Users 429", Status: 429}),
			code: HintFaultRateLimited, severity: exchange.SeverityWarn, text: []string{"after 5 minutes, as no Retry-After"}},
		{name: "Entra 429",
			ex:   injected(req("PATCH", "/scim/v2/Groups/g1", "", entraPatch, 429, ""), exchange.Injected{Rule: "PATCH /Groups/* 429", Status: 429}),
			code: HintFaultRateLimited, severity: exchange.SeverityWarn, text: []string{"TooManyRequests", "retries the object automatically"}},
		{name: "Entra 500 is InternalServerError, not a scimlab bug",
			ex:   injected(req("PATCH", "/scim/v2/Groups/g1", "", entraPatch, 500, ""), exchange.Injected{Rule: "PATCH /Groups/* 500 percent=50", Status: 500}),
			code: HintFaultFailed, severity: exchange.SeverityError, text: []string{"InternalServerError", "about 40 minutes", "quarantines"},
			not: []exchange.Cause{HintServerError}},
		{name: "Okta 409 on create stops the user, without claiming a duplicate",
			ex:   injected(req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 409, ""), exchange.Injected{Rule: "POST /Users 409 after=5", Status: 409}),
			code: HintFaultFailed, severity: exchange.SeverityWarn, text: []string{"stops provisioning this resource", "Dashboard → Tasks"},
			not: []exchange.Cause{HintConflict}},
		{name: "Entra 409 is Conflict",
			ex:   injected(req("POST", "/scim/v2/Users", entraUA, `{"userName":"a@b.c","active":true}`, 409, ""), exchange.Injected{Rule: "POST /Users 409", Status: 409}),
			code: HintFaultFailed, severity: exchange.SeverityWarn, text: []string{"Conflict (EntryConflict)"}, not: []exchange.Cause{HintConflict}},
		{name: "an injected 401 is not a token problem",
			ex:   injected(req("GET", entraTest, "", "", 401, ""), exchange.Injected{Rule: "GET /Users 401", Status: 401}),
			code: HintFaultFailed, severity: exchange.SeverityWarn, text: []string{"Unauthorized", "quarantines the job"},
			not: []exchange.Cause{HintAuthBadToken, HintAuthMissing}},
		{name: "Entra 404 on a user by id is InvalidAnchor",
			ex:   injected(req("PATCH", "/scim/v2/Users/u1", "", patchJSON(`{"op":"Replace","path":"active","value":"False"}`), 404, ""), exchange.Injected{Rule: "PATCH /Users/* 404", Status: 404}),
			code: HintFaultFailed, severity: exchange.SeverityWarn, text: []string{"InvalidAnchor"}, not: []exchange.Cause{HintEntraInvalidAnchor}},
		{name: "Okta drop",
			ex:   injected(req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 0, ""), exchange.Injected{Rule: "POST /Users drop", Drop: true}),
			code: HintFaultDropped, severity: exchange.SeverityError, text: []string{"closed the connection without an answer", "Dashboard → Tasks"},
			not: []exchange.Cause{HintServerError, HintRejected}},
		{name: "Okta gives up on a 70 s delay",
			ex:   injected(req("GET", "/scim/v2/Users?filter=userName%20eq%20%22x%22&startIndex=1&count=100", oktaUA, "", 499, ""), exchange.Injected{Rule: "GET /Users delay=70s", Delay: 70 * time.Second}),
			code: HintFaultTimeout, severity: exchange.SeverityError, text: []string{"70 seconds", "at most 60 s", "nothing was applied"},
			not: []exchange.Cause{HintRejected}},
		{name: "a 70 s delay is a timeout for Okta even when this client waited",
			ex:   injected(req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 201, userJSON("u1", "alice@example.com", true)), exchange.Injected{Rule: "POST /Users delay=70s", Delay: 70 * time.Second}),
			code: HintFaultTimeout, severity: exchange.SeverityError, text: []string{"at most 60 s", "applied after the delay"}},
		{name: "a 5 s delay is within Okta's patience",
			ex:   injected(req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 201, userJSON("u1", "alice@example.com", true)), exchange.Injected{Rule: "POST /Users delay=5s", Delay: 5 * time.Second}),
			code: HintFaultDelayed, severity: exchange.SeverityInfo, text: []string{"5 seconds", "waited this one out"},
			not: []exchange.Cause{HintFaultTimeout}},
		{name: "Entra that waited out 70 s",
			ex:   injected(req("GET", entraTest, "", "", 200, emptyList), exchange.Injected{Rule: "GET /Users delay=70s", Delay: 70 * time.Second}),
			code: HintFaultDelayed, severity: exchange.SeverityInfo, text: []string{"Entra waited"}, not: []exchange.Cause{HintFaultTimeout}},
		{name: "Entra that gave up during the delay",
			ex:   injected(req("GET", entraTest, "", "", 499, ""), exchange.Injected{Rule: "GET /Users delay=10m", Delay: 10 * time.Minute}),
			code: HintFaultTimeout, severity: exchange.SeverityError, text: []string{"10 minutes", "Timeout"}},
		{name: "a delayed answer the server refused keeps the server's diagnosis",
			ex:   injected(req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 409, ""), exchange.Injected{Rule: "POST /Users delay=1s", Delay: time.Second}),
			code: HintFaultDelayed, severity: exchange.SeverityInfo, text: []string{"1 second"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewClassifier().Annotate(tt.ex)
			var hint *exchange.Hint
			for i, h := range a.Hints {
				if h.Cause == tt.code {
					hint = &a.Hints[i]
				}
			}
			if hint == nil {
				t.Fatalf("no %s hint in %+v", tt.code, a.Hints)
			}
			if hint.Severity != tt.severity {
				t.Errorf("severity %s, want %s", hint.Severity, tt.severity)
			}
			for _, s := range tt.text {
				if !strings.Contains(hint.Text, s) {
					t.Errorf("hint %q lacks %q", hint.Text, s)
				}
			}
			for _, c := range tt.not {
				if hasHint(a, c) {
					t.Errorf("an injected failure also got the server's diagnosis %s: %+v", c, a.Hints)
				}
			}
		})
	}
	t.Run("a delayed answer the server refused keeps the conflict diagnosis", func(t *testing.T) {
		ex := injected(req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 409, ""), exchange.Injected{Rule: "POST /Users delay=1s", Delay: time.Second})
		if a := NewClassifier().Annotate(ex); !hasHint(a, HintConflict) {
			t.Errorf("the server's own 409 lost its diagnosis: %+v", a.Hints)
		}
	})
}

// A summary names an injected outcome in a few words; the server's long detail is for
// the IdP's admin and stays in the error.
func TestInjectedSummaries(t *testing.T) {
	tests := []struct {
		ex   *exchange.Record
		want string
	}{
		{injected(req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 429, ""), exchange.Injected{Rule: "POST /Users 429", Status: 429}),
			"Okta could not create user alice@example.com: 429, injected by a fault rule"},
		{injected(req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 0, ""), exchange.Injected{Rule: "POST /Users drop", Drop: true}),
			"Okta could not create user alice@example.com: no answer: a fault rule closed the connection"},
		{injected(req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 499, ""), exchange.Injected{Rule: "POST /Users delay=70s", Delay: 70 * time.Second}),
			"Okta could not create user alice@example.com: no answer: the client gave up during an injected delay"},
		{injected(req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 409, `{"status":"409","detail":"taken"}`), exchange.Injected{Rule: "POST /Users delay=1s", Delay: time.Second}),
			"Okta could not create user alice@example.com: 409 taken"},
	}
	for _, tt := range tests {
		if got := NewClassifier().Annotate(tt.ex).Summary; got != tt.want {
			t.Errorf("summary %q, want %q", got, tt.want)
		}
	}
}

// The same statuses, answered by the server itself, get no fault hint and no word of
// injection.
func TestStatusesNotInjectedGetNoFaultHint(t *testing.T) {
	faults := []exchange.Cause{HintFaultRateLimited, HintFaultFailed, HintFaultDropped, HintFaultTimeout, HintFaultDelayed}
	for _, ex := range []*exchange.Record{
		req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 429, `{"status":"429","detail":"seat limit reached"}`),
		req("PATCH", "/scim/v2/Groups/g1", "", patchJSON(`{"op":"Add","path":"members","value":[{"$ref":null,"value":"u1"}]}`), 500, `{"status":"500","detail":"boom"}`),
		req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 409, `{"status":"409","detail":"exists"}`),
		req("GET", "/scim/v2/Users?filter=userName%20eq%20%22x%22&startIndex=1&count=100", oktaUA, "", 499, ""),
		req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 201, userJSON("u1", "alice@example.com", true)),
	} {
		a := NewClassifier().Annotate(ex)
		for _, c := range faults {
			if hasHint(a, c) {
				t.Errorf("%s %s %d: fault hint %s without a fault", ex.Method, ex.Path, ex.Status, c)
			}
		}
		for _, h := range a.Hints {
			if strings.Contains(h.Text, "on purpose") || strings.Contains(h.Text, "fault rule") {
				t.Errorf("%s %s %d: hint %q speaks of injection", ex.Method, ex.Path, ex.Status, h.Text)
			}
		}
	}
}

// Rehearsing Entra's quarantine: a rule that fails every Entra request brings the
// quarantine warning after the streak, as real failures do.
func TestInjectedFailuresRehearseEntraQuarantine(t *testing.T) {
	c := NewClassifier()
	var warned []int
	for i := 1; i <= quarantineStreak; i++ {
		ex := injected(req("GET", entraTest, "", "", 500, ""), exchange.Injected{Rule: "* * 500 idp=entra", Status: 500})
		a := c.Annotate(ex)
		if !a.Failed || a.IdP != exchange.Entra {
			t.Fatalf("request %d: failed=%v idp=%q", i, a.Failed, a.IdP)
		}
		if hasHint(a, HintEntraQuarantine) {
			warned = append(warned, i)
		}
	}
	if len(warned) != 1 || warned[0] != quarantineStreak {
		t.Errorf("quarantine warned on %v, want on request %d", warned, quarantineStreak)
	}
}

// Sender names the IdP of a request before it is answered, as Annotate will: from the
// request's evidence, else from the IdP recognised earlier.
func TestSender(t *testing.T) {
	c := NewClassifier()
	byID := req("DELETE", "/scim/v2/Users/u1", "", "", 0, "")
	if got := c.Sender(byID); got != exchange.Unknown {
		t.Errorf("a bare DELETE before any traffic: %q", got)
	}
	if got := c.Sender(req("POST", "/scim/v2/Users", oktaUA, oktaCreate, 0, "")); got != exchange.Okta {
		t.Errorf("Okta's User-Agent: %q", got)
	}
	if got := c.Sender(req("GET", entraTest, "", "", 0, "")); got != exchange.Entra {
		t.Errorf("Entra's GUID probe: %q", got)
	}
	if got := c.Sender(byID); got != exchange.Unknown {
		t.Errorf("Sender learned from a request it was only asked about: %q", got)
	}
	c.Annotate(req("GET", entraTest, "", "", 200, emptyList))
	if got := c.Sender(byID); got != exchange.Entra {
		t.Errorf("a bare DELETE after Entra traffic: %q, want entra", got)
	}
	if got := c.Sender(req("GET", "/scim/v2/Users", "curl/8.5.0", "", 0, "")); got != exchange.Unknown {
		t.Errorf("curl after Entra traffic: %q", got)
	}
}
