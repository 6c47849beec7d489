package idp

import (
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// at returns ex with its time set d after t0, for sequences whose timing matters.
func at(ex *exchange.Record, d time.Duration) *exchange.Record {
	ex.Time = t0.Add(d)
	return ex
}

// The corrections of idp-wire-format.md §0.2 (version 3), and the label fixes that go
// with them, each on requests that must show the new label and on ones that must not.
func TestWireFormatCorrections(t *testing.T) {
	const groupsList = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[{"id":"g1","displayName":"Sales"}]}`
	const notFound = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"no User with id"}`
	alice := userJSON("u1", "alice@example.com", true)
	test := func(d time.Duration) *exchange.Record {
		return at(req("GET", "/scim/v2/Users?startIndex=1&count=2", oktaUA, "", 200, emptyList), d)
	}
	groupsPage := func(d time.Duration) *exchange.Record {
		return at(req("GET", "/scim/v2/Groups?startIndex=1&count=100", oktaUA, "", 200, groupsList), d)
	}
	usersPage := func(d time.Duration) *exchange.Record {
		return at(req("GET", "/scim/v2/Users?startIndex=1&count=100", oktaUA, "", 200, emptyList), d)
	}
	tests := []struct {
		name    string
		prior   []*exchange.Record
		ex      *exchange.Record
		step    exchange.Step
		summary string // exact, when set
		has     string // a substring the summary must hold
		hasNot  string // a substring it must not hold
		hint    exchange.Cause
		noHint  exchange.Cause
	}{
		// Okta's Save: the test connection, then the groups listing. The same listing right
		// after a users import is a page of a groups import.
		{name: "groups listing right after the test connection saves the settings", prior: []*exchange.Record{test(0)},
			ex: groupsPage(time.Second), step: exchange.StepImportGroups, summary: "Okta saved the provisioning settings and read the app's groups (1 group)"},
		{name: "groups listing right after a users import is an import page", prior: []*exchange.Record{test(0), usersPage(10 * time.Second)},
			ex: groupsPage(11 * time.Second), step: exchange.StepImportGroups, summary: "Okta imported groups, page 1 (1 group of 1)", hasNot: "saved"},

		// §0.2.1: Okta looks a pushed group up by name.
		{name: "Okta group lookup by displayName", ex: req("GET", `/scim/v2/Groups?filter=displayName%20eq%20%22Sales%22&startIndex=1&count=100`, oktaUA, "", 200, emptyList),
			step: exchange.StepGroupLookup, summary: "Okta looked up pushed group Sales by name: not found"},
		{name: "Entra group lookup keeps its own words", ex: req("GET", `/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales%22`, entraUA, "", 200, emptyList),
			step: exchange.StepGroupLookup, summary: "Entra looked up group Sales: not found"},

		// §0.2.6: Entra does not re-create a resource it addresses by id that is gone.
		{name: "Entra reads a user that is gone", ex: req("GET", "/scim/v2/Users/u1", entraUA, "", 404, notFound),
			step: exchange.StepUserLookup, hint: HintEntraInvalidAnchor, has: "not found"},
		{name: "Entra patches a user that is gone", ex: req("PATCH", "/scim/v2/Users/u1", entraUA, patchJSON(`{"op":"Replace","path":"title","value":"x"}`), 404, notFound),
			step: exchange.StepUpdateUser, hint: HintEntraInvalidAnchor},
		{name: "Entra patches a group that is gone", ex: req("PATCH", "/scim/v2/Groups/g1", entraUA, patchJSON(`{"op":"Add","path":"members","value":[{"value":"u1"}]}`), 404, notFound),
			step: exchange.StepAddMembers, hint: HintEntraInvalidAnchor},
		{name: "Okta reading a user that is gone is Okta's own story", ex: req("GET", "/scim/v2/Users/u1", oktaUA, "", 404, notFound),
			step: exchange.StepUserLookup, hint: HintOktaUserGone, noHint: HintEntraInvalidAnchor},
		{name: "Entra's filter 404 is no anchor problem", ex: req("GET", "/scim/v2/Users?filter=userName+eq+%22x%22", entraUA, "", 404, notFound),
			step: exchange.StepUserLookup, hint: HintEntraFilter404, noHint: HintEntraInvalidAnchor},
		{name: "Entra deleting a user that is gone", ex: req("DELETE", "/scim/v2/Users/u1", entraUA, "", 404, notFound),
			step: exchange.StepDeleteUser, noHint: HintEntraInvalidAnchor},

		// §0.2.7: Entra may send "Add" for active, as a string.
		{name: "Entra Add active False deactivates", prior: []*exchange.Record{req("POST", "/scim/v2/Users", entraUA, `{"userName":"alice@example.com"}`, 201, alice)},
			ex: req("PATCH", "/scim/v2/Users/u1", entraUA, patchJSON(`{"op":"Add","path":"active","value":"False"}`), 200, ""), step: exchange.StepDeactivateUser},
		{name: "Entra Add active True reactivates", prior: []*exchange.Record{req("POST", "/scim/v2/Users", entraUA, `{"userName":"alice@example.com"}`, 201, userJSON("u1", "alice@example.com", false))},
			ex: req("PATCH", "/scim/v2/Users/u1", entraUA, patchJSON(`{"op":"Add","path":"active","value":"True"}`), 200, ""), step: exchange.StepReactivateUser},

		// §0.2.9: roles as JSON in a string; §0.2.10: a custom extension not in schemas.
		{name: "Entra role assignment", prior: []*exchange.Record{req("POST", "/scim/v2/Users", entraUA, `{"userName":"alice@example.com"}`, 201, alice)},
			ex:   req("PATCH", "/scim/v2/Users/u1", entraUA, patchJSON(`{"op":"Add","path":"roles","value":[{"value":"{\"id\":\"06b07648\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]}`), 200, ""),
			step: exchange.StepUpdateUser, summary: "Entra updated user alice@example.com (roles)"},
		{name: "Entra custom extension attribute", prior: []*exchange.Record{req("POST", "/scim/v2/Users", entraUA, `{"userName":"alice@example.com"}`, 201, alice)},
			ex:   req("PATCH", "/scim/v2/Users/u1", entraUA, patchJSON(`{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:badgeId","value":"42"}`), 200, ""),
			step: exchange.StepUpdateUser, summary: "Entra updated user alice@example.com (badgeId)"},

		// Okta's password sync names no password.
		{name: "Okta password PATCH", prior: []*exchange.Record{req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, alice)},
			ex:   req("PATCH", "/scim/v2/Users/u1", oktaUA, patchJSON(`{"op":"replace","value":{"password":"S3cret-Value!"}}`), 204, ""),
			step: exchange.StepUpdateUser, summary: "Okta synced the password of user alice@example.com", hasNot: "S3cret"},
		{name: "Okta AIW PUT that only carries the password", prior: []*exchange.Record{req("GET", "/scim/v2/Users/u1", oktaUA, "", 200, alice)},
			ex:   req("PUT", "/scim/v2/Users/u1", oktaUA, `{"id":"u1","userName":"alice@example.com","active":true,"password":"[redacted]"}`, 200, alice),
			step: exchange.StepUpdateUser, summary: "Okta synced the password of user alice@example.com"},
		{name: "Okta AIW PUT without a password says nothing of one", prior: []*exchange.Record{req("GET", "/scim/v2/Users/u1", oktaUA, "", 200, alice)},
			ex:   req("PUT", "/scim/v2/Users/u1", oktaUA, `{"id":"u1","userName":"alice@example.com","active":true}`, 200, alice),
			step: exchange.StepUpdateUser, summary: "Okta updated user alice@example.com (no attribute changed)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClassifier()
			for _, p := range tt.prior {
				c.Annotate(p)
			}
			a := c.Annotate(tt.ex)
			if a.Step != tt.step {
				t.Errorf("step %q, want %q (summary %q)", a.Step, tt.step, a.Summary)
			}
			if tt.summary != "" && a.Summary != tt.summary {
				t.Errorf("summary %q\n   want %q", a.Summary, tt.summary)
			}
			if tt.has != "" && !strings.Contains(a.Summary, tt.has) {
				t.Errorf("summary %q lacks %q", a.Summary, tt.has)
			}
			if tt.hasNot != "" && strings.Contains(a.Summary, tt.hasNot) {
				t.Errorf("summary %q holds %q", a.Summary, tt.hasNot)
			}
			if tt.hint != "" && !hasHint(a, tt.hint) {
				t.Errorf("no %s hint: %v", tt.hint, a.Hints)
			}
			if tt.noHint != "" && hasHint(a, tt.noHint) {
				t.Errorf("unexpected %s hint: %v", tt.noHint, a.Hints)
			}
			for _, h := range a.Hints {
				if h.Cause == HintEntraInvalidAnchor && (!strings.Contains(h.Text, "does not re-create") || !strings.Contains(h.Text, "InvalidAnchor") || !strings.Contains(h.Text, "Restart provisioning")) {
					t.Errorf("the anchor hint does not say what Entra does and what to do: %q", h.Text)
				}
			}
		})
	}
}

// The walkthroughs say what idp-wire-format.md §0.2 corrected: suspending a person in
// Okta sends nothing (correction 3), and no step promises that Entra re-creates a
// resource it lost (correction 6).
func TestWalkthroughsFollowTheCorrections(t *testing.T) {
	var unassign string
	for _, d := range oktaSteps {
		if d.id == "okta-unassign" {
			unassign = d.instruction
		}
	}
	if !strings.Contains(unassign, "Suspending the person sends nothing") {
		t.Errorf("the unassign step does not say that suspending sends nothing: %q", unassign)
	}
	for _, d := range append(append([]stepDef{}, oktaSteps...), entraSteps...) {
		if strings.Contains(strings.ToLower(d.instruction), "re-create") && !strings.Contains(d.instruction, "does not re-create") {
			t.Errorf("%s promises a re-create: %q", d.id, d.instruction)
		}
	}
}
