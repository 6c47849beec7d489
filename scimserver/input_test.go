package scimserver

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/quirk"
)

// A body that is not UTF-8 is refused before it is decoded: encoding/json would store
// U+FFFD in place of each bad byte, a value other than the one sent. Every JSON body is
// checked: creates, replaces, PATCHes and searches, of users and groups.
func TestInvalidUTF8BodyIsRefused(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.createUser("alice@example.com", nil)
	team := e.createGroup("Team")
	bad := "bad\xff\xfe"
	cases := []struct{ method, path, body string }{
		{"POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + bad + `"}`},
		{"PUT", "/Users/" + alice, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@example.com","displayName":"` + bad + `"}`},
		{"PATCH", "/Users/" + alice, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"` + bad + `"}]}`},
		{"POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"` + bad + `\""}`},
		{"POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"` + bad + `"}`},
		{"PUT", "/Groups/" + team, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"` + bad + `"}`},
		{"PATCH", "/Groups/" + team, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"` + bad + `"}]}`},
		{"POST", "/Groups/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"displayName eq \"` + bad + `\""}`},
		{"POST", "/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"` + bad + `\""}`},
	}
	for _, c := range cases {
		t.Run(c.method+" "+strings.SplitN(c.path, "/", 3)[1], func(t *testing.T) {
			r := e.do(c.method, c.path, []byte(c.body), nil)
			checkError(t, r, http.StatusBadRequest, ScimTypeInvalidSyntax)
			if !strings.Contains(r.str("detail"), "UTF-8") || !strings.Contains(r.str("detail"), "0xff") {
				t.Errorf("detail %q does not say which byte is not UTF-8", r.str("detail"))
			}
		})
	}
	users := e.must(e.do("GET", "/Users", nil, nil), 200)
	if users.str("totalResults") != "1" {
		t.Errorf("users after the refusals: %s", users.raw)
	}
	u := e.must(e.do("GET", "/Users/"+alice, nil, nil), 200)
	g := e.must(e.do("GET", "/Groups/"+team, nil, nil), 200)
	if strings.Contains(string(u.raw)+string(g.raw), "\uFFFD") || u.str("displayName") != "" || g.str("displayName") != "Team" {
		t.Errorf("a refused body changed a resource: %s %s", u.raw, g.raw)
	}
	// Valid multi-byte UTF-8 is of course accepted.
	e.createUser("zoë@example.com", nil)
}

