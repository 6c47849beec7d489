package idp

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

const (
	oktaUA  = "Okta SCIM Client 1.0.0"
	entraUA = "Microsoft Azure AD SCIM provisioning 1.0"
	userURN = "urn:ietf:params:scim:schemas:core:2.0:User"
)

// req builds an exchange; resp may be "" for no body.
func req(method, target, ua, body string, status int, resp string) *exchange.Record {
	p, q, _ := strings.Cut(target, "?")
	h := http.Header{}
	if ua != "" {
		h.Set("User-Agent", ua)
	}
	h.Set("Authorization", "Bearer [redacted]")
	ex := &exchange.Record{Time: t0, Method: method, Path: p, Query: q, ReqHeaders: h, UserAgent: ua, Status: status, Auth: exchange.AuthOK}
	if body != "" {
		ex.ReqBody = []byte(body)
	}
	if resp != "" {
		ex.RespBody = []byte(resp)
	}
	return ex
}

const emptyList = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}`

func userJSON(id, userName string, active bool) string {
	return fmt.Sprintf(`{"schemas":[%q],"id":%q,"userName":%q,"active":%t}`, userURN, id, userName, active)
}

func groupJSON(id, name string) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":%q,"displayName":%q}`, id, name)
}

func patchJSON(ops string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + ops + `]}`
}

