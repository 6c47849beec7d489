package scimserver

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/scim/quirk"
)

const coreUser = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]`

func TestCreateUserOutput(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.must(e.do("POST", "/Users", `{`+coreUser+`,
		"userName":"ann@example.com","password":"s3cret!","id":"client-chosen","meta":{"resourceType":"User","version":"W/\"9\""},
		"name":{"givenName":"Ann","familyName":"Lee","formatted":null},
		"emails":[{"value":"ann@example.com","type":"work","primary":true}],
		"urn:ietf:params:scim:schemas:extension:acme:2.0:User":{"badge":"A-1","floor":3},
		"title":null,"roles":[]}`, nil), http.StatusCreated)
	id := r.str("id")
	if id == "" || id == "client-chosen" {
		t.Fatalf("id %q: the server must assign ids and ignore the client's", id)
	}
	loc := e.base + "/Users/" + id
	wants := map[string]string{
		"meta.resourceType": "User",
		"meta.location":     loc,
		"meta.version":      `W/"1"`,
		"userName":          "ann@example.com",
		"name.givenName":    "Ann",
	}
	for path, want := range wants {
		if got := r.str(path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if r.header.Get("Location") != loc || r.header.Get("ETag") != `W/"1"` {
		t.Errorf("Location %q ETag %q", r.header.Get("Location"), r.header.Get("ETag"))
	}
	if r.header.Get("Content-Type") != "application/scim+json" {
		t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
	}
	for _, absent := range []string{"password", "title", "roles", "groups", "name.formatted"} {
		if lookup(r.body, absent) != nil {
			t.Errorf("%s should be absent, got %v", absent, lookup(r.body, absent))
		}
	}
	if strings.Contains(string(r.raw), "s3cret") {
		t.Errorf("the password came back: %s", r.raw)
	}
	ext, _ := r.body["urn:ietf:params:scim:schemas:extension:acme:2.0:User"].(map[string]any)
	if ext["badge"] != "A-1" || ext["floor"] != float64(3) {
		t.Errorf("unknown extension not kept as sent: %v", ext)
	}
	schemas := r.str("schemas")
	if !strings.Contains(schemas, "extension:acme") || strings.Contains(schemas, "enterprise") {
		t.Errorf("schemas %s: must list the extensions the resource has, and only those", schemas)
	}
	if !strings.HasPrefix(string(r.raw), `{"schemas":`) || !strings.Contains(string(r.raw), `"id":"`+id+`","userName"`) {
		t.Errorf("members are not in the readable order: %s", r.raw)
	}
	// The password is not stored in any form.
	res, err := e.db.GetUser(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(res.Doc), "password") || strings.Contains(string(res.Doc), "s3cret") {
		t.Errorf("stored document holds the password: %s", res.Doc)
	}
	// Enterprise attributes bring the enterprise URN into schemas.
	r = e.must(e.do("POST", "/Users", `{`+coreUser+`,"userName":"ent@example.com",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D"}}`, nil), 201)
	if !strings.Contains(r.str("schemas"), "enterprise") || !strings.Contains(string(r.raw), `"R&D"`) {
		t.Errorf("enterprise user: %s", r.raw)
	}
}

func TestCreateUserValidation(t *testing.T) {
	tests := []struct {
		name       string
		strict     bool
		body       string
		wantStatus int
		wantType   string
		wantDetail string
		wantQuirk  string
	}{
		{"missing userName", false, `{` + coreUser + `,"displayName":"x"}`, 400, "invalidValue", `"userName" is required`, ""},
		{"empty userName", false, `{` + coreUser + `,"userName":""}`, 400, "invalidValue", "required", ""},
		{"userName not a string", false, `{` + coreUser + `,"userName":42}`, 400, "invalidValue", "must be a string", ""},
		{"unknown core attribute", false, `{` + coreUser + `,"userName":"a@x","department":"x"}`, 400, "invalidValue", `"department" is not an attribute`, ""},
		{"unknown sub-attribute", false, `{` + coreUser + `,"userName":"a@x","name":{"first":"x"}}`, 400, "invalidValue", `no sub-attribute "first"`, ""},
		{"emails not an array", false, `{` + coreUser + `,"userName":"a@x","emails":{"value":"x"}}`, 400, "invalidValue", "JSON array", ""},
		{"primary not a boolean", false, `{` + coreUser + `,"userName":"a@x","emails":[{"value":"x","primary":"yes"}]}`, 400, "invalidValue", `emails[0].primary`, ""},
		{"name not an object", false, `{` + coreUser + `,"userName":"a@x","name":"Ann"}`, 400, "invalidValue", "complex", ""},
		{"schemas not an array", false, `{"schemas":"x","userName":"a@x"}`, 400, "invalidSyntax", "schemas", ""},
		{"extension not an object", false, `{` + coreUser + `,"userName":"a@x","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"}`, 400, "invalidValue", "JSON object", ""},
		{"string boolean tolerated", false, `{` + coreUser + `,"userName":"sb@x","active":"False"}`, 201, "", "", "string-boolean"},
		{"string boolean strict", true, `{` + coreUser + `,"userName":"sb@x","active":"False"}`, 400, "invalidValue", "boolean", ""},
		{"unknown schema URN tolerated", false, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],"userName":"u@x"}`, 201, "", "", "unknown-schema-urn"},
		{"unknown schema URN strict", true, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:x:typo"],"userName":"u@x"}`, 400, "invalidValue", "does not define", ""},
		{"missing schemas strict", true, `{"userName":"u@x"}`, 400, "invalidSyntax", "schemas", ""},
		{"missing schemas tolerated", false, `{"userName":"noschemas@x"}`, 201, "", "", ""},
		{"bare manager tolerated", false, `{` + coreUser + `,"userName":"m@x","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"abc"}}`, 201, "", "", "bare-manager"},
		{"bare manager strict", true, `{` + coreUser + `,"userName":"m@x","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"abc"}}`, 400, "invalidValue", "complex", ""},
		{"groups in a user body ignored", false, `{` + coreUser + `,"userName":"g@x","groups":[{"value":"g1"}]}`, 201, "", "", "membership-in-user-body"},
		{"missing User-Agent noted", false, `{` + coreUser + `,"userName":"ua@x"}`, 201, "", "", "missing-user-agent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Config{Strict: tc.strict})
			events, cancel := e.srv.Subscribe(4)
			defer cancel()
			headers := hdr{}
			if tc.name == "missing User-Agent noted" {
				headers["User-Agent"] = ""
			}
			r := e.do("POST", "/Users", tc.body, headers)
			if tc.wantStatus >= 400 {
				checkError(t, r, tc.wantStatus, tc.wantType)
				if !strings.Contains(r.str("detail"), tc.wantDetail) {
					t.Errorf("detail %q does not contain %q", r.str("detail"), tc.wantDetail)
				}
			} else {
				e.must(r, tc.wantStatus)
			}
			ev := <-events
			if tc.wantQuirk != "" && !slices.Contains(ev.Quirks, quirk.Quirk(tc.wantQuirk)) {
				t.Errorf("quirks %v, want %s", ev.Quirks, tc.wantQuirk)
			}
			if tc.wantStatus >= 400 && ev.ErrorDetail == "" {
				t.Errorf("error detail not recorded")
			}
		})
	}
}

