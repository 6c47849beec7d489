package scimserver

import (
	"net/http"
	"strings"
	"testing"
)

// Each built-in profile replays the provisioning its vendor guide describes, with the
// requests Okta and Entra send (idp-wire-format.md), and checks the app behaviour the
// guide promises. The generic profile's runs are TestOktaProvisioningRun and
// TestEntraProvisioningRun.

const (
	oktaCreate = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
  "userName":"%s","name":{"givenName":"Test","familyName":"User"},
  "emails":[{"primary":true,"value":"%s","type":"work"}],
  "displayName":"Test User","locale":"en-US","title":"Teacher","externalId":"00ujl29u0le5T6Aj10h7",
  "roles":[{"value":"Teacher"}],"groups":[],"password":"1mz050nq","active":true}`
	deactivateOIN = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`
	reactivateOIN = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}`
)

func oktaUser(name string) string {
	return strings.ReplaceAll(strings.Replace(oktaCreate, "%s", name, 1), "%s", name)
}

// thinglink, with Okta: "SCIM 2.0 Test App (OAuth Bearer Token)", Import Groups left on,
// Push Groups; with a seat limit of 3.
func TestThingLinkWithOkta(t *testing.T) {
	e := profileEnv(t, custom(t, "extends: thinglink\nusers:\n  seatLimit: 3\n"))
	ann := seedUser(t, e, "ann.appside@example.com")
	teachers := seedGroup(t, e, "Teachers", "ann.appside@example.com")
	vars := map[string]string{"teachers": teachers, "ann": ann}
	runSteps(t, e, oktaHeaders, vars, []idpStep{
		{"test API credentials", "GET", "/Users?startIndex=1&count=2", "", 200, nil},
		{"save settings: Import Groups enabled", "GET", "/Groups?startIndex=1&count=100", "", 200, expect("totalResults", "1")},
		{"lookup", "GET", "/Users?filter=userName%20eq%20%22t1%40example.com%22&startIndex=1&count=100", "", 200, emptyList},
		// "Provisioned accounts are created with the lowest access level ... Learner"; only
		// userName, displayName, Given Name and Family Name are kept.
		{"assign: create", "POST", "/Users", oktaUser("t1@example.com"), 201, func(t *testing.T, r resp, vars map[string]string) {
			capture("t1")(t, r, vars)
			expect("roles", `[{"primary":true,"value":"Learner"}]`, "name.givenName", "Test", "displayName", "Test User",
				"title", "", "locale", "", "emails", "", "externalId", "", "active", "true")(t, r, vars)
		}},
		{"assign: second", "POST", "/Users", oktaUser("t2@example.com"), 201, capture("t2")},
		// Three seats: the seeded account and two provisioned ones. "Additional accounts
		// will not be created."
		{"assign: past the seat limit", "POST", "/Users", oktaUser("t3@example.com"), 403,
			expect("status", "403", "detail", "Your ThingLink license has no capacity for more users; additional accounts will not be created.")},
		{"nothing half-created", "GET", "/Users?filter=userName%20eq%20%22t3%40example.com%22&startIndex=1&count=100", "", 200, emptyList},
		{"profile push drops what ThingLink does not keep", "PUT", "/Users/{t1}", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"{t1}",
  "userName":"t1@example.com","name":{"givenName":"Tess","familyName":"User","middleName":"Q"},"displayName":"Tess User","title":"Head","active":true,
  "roles":[{"value":"Admin"}],"meta":{"resourceType":"User"}}`, 200,
			expect("name", `{"familyName":"User","givenName":"Tess"}`, "title", "", "roles", `[{"primary":true,"value":"Learner"}]`)},
		// "If a user is unassigned from the SCIM application, their ThingLink account is
		// deactivated."
		{"unassign: deactivate", "PATCH", "/Users/{t1}", deactivateOIN, 200, expect("active", "false")},
		{"reassign: the same account comes back", "PATCH", "/Users/{t1}", reactivateOIN, 200, expect("active", "true")},
		// "Accounts are not fully deleted": a DELETE answers as the app does and keeps
		// the user, inactive.
		{"delete keeps the account", "DELETE", "/Users/{t2}", "", 204, nil},
		{"still there, inactive", "GET", "/Users/{t2}", "", 200, expect("active", "false", "userName", "t2@example.com")},
		{"an inactive account still takes its seat", "POST", "/Users", oktaUser("t4@example.com"), 403, nil},
		// Push Groups: the existing ThingLink group is matched by name, and members
		// added in ThingLink stay.
		{"push group: matched by name", "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"teachers","members":[]}`, 201,
			expect("id", "{teachers}", "displayName", "Teachers")},
		{"name sync", "PATCH", "/Groups/{teachers}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"{teachers}","displayName":"Teachers"}}]}`, 204, nil},
		{"add member", "PATCH", "/Groups/{teachers}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"{t1}","display":"t1@example.com"}]}]}`, 204, nil},
		{"full re-push lists only Okta's member", "PATCH", "/Groups/{teachers}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"members","value":[{"value":"{t1}"}]}]}`, 204, nil},
		{"the app-side member stays", "GET", "/Groups/{teachers}?attributes=members.value", "", 200, func(t *testing.T, r resp, vars map[string]string) {
			if got := r.str("members"); !strings.Contains(got, vars["ann"]) || !strings.Contains(got, vars["t1"]) {
				t.Errorf("members %s, want the app-side member and Okta's", got)
			}
		}},
	})
	if n := userCount(t, e); n != 3 {
		t.Errorf("%d users, want the 3 seats", n)
	}
	recs := logged(t, e)
	wantEffects(t, recs, "POST", "/scim/v2/Users", 0, "role-ignored Teacher", "role-forced Learner",
		"attribute-dropped emails", "attribute-dropped externalId", "attribute-dropped locale", "attribute-dropped title")
	wantEffects(t, recs, "POST", "/scim/v2/Users", 2, "seat-limit 3", "role-ignored Teacher", "role-forced Learner",
		"attribute-dropped emails", "attribute-dropped externalId", "attribute-dropped locale", "attribute-dropped title")
	wantEffects(t, recs, "PUT", "/scim/v2/Users/*", 0, "attribute-dropped name.middleName", "attribute-dropped title", "role-ignored Admin")
	wantEffects(t, recs, "DELETE", "/scim/v2/Users/*", 0, "user-kept-inactive")
	wantEffects(t, recs, "POST", "/scim/v2/Groups", 0, "group-adopted Teachers", "app-members-kept 1")
	wantEffects(t, recs, "PATCH", "/scim/v2/Groups/*", 2, "app-members-kept 1")
	wantEffects(t, recs, "PATCH", "/scim/v2/Users/*", 0)
}