// TestRecognition covers each step of both IdPs, both Okta flavours, and recognition
// by shape when the User-Agent is missing. Every case starts from a fresh classifier
// unless it sets up history in prior.
func TestRecognition(t *testing.T) {
	alice := userJSON("u1", "alice@example.com", true)
	tests := []struct {
		name    string
		prior   []*exchange.Record
		ex      *exchange.Record
		idp     exchange.IdP
		flavour exchange.Flavour
		step    exchange.Step
		subject string
		summary string
	}{
		// Okta
		{name: "okta test connection", ex: req("GET", "/scim/v2/Users?startIndex=1&count=2", oktaUA, "", 200, emptyList),
			idp: exchange.Okta, step: exchange.StepTestConnection, summary: "Okta test connection: passed"},
		{name: "okta test connection recognised by shape", ex: req("GET", "/scim/v2/Users?startIndex=1&count=2", "", "", 200, emptyList),
			idp: exchange.Okta, step: exchange.StepTestConnection},
		{name: "okta spec test", ex: req("GET", "/scim/v2/Users?count=1&startIndex=1", "OKTA SCIM Integration", "", 200, emptyList),
			idp: exchange.Okta, step: exchange.StepTestConnection, summary: "Okta spec test, connection check: passed"},
		{name: "okta test connection failing with 500", ex: req("GET", "/scim/v2/Users?startIndex=1&count=2", oktaUA, "", 500, ""),
			idp: exchange.Okta, step: exchange.StepTestConnection, summary: "Okta test connection: failed (500 Internal Server Error)"},
		{name: "okta settings saved", prior: []*exchange.Record{req("GET", "/scim/v2/Users?startIndex=1&count=2", oktaUA, "", 200, emptyList)},
			ex:  req("GET", "/scim/v2/Groups?startIndex=1&count=100", oktaUA, "", 200, emptyList),
			idp: exchange.Okta, step: exchange.StepImportGroups, summary: "Okta saved the provisioning settings and read the app's groups (0 groups)"},
		{name: "okta import users page 2", ex: req("GET", "/scim/v2/Users?startIndex=101&count=100", oktaUA, "", 200,
			`{"totalResults":150,"Resources":[`+alice+`]}`),
			idp: exchange.Okta, step: exchange.StepImportUsers, summary: "Okta imported users, page 2 (1 user of 150)"},
		{name: "okta import groups", ex: req("GET", "/scim/v2/Groups?startIndex=1&count=100", oktaUA, "", 200, `{"totalResults":1,"Resources":[`+groupJSON("g1", "Sales")+`]}`),
			idp: exchange.Okta, step: exchange.StepImportGroups, summary: "Okta read the app's groups, page 1 (1 group of 1)"},
		{name: "okta lookup miss", ex: req("GET", "/scim/v2/Users?filter=userName%20eq%20%22alice%40example.com%22&startIndex=1&count=100", oktaUA, "", 200, emptyList),
			idp: exchange.Okta, step: exchange.StepUserLookup, subject: "alice@example.com", summary: "Okta looked up user alice@example.com: not found"},
		{name: "okta lookup 404 means not found", ex: req("GET", "/scim/v2/Users?filter=userName%20eq%20%22alice%40example.com%22&startIndex=1&count=100", oktaUA, "", 404, ""),
			idp: exchange.Okta, step: exchange.StepUserLookup, summary: "Okta looked up user alice@example.com: not found"},
		{name: "okta lookup hit", ex: req("GET", "/scim/v2/Users?filter=userName%20eq%20%22alice%40example.com%22&startIndex=1&count=100", oktaUA, "", 200, `{"totalResults":1,"Resources":[`+alice+`]}`),
			idp: exchange.Okta, step: exchange.StepUserLookup, summary: "Okta looked up user alice@example.com: found"},
		{name: "okta create user by shape", ex: req("POST", "/scim/v2/Users", "", `{"userName":"alice@example.com","externalId":"00ujl29u0le5T6Aj10h7","password":"1mz050nq"}`, 201, alice),
			idp: exchange.Okta, step: exchange.StepCreateUser, subject: "alice@example.com", summary: "Okta created user alice@example.com"},
		{name: "okta aiw create with groups in body", ex: req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com","groups":[{"value":"g1"}]}`, 201, alice),
			idp: exchange.Okta, flavour: exchange.FlavourAIW, step: exchange.StepCreateUser},
		{name: "okta read user", prior: []*exchange.Record{req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, alice)},
			ex:  req("GET", "/scim/v2/Users/u1", oktaUA, "", 200, alice),
			idp: exchange.Okta, step: exchange.StepUserLookup, subject: "alice@example.com", summary: "Okta read user alice@example.com"},
		{name: "okta update by GET then PUT",
			prior: []*exchange.Record{req("GET", "/scim/v2/Users/u1", oktaUA, "", 200, `{"id":"u1","userName":"alice@example.com","title":"Engineer","name":{"givenName":"Alice","familyName":"Archer"},"active":true}`)},
			ex:    req("PUT", "/scim/v2/Users/u1", oktaUA, `{"id":"u1","userName":"alice@example.com","title":"Manager","name":{"givenName":"Alice","familyName":"Baker"},"active":true,"meta":{"resourceType":"User"}}`, 200, ""),
			idp:   exchange.Okta, step: exchange.StepUpdateUser, subject: "alice@example.com", summary: "Okta updated user alice@example.com (title, name.familyName)"},
		{name: "okta PUT without a prior read",
			ex:  req("PUT", "/scim/v2/Users/u1", oktaUA, `{"id":"u1","userName":"alice@example.com","active":true}`, 200, alice),
			idp: exchange.Okta, step: exchange.StepUpdateUser, summary: "Okta replaced user alice@example.com (full PUT)"},
		{name: "okta aiw deactivate by PUT",
			prior: []*exchange.Record{req("GET", "/scim/v2/Users/u1", oktaUA, "", 200, alice)},
			ex:    req("PUT", "/scim/v2/Users/u1", oktaUA, `{"id":"u1","userName":"alice@example.com","active":false}`, 200, userJSON("u1", "alice@example.com", false)),
			idp:   exchange.Okta, flavour: exchange.FlavourAIW, step: exchange.StepDeactivateUser, summary: "Okta deactivated user alice@example.com"},
		{name: "okta aiw reactivate by PUT",
			prior: []*exchange.Record{req("GET", "/scim/v2/Users/u1", oktaUA, "", 200, userJSON("u1", "alice@example.com", false))},
			ex:    req("PUT", "/scim/v2/Users/u1", oktaUA, `{"id":"u1","userName":"alice@example.com","active":true}`, 200, alice),
			idp:   exchange.Okta, step: exchange.StepReactivateUser, summary: "Okta reactivated user alice@example.com"},
		{name: "okta oin deactivate by path-less PATCH",
			prior: []*exchange.Record{req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, alice)},
			ex:    req("PATCH", "/scim/v2/Users/u1", oktaUA, patchJSON(`{"op":"replace","value":{"active":false}}`), 204, ""),
			idp:   exchange.Okta, flavour: exchange.FlavourOIN, step: exchange.StepDeactivateUser, subject: "alice@example.com", summary: "Okta deactivated user alice@example.com"},
		{name: "okta oin reactivate by PATCH",
			ex:  req("PATCH", "/scim/v2/Users/u1", oktaUA, patchJSON(`{"op":"replace","value":{"active":true}}`), 200, alice),
			idp: exchange.Okta, flavour: exchange.FlavourOIN, step: exchange.StepReactivateUser},
		{name: "okta oin password change", prior: []*exchange.Record{req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, alice)},
			ex:  req("PATCH", "/scim/v2/Users/u1", oktaUA, patchJSON(`{"op":"replace","value":{"password":"n3w"}}`), 204, ""),
			idp: exchange.Okta, step: exchange.StepUpdateUser, summary: "Okta synced the password of user alice@example.com"},
		{name: "okta password by path", prior: []*exchange.Record{req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, alice)},
			ex:  req("PATCH", "/scim/v2/Users/u1", oktaUA, patchJSON(`{"op":"replace","path":"password","value":"n3w"}`), 204, ""),
			idp: exchange.Okta, step: exchange.StepUpdateUser, summary: "Okta synced the password of user alice@example.com"},
		{name: "okta profile and password together", prior: []*exchange.Record{req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, alice)},
			ex:  req("PATCH", "/scim/v2/Users/u1", oktaUA, patchJSON(`{"op":"replace","value":{"title":"CTO","password":"n3w"}}`), 204, ""),
			idp: exchange.Okta, step: exchange.StepUpdateUser, summary: "Okta updated user alice@example.com (title) and synced the password"},
		{name: "okta profile update without a password says nothing of one", prior: []*exchange.Record{req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, alice)},
			ex:  req("PATCH", "/scim/v2/Users/u1", oktaUA, patchJSON(`{"op":"replace","value":{"title":"CTO"}}`), 204, ""),
			idp: exchange.Okta, step: exchange.StepUpdateUser, summary: "Okta updated user alice@example.com (title)"},
		{name: "okta aiw push group with members", prior: []*exchange.Record{req("POST", "/scim/v2/Users", oktaUA, `{"userName":"alice@example.com"}`, 201, alice)},
			ex:  req("POST", "/scim/v2/Groups", oktaUA, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[{"value":"u1","display":"alice@example.com"}]}`, 201, groupJSON("g1", "Engineering")),
			idp: exchange.Okta, flavour: exchange.FlavourAIW, step: exchange.StepCreateGroup, subject: "Engineering", summary: "Okta pushed group Engineering (1 member)"},
		{name: "okta oin push empty group", ex: req("POST", "/scim/v2/Groups", oktaUA, `{"displayName":"Engineering","members":[]}`, 201, groupJSON("g1", "Engineering")),
			idp: exchange.Okta, step: exchange.StepCreateGroup, summary: "Okta pushed group Engineering"},
		{name: "okta oin name sync recognised by shape", prior: []*exchange.Record{req("POST", "/scim/v2/Groups", oktaUA, `{"displayName":"Engineering"}`, 201, groupJSON("g1", "Engineering"))},
			ex:  req("PATCH", "/scim/v2/Groups/g1", "", patchJSON(`{"op":"replace","value":{"id":"g1","displayName":"Engineering"}}`), 204, ""),
			idp: exchange.Okta, flavour: exchange.FlavourOIN, step: exchange.StepRenameGroup, subject: "Engineering", summary: "Okta synced the name of group Engineering (unchanged)"},
		{name: "okta oin rename", prior: []*exchange.Record{req("POST", "/scim/v2/Groups", oktaUA, `{"displayName":"Engineering"}`, 201, groupJSON("g1", "Engineering"))},
			ex:  req("PATCH", "/scim/v2/Groups/g1", oktaUA, patchJSON(`{"op":"replace","value":{"id":"g1","displayName":"Platform"}}`), 204, ""),
			idp: exchange.Okta, step: exchange.StepRenameGroup, subject: "Platform", summary: "Okta renamed group Engineering to Platform"},
		{name: "okta oin add members", prior: []*exchange.Record{req("POST", "/scim/v2/Groups", oktaUA, `{"displayName":"Engineering"}`, 201, groupJSON("g1", "Engineering"))},
			ex:  req("PATCH", "/scim/v2/Groups/g1", oktaUA, patchJSON(`{"op":"add","path":"members","value":[{"value":"u1","display":"alice@example.com"}]}`), 204, ""),
			idp: exchange.Okta, flavour: exchange.FlavourOIN, step: exchange.StepAddMembers, subject: "Engineering", summary: "Okta: add alice@example.com to Engineering"},
		{name: "okta oin remove member by filter path", prior: []*exchange.Record{
			req("POST", "/scim/v2/Users", oktaUA, `{"userName":"bob@example.com"}`, 201, userJSON("u2", "bob@example.com", true)),
			req("POST", "/scim/v2/Groups", oktaUA, `{"displayName":"Engineering"}`, 201, groupJSON("g1", "Engineering"))},
			ex:  req("PATCH", "/scim/v2/Groups/g1", oktaUA, patchJSON(`{"op":"remove","path":"members[value eq \"u2\"]"}`), 204, ""),
			idp: exchange.Okta, step: exchange.StepRemoveMembers, summary: "Okta: remove bob@example.com from Engineering"},
		{name: "okta oin push now replaces members", ex: req("PATCH", "/scim/v2/Groups/g1", oktaUA, patchJSON(`{"op":"replace","path":"members","value":[{"value":"u1","display":"alice@example.com"}]}`), 204, ""),
			idp: exchange.Okta, step: exchange.StepReplaceMembers, summary: "Okta replaced the members of g1 (1 member)"},
		{name: "okta aiw group PUT after GET adds", prior: []*exchange.Record{
			req("GET", "/scim/v2/Groups/g1", oktaUA, "", 200, `{"id":"g1","displayName":"Engineering","members":[{"value":"u1","display":"alice@example.com"}]}`)},
			ex:  req("PUT", "/scim/v2/Groups/g1", oktaUA, `{"id":"g1","displayName":"Engineering","members":[{"value":"u1","display":"alice@example.com"},{"value":"u2","display":"bob@example.com"}]}`, 200, ""),
			idp: exchange.Okta, flavour: exchange.FlavourAIW, step: exchange.StepAddMembers, summary: "Okta: add bob@example.com to Engineering"},
		{name: "okta aiw group PUT without a prior read", ex: req("PUT", "/scim/v2/Groups/g1", oktaUA, `{"id":"g1","displayName":"Engineering","members":[{"value":"u1"}]}`, 200, ""),
			idp: exchange.Okta, flavour: exchange.FlavourAIW, step: exchange.StepReplaceMembers, summary: "Okta pushed the full member list of Engineering (1 member)"},
		{name: "okta group delete", prior: []*exchange.Record{req("GET", "/scim/v2/Groups/g1", oktaUA, "", 200, groupJSON("g1", "Engineering"))},
			ex:  req("DELETE", "/scim/v2/Groups/g1", oktaUA, "", 204, ""),
			idp: exchange.Okta, step: exchange.StepDeleteGroup, subject: "Engineering", summary: "Okta deleted group Engineering (unlinked the pushed group with delete)"},

		// Entra
		{name: "entra probe without user agent", ex: req("GET", "/scim/v2/Users?filter=userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22", "", "", 200, emptyList),
			idp: exchange.Entra, step: exchange.StepTestConnection, summary: "Entra test connection: passed"},
		{name: "entra by user agent", ex: req("GET", "/scim/v2/Users?filter=userName+eq+%22alice%40example.com%22", entraUA, "", 200, emptyList),
			idp: exchange.Entra, step: exchange.StepUserLookup, summary: "Entra looked up user alice@example.com: not found"},
		{name: "entra lookup by externalId", ex: req("GET", "/scim/v2/Users?filter=externalId+eq+%22alice%22", entraUA, "", 200, emptyList),
			idp: exchange.Entra, step: exchange.StepUserLookup, subject: "alice", summary: "Entra looked up user alice by externalId: not found"},
		{name: "entra externalId GUID of a known user is a lookup", prior: []*exchange.Record{
			req("POST", "/scim/v2/Users", entraUA, `{"userName":"alice@example.com","externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"}`, 201,
				`{"id":"u1","userName":"alice@example.com","externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"}`)},
			ex:  req("GET", "/scim/v2/Users?filter=externalId+eq+%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22", entraUA, "", 200, `{"totalResults":1,"Resources":[{"id":"u1","userName":"alice@example.com"}]}`),
			idp: exchange.Entra, step: exchange.StepUserLookup, subject: "alice@example.com"},
		{name: "entra cycle probe after provisioning", prior: []*exchange.Record{req("POST", "/scim/v2/Users", entraUA, `{"userName":"alice@example.com"}`, 201, alice)},
			ex:  req("GET", "/scim/v2/Users?filter=userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22", "", "", 200, emptyList),
			idp: exchange.Entra, step: exchange.StepTestConnection, summary: "Entra cycle-start probe (or Test Connection): passed"},
		{name: "entra group probe", ex: req("GET", "/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22", "", "", 200, emptyList),
			idp: exchange.Entra, step: exchange.StepTestConnection, summary: "Entra test connection (groups): passed"},
		{name: "entra group lookup by excludedAttributes", ex: req("GET", "/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales%22", "", "", 200, emptyList),
			idp: exchange.Entra, step: exchange.StepGroupLookup, subject: "Sales", summary: "Entra looked up group Sales: not found"},
		{name: "entra read group", ex: req("GET", "/scim/v2/Groups/g1?excludedAttributes=members", "", "", 200, groupJSON("g1", "Sales")),
			idp: exchange.Entra, step: exchange.StepGroupLookup, subject: "Sales", summary: "Entra read group Sales"},
		{name: "entra create user by meta in body", ex: req("POST", "/scim/v2/Users", "", `{"userName":"alice@example.com","meta":{"resourceType":"User"},"roles":[]}`, 201, alice),
			idp: exchange.Entra, step: exchange.StepCreateUser, summary: "Entra created user alice@example.com"},
		{name: "entra create group by ADSCIM schema", ex: req("POST", "/scim/v2/Groups", "", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Sales"}`, 201, groupJSON("g1", "Sales")),
			idp: exchange.Entra, step: exchange.StepCreateGroup, subject: "Sales", summary: "Entra created group Sales"},
		{name: "entra update by capitalised ops", prior: []*exchange.Record{req("POST", "/scim/v2/Users", entraUA, `{"userName":"alice@example.com"}`, 201, alice)},
			ex:  req("PATCH", "/scim/v2/Users/u1", "", patchJSON(`{"op":"Replace","path":"title","value":"Lead"},{"op":"Remove","path":"phoneNumbers[type eq \"fax\"].value"}`), 200, alice),
			idp: exchange.Entra, step: exchange.StepUpdateUser, subject: "alice@example.com", summary: "Entra updated user alice@example.com (title, phoneNumbers[fax].value (removed))"},
		{name: "entra userName change names the new userName", prior: []*exchange.Record{req("POST", "/scim/v2/Users", entraUA, `{"userName":"alice@example.com"}`, 201, alice)},
			ex:  req("PATCH", "/scim/v2/Users/u1", "", patchJSON(`{"op":"Replace","path":"userName","value":"alice@contoso.com"}`), 204, ""),
			idp: exchange.Entra, step: exchange.StepUpdateUser, subject: "alice@contoso.com"},
		{name: "entra deactivate with string False", ex: req("PATCH", "/scim/v2/Users/u1", "", patchJSON(`{"op":"replace","path":"active","value":"False"}`), 204, ""),
			idp: exchange.Entra, step: exchange.StepDeactivateUser},
		{name: "entra reactivate with string True", ex: req("PATCH", "/scim/v2/Users/u1", "", patchJSON(`{"op":"Replace","path":"active","value":"True"}`), 204, ""),
			idp: exchange.Entra, step: exchange.StepReactivateUser, summary: "Entra reactivated user u1"},
		{name: "entra periodic active true on an active user",
			prior: []*exchange.Record{req("GET", "/scim/v2/Users/u1", entraUA, "", 200, alice)},
			ex:    req("PATCH", "/scim/v2/Users/u1", "", patchJSON(`{"op":"Replace","path":"active","value":"True"}`), 204, ""),
			idp:   exchange.Entra, step: exchange.StepReactivateUser, summary: "Entra confirmed user alice@example.com is active (no change)"},
		{name: "entra add member by $ref null", ex: req("PATCH", "/scim/v2/Groups/g1", "", patchJSON(`{"op":"add","path":"members","value":[{"$ref":null,"value":"u1"}]}`), 204, ""),
			idp: exchange.Entra, step: exchange.StepAddMembers},
		{name: "entra remove member by value array", prior: []*exchange.Record{
			req("POST", "/scim/v2/Users", entraUA, `{"userName":"bob@example.com"}`, 201, userJSON("u2", "bob@example.com", true)),
			req("POST", "/scim/v2/Groups", entraUA, `{"displayName":"Sales"}`, 201, groupJSON("g1", "Sales"))},
			ex:  req("PATCH", "/scim/v2/Groups/g1", "", patchJSON(`{"op":"Remove","path":"members","value":[{"$ref":null,"value":"u2"}]}`), 204, ""),
			idp: exchange.Entra, step: exchange.StepRemoveMembers, subject: "Sales", summary: "Entra: remove bob@example.com from Sales"},
		{name: "entra rename group", prior: []*exchange.Record{req("POST", "/scim/v2/Groups", entraUA, `{"displayName":"Sales"}`, 201, groupJSON("g1", "Sales"))},
			ex:  req("PATCH", "/scim/v2/Groups/g1", "", patchJSON(`{"op":"Replace","path":"displayName","value":"Sales EMEA"}`), 204, ""),
			idp: exchange.Entra, step: exchange.StepRenameGroup, subject: "Sales EMEA", summary: "Entra renamed group Sales to Sales EMEA"},
		{name: "entra delete user by flag", ex: req("DELETE", "/scim/v2/Users/u1?aadOptscim062020", "", "", 204, ""),
			idp: exchange.Entra, step: exchange.StepDeleteUser, summary: "Entra deleted user u1 (hard delete)"},
		{name: "entra delete group remembered", prior: []*exchange.Record{req("GET", "/scim/v2/Users?filter=userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22", "", "", 200, emptyList)},
			ex:  req("DELETE", "/scim/v2/Groups/g1", "", "", 204, ""),
			idp: exchange.Entra, step: exchange.StepDeleteGroup},
		{name: "entra schema discovery", ex: req("GET", "/scim/v2/Schemas", entraUA, "", 200, emptyList),
			idp: exchange.Entra, step: exchange.StepDiscovery, summary: "Entra read /Schemas (schema discovery)"},
		{name: "entra manager reference check", prior: []*exchange.Record{req("POST", "/scim/v2/Users", entraUA, `{"userName":"alice@example.com"}`, 201, userJSON("7f4bc1a3-0000-4000-8000-000000000001", "alice@example.com", true))},
			ex:  req("GET", "/scim/v2/Users?filter=id+eq+%227f4bc1a3-0000-4000-8000-000000000001%22+and+manager+eq+%22m1%22&attributes=id", "", "", 200, emptyList),
			idp: exchange.Entra, step: exchange.StepUserLookup, subject: "alice@example.com", summary: "Entra checked the manager reference of alice@example.com"},

		{name: "unpaged lookup of unknown origin suggests Entra", ex: req("GET", "/scim/v2/Users?filter=userName+eq+%22alice%40example.com%22", "", "", 200, emptyList),
			idp: exchange.Entra, step: exchange.StepUserLookup},
		// Okta always sends a User-Agent: one missing is evidence against Okta, whatever came before.
		{name: "unpaged lookup without User-Agent after Okta is not Okta", prior: []*exchange.Record{req("GET", "/scim/v2/Users?startIndex=1&count=2", oktaUA, "", 200, emptyList)},
			ex:  req("GET", "/scim/v2/Users?filter=userName+eq+%22alice%40example.com%22", "", "", 200, emptyList),
			idp: exchange.Entra, step: exchange.StepUserLookup},
		{name: "read without User-Agent after Okta is unknown", prior: []*exchange.Record{req("GET", "/scim/v2/Users?startIndex=1&count=2", oktaUA, "", 200, emptyList)},
			ex:  req("GET", "/scim/v2/Users/u1", "", "", 200, alice),
			idp: exchange.Unknown, step: exchange.StepUserLookup},
		{name: "paged lookup with Okta's User-Agent stays Okta", prior: []*exchange.Record{req("GET", "/scim/v2/Users?startIndex=1&count=2", oktaUA, "", 200, emptyList)},
			ex:  req("GET", "/scim/v2/Users/u1", oktaUA, "", 200, alice),
			idp: exchange.Okta, step: exchange.StepUserLookup},
		{name: "read without User-Agent after Entra stays Entra", prior: []*exchange.Record{req("GET", "/scim/v2/Users?filter=userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22", "", "", 200, emptyList)},
			ex:  req("GET", "/scim/v2/Users/u1", "", "", 200, alice),
			idp: exchange.Entra, step: exchange.StepUserLookup},

		// Stickiness and foreign clients
		{name: "remembered IdP without evidence", prior: []*exchange.Record{req("GET", "/scim/v2/Users?filter=userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22", "", "", 200, emptyList)},
			ex:  req("GET", "/scim/v2/Users/u1", "", "", 200, alice),
			idp: exchange.Entra, step: exchange.StepUserLookup},
		{name: "per-request evidence wins over memory", prior: []*exchange.Record{req("GET", "/scim/v2/Users?startIndex=1&count=2", oktaUA, "", 200, emptyList)},
			ex:  req("GET", "/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales%22", "", "", 200, emptyList),
			idp: exchange.Entra, step: exchange.StepGroupLookup},
		{name: "foreign user agent is not the remembered IdP", prior: []*exchange.Record{req("GET", "/scim/v2/Users?startIndex=1&count=2", oktaUA, "", 200, emptyList)},
			ex:  req("GET", "/scim/v2/Users/u1", "curl/8.5.0", "", 200, alice),
			idp: exchange.Unknown, step: exchange.StepUserLookup, summary: "Client read user alice@example.com"},
		{name: "flavour remembered", prior: []*exchange.Record{req("PUT", "/scim/v2/Groups/g1", oktaUA, `{"displayName":"Sales","members":[]}`, 200, "")},
			ex:  req("GET", "/scim/v2/Users?startIndex=1&count=2", oktaUA, "", 200, emptyList),
			idp: exchange.Okta, flavour: exchange.FlavourAIW, step: exchange.StepTestConnection},
		{name: "base URL itself", ex: req("GET", "/scim/v2", oktaUA, "", 200, "{}"),
			idp: exchange.Okta, step: exchange.StepOther, summary: "Okta opened the base URL /scim/v2 itself"},
		{name: "search endpoint", ex: req("POST", "/scim/v2/Users/.search", "", `{"filter":"userName eq \"a\""}`, 200, emptyList),
			step: exchange.StepOther, summary: "Client searched users (POST .search)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClassifier()
			for _, p := range tt.prior {
				c.Annotate(p)
			}
			a := c.Annotate(tt.ex)
			if a.IdP != tt.idp {
				t.Errorf("IdP = %q, want %q", a.IdP, tt.idp)
			}
			if a.Step != tt.step {
				t.Errorf("step = %q, want %q (summary %q)", a.Step, tt.step, a.Summary)
			}
			if tt.flavour != "" && a.Flavour != tt.flavour {
				t.Errorf("flavour = %q, want %q", a.Flavour, tt.flavour)
			}
			if tt.subject != "" && a.Subject != tt.subject {
				t.Errorf("subject = %q, want %q", a.Subject, tt.subject)
			}
			if tt.summary != "" && a.Summary != tt.summary {
				t.Errorf("summary = %q\n         want %q", a.Summary, tt.summary)
			}
		})
	}
}

