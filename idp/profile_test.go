package idp

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
)

func withEffects(ex *exchange.Record, es ...exchange.Effect) *exchange.Record {
	ex.Effects = es
	return ex
}

func errBody(status, detail string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"` + status + `","detail":"` + detail + `"}`
}

const oktaCreateT3 = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"t3@example.com","externalId":"00ujl29u0le5T6Aj10h7","active":true}`
const entraCreateT3 = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"t3@contoso.com","externalId":"0a21f0f2","active":true,"meta":{"resourceType":"User"}}`

// TestProfileHints: each refusal a profile causes is explained from its typed effect,
// in the words of the IdP that was refused.
func TestProfileHints(t *testing.T) {
	seat := exchange.Effect{Kind: exchange.EffectSeatLimit, Detail: "3"}
	tests := []struct {
		name     string
		ex       *exchange.Record
		cause    exchange.Cause
		text     string
		notText  string
		severity exchange.Severity
	}{
		{"seat limit, Okta", withEffects(req("POST", "/scim/v2/Users", oktaUA, oktaCreateT3, 403, errBody("403", "no seat")), seat),
			HintSeatLimit, "Dashboard → Tasks", "quarantine", exchange.SeverityError},
		{"seat limit, Entra, 403", withEffects(req("POST", "/scim/v2/Users", entraUA, entraCreateT3, 403, errBody("403", "no seat")), seat),
			HintSeatLimit, "InsufficientRights", "Dashboard", exchange.SeverityError},
		{"seat limit, Entra, 409", withEffects(req("POST", "/scim/v2/Users", entraUA, entraCreateT3, 409, errBody("409", "no seat")), seat),
			HintSeatLimit, "(Conflict)", "quarantine", exchange.SeverityError},
		{"Import Groups checked", withEffects(req("GET", "/scim/v2/Groups?startIndex=1&count=100", oktaUA, "", 501, errBody("501", "no import")),
			exchange.Effect{Kind: exchange.EffectImportRefused, Detail: "Groups"}), HintImportGroups, "uncheck Import Groups", "", exchange.SeverityError},
		{"no groups, Okta push", withEffects(req("POST", "/scim/v2/Groups", oktaUA, `{"displayName":"X","members":[]}`, 404, errBody("404", "no groups")),
			exchange.Effect{Kind: exchange.EffectGroupsUnsupported}), HintNoGroups, "uncheck Push Groups", "", exchange.SeverityError},
		{"no groups, Entra lookup", withEffects(req("GET", "/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales%22", entraUA, "", 404, errBody("404", "no groups")),
			exchange.Effect{Kind: exchange.EffectGroupsUnsupported}), HintNoGroups, "Provision Microsoft Entra ID Groups", "empty list", exchange.SeverityError},
		{"delete refused, Entra", withEffects(req("DELETE", "/scim/v2/Users/u1", entraUA, "", 405, errBody("405", "no delete")),
			exchange.Effect{Kind: exchange.EffectDeleteRefused}), HintDeleteRefused, "Target Object Actions", "", exchange.SeverityError},
		{"userName not an e-mail, Okta", withEffects(req("POST", "/scim/v2/Users", oktaUA, oktaCreateT3, 400, errBody("400", "not an e-mail")),
			exchange.Effect{Kind: exchange.EffectIdentifierInvalid, Detail: "ann"}), HintIdentifierNotEmail, "Unique identifier field for users", "", exchange.SeverityError},
		{"e-mail taken, Okta", withEffects(req("POST", "/scim/v2/Users", oktaUA, oktaCreateT3, 409, errBody("409", "taken")),
			exchange.Effect{Kind: exchange.EffectIdentifierTaken, Detail: "a@example.com"}), HintIdentifierTaken, "already holds a@example.com", "userName already exists", exchange.SeverityError},
		{"independent account, Entra", withEffects(req("POST", "/scim/v2/Users", entraUA, entraCreateT3, 409, errBody("409", "independent")),
			exchange.Effect{Kind: exchange.EffectIndependentAccount, Detail: "t3@contoso.com"}), HintIndependentAccount, "invite the user", "", exchange.SeverityError},
		{"required attribute, Entra", withEffects(req("POST", "/scim/v2/Users", entraUA, entraCreateT3, 400, errBody("400", "required")),
			exchange.Effect{Kind: exchange.EffectRequiredMissing, Detail: "name.familyName"}), HintRequiredAttribute, "name.familyName", "", exchange.SeverityError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewClassifier().Annotate(tt.ex)
			if !a.Failed {
				t.Errorf("not a failure: %+v", a)
			}
			if len(a.Hints) != 1 {
				t.Fatalf("hints %+v, want exactly the profile's", a.Hints)
			}
			h := a.Hints[0]
			if h.Cause != tt.cause || h.Severity != tt.severity || !strings.Contains(h.Text, tt.text) {
				t.Errorf("hint %+v, want %s %s containing %q", h, tt.cause, tt.severity, tt.text)
			}
			if tt.notText != "" && strings.Contains(h.Text, tt.notText) {
				t.Errorf("hint %q has %q", h.Text, tt.notText)
			}
		})
	}
}

// TestNoProfileHints: the same statuses without the profile's effect keep their usual
// diagnosis, and effects on requests that succeeded add no hint.
func TestNoProfileHints(t *testing.T) {
	t.Run("a 403 without the seat limit", func(t *testing.T) {
		a := NewClassifier().Annotate(req("POST", "/scim/v2/Users", oktaUA, oktaCreateT3, 403, errBody("403", "nope")))
		if hasHint(a, HintSeatLimit) || !hasHint(a, HintRejected) {
			t.Errorf("hints %+v", a.Hints)
		}
	})
	t.Run("a 409 on userName", func(t *testing.T) {
		a := NewClassifier().Annotate(req("POST", "/scim/v2/Users", oktaUA, oktaCreateT3, 409, errBody("409", "taken")))
		if hasHint(a, HintIdentifierTaken) || !hasHint(a, HintConflict) {
			t.Errorf("hints %+v", a.Hints)
		}
	})
	t.Run("Entra's group listing refused is no Import Groups checkbox", func(t *testing.T) {
		a := NewClassifier().Annotate(withEffects(req("GET", "/scim/v2/Groups?startIndex=1&count=100", entraUA, "", 501, errBody("501", "no import")),
			exchange.Effect{Kind: exchange.EffectImportRefused, Detail: "Groups"}))
		if hasHint(a, HintImportGroups) {
			t.Errorf("hints %+v", a.Hints)
		}
	})
	t.Run("a refused user listing is no Import Groups checkbox", func(t *testing.T) {
		a := NewClassifier().Annotate(withEffects(req("GET", "/scim/v2/Users?startIndex=1&count=100", oktaUA, "", 501, errBody("501", "no import")),
			exchange.Effect{Kind: exchange.EffectImportRefused, Detail: "Users"}))
		if hasHint(a, HintImportGroups) {
			t.Errorf("hints %+v", a.Hints)
		}
	})
	t.Run("effects on a success", func(t *testing.T) {
		a := NewClassifier().Annotate(withEffects(req("DELETE", "/scim/v2/Users/u1", entraUA, "", 204, ""),
			exchange.Effect{Kind: exchange.EffectKeptInactive}))
		if a.Failed || len(a.Hints) != 0 {
			t.Errorf("annotation %+v", a)
		}
	})
}

func TestSenderForProfileKnobs(t *testing.T) {
	c := NewClassifier()
	rec := func(method, target, ua, body string) *exchange.Record {
		p, q, _ := strings.Cut(target, "?")
		return &exchange.Record{Method: method, Path: p, Query: q, UserAgent: ua, ReqBody: []byte(body)}
	}
	if got := c.Sender(rec("POST", "/scim/v2/Users", oktaUA, oktaCreateT3)); got != exchange.Okta {
		t.Errorf("Okta's User-Agent: %s", got)
	}
	entraPatch := `{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`
	if got := c.Sender(rec("PATCH", "/scim/v2/Users/u1", "", entraPatch)); got != exchange.Entra {
		t.Errorf("Entra's PATCH without a User-Agent: %s", got)
	}
	if got := c.Sender(rec("GET", "/scim/v2/Users/u1", "curl/8.0", "")); got != exchange.Unknown {
		t.Errorf("curl: %s", got)
	}
	anonymous := rec("GET", "/scim/v2/Users/u1", "", "")
	if got := c.Sender(anonymous); got != exchange.Unknown {
		t.Errorf("nothing to go on yet: %s", got)
	}
	// After Entra traffic, a request without evidence is taken as Entra's, as Annotate does.
	c.Annotate(req("POST", "/scim/v2/Users", entraUA, entraCreateT3, 201, userJSON("u1", "t3@contoso.com", true)))
	if got := c.Sender(anonymous); got != exchange.Entra {
		t.Errorf("after Entra traffic: %s", got)
	}
}

// TestProfileHintsDocumented keeps docs/profiles.md's table of hints complete.
func TestProfileHintsDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "profiles.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []exchange.Cause{HintSeatLimit, HintImportGroups, HintNoGroups, HintDeleteRefused, HintIdentifierNotEmail,
		HintIdentifierTaken, HintIndependentAccount, HintRequiredAttribute} {
		if !strings.Contains(string(b), "| `"+string(c)+"` |") {
			t.Errorf("docs/profiles.md does not list the hint %s", c)
		}
	}
}

// TestClassifierReset: after a reset the classifier knows what a new one knows, and
// keeps the names it was given.
func TestClassifierReset(t *testing.T) {
	c := NewClassifier()
	names := staticNames{}
	c.SetNames(names)
	c.Annotate(req("GET", "/scim/v2/Users?startIndex=1&count=2", oktaUA, "", 200, emptyList))
	c.Annotate(req("POST", "/scim/v2/Users", oktaUA, oktaCreateT3, 201, userJSON("u1", "t3@example.com", true)))
	c.Reset()
	fresh := NewClassifier()
	fresh.SetNames(names)
	if !reflect.DeepEqual(c, fresh) {
		t.Errorf("after Reset:\n%+v\nwant\n%+v", c, fresh)
	}
	if got := c.Sender(&exchange.Record{Method: "GET", Path: "/scim/v2/Users/u1"}); got != exchange.Unknown {
		t.Errorf("the IdP survived the reset: %s", got)
	}
}
