package scimserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/profile"
)

// One test per knob the guides do not already exercise, each on a request that must
// trigger it and one that must not.

func TestTokenHeaderKnob(t *testing.T) {
	e := profileEnv(t, custom(t, "token:\n  header: X-Api-Key\n"))
	ok := e.do("GET", "/Users", nil, hdr{"Authorization": "", "X-Api-Key": testToken})
	e.must(ok, 200)
	e.must(e.do("GET", "/Users", nil, hdr{"Authorization": "", "X-Api-Key": "Bearer " + testToken}), 200)
	wrongPlace := e.do("GET", "/Users", nil, nil) // the token in Authorization, as the default profile wants
	checkError(t, wrongPlace, 401, "")
	if !strings.Contains(wrongPlace.str("detail"), "X-Api-Key") {
		t.Errorf("the refusal must name the header: %s", wrongPlace.raw)
	}
	checkError(t, e.do("GET", "/Users", nil, hdr{"Authorization": "", "X-Api-Key": "nope"}), 401, "")
	// Discovery stays public, and says where the token goes.
	spc := e.must(e.do("GET", "/ServiceProviderConfig", nil, hdr{"Authorization": ""}), 200)
	if !strings.Contains(spc.str("authenticationSchemes"), "X-Api-Key: \\u003ctoken\\u003e") {
		t.Errorf("authenticationSchemes %s", spc.str("authenticationSchemes"))
	}
	recs := logged(t, e)
	for _, r := range recs {
		for _, v := range r.ReqHeaders.Values("X-Api-Key") {
			if strings.Contains(v, testToken) {
				t.Errorf("#%d logged the token from X-Api-Key: %q", r.Seq, v)
			}
		}
		if r.Profile != "test" {
			t.Errorf("#%d profile %q", r.Seq, r.Profile)
		}
	}
	if recs[0].Auth != exchange.AuthOK || recs[2].Auth != exchange.AuthMissing || recs[3].Auth != exchange.AuthWrongToken {
		t.Errorf("verdicts %s %s %s", recs[0].Auth, recs[2].Auth, recs[3].Auth)
	}
}

func TestFilterMissKnob(t *testing.T) {
	e := profileEnv(t, custom(t, "lists:\n  filterMiss: \"404\"\n"))
	e.createUser("ann@example.com", nil)
	checkError(t, e.do("GET", `/Users?filter=userName eq "bob@example.com"`, nil, nil), 404, "")
	e.must(e.do("GET", `/Users?filter=userName eq "ann@example.com"`, nil, nil), 200)
	checkError(t, e.do("GET", `/Groups?filter=displayName eq "None"`, nil, nil), 404, "")
	// Not a lookup: an empty listing stays an empty list.
	e.must(e.do("GET", "/Groups?startIndex=1&count=100", nil, nil), 200)
	recs := logged(t, e)
	wantEffects(t, recs, "GET", "/scim/v2/Users", 0, "filter-miss-404")
	wantEffects(t, recs, "GET", "/scim/v2/Users", 1)
	wantEffects(t, recs, "GET", "/scim/v2/Groups", 1)
}

func TestPatchStatusKnob(t *testing.T) {
	e := profileEnv(t, custom(t, "users:\n  patchStatus: 204\ngroups:\n  patchStatus: 200\n"))
	id := e.createUser("ann@example.com", nil)
	g := e.createGroup("Team")
	r := e.must(e.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"displayName","value":"Ann"}]}`, nil), 204)
	if len(r.raw) != 0 || r.header.Get("ETag") != `W/"2"` {
		t.Errorf("204: body %q ETag %q", r.raw, r.header.Get("ETag"))
	}
	r = e.must(e.do("PATCH", "/Groups/"+g, `{`+patchOp+`,"Operations":[{"op":"add","path":"members","value":[{"value":"`+id+`"}]}]}`, nil), 200)
	if r.str("members") == "" || r.header.Get("ETag") != `W/"2"` || r.str("id") != g {
		t.Errorf("200 with the group: %s %v", r.raw, r.header)
	}
	if got := e.must(e.do("GET", "/Users/"+id, nil, nil), 200).str("displayName"); got != "Ann" {
		t.Errorf("the 204 PATCH did not apply: %q", got)
	}
	// A failing PATCH keeps its error.
	checkError(t, e.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"jump"}]}`, nil), 400, "")
	recs := logged(t, e)
	wantEffects(t, recs, "PATCH", "/scim/v2/Users/*", 0, "patch-status 204")
	wantEffects(t, recs, "PATCH", "/scim/v2/Groups/*", 0, "patch-status 200")
	wantEffects(t, recs, "PATCH", "/scim/v2/Users/*", 1)
}

