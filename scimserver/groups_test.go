package scimserver

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/store"
)

const patchOp = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`

// memberIDs returns the sorted member ids of a group as the API shows them.
func (e *testEnv) memberIDs(groupID string) []string {
	e.t.Helper()
	r := e.must(e.do("GET", "/Groups/"+groupID, nil, nil), 200)
	var ids []string
	list, _ := r.body["members"].([]any)
	for _, m := range list {
		ids = append(ids, m.(map[string]any)["value"].(string))
	}
	sort.Strings(ids)
	return ids
}

func sorted(ids ...string) []string {
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return out
}

func sameIDs(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func TestGroupCreateAndRender(t *testing.T) {
	e := newEnv(t, Config{})
	u1 := e.createUser("g1@example.com", nil)
	u2 := e.createUser("g2@example.com", nil)
	r := e.must(e.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"displayName":"Engineering","members":[{"value":"`+u1+`","display":"g1@example.com"},{"value":"`+u2+`"},{"value":"`+u1+`"}]}`, nil), 201)
	gid := r.str("id")
	if r.str("meta.resourceType") != "Group" || r.header.Get("Location") != e.base+"/Groups/"+gid {
		t.Errorf("group meta/location: %s", r.raw)
	}
	if got := e.memberIDs(gid); !sameIDs(got, sorted(u1, u2)) {
		t.Errorf("members %v, want %v", got, sorted(u1, u2))
	}
	members := r.body["members"].([]any)
	for _, m := range members {
		mm := m.(map[string]any)
		if mm["$ref"] != e.base+"/Users/"+mm["value"].(string) || mm["type"] != "User" {
			t.Errorf("member rendering %v", mm)
		}
	}
	// Users show their groups, derived and read-only.
	u := e.must(e.do("GET", "/Users/"+u1, nil, nil), 200)
	groups, _ := u.body["groups"].([]any)
	if len(groups) != 1 {
		t.Fatalf("user groups %v", u.body["groups"])
	}
	g := groups[0].(map[string]any)
	if g["value"] != gid || g["display"] != "Engineering" || g["type"] != "direct" || g["$ref"] != e.base+"/Groups/"+gid {
		t.Errorf("user group entry %v", g)
	}
	// Entra's create: no members, its own schema URN, meta in the body.
	r = e.must(e.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
		"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Sales","meta":{"resourceType":"Group"}}`, nil), 201)
	if r.body["members"] != nil || r.str("externalId") != "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159" {
		t.Errorf("Entra group: %s", r.raw)
	}
	if r.str("schemas") != `["urn:ietf:params:scim:schemas:core:2.0:Group"]` {
		t.Errorf("schemas %s", r.str("schemas"))
	}
}

func TestGroupCreateErrors(t *testing.T) {
	e := newEnv(t, Config{})
	u := e.createUser("ge@example.com", nil)
	e.createGroup("Taken")
	const gs = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]`
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantType   string
		wantDetail string
	}{
		{"unknown member", `{` + gs + `,"displayName":"A","members":[{"value":"` + u + `"},{"value":"ghost-id"}]}`, 400, "invalidValue", `"ghost-id"`},
		{"nested group member", `{` + gs + `,"displayName":"B","members":[{"value":"x","type":"Group"}]}`, 400, "invalidValue", "only Users"},
		{"member without value", `{` + gs + `,"displayName":"C","members":[{"display":"x"}]}`, 400, "invalidValue", `no "value"`},
		{"members not an array", `{` + gs + `,"displayName":"D","members":{"value":"x"}}`, 400, "invalidValue", "JSON array"},
		{"missing displayName", `{` + gs + `,"members":[]}`, 400, "invalidValue", `"displayName" is required`},
		{"duplicate displayName", `{` + gs + `,"displayName":"taken"}`, 409, "uniqueness", "already exists: id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/Groups", tc.body, nil)
			checkError(t, r, tc.wantStatus, tc.wantType)
			if !strings.Contains(r.str("detail"), tc.wantDetail) {
				t.Errorf("detail %q does not contain %q", r.str("detail"), tc.wantDetail)
			}
		})
	}
	// The failed create with an unknown member stored nothing.
	list := e.must(e.do("GET", `/Groups?filter=displayName eq "A"`, nil, nil), 200)
	if list.str("totalResults") != "0" {
		t.Errorf("a refused group was stored: %s", list.raw)
	}
}

