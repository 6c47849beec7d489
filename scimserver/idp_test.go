package scimserver

import (
	"strings"
	"testing"
)

// The requests below are the ones Okta and Microsoft Entra ID send, byte for byte where
// the wire-format notes have them, in the order a provisioning run sends them. Each step
// may use ids captured by earlier steps.

var oktaHeaders = hdr{
	"Accept":          "application/scim+json",
	"Accept-Charset":  "utf-8",
	"Accept-Encoding": "gzip,deflate",
	"User-Agent":      "Okta SCIM Client 1.0.0",
	"Content-Type":    "application/scim+json; charset=utf-8",
}

// Entra's test connection arrived without a User-Agent in at least one report.
var entraHeaders = hdr{
	"User-Agent":   "",
	"Content-Type": "application/scim+json; charset=utf-8",
}

type idpStep struct {
	name   string
	method string
	path   string // may contain {user}, {user2}, {group}
	body   string
	status int
	check  func(t *testing.T, r resp, vars map[string]string)
}

func runSteps(t *testing.T, e *testEnv, headers hdr, vars map[string]string, steps []idpStep) {
	t.Helper()
	for _, st := range steps {
		ok := t.Run(st.name, func(t *testing.T) {
			expand := func(s string) string {
				for k, v := range vars {
					s = strings.ReplaceAll(s, "{"+k+"}", v)
				}
				return s
			}
			var body any
			if st.body != "" {
				body = expand(st.body)
			}
			h := hdr{}
			for k, v := range headers {
				h[k] = v
			}
			if body == nil {
				delete(h, "Content-Type")
			}
			r := e.do(st.method, expand(st.path), body, h)
			if r.status != st.status {
				t.Fatalf("%s %s: status %d, want %d\n%s", st.method, expand(st.path), r.status, st.status, r.raw)
			}
			if st.check != nil {
				st.check(t, r, vars)
			}
		})
		if !ok {
			t.FailNow()
		}
	}
}

func emptyList(t *testing.T, r resp, _ map[string]string) {
	t.Helper()
	if r.str("totalResults") != "0" || r.str("Resources") != "[]" {
		t.Errorf("want an empty ListResponse, got %s", r.raw)
	}
}

func capture(name string) func(t *testing.T, r resp, vars map[string]string) {
	return func(t *testing.T, r resp, vars map[string]string) {
		if r.str("id") == "" {
			t.Fatalf("no id in %s", r.raw)
		}
		vars[name] = r.str("id")
	}
}

func expect(pairs ...string) func(t *testing.T, r resp, vars map[string]string) {
	return func(t *testing.T, r resp, vars map[string]string) {
		t.Helper()
		for i := 0; i+1 < len(pairs); i += 2 {
			want := pairs[i+1]
			for k, v := range vars {
				want = strings.ReplaceAll(want, "{"+k+"}", v)
			}
			if got := r.str(pairs[i]); got != want {
				t.Errorf("%s = %q, want %q", pairs[i], got, want)
			}
		}
	}
}