// A read-only attribute may be echoed with its stored value (Okta sends the id back in
// its PUT and in its group rename), but a different value is a change the server does
// not make: 400 mutability in both modes, and nothing of the request is applied, even
// when the read-only change is one operation of several.
func TestReadOnlyChangeIsRefusedInBothModes(t *testing.T) {
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			e := newEnv(t, Config{Strict: strict})
			alice := e.createUser("alice@example.com", map[string]any{"displayName": "Alice"})
			team := e.createGroup("Team", alice)
			before := e.must(e.do("GET", "/Users/"+alice, nil, nil), 200)
			refused := []struct {
				name, method, path, body string
			}{
				{"PATCH id path", "PATCH", "/Users/" + alice, `{` + patchOp + `,"Operations":[{"op":"replace","path":"id","value":"x"}]}`},
				{"PATCH id among other ops", "PATCH", "/Users/" + alice, `{` + patchOp + `,"Operations":[{"op":"replace","path":"displayName","value":"Changed"},{"op":"replace","path":"id","value":"x"},{"op":"replace","path":"active","value":false}]}`},
				{"PATCH path-less id", "PATCH", "/Users/" + alice, `{` + patchOp + `,"Operations":[{"op":"replace","value":{"id":"x","displayName":"Changed"}}]}`},
				{"PATCH meta.created", "PATCH", "/Users/" + alice, `{` + patchOp + `,"Operations":[{"op":"replace","path":"meta.created","value":"2001-01-01T00:00:00Z"}]}`},
				{"PUT with another id", "PUT", "/Users/" + alice, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"x","userName":"alice@example.com","displayName":"Changed"}`},
				{"group rename with another id", "PATCH", "/Groups/" + team, `{` + patchOp + `,"Operations":[{"op":"replace","value":{"id":"x","displayName":"Changed"}}]}`},
				{"group PUT with another id", "PUT", "/Groups/" + team, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"x","displayName":"Changed","members":[]}`},
			}
			for _, c := range refused {
				r := e.do(c.method, c.path, c.body, nil)
				checkError(t, r, 400, ScimTypeMutability)
				if !strings.Contains(r.str("detail"), "read-only") {
					t.Errorf("%s: detail %q", c.name, r.str("detail"))
				}
			}
			after := e.must(e.do("GET", "/Users/"+alice, nil, nil), 200)
			if after.header.Get("ETag") != before.header.Get("ETag") || after.str("displayName") != "Alice" || after.str("active") != "true" {
				t.Errorf("a refused request changed the user: %s", after.raw)
			}
			g := e.must(e.do("GET", "/Groups/"+team, nil, nil), 200)
			if g.str("displayName") != "Team" || !strings.Contains(string(g.raw), alice) {
				t.Errorf("a refused request changed the group: %s", g.raw)
			}

			// The same id echoed back is no change, in both modes.
			e.must(e.do("PUT", "/Users/"+alice, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"`+alice+`","userName":"alice@example.com","displayName":"Alice 2","meta":{"resourceType":"User"}}`, nil), 200)
			e.must(e.do("PATCH", "/Groups/"+team, `{`+patchOp+`,"Operations":[{"op":"replace","value":{"id":"`+team+`","displayName":"Team 2"}}]}`, nil), 204)
			e.must(e.do("PATCH", "/Users/"+alice, `{`+patchOp+`,"Operations":[{"op":"replace","path":"id","value":"`+alice+`"}]}`, nil), 200)
		})
	}
}

// attributes=emails[type eq "work"] names no attribute; the server keeps answering as
// before (the filtered attribute selects nothing) but notes the quirk, so the inspector
// can say why emails is missing. Plain attribute names note nothing.
func TestAttributesFilterIsNoted(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.createUser("alice@example.com", nil)
	events, cancel := e.srv.Subscribe(16)
	defer cancel()
	for _, c := range []struct {
		method, path, body string
		noted              bool
	}{
		{"GET", `/Users?attributes=emails[type eq "work"]`, "", true},
		{"GET", `/Users/` + alice + `?attributes=userName,emails[type eq "work"].value`, "", true},
		{"GET", `/Users/` + alice + `?excludedAttributes=emails[type eq "work"]`, "", true},
		{"POST", `/Users/.search`, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"attributes":["emails[type eq \"work\"]"]}`, true},
		{"GET", `/Users?attributes=emails`, "", false},
		{"GET", `/Users/` + alice + `?attributes=emails.value`, "", false},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := e.must(e.do(c.method, c.path, body, nil), 200)
		if c.noted && strings.Contains(string(r.raw), "alice@example.com\",\"type") {
			t.Errorf("%s: emails answered although the spec selected nothing: %s", c.path, r.raw)
		}
		ev := nextEvent(t, events, c.method)
		if got := slices.Contains(ev.Quirks, quirk.AttributesFilter); got != c.noted {
			t.Errorf("%s %s: quirk noted %v, want %v (quirks %v)", c.method, c.path, got, c.noted, ev.Quirks)
		}
	}
}

// A member with a sub-attribute members does not have is a bad value, not a bad path
// (RFC 7644 §3.12): the path "members" is right. A bad sub-attribute in the path itself
// stays invalidPath. Nothing is added either way.
func TestBadMemberSubAttributeIsInvalidValue(t *testing.T) {
	e := newEnv(t, Config{})
	u := e.createUser("alice@example.com", nil)
	g := e.createGroup("Team")
	for _, c := range []struct{ ops, scimType string }{
		{`[{"op":"add","path":"members","value":[{"value":"` + u + `","bogus":1}]}]`, ScimTypeInvalidValue},
		{`[{"op":"add","value":{"members":[{"value":"` + u + `","bogus":1}]}}]`, ScimTypeInvalidValue},
		{`[{"op":"replace","path":"members","value":[{"value":"` + u + `","Bogus":"x"}]}]`, ScimTypeInvalidValue},
		{`[{"op":"add","path":"members","value":[{"value":5}]}]`, ScimTypeInvalidValue},
		{`[{"op":"add","path":"members[value eq \"` + u + `\"].bogus","value":"x"}]`, ScimTypeInvalidPath},
	} {
		r := e.do("PATCH", "/Groups/"+g, `{`+patchOp+`,"Operations":`+c.ops+`}`, nil)
		checkError(t, r, 400, c.scimType)
	}
	if r := e.must(e.do("GET", "/Groups/"+g, nil, nil), 200); strings.Contains(string(r.raw), u) {
		t.Errorf("a refused PATCH added the member: %s", r.raw)
	}
}