func TestUnknownMembersKnob(t *testing.T) {
	for _, tc := range []struct {
		policy string
		status int
		want   []string
	}{
		{"skip", 201, []string{"member-skipped ghost-1", "member-skipped ghost-2"}},
		{"reject", 400, nil},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			e := profileEnv(t, custom(t, "groups:\n  unknownMembers: "+tc.policy+"\n"))
			ann := e.createUser("ann@example.com", nil)
			body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Team","members":[{"value":"` + ann + `"},{"value":"ghost-1"},{"value":"ghost-2"}]}`
			r := e.do("POST", "/Groups", body, nil)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if tc.status == 201 {
				if got := r.str("members"); !strings.Contains(got, ann) || strings.Contains(got, "ghost") {
					t.Errorf("members %s", got)
				}
				e.must(e.do("PATCH", "/Groups/"+r.str("id"), `{`+patchOp+`,"Operations":[{"op":"add","path":"members","value":[{"value":"ghost-3"}]}]}`, nil), 204)
			}
			recs := logged(t, e)
			wantEffects(t, recs, "POST", "/scim/v2/Groups", 0, tc.want...)
			if tc.status == 201 {
				wantEffects(t, recs, "PATCH", "/scim/v2/Groups/*", 0, "member-skipped ghost-3")
			}
		})
	}
}

func TestExternalIDIdentifierAndRequired(t *testing.T) {
	e := profileEnv(t, custom(t, "users:\n  uniqueIdentifier: externalId\n  required: [name.familyName]\n"))
	body := func(userName, ext, family string) map[string]any {
		b := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": userName}
		if ext != "" {
			b["externalId"] = ext
		}
		if family != "" {
			b["name"] = map[string]any{"familyName": family}
		}
		return b
	}
	id := e.must(e.do("POST", "/Users", body("a@example.com", "E1", "A"), nil), 201).str("id")
	checkError(t, e.do("POST", "/Users", body("b@example.com", "", "B"), nil), 400, "invalidValue")
	checkError(t, e.do("POST", "/Users", body("c@example.com", "E2", ""), nil), 400, "invalidValue")
	dup := e.do("POST", "/Users", body("d@example.com", "E1", "D"), nil)
	checkError(t, dup, 409, "uniqueness")
	if !strings.Contains(dup.str("detail"), id) {
		t.Errorf("the conflict names the holder: %s", dup.str("detail"))
	}
	// The user's own externalId is no conflict when it is replaced.
	e.must(e.do("PUT", "/Users/"+id, body("a@example.com", "E1", "Archer"), nil), 200)
	// Removing a required attribute by PATCH is refused too.
	checkError(t, e.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"remove","path":"name.familyName"}]}`, nil), 400, "invalidValue")
	recs := logged(t, e)
	wantEffects(t, recs, "POST", "/scim/v2/Users", 1, "required-missing externalId")
	wantEffects(t, recs, "POST", "/scim/v2/Users", 2, "required-missing name.familyName")
	wantEffects(t, recs, "POST", "/scim/v2/Users", 3, "identifier-taken E1")
	wantEffects(t, recs, "PUT", "/scim/v2/Users/*", 0)
}

// The seat limit holds under concurrent creates: exactly the free seats are taken.
func TestSeatLimitUnderConcurrency(t *testing.T) {
	e := profileEnv(t, custom(t, "users:\n  seatLimit: 5\n"))
	var wg sync.WaitGroup
	statuses := make([]int, 12)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do("POST", "/Users", map[string]any{"userName": fmt.Sprintf("u%d@example.com", i)}, nil).status
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		switch s {
		case 201:
			created++
		case 403:
		default:
			t.Errorf("status %d", s)
		}
	}
	if created != 5 || userCount(t, e) != 5 {
		t.Errorf("%d created, %d stored; want exactly the 5 seats", created, userCount(t, e))
	}
}

// A switch applies to the requests that start after it.
func TestProfileSwitch(t *testing.T) {
	e := profileEnv(t, nil)
	id := e.createUser("ann@example.com", nil)
	if e.srv.Profile().Name != "generic" {
		t.Fatalf("default profile %q", e.srv.Profile().Name)
	}
	e.srv.SetProfile(builtin(t, "thinglink"))
	e.must(e.do("DELETE", "/Users/"+id, nil, nil), 204)
	e.must(e.do("GET", "/Users/"+id, nil, nil), 200)
	e.srv.SetProfile(nil)
	e.must(e.do("DELETE", "/Users/"+id, nil, nil), 204)
	e.must(e.do("GET", "/Users/"+id, nil, nil), 404)
	recs := logged(t, e)
	var profiles []string
	for _, r := range recs {
		profiles = append(profiles, r.Profile)
	}
	if got := strings.Join(profiles, " "); got != "generic thinglink thinglink generic generic" {
		t.Errorf("profiles by request: %s", got)
	}
}

// An independent account outside the organisation is not moved in by a create.
func TestIndependentAccount(t *testing.T) {
	e := profileEnv(t, nil)
	if _, err := e.db.Seed(context.Background(), nil, [][]byte{[]byte(`{"userName":"indie@example.com"}`)}, nil); err != nil {
		t.Fatal(err)
	}
	emptyList(t, e.must(e.do("GET", `/Users?filter=userName eq "indie@example.com"`, nil, nil), 200), nil)
	r := e.do("POST", "/Users", map[string]any{"userName": "INDIE@example.com"}, nil)
	checkError(t, r, 409, "uniqueness")
	if !strings.Contains(r.str("detail"), "independent account") {
		t.Errorf("detail %s", r.str("detail"))
	}
	e.must(e.do("POST", "/Users", map[string]any{"userName": "member@example.com"}, nil), 201)
	recs := logged(t, e)
	wantEffects(t, recs, "POST", "/scim/v2/Users", 0, "independent-account INDIE@example.com")
	wantEffects(t, recs, "POST", "/scim/v2/Users", 1)
}

// A custom extension is validated like a core attribute, Entra's string booleans
// included, and a required one must be sent.
func TestCustomExtension(t *testing.T) {
	const urn = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
	e := profileEnv(t, custom(t, `extensions:
  - urn: `+urn+`
    name: AcmeUser
    resource: User
    attributes:
      - {name: badge, type: string, required: true}
      - {name: floor, type: integer}
      - {name: admin, type: boolean}