func TestOktaProvisioningRun(t *testing.T) {
	e := newEnv(t, Config{})
	vars := map[string]string{}
	steps := []idpStep{
		{"1.1 test connection", "GET", "/Users?startIndex=1&count=2", "", 200, func(t *testing.T, r resp, _ map[string]string) {
			if _, ok := r.body["itemsPerPage"].(float64); !ok {
				t.Errorf("itemsPerPage must be a number: %s", r.raw)
			}
		}},
		{"1.1 save To-App settings", "GET", "/Groups?startIndex=1&count=100", "", 200, emptyList},
		{"1.3 lookup before create", "GET", "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100", "", 200, emptyList},
		{"1.3 create user", "POST", "/Users", `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "userName": "test.user@okta.local",
  "name": {"givenName": "Test", "familyName": "User"},
  "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
  "displayName": "Test User",
  "locale": "en-US",
  "title": "Manager",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Engineering"},
  "externalId": "00ujl29u0le5T6Aj10h7",
  "groups": [],
  "password": "1mz050nq",
  "active": true
}`, 201, func(t *testing.T, r resp, vars map[string]string) {
			capture("user")(t, r, vars)
			expect("userName", "test.user@okta.local", "externalId", "00ujl29u0le5T6Aj10h7",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department", "Engineering", "password", "")(t, r, vars)
		}},
		{"1.3 duplicate create", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local","active":true}`, 409,
			expect("status", "409", "scimType", "uniqueness")},
		{"1.3 second user", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"second@okta.local","name":{"givenName":"S","familyName":"U"},"emails":[{"primary":true,"value":"second@okta.local","type":"work"}],"externalId":"00u2","groups":[],"password":"abcdefgh","active":true}`, 201, capture("user2")},
		{"1.3 lookup finds the user", "GET", "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100", "", 200,
			expect("totalResults", "1")},
		{"1.2 import page 1", "GET", "/Users?startIndex=1&count=100", "", 200, expect("totalResults", "2", "itemsPerPage", "2")},
		{"1.2 import page 2", "GET", "/Users?startIndex=101&count=100", "", 200, expect("totalResults", "2", "itemsPerPage", "0", "startIndex", "101")},
		{"1.4 read before update", "GET", "/Users/{user}", "", 200, nil},
	}
	runSteps(t, e, oktaHeaders, vars, steps)

	// 1.4: PUT a copy of the GET reply with changed attributes, incl. id, meta, groups.
	got := e.must(e.do("GET", "/Users/"+vars["user"], nil, oktaHeaders), 200)
	got.body["title"] = "Director"
	got.body["groups"] = []any{}
	r := e.must(e.do("PUT", "/Users/"+vars["user"], got.body, oktaHeaders), 200)
	if r.str("title") != "Director" || r.str("id") != vars["user"] {
		t.Fatalf("1.4 PUT: %s", r.raw)
	}

	steps = []idpStep{
		{"1.5 deactivate (OIN, no path)", "PATCH", "/Users/{user}", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations": [{"op": "replace", "value": {"active": false}}]}`, 200, expect("active", "false")},
		{"1.5 reactivate", "PATCH", "/Users/{user}", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations": [{"op": "replace", "value": {"active": true}}]}`, 200, expect("active", "true")},
		{"1.5 password sync", "PATCH", "/Users/{user}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"n3wpass"}}]}`, 200, expect("password", "")},
		{"1.6 push group (OIN)", "POST", "/Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
 "displayName": "Test SCIMv2",
 "members": []}`, 201, capture("group")},
		{"1.6 push group (AIW, pre-filled)", "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"AIW group","members":[{"value":"{user}","display":"test.user@okta.local"}]}`, 201,
			expect("members", `[{"$ref":"`+e.base+`/Users/{user}","display":"test.user@okta.local","type":"User","value":"{user}"}]`)},
		{"1.6 rename (sent before every membership push)", "PATCH", "/Groups/{group}", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations": [{"op": "replace",
                 "value": {"id": "{group}", "displayName": "Test SCIMv2"}}]}`, 204, nil},
		{"1.6 add member", "PATCH", "/Groups/{group}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"{user}","display":"test.user@okta.local"}]}]}`, 204, nil},
		{"1.6 remove and add in one request", "PATCH", "/Groups/{group}", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations": [
   {"op": "remove", "path": "members[value eq \"{user}\"]"},
   {"op": "add", "path": "members",
    "value": [{"value": "{user2}", "display": "second@okta.local"}]}]}`, 204, nil},
		{"members after the swap", "GET", "/Groups/{group}", "", 200, expect("members", `[{"$ref":"`+e.base+`/Users/{user2}","display":"second@okta.local","type":"User","value":"{user2}"}]`)},
		{"1.6 full re-push", "PATCH", "/Groups/{group}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"members","value":[{"value":"{user}","display":"test.user@okta.local"},{"value":"{user2}","display":"second@okta.local"}]}]}`, 204, nil},
		{"1.6 empty re-push clears", "PATCH", "/Groups/{group}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"members","value":[]}]}`, 204, nil},
		{"members after the empty push", "GET", "/Groups/{group}", "", 200, expect("members", "")},
		{"1.6 AIW read", "GET", "/Groups/{group}", "", 200, nil},
		{"1.6 AIW full PUT", "PUT", "/Groups/{group}", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"{group}","displayName":"Test SCIMv2","members":[{"value":"{user}","display":"test.user@okta.local"}],"meta":{"resourceType":"Group"}}`, 200,
			expect("members", `[{"$ref":"`+e.base+`/Users/{user}","display":"test.user@okta.local","type":"User","value":"{user}"}]`)},
		{"1.5 AIW deactivate by PUT", "PUT", "/Users/{user2}", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"{user2}","userName":"second@okta.local","active":false,"groups":[{"value":"{group}"}],"meta":{"resourceType":"User"}}`, 200, expect("active", "false")},
		{"1.6 unlink and delete group", "DELETE", "/Groups/{group}", "", 204, nil},
	}
	runSteps(t, e, oktaHeaders, vars, steps)
}