// thinglink, with Entra: only userName, active, displayName and externalId are kept;
// deleting a group deactivates the users provisioned through it alone.
func TestThingLinkWithEntra(t *testing.T) {
	e := profileEnv(t, builtin(t, "thinglink"))
	art := seedGroup(t, e, "Art")
	vars := map[string]string{"art": art}
	create := func(name, ext string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "externalId":"` + ext + `","userName":"` + name + `","active":true,"displayName":"Joy Young",
  "emails":[{"primary":true,"type":"work","value":"` + name + `"}],"meta":{"resourceType":"User"},
  "name":{"formatted":"Joy Young","familyName":"Young","givenName":"Joy"},"title":"Engineer",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Dept"},"roles":[]}`
	}
	runSteps(t, e, entraHeaders, vars, []idpStep{
		{"test connection", "GET", "/Users?filter=userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22", "", 200, emptyList},
		{"create", "POST", "/Users", create("joy@contoso.com", "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"), 201, func(t *testing.T, r resp, vars map[string]string) {
			capture("joy")(t, r, vars)
			expect("externalId", "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", "displayName", "Joy Young", "name", "", "emails", "", "title", "",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "", "roles", `[{"primary":true,"value":"Learner"}]`)(t, r, vars)
		}},
		{"create another", "POST", "/Users", create("kim@contoso.com", "1b21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"), 201, capture("kim")},
		{"update the family name: not kept", "PATCH", "/Users/{joy}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"name.familyName","value":"Old"},{"op":"Replace","path":"displayName","value":"Joy Old"}]}`, 200,
			expect("name", "", "displayName", "Joy Old")},
		{"soft delete", "PATCH", "/Users/{kim}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`, 200, expect("active", "false")},
		{"re-enable", "PATCH", "/Users/{kim}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"True"}]}`, 200, expect("active", "true")},
		// "Existing ThingLink groups are matched by name."
		{"group lookup", "GET", "/Groups?excludedAttributes=members&filter=displayName+eq+%22Art%22", "", 200, expect("totalResults", "1")},
		{"create group Art: matched", "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
 "externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Art","meta":{"resourceType":"Group"}}`, 201,
			expect("id", "{art}", "externalId", "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159")},
		{"create group Music", "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"9aa1","displayName":"Music","meta":{"resourceType":"Group"}}`, 201, capture("music")},
		{"add both to Art", "PATCH", "/Groups/{art}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"{joy}"},{"$ref":null,"value":"{kim}"}]}]}`, 204, nil},
		{"add kim to Music", "PATCH", "/Groups/{music}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"{kim}"}]}]}`, 204, nil},
		// "If a group is unassigned in Entra ID, the corresponding ThingLink group is
		// deleted. Users who were provisioned through that group are deactivated if they
		// are no longer assigned in any other way."
		{"unassign Art", "DELETE", "/Groups/{art}", "", 204, nil},
		{"Art is gone", "GET", "/Groups/{art}", "", 404, nil},
		{"joy, only in Art, is deactivated", "GET", "/Users/{joy}", "", 200, expect("active", "false")},
		{"kim, still in Music, stays active", "GET", "/Users/{kim}", "", 200, expect("active", "true")},
		{"hard delete keeps the account", "DELETE", "/Users/{kim}", "", 204, nil},
		{"kim still there, inactive", "GET", "/Users/{kim}", "", 200, expect("active", "false")},
	})
	recs := logged(t, e)
	wantEffects(t, recs, "POST", "/scim/v2/Users", 0, "role-forced Learner", "attribute-dropped emails", "attribute-dropped name",
		"attribute-dropped title", "attribute-dropped urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
	wantEffects(t, recs, "PATCH", "/scim/v2/Users/*", 0, "attribute-dropped name")
	wantEffects(t, recs, "POST", "/scim/v2/Groups", 0, "group-adopted Art")
	wantEffects(t, recs, "DELETE", "/scim/v2/Groups/*", 0, "members-deactivated 1")
}

// tiled, with Okta: groups are libraries; updates change only the names, e-mail and
// Tiled Admin; unassigning deactivates; SCIM cannot delete users.
func TestTiledWithOkta(t *testing.T) {
	e := profileEnv(t, builtin(t, "tiled"))
	const ext = "urn:ietf:params:scim:schemas:extension:tiled:2.0:User"
	create := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + ext + `"],"userName":"amy@example.com",
  "name":{"givenName":"Amy","familyName":"Ames"},"emails":[{"primary":true,"value":"amy@example.com","type":"work"}],
  "title":"Designer","active":true,"` + ext + `":{"tiledAdmin":true}}`
	runSteps(t, e, oktaHeaders, map[string]string{}, []idpStep{
		{"schemas advertise the Tiled Admin extension", "GET", "/Schemas/" + ext, "", 200, func(t *testing.T, r resp, _ map[string]string) {
			if a := r.str("attributes"); !strings.Contains(a, `"name":"tiledAdmin"`) || !strings.Contains(a, `"type":"boolean"`) {
				t.Errorf("attributes %s", a)
			}
		}},
		{"and so does the list of schemas", "GET", "/Schemas", "", 200, expect("totalResults", "4")},
		{"the User resource type lists it", "GET", "/ResourceTypes/User", "", 200, func(t *testing.T, r resp, _ map[string]string) {
			if !strings.Contains(r.str("schemaExtensions"), ext) {
				t.Errorf("schemaExtensions %s", r.str("schemaExtensions"))
			}
		}},
		{"create with Tiled Admin", "POST", "/Users", create, 201, func(t *testing.T, r resp, vars map[string]string) {
			capture("amy")(t, r, vars)
			expect(ext+".tiledAdmin", "true", "title", "Designer")(t, r, vars)
		}},
		{"Tiled Admin is checked as a boolean", "POST", "/Users", strings.ReplaceAll(strings.ReplaceAll(create, "amy@", "bo@"), `"tiledAdmin":true`, `"tiledAdmin":"sometimes"`), 400,
			expect("scimType", "invalidValue")},
		// "Import Users. Users created in Tiled won't sync to Okta Users."
		{"import lists nobody", "GET", "/Users?startIndex=1&count=100", "", 200, emptyList},
		{"a lookup still finds the user", "GET", "/Users?filter=userName%20eq%20%22amy%40example.com%22&startIndex=1&count=100", "", 200, expect("totalResults", "1")},
		{"profile push", "PUT", "/Users/{amy}", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + ext + `"],"id":"{amy}","userName":"amy.new@example.com",
  "name":{"givenName":"Amelia","familyName":"Ames"},"emails":[{"primary":true,"value":"amelia@example.com","type":"work"}],"title":"Lead","active":true,
  "` + ext + `":{"tiledAdmin":false}}`, 200,
			expect("userName", "amy@example.com", "title", "Designer", "name.givenName", "Amelia", "emails", `[{"primary":true,"type":"work","value":"amelia@example.com"}]`, ext+".tiledAdmin", "false")},
		{"unassign: deactivated", "PATCH", "/Users/{amy}", deactivateOIN, 200, expect("active", "false")},
		{"SCIM cannot delete a Tiled user", "DELETE", "/Users/{amy}", "", 405, expect("status", "405")},
		{"still in the directory", "GET", "/Users/{amy}", "", 200, expect("active", "false")},
		{"push group: a library", "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Design Library","members":[{"value":"{amy}"}]}`, 201, capture("lib")},
		// "Import Groups. Libraries created in Tiled won't sync to Okta Groups."
		{"import lists no library", "GET", "/Groups?startIndex=1&count=100", "", 200, emptyList},
	})
	recs := logged(t, e)
	wantEffects(t, recs, "PUT", "/scim/v2/Users/*", 0, "update-ignored title", "update-ignored userName")
	wantEffects(t, recs, "DELETE", "/scim/v2/Users/*", 0, "delete-refused")
	wantEffects(t, recs, "GET", "/scim/v2/Groups", 0, "import-empty Groups")
	wantEffects(t, recs, "GET", "/scim/v2/Users", 0, "import-empty Users")
	for _, r := range recs {
		if r.Method == http.MethodDelete && r.Status == http.StatusMethodNotAllowed && r.RespHeaders.Get("Allow") != "GET, PUT, PATCH" {
			t.Errorf("the 405 must list the methods allowed: %v", r.RespHeaders)
		}
	}
}

// toplyne, with Okta: e-mail as the unique identifier; no groups.
func TestToplyneWithOkta(t *testing.T) {
	e := profileEnv(t, builtin(t, "toplyne"))
	runSteps(t, e, oktaHeaders, map[string]string{}, []idpStep{
		{"test connector configuration", "GET", "/Users?startIndex=1&count=2", "", 200, nil},
		// "We don't support groups as of now."
		{"no group listing", "GET", "/Groups?startIndex=1&count=100", "", 404, expect("status", "404")},
		{"resource types: users only", "GET", "/ResourceTypes", "", 200, expect("totalResults", "1")},
		{"no Group resource type", "GET", "/ResourceTypes/Group", "", 404, nil},
		{"no Group schema", "GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group", "", 404, nil},
		{"lookup by e-mail", "GET", "/Users?filter=userName%20eq%20%22ann%40example.com%22&startIndex=1&count=100", "", 200, emptyList},
		{"create", "POST", "/Users", oktaUser("ann@example.com"), 201, capture("ann")},
		// 'Add "email" as your unique identifier': a userName that is not one is refused.
		{"a userName that is no e-mail", "POST", "/Users", oktaUser("ann.archer"), 400, expect("scimType", "invalidValue")},
		{"another user with ann's address as primary e-mail", "POST", "/Users", strings.Replace(oktaUser("ann2@example.com"), `"value":"ann2@example.com"`, `"value":"ann@example.com"`, 1), 409,
			expect("scimType", "uniqueness")},
		{"no group push either", "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"X","members":[]}`, 404, nil},
		{"root search finds users only", "POST", "/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName sw \"ann\""}`, 200, expect("totalResults", "1")},
		{"unassign: deactivated", "PATCH", "/Users/{ann}", deactivateOIN, 200, expect("active", "false")},
	})
	if n := userCount(t, e); n != 1 {
		t.Errorf("%d users, want only ann", n)
	}
	recs := logged(t, e)
	wantEffects(t, recs, "GET", "/scim/v2/Groups", 0, "groups-unsupported")
	wantEffects(t, recs, "POST", "/scim/v2/Users", 1, "identifier-invalid ann.archer")
	wantEffects(t, recs, "POST", "/scim/v2/Users", 2, "identifier-taken ann@example.com")
}

// scim-setup, with Okta: e-mail as the unique identifier; importing users works;
// "Ensure that Import Groups remains unchecked. The SCIM Connection will fail otherwise."
func TestSCIMSetupWithOkta(t *testing.T) {
	e := profileEnv(t, builtin(t, "scim-setup"))
	runSteps(t, e, oktaHeaders, map[string]string{}, []idpStep{
		{"test API credentials", "GET", "/Users?startIndex=1&count=2", "", 200, nil},
		{"saving with Import Groups checked fails", "GET", "/Groups?startIndex=1&count=100", "", 501,
			expect("status", "501", "detail", "SCIM Setup does not support importing groups.")},
		{"create", "POST", "/Users", oktaUser("a@example.com"), 201, capture("a")},
		{"a userName that is no e-mail", "POST", "/Users", oktaUser("bob"), 400, nil},
		{"unique across primary e-mails", "POST", "/Users", strings.Replace(oktaUser("b@example.com"), `"value":"b@example.com"`, `"value":"a@example.com"`, 1), 409, nil},
		{"import users works", "GET", "/Users?startIndex=1&count=100", "", 200, expect("totalResults", "1")},
		{"push group works", "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales","members":[{"value":"{a}"}]}`, 201, capture("sales")},
		{"group lookup by name works", "GET", "/Groups?filter=displayName%20eq%20%22Sales%22&startIndex=1&count=100", "", 200, expect("totalResults", "1")},
		{"membership push works", "PATCH", "/Groups/{sales}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"members","value":[]}]}`, 204, nil},
	})
	recs := logged(t, e)
	wantEffects(t, recs, "GET", "/scim/v2/Groups", 0, "import-refused Groups")
	wantEffects(t, recs, "GET", "/scim/v2/Groups", 1)
}