func TestFlavourHintOnlyWhenLearned(t *testing.T) {
	c := NewClassifier()
	put := req("PUT", "/scim/v2/Groups/g1", oktaUA, `{"displayName":"Sales","members":[]}`, 200, "")
	first := c.Annotate(put)
	if !hasHint(first, HintOktaFlavour) || first.Source() != "Okta (App Integration Wizard app)" {
		t.Fatalf("first AIW evidence: hints %v, source %q", first.Hints, first.Source())
	}
	if again := c.Annotate(put); hasHint(again, HintOktaFlavour) {
		t.Errorf("flavour hint repeated: %v", again.Hints)
	}
	patch := req("PATCH", "/scim/v2/Groups/g1", oktaUA, patchJSON(`{"op":"add","path":"members","value":[{"value":"u1"}]}`), 204, "")
	if changed := c.Annotate(patch); !hasHint(changed, HintOktaFlavour) || changed.Flavour != exchange.FlavourOIN {
		t.Errorf("flavour change not reported: %+v", changed)
	}
}

func hasHint(a exchange.Annotation, code exchange.Cause) bool {
	for _, h := range a.Hints {
		if h.Cause == code {
			return true
		}
	}
	return false
}

// TestNamesResolveUnseenIDs checks that ids the classifier never saw in traffic are
// resolved through the server's names.
func TestNamesResolveUnseenIDs(t *testing.T) {
	c := NewClassifier()
	c.SetNames(staticNames{users: map[string]string{"u9": "zoe@example.com"}, groups: map[string]string{"g9": "Ops"}})
	a := c.Annotate(req("PATCH", "/scim/v2/Groups/g9", entraUA, patchJSON(`{"op":"Add","path":"members","value":[{"$ref":null,"value":"u9"}]}`), 204, ""))
	if a.Summary != "Entra: add zoe@example.com to Ops" {
		t.Errorf("summary = %q", a.Summary)
	}
}

