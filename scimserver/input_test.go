package scimserver

import (
	"net/http"
	"strings"
	"testing"
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