func TestEntraProvisioningRun(t *testing.T) {
	e := newEnv(t, Config{})
	vars := map[string]string{}
	steps := []idpStep{
		{"2.1 test connection GUID probe", "GET", "/Users?filter=userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22", "", 200, emptyList},
		{"2.1 group probe", "GET", "/Groups?excludedAttributes=members&filter=displayName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22", "", 200, emptyList},
		{"2.1 externalId matching probe", "GET", "/Users?filter=externalId+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22", "", 200, emptyList},
		{"2.1 schema discovery", "GET", "/Schemas", "", 200, expect("totalResults", "3")},
		{"2.3 lookup", "GET", "/Users?filter=userName+eq+%22Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee%22", "", 200, emptyList},
		{"2.3 create user", "POST", "/Users", `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
  "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
  "active": true,
  "displayName": "Joy Young",
  "emails": [{"primary": true, "type": "work", "value": "Test_User_00aa00aa@testuser.com"}],
  "meta": {"resourceType": "User"},
  "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
  "title": "Engineer",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Dept", "employeeNumber": "1234"},
  "roles": []
}`, 201, capture("user")},
		{"2.3 older payload with nulls and a typo'd URN", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
  "externalId":"mgr","userName":"manager@contoso.com","active":true,"addresses":null,"phoneNumbers":null,"title":null,
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":null},"meta":{"resourceType":"User"}}`, 201, capture("manager")},
		{"2.4 update user", "PATCH", "/Users/{user}", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations": [
   {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
   {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
   {"op": "Replace", "path": "addresses[type eq \"work\"].formatted", "value": "18/2111"},
   {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Retail"},
   {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "Eqpj"},
   {"op": "Replace", "path": "externalId", "value": "Eqpj"},
   {"op": "Replace", "path": "userName", "value": "new@contoso.com"}]}`, 200,
			expect("userName", "new@contoso.com", "name.familyName", "updatedFamilyName", "externalId", "Eqpj",
				"emails", `[{"primary":true,"type":"work","value":"updatedEmail@microsoft.com"}]`,
				"addresses", `[{"formatted":"18/2111","type":"work"}]`,
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department", "Retail",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.employeeNumber", "Eqpj")},
		{"2.4 manager as a bare id", "PATCH", "/Users/{user}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"{manager}"}]}`, 200,
			expect("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager", `{"value":"{manager}"}`)},
		{"2.4 manager reference check", "GET", "/Users?filter=id+eq+%22{user}%22+and+manager+eq+%22{manager}%22&attributes=id", "", 200, expect("totalResults", "1")},
		{"2.4 dotted keys (aadOptscim062020)", "PATCH", "/Users/{user}?aadOptscim062020", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","name.familyName":"Unua","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq"}}]}`, 200,
			expect("displayName", "Bjfe", "name.givenName", "Kkom", "name.familyName", "Unua", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.employeeNumber", "Aklq")},
		{"2.4 plain string replace", "PATCH", "/Users/{user}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":" User X"}]}`, 200, expect("displayName", " User X")},
		{"2.5 soft delete (string False)", "PATCH", "/Users/{user}", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}`, 200, expect("active", "false")},
		{"2.5 disabled users still found by filter", "GET", "/Users?filter=userName+eq+%22new%40contoso.com%22", "", 200, expect("totalResults", "1")},
		{"2.5 re-enable (string True)", "PATCH", "/Users/{user}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"True"}]}`, 200, expect("active", "true")},
		{"2.5 lowercase string", "PATCH", "/Users/{user}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"false"}]}`, 200, expect("active", "false")},
		{"2.5 flag form boolean", "PATCH", "/Users/{user}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}`, 200, expect("active", "true")},
		{"2.5 periodic idempotent active=true", "PATCH", "/Users/{user}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"True"}]}`, 200, expect("active", "true")},
		{"2.6 group lookup", "GET", "/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales%22", "", 200, emptyList},
		{"2.6 create group", "POST", "/Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
             "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
 "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
 "displayName": "Sales",
 "meta": {"resourceType": "Group"}}`, 201, capture("group")},
		{"2.6 read without members", "GET", "/Groups/{group}?excludedAttributes=members", "", 200, expect("members", "", "displayName", "Sales")},
		{"2.6 rename", "PATCH", "/Groups/{group}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"New name"}]}`, 204, nil},
		{"2.6 add members", "PATCH", "/Groups/{group}", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations": [{"op": "Add", "path": "members",
                 "value": [{"$ref": null, "value": "{user}"}, {"$ref": null, "value": "{manager}"}]}]}`, 204, nil},
		{"2.6 remove one member by value", "PATCH", "/Groups/{group}", `{"Operations": [{"op": "Remove", "path": "members",
                 "value": [{"$ref": null, "value": "{manager}"}]}]}`, 204, nil},
		{"only the listed member was removed", "GET", "/Groups/{group}", "", 200, expect("members", `[{"$ref":"`+e.base+`/Users/{user}","type":"User","value":"{user}"}]`)},
		{"2.6 remove with the flag's filter form", "PATCH", "/Groups/{group}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"{user}\"]"}]}`, 204, nil},
		{"3 remove of a member already gone", "PATCH", "/Groups/{group}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"{user}"}]}]}`, 204, nil},
		{"2.5 hard delete", "DELETE", "/Users/{user}", "", 204, nil},
		{"3 vanished user is 404 with Error schema", "GET", "/Users/{user}", "", 404, expect("status", "404")},
		{"2.6 delete group", "DELETE", "/Groups/{group}", "", 204, nil},
	}
	runSteps(t, e, entraHeaders, vars, steps)
}