`))
	ok := map[string]any{"userName": "a@example.com", urn: map[string]any{"badge": "B-1", "floor": 3, "admin": "True"}}
	r := e.must(e.do("POST", "/Users", ok, nil), 201)
	if r.str(urn+".admin") != "true" || r.str(urn+".floor") != "3" {
		t.Errorf("extension %s", r.raw)
	}
	checkError(t, e.do("POST", "/Users", map[string]any{"userName": "b@example.com", urn: map[string]any{"badge": "B-2", "floor": "third"}}, nil), 400, "invalidValue")
	checkError(t, e.do("POST", "/Users", map[string]any{"userName": "c@example.com"}, nil), 400, "invalidValue")
	sc := e.must(e.do("GET", "/Schemas/"+urn, nil, nil), 200)
	if !strings.Contains(sc.str("attributes"), `"name":"floor"`) {
		t.Errorf("schema %s", sc.raw)
	}
	// The filter knows the extension's types.
	e.must(e.do("GET", `/Users?filter=`+urn+`:floor gt 2`, nil, nil), 200)
}

// The generic profile changes nothing and notes nothing.
func TestGenericProfileHasNoEffects(t *testing.T) {
	e := profileEnv(t, profile.Default())
	id := e.createUser("ann@example.com", map[string]any{"title": "T", "roles": []any{map[string]any{"value": "Teacher"}}})
	e.must(e.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"title","value":"U"}]}`, nil), 200)
	g := e.createGroup("Team", id)
	e.must(e.do("DELETE", "/Groups/"+g, nil, nil), 204)
	e.must(e.do("DELETE", "/Users/"+id, nil, nil), 204)
	checkError(t, e.do("GET", "/Users/"+id, nil, nil), http.StatusNotFound, "")
	for _, r := range logged(t, e) {
		if len(r.Effects) != 0 || r.Profile != "generic" {
			t.Errorf("#%d %s %s: profile %q effects %v", r.Seq, r.Method, r.Path, r.Profile, r.Effects)
		}
	}
}

// An extension of Group is advertised on the Group resource type and checked too.
func TestGroupExtension(t *testing.T) {
	const urn = "urn:ietf:params:scim:schemas:extension:acme:2.0:Group"
	e := profileEnv(t, custom(t, "extensions:\n  - urn: "+urn+"\n    name: AcmeGroup\n    resource: Group\n    attributes:\n      - {name: budget, type: integer}\n"))
	rt := e.must(e.do("GET", "/ResourceTypes/Group", nil, nil), 200)
	if !strings.Contains(rt.str("schemaExtensions"), urn) {
		t.Errorf("Group resource type %s", rt.raw)
	}
	if ut := e.must(e.do("GET", "/ResourceTypes/User", nil, nil), 200); strings.Contains(ut.str("schemaExtensions"), urn) {
		t.Errorf("the Group extension on User: %s", ut.raw)
	}
	e.must(e.do("POST", "/Groups", map[string]any{"displayName": "A", urn: map[string]any{"budget": 5}}, nil), 201)
	checkError(t, e.do("POST", "/Groups", map[string]any{"displayName": "B", urn: map[string]any{"budget": "lots"}}, nil), 400, "invalidValue")
}
