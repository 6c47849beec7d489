package scimserver

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/scim/quirk"
)

// TestStrictRefusalsCarryTheirQuirk checks that strict mode, besides answering what a
// strict RFC server answers, records the quirk it refused: the request log's badge is how
// the admin learns why the IdP's request failed, and RefusedBy is what the diagnosis
// names.
func TestStrictRefusalsCarryTheirQuirk(t *testing.T) {
	const patchOp = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	tests := []struct {
		name       string
		method     string
		path       string // {user}, {alice} and {group} are filled in
		body       string
		wantStatus int
		wantType   string
		wantQuirk  quirk.Quirk
	}{
		{"string boolean in a user", "POST", "/Users", `{` + coreUser + `,"userName":"sb@x","active":"False"}`, 400, "invalidValue", "string-boolean"},
		{"unknown schema URN", "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","urn:example:typo"],"displayName":"G2"}`, 400, "invalidValue", "unknown-schema-urn"},
		{"bare manager in a user", "POST", "/Users", `{` + coreUser + `,"userName":"m@x","` + ent + `":{"manager":"{alice}"}}`, 400, "invalidValue", "bare-manager"},
		{"unquoted filter value", "GET", "/Users?filter=" + url.QueryEscape(`userName eq bob`), "", 400, "invalidFilter", "unquoted-filter-value"},
		{"string boolean in a filter", "GET", "/Users?filter=" + url.QueryEscape(`active eq "true"`), "", 400, "invalidFilter", "string-boolean"},
		{"sub-attribute after a value filter", "GET", "/Users?filter=" + url.QueryEscape(`emails[type eq "work"].value eq "u@x"`), "", 400, "invalidFilter", "filter-value-path-sub-attr"},
		{"capitalised op", "PATCH", "/Users/{user}", `{` + patchOp + `,"Operations":[{"op":"Replace","path":"title","value":"x"}]}`, 400, "invalidSyntax", "capitalised-op"},
		{"no PatchOp schema", "PATCH", "/Users/{user}", `{"Operations":[{"op":"replace","path":"title","value":"x"}]}`, 400, "invalidSyntax", "patchop-schema-missing"},
		{"dotted keys", "PATCH", "/Users/{user}", `{` + patchOp + `,"Operations":[{"op":"replace","value":{"name.givenName":"X"}}]}`, 400, "invalidPath", "dotted-patch-keys"},
		{"replace through a filter that matches nothing", "PATCH", "/Users/{user}", `{` + patchOp + `,"Operations":[{"op":"replace","path":"emails[type eq \"home\"].value","value":"h@x"}]}`, 400, "noTarget", "filter-no-match-creates"},
		{"remove of an absent member", "PATCH", "/Groups/{group}", `{` + patchOp + `,"Operations":[{"op":"remove","path":"members[value eq \"nobody\"]"}]}`, 400, "noTarget", "remove-absent-value"},
		{"read-only groups removed", "PATCH", "/Users/{user}", `{` + patchOp + `,"Operations":[{"op":"remove","path":"groups"}]}`, 400, "mutability", "read-only-echo"},
		{"bare manager in a PATCH", "PATCH", "/Users/{user}", `{` + patchOp + `,"Operations":[{"op":"replace","path":"` + ent + `:manager","value":"{alice}"}]}`, 400, "invalidValue", "bare-manager"},
		{"unquoted value in a PATCH path", "PATCH", "/Groups/{group}", `{` + patchOp + `,"Operations":[{"op":"remove","path":"members[value eq nobody]"}]}`, 400, "invalidPath", "unquoted-filter-value"},
		// Strict mode reads remove-by-value as RFC 7644 does and empties the group: a
		// success whose badge explains where the members went.
		{"remove by value", "PATCH", "/Groups/{group}", `{` + patchOp + `,"Operations":[{"op":"remove","path":"members","value":[{"value":"{alice}"}]}]}`, 204, "", "member-remove-by-value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Config{})
			alice := e.createUser("alice@example.com", nil)
			user := e.createUser("u@x", nil)
			group := e.createGroup("G", alice, user)
			fill := strings.NewReplacer("{alice}", alice, "{user}", user, "{group}", group)
			e.srv.SetStrict(true)
			events, cancel := e.srv.Subscribe(16)
			defer cancel()

			var body any
			if tc.body != "" {
				body = fill.Replace(tc.body)
			}
			path := fill.Replace(tc.path)
			r := e.do(tc.method, path, body, nil)
			if tc.wantType != "" {
				checkError(t, r, tc.wantStatus, tc.wantType)
			} else if r.status != tc.wantStatus && !(tc.method == "PATCH" && r.status == 200 && tc.wantStatus == 204) {
				t.Fatalf("status %d, want %d: %s", r.status, tc.wantStatus, r.raw)
			}

			p, _, _ := strings.Cut(path, "?")
			deadline := time.After(10 * time.Second)
			for {
				select {
				case ev := <-events:
					if ev.Method != tc.method || ev.Path != BasePath+p || ev.Status != r.status {
						continue // the setup's requests, still on their way
					}
					if !slices.Contains(ev.Quirks, tc.wantQuirk) {
						t.Errorf("recorded quirks %v, want %s", ev.Quirks, tc.wantQuirk)
					}
					if tc.wantType != "" && ev.ErrorDetail == "" {
						t.Error("no error detail recorded")
					}
					// A refusal names the quirk that caused it; a success refuses nothing.
					wantRefused := tc.wantQuirk
					if tc.wantType == "" {
						wantRefused = ""
					}
					if !ev.Strict || ev.RefusedBy != wantRefused || (tc.wantType != "" && ev.ScimType != tc.wantType) {
						t.Errorf("recorded strict %v, refused by %q, scimType %q; want strict, refused by %q, %q", ev.Strict, ev.RefusedBy, ev.ScimType, wantRefused, tc.wantType)
					}
					if tc.name == "remove by value" {
						if n := e.must(e.do("GET", "/Groups/"+group, nil, nil), 200).str("members"); n != "" && n != "[]" {
							t.Errorf("strict remove by value left members %s", n)
						}
					}
					return
				case <-deadline:
					t.Fatal("the request was never recorded")
				}
			}
		})
	}
}