func TestStringBooleanStoredAsBoolean(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.must(e.do("POST", "/Users", `{`+coreUser+`,"userName":"b@x","active":"false"}`, nil), 201)
	if r.body["active"] != false {
		t.Fatalf("active = %#v, want false", r.body["active"])
	}
}

func TestSetStrictAtRuntime(t *testing.T) {
	e := newEnv(t, Config{})
	body := `{` + coreUser + `,"userName":"rt@x","active":"True"}`
	e.srv.SetStrict(true)
	checkError(t, e.do("POST", "/Users", body, nil), 400, "invalidValue")
	e.srv.SetStrict(false)
	e.must(e.do("POST", "/Users", body, nil), 201)
}

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t, Config{})
	id := e.createUser("life@example.com", map[string]any{"externalId": "00u1"})

	// GET with ETag, then 304 for a matching If-None-Match.
	r := e.must(e.do("GET", "/Users/"+id, nil, nil), 200)
	tag := r.header.Get("ETag")
	if tag != `W/"1"` {
		t.Fatalf("ETag %q", tag)
	}
	r = e.do("GET", "/Users/"+id, nil, hdr{"If-None-Match": tag})
	if r.status != http.StatusNotModified || len(r.raw) != 0 {
		t.Fatalf("If-None-Match: status %d body %q, want 304 without body", r.status, r.raw)
	}
	e.must(e.do("GET", "/Users/"+id, nil, hdr{"If-None-Match": `W/"7"`}), 200)

	// Okta's read-modify-write PUT echoes id, meta and groups.
	doc := e.must(e.do("GET", "/Users/"+id, nil, nil), 200).body
	doc["displayName"] = "Changed"
	doc["active"] = false
	doc["groups"] = []any{}
	r = e.must(e.do("PUT", "/Users/"+id, doc, hdr{"If-Match": tag}), 200)
	if r.str("displayName") != "Changed" || r.body["active"] != false || r.str("meta.version") != `W/"2"` {
		t.Fatalf("PUT result: %s", r.raw)
	}
	if r.str("meta.created") == "" || r.str("meta.created") > r.str("meta.lastModified") {
		t.Errorf("meta times: created %s lastModified %s", r.str("meta.created"), r.str("meta.lastModified"))
	}

	// A stale If-Match is refused and changes nothing.
	r = e.do("PUT", "/Users/"+id, doc, hdr{"If-Match": tag})
	checkError(t, r, http.StatusPreconditionFailed, "")
	if !strings.Contains(r.str("detail"), `W/"2"`) {
		t.Errorf("412 detail should name the current version: %q", r.str("detail"))
	}
	checkError(t, e.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"x"}]}`, hdr{"If-Match": `W/"1"`}), 412, "")
	checkError(t, e.do("DELETE", "/Users/"+id, nil, hdr{"If-Match": `"1"`}), 412, "")
	checkError(t, e.do("DELETE", "/Users/"+id, nil, hdr{"If-Match": `garbage`}), 412, "")
	if got := e.must(e.do("GET", "/Users/"+id, nil, nil), 200).str("meta.version"); got != `W/"2"` {
		t.Fatalf("a refused write changed the version to %s", got)
	}
	// A list of tags matches if one does; * matches anything.
	e.must(e.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Boss"}]}`, hdr{"If-Match": `W/"1", W/"2"`}), 200)
	e.must(e.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Boss2"}]}`, hdr{"If-Match": `*`}), 200)

	// Rename to a taken userName is a 409 that names the holder.
	other := e.createUser("other@example.com", nil)
	doc["userName"] = "OTHER@example.com"
	delete(doc, "meta")
	r = e.do("PUT", "/Users/"+id, doc, nil)
	checkError(t, r, http.StatusConflict, "uniqueness")
	if !strings.Contains(r.str("detail"), other) {
		t.Errorf("409 detail should name the user holding the userName: %q", r.str("detail"))
	}

	e.must(e.do("DELETE", "/Users/"+id, nil, hdr{"If-Match": `W/"4"`}), http.StatusNoContent)
	checkError(t, e.do("GET", "/Users/"+id, nil, nil), 404, "")
	checkError(t, e.do("DELETE", "/Users/"+id, nil, nil), 404, "")
	checkError(t, e.do("PUT", "/Users/"+id, doc, nil), 404, "")
}