type staticNames struct{ users, groups map[string]string }

func (n staticNames) UserName(id string) string  { return n.users[id] }
func (n staticNames) GroupName(id string) string { return n.groups[id] }

func TestMemberListsAreShortened(t *testing.T) {
	c := NewClassifier()
	a := c.Annotate(req("PATCH", "/scim/v2/Groups/g1", entraUA, patchJSON(`{"op":"Add","path":"members","value":[{"value":"a"},{"value":"b"},{"value":"c"},{"value":"d"}]}`), 204, ""))
	if a.Summary != "Entra: add 4 members to g1" {
		t.Errorf("summary = %q", a.Summary)
	}
}

// TestConcurrentUse runs Annotate and Pending from several goroutines: each goroutine's
// exchanges must still be labelled as if alone (the race detector checks the locking),
// and what one goroutine taught the classifier serves the others.
func TestConcurrentUse(t *testing.T) {
	c := NewClassifier()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				id := fmt.Sprintf("u%d-%d", g, i)
				name := id + "@example.com"
				created := c.Annotate(req("POST", "/scim/v2/Users", oktaUA, `{"userName":"`+name+`"}`, 201, userJSON(id, name, true)))
				if created.Step != exchange.StepCreateUser || created.Subject != name {
					t.Errorf("create of %s labelled %s %q", name, created.Step, created.Subject)
				}
				deactivated := c.Annotate(req("PATCH", "/scim/v2/Users/"+id, oktaUA, patchJSON(`{"op":"replace","value":{"active":false}}`), 200, userJSON(id, name, false)))
				if deactivated.Step != exchange.StepDeactivateUser || deactivated.Subject != name {
					t.Errorf("deactivation of %s labelled %s %q", id, deactivated.Step, deactivated.Subject)
				}
				c.Pending(t0.Add(time.Duration(i) * time.Minute))
			}
		}()
	}
	wg.Wait()
	// Goroutine 0's user, named by id in a group push from "another" client.
	a := c.Annotate(req("PATCH", "/scim/v2/Groups/g1", oktaUA, patchJSON(`{"op":"add","path":"members","value":[{"value":"u0-7"}]}`), 204, ""))
	if !strings.Contains(a.Summary, "u0-7@example.com") {
		t.Errorf("a user learned concurrently is not named: %q", a.Summary)
	}
}