// Entra's older manager shape, a one-element list, is no bare manager: it gets its own
// badge; the bare id string keeps "bare manager". Both store {"value": id}.
func TestManagerShapesAreBadgedApart(t *testing.T) {
	e := newEnv(t, Config{})
	boss := e.createUser("boss@example.com", nil)
	alice := e.createUser("alice@example.com", nil)
	events, cancel := e.srv.Subscribe(8)
	defer cancel()
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	for _, c := range []struct {
		value string
		want  quirk.Quirk
		not   quirk.Quirk
	}{
		{`[{"$ref":"https://x/scim/v2/Users/` + boss + `","value":"` + boss + `"}]`, quirk.ManagerArray, quirk.BareManager},
		{`"` + boss + `"`, quirk.BareManager, quirk.ManagerArray},
	} {
		r := e.must(e.do("PATCH", "/Users/"+alice, `{`+patchOp+`,"Operations":[{"op":"Add","path":"`+ent+`:manager","value":`+c.value+`}]}`, hdr{"User-Agent": ""}), 200)
		if got := r.str(ent + ".manager.value"); got != boss {
			t.Errorf("manager stored as %q: %s", got, r.raw)
		}
		ev := nextEvent(t, events, "PATCH")
		if !slices.Contains(ev.Quirks, c.want) || slices.Contains(ev.Quirks, c.not) {
			t.Errorf("%s: quirks %v, want %s and not %s", c.value, ev.Quirks, c.want, c.not)
		}
		if info := quirk.Describe(c.want); c.want == quirk.ManagerArray && strings.Contains(info.Badge, "bare") {
			t.Errorf("the list shape is badged %q", info.Badge)
		}
	}
}

// nextEvent returns the next event of a request with the given method, skipping those
// of requests sent before the subscription, which the asynchronous recorder may still
// be publishing.
func nextEvent(t *testing.T, events <-chan exchange.Event, method string) exchange.Event {
	t.Helper()
	for ev := range events {
		if ev.Method == method && !(method == "POST" && ev.Path == BasePath+"/Users") {
			return ev
		}
	}
	t.Fatal("the event stream ended")
	return exchange.Event{}
}

// Entra's role assignments carry a JSON document inside the value string, and its custom
// extension attributes arrive under a URN the body's schemas do not list
// (idp-wire-format.md §0.2, corrections 9 and 10): both are accepted as sent.
func TestEntraRolesAndCustomExtensions(t *testing.T) {
	e := newEnv(t, Config{})
	const custom = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"
	r := e.must(e.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@example.com","active":true,"`+custom+`":{"badgeId":"42"}}`, hdr{"User-Agent": ""}), 201)
	id := r.str("id")
	if r.str(custom+".badgeId") != "42" || !strings.Contains(r.str("schemas"), custom) {
		t.Errorf("custom extension: %s", r.raw)
	}
	role := `{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"Admin\",\"displayName\":\"Admin\"}`
	e.must(e.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"Add","path":"roles","value":[{"value":"`+role+`"}]}]}`, hdr{"User-Agent": ""}), 200)
	got := e.must(e.do("GET", "/Users/"+id, nil, nil), 200)
	if !strings.Contains(string(got.raw), `"value":"{\"id\":\"06b07648`) {
		t.Errorf("the role's JSON string was not kept as sent: %s", got.raw)
	}
}