func TestCreateUserConflict(t *testing.T) {
	e := newEnv(t, Config{})
	id := e.createUser("dup@example.com", nil)
	r := e.do("POST", "/Users", `{`+coreUser+`,"userName":"DUP@Example.com"}`, nil)
	checkError(t, r, http.StatusConflict, "uniqueness")
	if !strings.Contains(r.str("detail"), id) || !strings.Contains(r.str("detail"), "DUP@Example.com") {
		t.Errorf("detail %q should name the userName and the existing id", r.str("detail"))
	}
}

func TestPatchUser(t *testing.T) {
	e := newEnv(t, Config{})
	mgr := e.createUser("mgr@example.com", nil)
	id := e.createUser("p@example.com", map[string]any{
		"emails": []any{map[string]any{"value": "p@example.com", "type": "work", "primary": true}},
	})
	const po = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantType   string
		check      map[string]string
	}{
		{"Okta deactivate (no path)", `{` + po + `,"Operations":[{"op":"replace","value":{"active":false}}]}`, 200, "", map[string]string{"active": "false"}},
		{"Okta reactivate", `{` + po + `,"Operations":[{"op":"replace","value":{"active":true}}]}`, 200, "", map[string]string{"active": "true"}},
		{"Entra string False", `{` + po + `,"Operations":[{"op":"Replace","path":"active","value":"False"}]}`, 200, "", map[string]string{"active": "false"}},
		{"Entra multi-op", `{` + po + `,"Operations":[
			{"op":"Replace","path":"emails[type eq \"work\"].value","value":"new@example.com"},
			{"op":"Replace","path":"name.familyName","value":"Fam"},
			{"op":"Replace","path":"addresses[type eq \"work\"].formatted","value":"18/2111"},
			{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Retail"},
			{"op":"Replace","path":"externalId","value":"Eqpj"}]}`, 200, "", map[string]string{
			"name.familyName": "Fam", "externalId": "Eqpj",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department": "Retail"}},
		{"Entra bare manager", `{` + po + `,"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"` + mgr + `"}]}`, 200, "",
			map[string]string{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager.value": mgr}},
		{"Entra dotted keys", `{` + po + `,"Operations":[{"op":"replace","value":{"displayName":"Dot","name.givenName":"Giv"}}]}`, 200, "", map[string]string{"displayName": "Dot", "name.givenName": "Giv"}},
		{"Okta password PATCH is accepted and not stored", `{` + po + `,"Operations":[{"op":"replace","value":{"password":"n3w"}}]}`, 200, "", map[string]string{"password": ""}},
		{"rename to a taken userName", `{` + po + `,"Operations":[{"op":"replace","path":"userName","value":"MGR@example.com"}]}`, 409, "uniqueness", nil},
		{"remove userName", `{` + po + `,"Operations":[{"op":"remove","path":"userName"}]}`, 400, "", nil},
		{"remove without path", `{` + po + `,"Operations":[{"op":"remove"}]}`, 400, "noTarget", nil},
		{"bad op", `{` + po + `,"Operations":[{"op":"frobnicate","path":"title","value":"x"}]}`, 400, "", nil},
		{"malformed JSON", `{` + po + `,"Operations":[}`, 400, "invalidSyntax", nil},
		{"wrong type", `{` + po + `,"Operations":[{"op":"replace","path":"active","value":42}]}`, 400, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := e.must(e.do("GET", "/Users/"+id, nil, nil), 200)
			r := e.do("PATCH", "/Users/"+id, tc.body, nil)
			if tc.wantStatus >= 400 {
				checkError(t, r, tc.wantStatus, tc.wantType)
				after := e.must(e.do("GET", "/Users/"+id, nil, nil), 200)
				if string(after.raw) != string(before.raw) {
					t.Errorf("a failed PATCH changed the user:\nbefore %s\nafter  %s", before.raw, after.raw)
				}
				return
			}
			e.must(r, tc.wantStatus)
			for path, want := range tc.check {
				if got := r.str(path); got != want {
					t.Errorf("%s = %q, want %q (%s)", path, got, want, r.raw)
				}
			}
		})
	}
	// The last successful Entra email replace kept a single work email.
	r := e.must(e.do("GET", "/Users/"+id, nil, nil), 200)
	var emails []map[string]any
	b, _ := json.Marshal(r.body["emails"])
	_ = json.Unmarshal(b, &emails)
	if len(emails) != 1 || emails[0]["value"] != "new@example.com" {
		t.Errorf("emails after filtered replace: %v", emails)
	}
}

func TestPatchUserAllOrNothing(t *testing.T) {
	e := newEnv(t, Config{})
	id := e.createUser("aon@example.com", nil)
	before := e.must(e.do("GET", "/Users/"+id, nil, nil), 200)
	// The first operation is valid, the second is not: neither may be applied.
	r := e.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"replace","path":"displayName","value":"Half"},
		{"op":"replace","path":"nosuchattribute","value":"x"}]}`, nil)
	if r.status != 400 {
		t.Fatalf("status %d, want 400: %s", r.status, r.raw)
	}
	after := e.must(e.do("GET", "/Users/"+id, nil, nil), 200)
	if after.str("displayName") == "Half" || after.str("meta.version") != before.str("meta.version") {
		t.Fatalf("half of a failed PATCH was applied: %s", after.raw)
	}
}