func TestGroupPatch(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.createUser("a@example.com", nil)
	b := e.createUser("b@example.com", nil)
	c := e.createUser("c@example.com", nil)
	gid := e.createGroup("Team", a)
	tests := []struct {
		name        string
		query       string
		body        string
		wantStatus  int
		wantType    string
		wantMembers []string
		wantName    string
	}{
		{"Okta add", "", `{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":[{"value":"` + b + `","display":"b@example.com"}]}]}`, 204, "", sorted(a, b), "Team"},
		{"Okta remove and add in one request", "", `{` + patchOp + `,"Operations":[{"op":"remove","path":"members[value eq \"` + a + `\"]"},{"op":"add","path":"members","value":[{"value":"` + c + `"}]}]}`, 204, "", sorted(b, c), "Team"},
		{"Okta rename with id echo", "", `{` + patchOp + `,"Operations":[{"op":"replace","value":{"id":"` + gid + `","displayName":"Team 2"}}]}`, 204, "", sorted(b, c), "Team 2"},
		{"Entra add", "", `{` + patchOp + `,"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"` + a + `"}]}]}`, 204, "", sorted(a, b, c), "Team 2"},
		{"Entra remove by value removes only those", "", `{` + patchOp + `,"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"` + b + `"}]}]}`, 204, "", sorted(a, c), "Team 2"},
		{"Entra rename", "", `{` + patchOp + `,"Operations":[{"op":"Replace","path":"displayName","value":"Team 3"}]}`, 204, "", sorted(a, c), "Team 3"},
		{"add unknown user is refused whole", "", `{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":[{"value":"` + b + `"},{"value":"ghost"}]}]}`, 400, "invalidValue", sorted(a, c), "Team 3"},
		{"rename and bad op roll back together", "", `{` + patchOp + `,"Operations":[{"op":"replace","path":"displayName","value":"Nope"},{"op":"remove"}]}`, 400, "noTarget", sorted(a, c), "Team 3"},
		{"attributes asked for gives 200", "?attributes=displayName", `{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":[{"value":"` + b + `"}]}]}`, 200, "", sorted(a, b, c), "Team 3"},
		{"Okta replace all members", "", `{` + patchOp + `,"Operations":[{"op":"replace","path":"members","value":[{"value":"` + b + `"}]}]}`, 204, "", sorted(b), "Team 3"},
		{"Okta empty replace clears", "", `{` + patchOp + `,"Operations":[{"op":"replace","path":"members","value":[]}]}`, 204, "", nil, "Team 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("PATCH", "/Groups/"+gid+tc.query, tc.body, nil)
			switch {
			case tc.wantStatus >= 400:
				checkError(t, r, tc.wantStatus, tc.wantType)
			case tc.wantStatus == 204:
				if r.status != 204 || len(r.raw) != 0 || r.header.Get("ETag") == "" {
					t.Fatalf("status %d body %q ETag %q, want 204 with ETag and no body", r.status, r.raw, r.header.Get("ETag"))
				}
			default:
				e.must(r, tc.wantStatus)
				if r.str("displayName") == "" || r.body["members"] != nil || r.str("id") != gid {
					t.Errorf("attributes=displayName answer: %s", r.raw)
				}
			}
			if got := e.memberIDs(gid); !sameIDs(got, tc.wantMembers) {
				t.Errorf("members %v, want %v", got, tc.wantMembers)
			}
			if got := e.must(e.do("GET", "/Groups/"+gid, nil, nil), 200).str("displayName"); got != tc.wantName {
				t.Errorf("displayName %q, want %q", got, tc.wantName)
			}
		})
	}
}

func TestGroupPutReplacesMembers(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.createUser("pa@example.com", nil)
	b := e.createUser("pb@example.com", nil)
	c := e.createUser("pc@example.com", nil)
	gid := e.createGroup("AIW", a, b)
	// Okta AIW: GET then PUT the whole group with the complete member list.
	doc := e.must(e.do("GET", "/Groups/"+gid, nil, nil), 200).body
	doc["members"] = []any{map[string]any{"value": b, "display": "pb"}, map[string]any{"value": c, "display": "pc"}}
	r := e.must(e.do("PUT", "/Groups/"+gid, doc, nil), 200)
	if r.str("meta.version") != `W/"2"` {
		t.Errorf("version after PUT %s", r.str("meta.version"))
	}
	if got := e.memberIDs(gid); !sameIDs(got, sorted(b, c)) {
		t.Fatalf("members after PUT %v", got)
	}
	// An unknown member refuses the whole PUT.
	doc["members"] = []any{map[string]any{"value": a}, map[string]any{"value": "ghost"}}
	doc["displayName"] = "Renamed"
	checkError(t, e.do("PUT", "/Groups/"+gid, doc, nil), 400, "invalidValue")
	after := e.must(e.do("GET", "/Groups/"+gid, nil, nil), 200)
	if after.str("displayName") != "AIW" || !sameIDs(e.memberIDs(gid), sorted(b, c)) {
		t.Fatalf("a refused PUT changed the group: %s", after.raw)
	}
	// PUT without members empties the group (PUT replaces the resource).
	delete(doc, "members")
	doc["displayName"] = "AIW"
	e.must(e.do("PUT", "/Groups/"+gid, doc, nil), 200)
	if got := e.memberIDs(gid); len(got) != 0 {
		t.Fatalf("members after PUT without members %v", got)
	}
}