// TestMemoryIsBounded checks that learned state stops growing at its caps.
func TestMemoryIsBounded(t *testing.T) {
	m := newCapped[int](3)
	for i := range 10 {
		m.put(fmt.Sprint(i), i)
	}
	if len(m.m) != 3 {
		t.Fatalf("len = %d, want 3", len(m.m))
	}
	if _, ok := m.get("9"); !ok {
		t.Error("newest key evicted")
	}
	if _, ok := m.get("0"); ok {
		t.Error("oldest key kept")
	}
	for i := range 1000 {
		m.put(fmt.Sprint(i), i)
		m.del(fmt.Sprint(i))
	}
	if len(m.order) > 2*3+64 {
		t.Errorf("order grew to %d entries", len(m.order))
	}
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in              string
		attr, op, value string
		and, andValue   string
		ok              bool
	}{
		{in: `userName eq "alice@example.com"`, attr: "userName", op: "eq", value: "alice@example.com", ok: true},
		{in: `userName EQ "a \"q\" b"`, attr: "userName", op: "eq", value: `a "q" b`, ok: true},
		{in: `userName eq alice`, attr: "userName", op: "eq", value: "alice", ok: true},
		{in: `emails[type eq "work"].value eq "a@b.c"`, attr: `emails[type eq "work"].value`, op: "eq", value: "a@b.c", ok: true},
		{in: `id eq "1" and manager eq "2"`, attr: "id", op: "eq", value: "1", and: "manager", andValue: "2", ok: true},
		{in: `userName eq "unterminated`, ok: false},
		{in: ``, ok: false},
	}
	for _, tt := range tests {
		got := parseFilter(tt.in)
		if got.ok != tt.ok || got.ok && (got.attr != tt.attr || got.op != tt.op || got.value != tt.value || got.and != tt.and || got.andValue != tt.andValue) {
			t.Errorf("parseFilter(%q) = %+v", tt.in, got)
		}
	}
}

func TestShortPath(t *testing.T) {
	tests := map[string]string{
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "department",
		`emails[type eq "work"].value`:                                          "emails[work].value",
		"name.familyName":                                                       "name.familyName",
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`:    "manager",
	}
	for in, want := range tests {
		if got := shortPath(in); got != want {
			t.Errorf("shortPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFailureWithoutSubject checks that a create whose body cannot be read still
// reads as a sentence: there is no userName to name.
func TestFailureWithoutSubject(t *testing.T) {
	c := NewClassifier()
	a := c.Annotate(req("POST", "/scim/v2/Users", oktaUA, `{bad json`, 400, "the request body is not valid JSON"))
	if !a.Failed || !strings.HasPrefix(a.Summary, "Okta could not create a user: 400") {
		t.Errorf("summary = %q", a.Summary)
	}
}