func TestDeleteUserLeavesGroups(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.createUser("da@example.com", nil)
	b := e.createUser("db@example.com", nil)
	gid := e.createGroup("Del", a, b)
	e.must(e.do("DELETE", "/Users/"+a, nil, nil), 204)
	if got := e.memberIDs(gid); !sameIDs(got, []string{b}) {
		t.Fatalf("members after deleting a user: %v", got)
	}
	e.must(e.do("DELETE", "/Groups/"+gid, nil, nil), 204)
	checkError(t, e.do("GET", "/Groups/"+gid, nil, nil), 404, "")
	if u := e.must(e.do("GET", "/Users/"+b, nil, nil), 200); u.body["groups"] != nil {
		t.Errorf("user still lists a deleted group: %s", u.raw)
	}
}

func TestExcludedMembersAreNotLoaded(t *testing.T) {
	var cs *countingStore
	e := newEnvWithStore(t, Config{}, func(db *store.DB) Store {
		cs = &countingStore{Store: db}
		return cs
	})
	u := e.createUser("x@example.com", nil)
	gid := e.createGroup("Big", u)
	members0, _ := cs.counts()

	for _, path := range []string{
		"/Groups/" + gid + "?excludedAttributes=members",
		`/Groups?excludedAttributes=members&filter=displayName+eq+%22Big%22`,
		"/Groups/" + gid + "?attributes=displayName",
	} {
		r := e.must(e.do("GET", path, nil, nil), 200)
		if strings.Contains(string(r.raw), `"members"`) {
			t.Errorf("%s returned members: %s", path, r.raw)
		}
		if !strings.Contains(string(r.raw), `"displayName":"Big"`) || !strings.Contains(string(r.raw), `"id":"`+gid+`"`) {
			t.Errorf("%s lost displayName or id: %s", path, r.raw)
		}
	}
	if m, _ := cs.counts(); m != members0 {
		t.Fatalf("excluding members still read them from the store (%d calls)", m-members0)
	}
	e.must(e.do("GET", "/Groups/"+gid, nil, nil), 200)
	if m, _ := cs.counts(); m != members0+1 {
		t.Fatalf("a plain GET should read the members once, read %d times", m-members0)
	}
	if r := e.must(e.do("GET", "/Users/"+u+"?excludedAttributes=groups", nil, nil), 200); strings.Contains(string(r.raw), `"groups"`) {
		t.Fatalf("excludedAttributes=groups returned groups: %s", r.raw)
	}
}

// A user is read with its groups in one store call, so one read transaction serves
// a GET, a userName lookup or a list page.
func TestUserReadsAreOneStoreCall(t *testing.T) {
	var cs *countingStore
	e := newEnvWithStore(t, Config{}, func(db *store.DB) Store {
		cs = &countingStore{Store: db}
		return cs
	})
	u := e.createUser("one@example.com", nil)
	e.createGroup("Team", u)
	for _, path := range []string{
		"/Users/" + u,
		`/Users?filter=userName+eq+%22one@example.com%22`,
		"/Users?startIndex=1&count=10",
	} {
		_, before := cs.counts()
		r := e.must(e.do("GET", path, nil, nil), 200)
		if !strings.Contains(string(r.raw), `"display":"Team"`) {
			t.Errorf("%s: the user's group is missing: %s", path, r.raw)
		}
		if _, after := cs.counts(); after-before != 1 {
			t.Errorf("%s made %d store reads, want 1", path, after-before)
		}
	}
}

func TestGroupVersionChangesWithMembership(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.createUser("va@example.com", nil)
	gid := e.createGroup("V")
	tag := e.must(e.do("GET", "/Groups/"+gid, nil, nil), 200).header.Get("ETag")
	e.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"add","path":"members","value":[{"value":"`+a+`"}]}]}`, nil)
	checkError(t, e.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"replace","path":"displayName","value":"W"}]}`, hdr{"If-Match": tag}), 412, "")
	res, err := e.db.GetGroup(context.Background(), gid)
	if err != nil || etag(res.Version) == tag {
		t.Fatalf("membership change did not change the version: %v %v", err, res)
	}
	checkError(t, e.do("DELETE", "/Groups/"+gid, nil, hdr{"If-Match": tag}), http.StatusPreconditionFailed, "")
}

// Okta's template apps send the group's own id back in every rename; that is no
// modification of a read-only attribute, so even a strict server must accept it.
func TestOktaRenameIdEchoAcceptedInStrictMode(t *testing.T) {
	e := newEnv(t, Config{Strict: true})
	gid := e.createGroup("Team")
	body := `{` + patchOp + `,"Operations":[{"op":"replace","value":{"id":"` + gid + `","displayName":"Team 2"}}]}`
	e.must(e.do("PATCH", "/Groups/"+gid, body, nil), 204)
	other := `{` + patchOp + `,"Operations":[{"op":"replace","value":{"id":"another-id","displayName":"Team 3"}}]}`
	checkError(t, e.do("PATCH", "/Groups/"+gid, other, nil), 400, "mutability")
}
