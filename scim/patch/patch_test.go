package patch

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/scim/quirk"
	"github.com/scimlab/scimlab/scim/schema"
)

// In the tables below ENT stands for the enterprise extension URN, to keep rows readable.
const ent = schema.EnterpriseUserURN

const userDoc = `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},"active":true,
 "emails":[{"value":"bj@work.example","type":"work","primary":true},{"value":"bj@home.example","type":"home"}],
 "ENT":{"department":"Sales"}}`

const groupDoc = `{"displayName":"Test SCIMv2","members":[
 {"value":"89bb1940-b905-4575-9e7f-6f887cfb368e","display":"alice@okta.local"},
 {"value":"f648f8d5ea4e4cd38e9c"}]}`

const (
	userID  = "23a35c27-1111-4a4a-8b8b-000000000001"
	groupID = "abf4dd94-2222-4b4b-9c9c-000000000002"
)

func expand(s string) string { return strings.ReplaceAll(s, "ENT", ent) }

func decodeDoc(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(expand(s)), &m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

// canonical re-encodes a document so that json.Number and float64 compare alike.
func canonical(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("document does not marshal: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func patchBody(ops string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + ops + `]}`
}

type patchCase struct {
	name  string
	group bool   // patch groupDoc with the Group resource type (members in the document)
	doc   string // overrides userDoc/groupDoc
	body  string // the complete PATCH body
	// want is the tolerant-mode result: a JSON document, or "err:<scimType>".
	want   string
	quirks []quirk.Quirk
	// strict is the strict-mode result in the same form; "" means the same as want
	// (and then quirks must be empty).
	strict string
}

func runPatch(t *testing.T, c patchCase, strict bool, sender string) (map[string]any, []quirk.Quirk, error) {
	t.Helper()
	rt, src, id := schema.UserResourceType(), userDoc, userID
	if c.group {
		rt, src, id = schema.GroupResourceType(), groupDoc, groupID
	}
	if c.doc != "" {
		src = c.doc
	}
	doc := decodeDoc(t, src)
	seen := &quirk.Set{}
	req, err := Decode([]byte(expand(c.body)), strict, seen)
	if err == nil {
		err = Apply(doc, req.Operations, Options{Resource: rt, Strict: strict, Seen: seen, ID: id, Sender: sender})
	}
	return doc, seen.List(), err
}

func checkResult(t *testing.T, mode, want string, doc map[string]any, err error) {
	t.Helper()
	if scimType, ok := strings.CutPrefix(want, "err:"); ok {
		var pe *Error
		if !errors.As(err, &pe) {
			t.Fatalf("%s: got error %v (doc %v); want *Error %s", mode, err, doc, scimType)
		}
		if pe.ScimType != scimType {
			t.Fatalf("%s: got %s; want scimType %s", mode, pe, scimType)
		}
		if pe.Detail == "" {
			t.Errorf("%s: error without detail", mode)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: unexpected error %v", mode, err)
	}
	got, wantDoc := canonical(t, doc), canonical(t, decodeDoc(t, want))
	if !reflect.DeepEqual(got, wantDoc) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(wantDoc)
		t.Errorf("%s:\n got  %s\n want %s", mode, g, w)
	}
}

func testTable(t *testing.T, cases []patchCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, quirks, err := runPatch(t, c, false, "")
			checkResult(t, "tolerant", c.want, doc, err)
			if fmt.Sprint(quirks) != fmt.Sprint(c.quirks) {
				t.Errorf("tolerant quirks = %v; want %v", quirks, c.quirks)
			}
			strictWant := c.strict
			if strictWant == "" {
				if len(c.quirks) > 0 {
					t.Fatal("a row with quirks must say what strict mode does")
				}
				strictWant = c.want
			}
			tolerated := quirks
			doc, quirks, err = runPatch(t, c, true, "")
			checkResult(t, "strict", strictWant, doc, err)
			// Strict mode badges the quirk it refused (or read the RFC way), so the
			// admin sees why the answer differs from tolerant mode.
			for _, q := range quirks {
				if !slices.Contains(tolerated, q) {
					t.Errorf("strict mode recorded %s, which tolerant mode did not", q)
				}
			}
			if len(tolerated) > 0 && len(quirks) == 0 {
				t.Errorf("strict mode answered differently from tolerant mode (quirks %v) but recorded no quirk", tolerated)
			}
		})
	}
}

// TestOkta replays the PATCH bodies of idp-wire-format.md §1.5 and §1.6.
func TestOkta(t *testing.T) { testTable(t, oktaCases) }

var oktaCases = []patchCase{
	{
		name: "deactivate without path (§1.5)",
		body: `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations": [{"op": "replace", "value": {"active": false}}]}`,
		want: `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},"active":false,
 "emails":[{"value":"bj@work.example","type":"work","primary":true},{"value":"bj@home.example","type":"home"}],
 "ENT":{"department":"Sales"}}`,
	},
	{
		name: "reactivate",
		doc:  `{"userName":"bjensen","active":false}`,
		body: patchBody(`{"op": "replace", "value": {"active": true}}`),
		want: `{"userName":"bjensen","active":true}`,
	},
	{
		name: "password sync",
		doc:  `{"userName":"bjensen"}`,
		body: patchBody(`{"op":"replace","value":{"password":"1mz050nq"}}`),
		want: `{"userName":"bjensen","password":"1mz050nq"}`,
	},
	{
		name:  "group rename echoing the id (§1.6)",
		group: true,
		body: `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations": [{"op": "replace",
                 "value": {"id": "abf4dd94-2222-4b4b-9c9c-000000000002", "displayName": "Renamed"}}]}`,
		want: `{"displayName":"Renamed","members":[
 {"value":"89bb1940-b905-4575-9e7f-6f887cfb368e","display":"alice@okta.local"},{"value":"f648f8d5ea4e4cd38e9c"}]}`,
	},
	{
		name:   "group rename with a different id",
		group:  true,
		doc:    `{"displayName":"Old"}`,
		body:   patchBody(`{"op": "replace", "value": {"id": "someone-else", "displayName": "New"}}`),
		want:   "err:mutability",
		strict: "err:mutability",
	},
	{
		name:  "membership remove and add in one request (§1.6)",
		group: true,
		body: `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations": [
   {"op": "remove", "path": "members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]"},
   {"op": "add", "path": "members",
    "value": [{"value": "23a35c27-1111-4a4a-8b8b-000000000001", "display": "test.user@okta.local"}]}]}`,
		want: `{"displayName":"Test SCIMv2","members":[{"value":"f648f8d5ea4e4cd38e9c"},
 {"value":"23a35c27-1111-4a4a-8b8b-000000000001","display":"test.user@okta.local"}]}`,
	},
	{
		name:   "remove of a member already gone",
		group:  true,
		body:   patchBody(`{"op": "remove", "path": "members[value eq \"not-a-member\"]"}`),
		want:   groupDoc,
		quirks: []quirk.Quirk{quirk.RemoveAbsentValue},
		strict: "err:noTarget",
	},
	{
		name:  "add of a member already present is not duplicated",
		group: true,
		body:  patchBody(`{"op":"add","path":"members","value":[{"value":"f648f8d5ea4e4cd38e9c","display":"bob"}]}`),
		want:  groupDoc,
	},
	{
		name:  "full re-push replaces members",
		group: true,
		body:  patchBody(`{"op":"replace","path":"members","value":[{"value":"u1","display":"one@okta.local"},{"value":"u2","display":"two@okta.local"}]}`),
		want:  `{"displayName":"Test SCIMv2","members":[{"value":"u1","display":"one@okta.local"},{"value":"u2","display":"two@okta.local"}]}`,
	},
	{
		name:  "re-push of an empty group clears members, not 400",
		group: true,
		body:  patchBody(`{"op":"replace","path":"members","value":[]}`),
		want:  `{"displayName":"Test SCIMv2"}`,
	},
}

// TestEntra replays the PATCH bodies of idp-wire-format.md §2.4, §2.5 and §2.6.
func TestEntra(t *testing.T) { testTable(t, entraCases) }

const (
	entraUser = `{"userName":"Test_User_00aa","name":{"givenName":"givenName","familyName":"familyName"},"active":true,
 "emails":[{"primary":true,"type":"work","value":"Test_User_00aa@testuser.com"}]}`
	updated = `{"userName":"new@contoso.com","externalId":"Eqpj","active":true,
 "name":{"givenName":"givenName","familyName":"updatedFamilyName"},
 "emails":[{"primary":true,"type":"work","value":"updatedEmail@microsoft.com"}],
 "addresses":[{"type":"work","formatted":"18/2111"}],
 "ENT":{"department":"Retail","employeeNumber":"Eqpj"}}`
)

var entraCases = []patchCase{
	{
		name: "update user, capitalised ops and filter paths (§2.4)",
		doc:  entraUser,
		body: `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations": [
   {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
   {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
   {"op": "Replace", "path": "addresses[type eq \"work\"].formatted", "value": "18/2111"},
   {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Retail"},
   {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "Eqpj"},
   {"op": "Replace", "path": "externalId", "value": "Eqpj"},
   {"op": "Replace", "path": "userName", "value": "new@contoso.com"}]}`,
		want:   updated,
		quirks: []quirk.Quirk{quirk.CapitalisedOp, quirk.FilterNoMatchCreates},
		strict: "err:invalidSyntax",
	},
	{
		name: "same update with aadOptscim062020 lower-case ops: only the missing address differs",
		doc:  entraUser,
		body: `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations": [
   {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
   {"op": "replace", "path": "name.familyName", "value": "updatedFamilyName"},
   {"op": "replace", "path": "addresses[type eq \"work\"].formatted", "value": "18/2111"},
   {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Retail"},
   {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "Eqpj"},
   {"op": "replace", "path": "externalId", "value": "Eqpj"},
   {"op": "replace", "path": "userName", "value": "new@contoso.com"}]}`,
		want:   updated,
		quirks: []quirk.Quirk{quirk.FilterNoMatchCreates},
		strict: "err:noTarget",
	},
	{
		name:   "add through a filter that matches nothing creates the element",
		doc:    `{"userName":"u"}`,
		body:   patchBody(`{"op":"add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0100"}`),
		want:   `{"userName":"u","phoneNumbers":[{"type":"mobile","value":"+1 555 0100"}]}`,
		quirks: []quirk.Quirk{quirk.FilterNoMatchCreates},
		strict: "err:noTarget",
	},
	{
		name:   "manager as a bare id (Q&A 188003)",
		doc:    `{"userName":"u"}`,
		body:   patchBody(`{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"mgr-id"}`),
		want:   `{"userName":"u","ENT":{"manager":{"value":"mgr-id"}}}`,
		quirks: []quirk.Quirk{quirk.BareManager, quirk.CapitalisedOp},
		strict: "err:invalidSyntax",
	},
	{
		name:   "manager as a bare id with lower-case op",
		doc:    `{"userName":"u","ENT":{"manager":{"value":"old","$ref":"../Users/old"}}}`,
		body:   patchBody(`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"mgr-id"}`),
		want:   `{"userName":"u","ENT":{"manager":{"value":"mgr-id"}}}`,
		quirks: []quirk.Quirk{quirk.BareManager},
		strict: "err:invalidValue",
	},
	{
		name:   "manager in the 2018 shape",
		doc:    `{"userName":"u"}`,
		body:   patchBody(`{"op":"add","path":"manager","value":[{"$ref":"https://x/scim/Users/mgr-id","value":"mgr-id"}]}`),
		want:   `{"userName":"u","ENT":{"manager":{"value":"mgr-id","$ref":"https://x/scim/Users/mgr-id"}}}`,
		quirks: []quirk.Quirk{quirk.ManagerArray},
		strict: "err:invalidValue",
	},
	{
		name: "manager as an RFC object",
		doc:  `{"userName":"u"}`,
		body: patchBody(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"mgr-id"}}`),
		want: `{"userName":"u","ENT":{"manager":{"value":"mgr-id"}}}`,
	},
	{
		name: "path-less replace with dotted and URN keys (aadOptscim062020)",
		doc:  entraUser,
		body: patchBody(`{"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom",
  "name.familyName":"Unua","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq"}}`),
		want: `{"userName":"Test_User_00aa","name":{"givenName":"Kkom","familyName":"Unua"},"active":true,"displayName":"Bjfe",
 "emails":[{"primary":true,"type":"work","value":"Test_User_00aa@testuser.com"}],"ENT":{"employeeNumber":"Aklq"}}`,
		quirks: []quirk.Quirk{quirk.DottedPatchKeys},
		strict: "err:invalidPath",
	},
	{
		name: "path-less replace with a URN-keyed extension object is standard",
		doc:  `{"userName":"u","ENT":{"department":"Sales","costCenter":"4130"}}`,
		body: patchBody(`{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"x"}}}`),
		want: `{"userName":"u","ENT":{"department":"x","costCenter":"4130"}}`,
	},
	{
		name: "disable with a capitalised string boolean (§2.5)",
		doc:  entraUser,
		body: `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}`,
		want: `{"userName":"Test_User_00aa","name":{"givenName":"givenName","familyName":"familyName"},"active":false,
 "emails":[{"primary":true,"type":"work","value":"Test_User_00aa@testuser.com"}]}`,
		quirks: []quirk.Quirk{quirk.CapitalisedOp, quirk.StringBoolean},
		strict: "err:invalidSyntax",
	},
	{
		name:   "re-enable with lower-case string",
		doc:    `{"userName":"u","active":false}`,
		body:   patchBody(`{"op":"replace","path":"active","value":"true"}`),
		want:   `{"userName":"u","active":true}`,
		quirks: []quirk.Quirk{quirk.StringBoolean},
		strict: "err:invalidValue",
	},
	{
		name:   "string boolean in a path-less value",
		doc:    `{"userName":"u","active":true}`,
		body:   patchBody(`{"op":"replace","value":{"active":"False"}}`),
		want:   `{"userName":"u","active":false}`,
		quirks: []quirk.Quirk{quirk.StringBoolean},
		strict: "err:invalidValue",
	},
	{
		name:   "string boolean inside an element",
		doc:    `{"userName":"u"}`,
		body:   patchBody(`{"op":"add","path":"emails","value":[{"value":"a@x","primary":"True"}]}`),
		want:   `{"userName":"u","emails":[{"value":"a@x","primary":true}]}`,
		quirks: []quirk.Quirk{quirk.StringBoolean},
		strict: "err:invalidValue",
	},
	{
		name:   "capitalised op with a real boolean",
		doc:    `{"userName":"u","active":true}`,
		body:   patchBody(`{"op":"Replace","path":"active","value":false}`),
		want:   `{"userName":"u","active":false}`,
		quirks: []quirk.Quirk{quirk.CapitalisedOp},
		strict: "err:invalidSyntax",
	},
	{
		name: "periodic active=true is idempotent",
		doc:  `{"userName":"u","active":true}`,
		body: patchBody(`{"op":"replace","path":"active","value":true}`),
		want: `{"userName":"u","active":true}`,
	},
	{
		name:   "plain string displayName replace on a group",
		group:  true,
		doc:    `{"displayName":"Sales"}`,
		body:   patchBody(`{"op":"Replace","path":"displayName","value":"New name"}`),
		want:   `{"displayName":"New name"}`,
		quirks: []quirk.Quirk{quirk.CapitalisedOp},
		strict: "err:invalidSyntax",
	},
	{
		name:  "add members with $ref null (§2.6)",
		group: true,
		doc:   `{"displayName":"Sales"}`,
		body: `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations": [{"op": "Add", "path": "members",
                 "value": [{"$ref": null, "value": "f648f8d5ea4e4cd38e9c"}, {"$ref": null, "value": "second"}]}]}`,
		want:   `{"displayName":"Sales","members":[{"value":"f648f8d5ea4e4cd38e9c"},{"value":"second"}]}`,
		quirks: []quirk.Quirk{quirk.CapitalisedOp},
		strict: "err:invalidSyntax",
	},
	{
		name:  "remove members by value list, as sent without schemas (§2.6)",
		group: true,
		body: `{"Operations": [{"op": "Remove", "path": "members",
                 "value": [{"$ref": null, "value": "f648f8d5ea4e4cd38e9c"}]}]}`,
		want:   `{"displayName":"Test SCIMv2","members":[{"value":"89bb1940-b905-4575-9e7f-6f887cfb368e","display":"alice@okta.local"}]}`,
		quirks: []quirk.Quirk{quirk.CapitalisedOp, quirk.MemberRemoveByValue, quirk.PatchOpSchemaMissing},
		strict: "err:invalidSyntax",
	},
	{
		name:   "remove members by value: strict reading removes every member",
		group:  true,
		body:   patchBody(`{"op": "remove", "path": "members", "value": [{"$ref": null, "value": "f648f8d5ea4e4cd38e9c"}]}`),
		want:   `{"displayName":"Test SCIMv2","members":[{"value":"89bb1940-b905-4575-9e7f-6f887cfb368e","display":"alice@okta.local"}]}`,
		quirks: []quirk.Quirk{quirk.MemberRemoveByValue},
		strict: `{"displayName":"Test SCIMv2"}`,
	},
	{
		name:   "remove by value of a user not in the group",
		group:  true,
		body:   patchBody(`{"op": "remove", "path": "members", "value": [{"value": "gone"}]}`),
		want:   groupDoc,
		quirks: []quirk.Quirk{quirk.MemberRemoveByValue, quirk.RemoveAbsentValue},
		strict: `{"displayName":"Test SCIMv2"}`,
	},
	{
		name:  "remove member with aadOptscim062020",
		group: true,
		body:  patchBody(`{"op":"remove","path":"members[value eq \"f648f8d5ea4e4cd38e9c\"]"}`),
		want:  `{"displayName":"Test SCIMv2","members":[{"value":"89bb1940-b905-4575-9e7f-6f887cfb368e","display":"alice@okta.local"}]}`,
	},
	{
		name:  "remove members through an or-chain",
		group: true,
		body:  patchBody(`{"op":"remove","path":"members[value eq \"f648f8d5ea4e4cd38e9c\" or value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]"}`),
		want:  `{"displayName":"Test SCIMv2"}`,
	},
	{
		name: "active sent as Maybe",
		doc:  `{"userName":"u","active":true}`,
		body: patchBody(`{"op":"replace","path":"active","value":"Maybe"}`),
		want: "err:invalidValue",
	},
}

// TestRFC covers RFC 7644 §3.5.2 semantics that neither IdP exercises on the wire.
func TestRFC(t *testing.T) { testTable(t, rfcCases) }

var rfcCases = []patchCase{
	{
		name: "add without path merges attributes and appends values",
		doc:  `{"userName":"u","name":{"givenName":"B"},"emails":[{"value":"a@x","type":"work"}]}`,
		body: patchBody(`{"op":"add","value":{"title":"Boss","name":{"familyName":"J"},"emails":[{"value":"b@x","type":"home"}]}}`),
		want: `{"userName":"u","title":"Boss","name":{"givenName":"B","familyName":"J"},"emails":[{"value":"a@x","type":"work"},{"value":"b@x","type":"home"}]}`,
	},
	{
		name: "add of an exact duplicate value is a no-op",
		doc:  `{"userName":"u","emails":[{"value":"a@x","type":"work"}]}`,
		body: patchBody(`{"op":"add","path":"emails","value":[{"type":"work","value":"a@x"},{"value":"a@x","type":"other"}]}`),
		want: `{"userName":"u","emails":[{"value":"a@x","type":"work"},{"value":"a@x","type":"other"}]}`,
	},
	{
		name: "add a single element not wrapped in an array",
		doc:  `{"userName":"u"}`,
		body: patchBody(`{"op":"add","path":"emails","value":{"value":"a@x"}}`),
		want: `{"userName":"u","emails":[{"value":"a@x"}]}`,
	},
	{
		name: "add to a single-valued attribute sets it",
		doc:  `{"userName":"u","title":"Old"}`,
		body: patchBody(`{"op":"add","path":"title","value":"New"}`),
		want: `{"userName":"u","title":"New"}`,
	},
	{
		name: "add to a complex attribute merges sub-attributes",
		doc:  `{"userName":"u","name":{"givenName":"B","familyName":"J"}}`,
		body: patchBody(`{"op":"add","path":"name","value":{"middleName":"Jane"}}`),
		want: `{"userName":"u","name":{"givenName":"B","familyName":"J","middleName":"Jane"}}`,
	},
	{
		name: "replace of a complex attribute keeps sub-attributes not mentioned",
		doc:  `{"userName":"u","name":{"givenName":"B","familyName":"J"}}`,
		body: patchBody(`{"op":"replace","path":"name","value":{"givenName":"Babs"}}`),
		want: `{"userName":"u","name":{"givenName":"Babs","familyName":"J"}}`,
	},
	{
		name: "add through a filter sets the sub-attribute on matched elements",
		body: patchBody(`{"op":"add","path":"emails[type eq \"work\"].display","value":"Work"}`),
		want: `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},"active":true,
 "emails":[{"value":"bj@work.example","type":"work","primary":true,"display":"Work"},{"value":"bj@home.example","type":"home"}],
 "ENT":{"department":"Sales"}}`,
	},
	{
		name: "filter compares case-insensitively where caseExact is false",
		doc:  `{"userName":"u","emails":[{"value":"a@x","type":"Work"}]}`,
		body: patchBody(`{"op":"replace","path":"emails[TYPE EQ \"work\"].value","value":"b@x"}`),
		want: `{"userName":"u","emails":[{"value":"b@x","type":"Work"}]}`,
	},
	{
		name: "replace matched elements whole",
		body: patchBody(`{"op":"replace","path":"emails[type eq \"home\"]","value":{"value":"new@home.example","type":"home"}}`),
		want: `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},"active":true,
 "emails":[{"value":"bj@work.example","type":"work","primary":true},{"value":"new@home.example","type":"home"}],
 "ENT":{"department":"Sales"}}`,
	},
	{
		name: "replace a multi-valued attribute with [] clears it",
		doc:  `{"userName":"u","emails":[{"value":"a@x"}]}`,
		body: patchBody(`{"op":"replace","path":"emails","value":[]}`),
		want: `{"userName":"u"}`,
	},
	{
		name: "replace a sub-attribute of every element",
		doc:  `{"userName":"u","emails":[{"value":"a@x","type":"work"},{"value":"b@x"}]}`,
		body: patchBody(`{"op":"replace","path":"emails.type","value":"other"}`),
		want: `{"userName":"u","emails":[{"value":"a@x","type":"other"},{"value":"b@x","type":"other"}]}`,
	},
	{
		name: "replace of an absent attribute adds it",
		doc:  `{"userName":"u"}`,
		body: patchBody(`{"op":"replace","path":"name.givenName","value":"B"}`),
		want: `{"userName":"u","name":{"givenName":"B"}}`,
	},
	{
		name: "replace with null unassigns",
		doc:  `{"userName":"u","title":"T"}`,
		body: patchBody(`{"op":"replace","path":"title","value":null}`),
		want: `{"userName":"u"}`,
	},
	{
		name: "add of null changes nothing",
		doc:  `{"userName":"u","title":"T"}`,
		body: patchBody(`{"op":"add","path":"title","value":null}`),
		want: `{"userName":"u","title":"T"}`,
	},
	{
		name: "remove without path",
		body: patchBody(`{"op":"remove"}`),
		want: "err:noTarget",
	},
	{
		name: "remove through a filter",
		body: patchBody(`{"op":"remove","path":"emails[type eq \"home\"]"}`),
		want: `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},"active":true,
 "emails":[{"value":"bj@work.example","type":"work","primary":true}],"ENT":{"department":"Sales"}}`,
	},
	{
		name:   "remove through a filter that matches nothing",
		doc:    `{"userName":"u","emails":[{"value":"a@x","type":"work"}]}`,
		body:   patchBody(`{"op":"remove","path":"emails[type eq \"other\"]"}`),
		want:   `{"userName":"u","emails":[{"value":"a@x","type":"work"}]}`,
		quirks: []quirk.Quirk{quirk.RemoveAbsentValue},
		strict: "err:noTarget",
	},
	{
		name: "remove a sub-attribute through a filter",
		doc:  `{"userName":"u","emails":[{"value":"a@x","type":"work","display":"A"}]}`,
		body: patchBody(`{"op":"remove","path":"emails[value eq \"a@x\"].display"}`),
		want: `{"userName":"u","emails":[{"value":"a@x","type":"work"}]}`,
	},
	{
		name: "remove the last element drops the attribute",
		doc:  `{"userName":"u","emails":[{"value":"a@x","type":"work"}]}`,
		body: patchBody(`{"op":"remove","path":"emails[type eq \"work\"]"}`),
		want: `{"userName":"u"}`,
	},
	{
		name: "remove a whole multi-valued attribute",
		body: patchBody(`{"op":"remove","path":"emails"}`),
		want: `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},"active":true,"ENT":{"department":"Sales"}}`,
	},
	{
		name: "remove a single attribute and a sub-attribute",
		doc:  `{"userName":"u","title":"T","name":{"givenName":"B","familyName":"J"}}`,
		body: patchBody(`{"op":"remove","path":"title"},{"op":"remove","path":"name.givenName"}`),
		want: `{"userName":"u","name":{"familyName":"J"}}`,
	},
	{
		name: "remove the last sub-attribute drops the complex attribute",
		doc:  `{"userName":"u","name":{"givenName":"B"}}`,
		body: patchBody(`{"op":"remove","path":"name.givenName"}`),
		want: `{"userName":"u"}`,
	},
	{
		name: "remove an attribute that is not there",
		doc:  `{"userName":"u"}`,
		body: patchBody(`{"op":"remove","path":"title"}`),
		want: `{"userName":"u"}`,
	},
	{
		name: "remove of the required userName",
		body: patchBody(`{"op":"remove","path":"userName"}`),
		want: "err:mutability",
	},
	{
		name: "replace userName with null",
		body: patchBody(`{"op":"replace","value":{"userName":null}}`),
		want: "err:mutability",
	},
	{
		name: "replace userName with an empty string",
		body: patchBody(`{"op":"replace","path":"userName","value":""}`),
		want: "err:invalidValue",
	},
	{
		name:  "remove of a group's required displayName",
		group: true,
		body:  patchBody(`{"op":"remove","path":"displayName"}`),
		want:  "err:mutability",
	},
	{
		name: "remove an extension attribute, leaving no empty extension",
		body: patchBody(`{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}`),
		want: `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},"active":true,
 "emails":[{"value":"bj@work.example","type":"work","primary":true},{"value":"bj@home.example","type":"home"}]}`,
	},
	{
		name: "remove a manager sub-attribute by URN path",
		doc:  `{"userName":"u","ENT":{"manager":{"value":"m","$ref":"r"}}}`,
		body: patchBody(`{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.$ref"}`),
		want: `{"userName":"u","ENT":{"manager":{"value":"m"}}}`,
	},
	{
		name: "remove the whole extension",
		doc:  `{"userName":"u","ENT":{"department":"Sales"}}`,
		body: patchBody(`{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}`),
		want: `{"userName":"u"}`,
	},
	{
		name: "replace the whole extension by its URN path",
		doc:  `{"userName":"u","ENT":{"department":"Sales"}}`,
		body: patchBody(`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"costCenter":"4130"}}`),
		want: `{"userName":"u","ENT":{"department":"Sales","costCenter":"4130"}}`,
	},
	{
		name: "bare extension attribute name lands in the extension",
		doc:  `{"userName":"u"}`,
		body: patchBody(`{"op":"add","path":"department","value":"Retail"}`),
		want: `{"userName":"u","ENT":{"department":"Retail"}}`,
	},
	{
		name: "core URN-qualified path",
		doc:  `{"userName":"u"}`,
		body: patchBody(`{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName","value":"B"}`),
		want: `{"userName":"u","name":{"givenName":"B"}}`,
	},
	{
		name: "path-less value holding the core URN",
		doc:  `{"userName":"u"}`,
		body: patchBody(`{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User":{"displayName":"D"},"schemas":["x"]}}`),
		want: `{"userName":"u","displayName":"D"}`,
	},
	{
		name: "setting primary on one element clears it on the others",
		body: patchBody(`{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}`),
		want: `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},"active":true,
 "emails":[{"value":"bj@work.example","type":"work","primary":false},{"value":"bj@home.example","type":"home","primary":true}],
 "ENT":{"department":"Sales"}}`,
	},
	{
		name: "adding a primary element clears the old primary",
		doc:  `{"userName":"u","emails":[{"value":"a@x","primary":true}]}`,
		body: patchBody(`{"op":"add","path":"emails","value":[{"value":"b@x","primary":true}]}`),
		want: `{"userName":"u","emails":[{"value":"a@x","primary":false},{"value":"b@x","primary":true}]}`,
	},
	{
		name: "replace with two primaries keeps the last",
		doc:  `{"userName":"u"}`,
		body: patchBody(`{"op":"replace","path":"emails","value":[{"value":"a@x","primary":true},{"value":"b@x","primary":true}]}`),
		want: `{"userName":"u","emails":[{"value":"a@x","primary":false},{"value":"b@x","primary":true}]}`,
	},
	{
		name: "attribute names are case-insensitive and stored canonically",
		doc:  `{"username":"u","NAME":{"GIVENNAME":"B"}}`,
		body: patchBody(`{"op":"replace","path":"USERNAME","value":"v"},{"op":"replace","value":{"DisplayName":"D","Name":{"familyname":"J"}}}`),
		want: `{"userName":"v","displayName":"D","name":{"givenName":"B","familyName":"J"}}`,
	},
	{
		name: "unknown core attribute in a path",
		body: patchBody(`{"op":"replace","path":"nickname2","value":"x"}`),
		want: "err:invalidPath",
	},
	{
		name: "unknown core attribute in a path-less value",
		body: patchBody(`{"op":"replace","value":{"favouriteColour":"blue"}}`),
		want: "err:invalidPath",
	},
	{
		name: "unknown sub-attribute",
		body: patchBody(`{"op":"replace","path":"name.nickName","value":"x"}`),
		want: "err:invalidPath",
	},
	{
		name: "unknown sub-attribute inside a value",
		body: patchBody(`{"op":"add","path":"emails","value":[{"value":"x@y","label":"work"}]}`),
		want: "err:invalidValue",
	},
	{
		name: "unknown extension attributes are kept",
		doc:  `{"userName":"u"}`,
		body: patchBody(`{"op":"add","path":"urn:example:params:scim:schemas:extension:acme:2.0:User:badge","value":"7"},
 {"op":"add","value":{"urn:example:ext:1.0:User":{"shoeSize":44}}},
 {"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCode","value":{"a":1}}`),
		want: `{"userName":"u","urn:example:params:scim:schemas:extension:acme:2.0:User":{"badge":"7"},
 "urn:example:ext:1.0:User":{"shoeSize":44},"ENT":{"costCode":{"a":1}}}`,
	},
	{
		name: "an unknown core schema URN is not an extension",
		body: patchBody(`{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:Group:displayName","value":"x"}`),
		want: "err:invalidPath",
	},
	{
		name: "string for an object",
		body: patchBody(`{"op":"replace","path":"name","value":"Barbara Jensen"}`),
		want: "err:invalidValue",
	},
	{
		name: "number for a string",
		body: patchBody(`{"op":"replace","path":"title","value":5}`),
		want: "err:invalidValue",
	},
	{
		name: "object for a string",
		body: patchBody(`{"op":"replace","value":{"displayName":{"x":1}}}`),
		want: "err:invalidValue",
	},
	{
		name: "number inside an element",
		body: patchBody(`{"op":"add","path":"emails","value":[{"value":5}]}`),
		want: "err:invalidValue",
	},
	{
		name: "strings for a multi-valued complex attribute",
		body: patchBody(`{"op":"add","path":"emails","value":["a@x"]}`),
		want: "err:invalidValue",
	},
	{
		name:   "replace of the id with another value",
		body:   patchBody(`{"op":"replace","path":"id","value":"other"}`),
		want:   "err:mutability",
		strict: "err:mutability",
	},
	{
		name: "replace of the id with the same value",
		body: patchBody(`{"op":"replace","path":"id","value":"` + userID + `"}`),
		want: userDoc,
	},
	{
		name:   "meta in a path-less value",
		body:   patchBody(`{"op":"replace","value":{"meta":{"resourceType":"User"}}}`),
		want:   "err:mutability",
		strict: "err:mutability",
	},
	{
		name:   "readOnly sub-attribute path",
		body:   patchBody(`{"op":"replace","path":"meta.lastModified","value":"2024-01-01T00:00:00Z"}`),
		want:   "err:mutability",
		strict: "err:mutability",
	},
	{
		name:   "add to a user's groups",
		body:   patchBody(`{"op":"add","path":"groups","value":[{"value":"g1"}]}`),
		want:   "err:mutability",
		strict: "err:mutability",
	},
	{
		name:   "remove a user's groups",
		body:   patchBody(`{"op":"remove","path":"groups"}`),
		want:   userDoc,
		quirks: []quirk.Quirk{quirk.ReadOnlyEcho},
		strict: "err:mutability",
	},
	{
		name: "empty groups echoed in a path-less value is no change",
		body: patchBody(`{"op":"replace","value":{"groups":[]}}`),
		want: userDoc,
	},
	{
		name:   "readOnly manager displayName inside a value",
		doc:    `{"userName":"u"}`,
		body:   patchBody(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"m","displayName":"Boss"}}`),
		want:   `{"userName":"u","ENT":{"manager":{"value":"m"}}}`,
		quirks: []quirk.Quirk{quirk.ReadOnlyEcho},
		strict: "err:mutability",
	},
	{
		name:  "immutable member value cannot change",
		group: true,
		body:  patchBody(`{"op":"replace","path":"members[value eq \"f648f8d5ea4e4cd38e9c\"].value","value":"someone-else"}`),
		want:  "err:mutability",
	},
	{
		name:  "immutable member value set to what it is",
		group: true,
		body:  patchBody(`{"op":"replace","path":"members[value eq \"f648f8d5ea4e4cd38e9c\"].value","value":"f648f8d5ea4e4cd38e9c"}`),
		want:  groupDoc,
	},
	{
		name:  "immutable member display may be set while unassigned",
		group: true,
		body:  patchBody(`{"op":"add","path":"members[value eq \"f648f8d5ea4e4cd38e9c\"].display","value":"bob"}`),
		want: `{"displayName":"Test SCIMv2","members":[
 {"value":"89bb1940-b905-4575-9e7f-6f887cfb368e","display":"alice@okta.local"},{"value":"f648f8d5ea4e4cd38e9c","display":"bob"}]}`,
	},
	{
		name: "filter on a single-valued attribute",
		body: patchBody(`{"op":"replace","path":"name[givenName eq \"B\"].familyName","value":"x"}`),
		want: "err:invalidPath",
	},
	{
		name: "filter naming an unknown sub-attribute",
		body: patchBody(`{"op":"replace","path":"emails[kind eq \"work\"].value","value":"x"}`),
		want: "err:invalidPath",
	},
	{
		name: "malformed path",
		body: patchBody(`{"op":"replace","path":"emails[type eq","value":"x"}`),
		want: "err:invalidPath",
	},
	{
		name: "sub-attribute of a simple attribute",
		body: patchBody(`{"op":"replace","path":"userName.value","value":"x"}`),
		want: "err:invalidPath",
	},
	{
		name: "filter that cannot describe a new element",
		doc:  `{"userName":"u"}`,
		body: patchBody(`{"op":"replace","path":"emails[type ne \"work\"].value","value":"x"}`),
		want: "err:noTarget",
	},
	{
		name: "path-less value that is not an object",
		body: patchBody(`{"op":"replace","value":"active"}`),
		want: "err:invalidSyntax",
	},
	{
		name: "add without value",
		body: patchBody(`{"op":"add","path":"title"}`),
		want: "err:invalidSyntax",
	},
	{
		name: "path naming the whole resource",
		body: patchBody(`{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User","value":{}}`),
		want: "err:invalidPath",
	},
}

func TestDecodeErrors(t *testing.T) {
	many := strings.Repeat(`{"op":"add","path":"title","value":"x"},`, MaxOperations)
	tests := []struct {
		name, body string
	}{
		{"not JSON", `op=add`},
		{"invalid JSON", `{"Operations":[`},
		{"array body", `[{"op":"add"}]`},
		{"empty body", ``},
		{"no operations", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`},
		{"empty operations", patchBody(``)},
		{"unknown op", patchBody(`{"op":"copy","path":"title"}`)},
		{"missing op", patchBody(`{"path":"title"}`)},
		{"op is a number", patchBody(`{"op":1}`)},
		{"operations is an object", `{"Operations":{"op":"add"}}`},
		{"too many operations", patchBody(many + `{"op":"add","path":"title","value":"x"}`)},
		{"trailing data", patchBody(`{"op":"add","path":"title","value":"x"}`) + `{}`},
	}
	for _, tt := range tests {
		for _, strict := range []bool{false, true} {
			_, err := Decode([]byte(tt.body), strict, nil)
			var pe *Error
			if !errors.As(err, &pe) || pe.ScimType != invalidSyntax {
				t.Errorf("%s (strict %v): got %v; want invalidSyntax", tt.name, strict, err)
			}
		}
	}
	if _, err := Decode([]byte(patchBody(many[:len(many)-1])), true, nil); err != nil {
		t.Errorf("%d operations refused: %v", MaxOperations, err)
	}
	if err := Apply(map[string]any{}, make([]Operation, MaxOperations+1), Options{}); err == nil {
		t.Error("Apply accepted too many operations")
	}
}

func TestDecodeNormalisesOps(t *testing.T) {
	seen := &quirk.Set{}
	req, err := Decode([]byte(patchBody(`{"op":"Add","path":"title","value":"x"},{"op":"REMOVE","path":"title"}`)), false, seen)
	if err != nil {
		t.Fatal(err)
	}
	if req.Operations[0].Op != "add" || req.Operations[1].Op != "remove" {
		t.Errorf("ops = %q, %q", req.Operations[0].Op, req.Operations[1].Op)
	}
	if got := seen.List(); len(got) != 1 || got[0] != quirk.CapitalisedOp {
		t.Errorf("quirks = %v", got)
	}
}

func TestErrorDetails(t *testing.T) {
	tests := []struct {
		name, sender, doc, ops, want string
	}{
		{"string for a boolean names the sender", "Entra", `{"userName":"u"}`,
			`{"op":"Replace","path":"active","value":"Maybe"}`, `Entra sent "active": "Maybe": expected a boolean`},
		{"unknown attribute is named", "Okta", `{"userName":"u"}`,
			`{"op":"replace","value":{"favouriteColour":"blue"}}`, `"favouriteColour"`},
		{"type error names the expected type", "", `{"userName":"u"}`,
			`{"op":"add","path":"title","value":5}`, `the client sent "title": 5: expected a string`},
		{"several operations say which failed", "", `{"userName":"u"}`,
			`{"op":"add","path":"title","value":"x"},{"op":"remove"}`, "operation 2 of 2: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Decode([]byte(patchBody(tt.ops)), false, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = Apply(decodeDoc(t, tt.doc), req.Operations, Options{Sender: tt.sender})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v; want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestApplyNilDocument(t *testing.T) {
	if err := Apply(nil, nil, Options{}); err == nil {
		t.Error("Apply on a nil document succeeded")
	}
}

// TestUnknownExtensions covers attributes no schema defines, which are kept as sent.
func TestUnknownExtensions(t *testing.T) {
	const acme = "urn:example:acme:2.0:User"
	testTable(t, []patchCase{
		{
			name: "add merges into an unknown extension object",
			doc:  `{"userName":"u","` + acme + `":{"badge":"7"}}`,
			body: patchBody(`{"op":"add","value":{"` + acme + `":{"floor":3}}}`),
			want: `{"userName":"u","` + acme + `":{"badge":"7","floor":3}}`,
		},
		{
			name: "replace of an unknown attribute with null removes it",
			doc:  `{"userName":"u","` + acme + `":{"badge":"7","floor":3}}`,
			body: patchBody(`{"op":"replace","path":"` + acme + `:floor","value":null}`),
			want: `{"userName":"u","` + acme + `":{"badge":"7"}}`,
		},
		{
			name: "remove of the last unknown attribute drops the extension",
			doc:  `{"userName":"u","` + acme + `":{"badge":"7"}}`,
			body: patchBody(`{"op":"remove","path":"` + acme + `:badge"}`),
			want: `{"userName":"u"}`,
		},
		{
			name: "unknown sub-attribute path",
			doc:  `{"userName":"u"}`,
			body: patchBody(`{"op":"add","path":"` + acme + `:desk.floor","value":3},{"op":"add","path":"` + acme + `:desk.wing","value":"E"}`),
			want: `{"userName":"u","` + acme + `":{"desk":{"floor":3,"wing":"E"}}}`,
		},
		{
			name: "remove of an unknown sub-attribute",
			doc:  `{"userName":"u","` + acme + `":{"desk":{"floor":3}}}`,
			body: patchBody(`{"op":"remove","path":"` + acme + `:desk.floor"}`),
			want: `{"userName":"u"}`,
		},
		{
			name: "filter on an unknown attribute",
			body: patchBody(`{"op":"remove","path":"` + acme + `:desks[floor eq 3]"}`),
			want: "err:invalidPath",
		},
		{
			name:   "unknown keys inside a known extension object",
			doc:    `{"userName":"u","ENT":{"department":"Sales"}}`,
			body:   patchBody(`{"op":"replace","value":{"ENT":{"department":"R","hireDate":"2020-01-01","manager.value":"m"}}}`),
			want:   `{"userName":"u","ENT":{"department":"R","hireDate":"2020-01-01","manager":{"value":"m"}}}`,
			quirks: []quirk.Quirk{quirk.DottedPatchKeys},
			strict: "err:invalidPath",
		},
		{
			name: "path-less null for the extension removes it on replace",
			doc:  `{"userName":"u","ENT":{"department":"Sales"}}`,
			body: patchBody(`{"op":"replace","value":{"ENT":null}}`),
			want: `{"userName":"u"}`,
		},
		{
			name: "unknown sub-attributes of an extension's complex attribute are kept",
			doc:  `{"userName":"u"}`,
			body: patchBody(`{"op":"add","path":"ENT:manager","value":{"value":"m","office":"B2"}}`),
			want: `{"userName":"u","ENT":{"manager":{"value":"m","office":"B2"}}}`,
		},
	})
}

func TestMoreRFC(t *testing.T) {
	testTable(t, []patchCase{
		{
			name: "remove a sub-attribute of every element",
			doc:  `{"userName":"u","emails":[{"value":"a@x","display":"A"},{"value":"b@x","display":"B"}]}`,
			body: patchBody(`{"op":"remove","path":"emails.display"}`),
			want: `{"userName":"u","emails":[{"value":"a@x"},{"value":"b@x"}]}`,
		},
		{
			name: "remove a manager's value keeps its $ref",
			doc:  `{"userName":"u","ENT":{"manager":{"value":"m","$ref":"r"}}}`,
			body: patchBody(`{"op":"remove","path":"ENT:manager.value"}`),
			want: `{"userName":"u","ENT":{"manager":{"$ref":"r"}}}`,
		},
		{
			name: "a new manager replaces the old one whole",
			doc:  `{"userName":"u","ENT":{"manager":{"value":"old","$ref":"../Users/old"}}}`,
			body: patchBody(`{"op":"replace","path":"ENT:manager","value":{"value":"new"}}`),
			want: `{"userName":"u","ENT":{"manager":{"value":"new"}}}`,
		},
		{
			name:   "an and-filter seeds every compared sub-attribute",
			doc:    `{"userName":"u"}`,
			body:   patchBody(`{"op":"replace","path":"emails[type eq \"work\" and primary eq true].value","value":"w@x"}`),
			want:   `{"userName":"u","emails":[{"type":"work","primary":true,"value":"w@x"}]}`,
			quirks: []quirk.Quirk{quirk.FilterNoMatchCreates},
			strict: "err:noTarget",
		},
		{
			name: "a contradictory and-filter cannot seed an element",
			doc:  `{"userName":"u"}`,
			body: patchBody(`{"op":"replace","path":"emails[type eq \"work\" and type eq \"home\"].value","value":"w@x"}`),
			want: "err:noTarget",
		},
		{
			name:   "a filter without sub-attribute seeds and merges the value",
			doc:    `{"userName":"u"}`,
			body:   patchBody(`{"op":"add","path":"addresses[type eq \"work\"]","value":{"locality":"Hollywood"}}`),
			want:   `{"userName":"u","addresses":[{"type":"work","locality":"Hollywood"}]}`,
			quirks: []quirk.Quirk{quirk.FilterNoMatchCreates},
			strict: "err:noTarget",
		},
		{
			name: "add through a filter merges into matched elements",
			doc:  `{"userName":"u","addresses":[{"type":"work","locality":"A"}]}`,
			body: patchBody(`{"op":"add","path":"addresses[type eq \"work\"]","value":{"region":"CA"}}`),
			want: `{"userName":"u","addresses":[{"type":"work","locality":"A","region":"CA"}]}`,
		},
		{
			name: "replace matched elements with null removes them",
			doc:  `{"userName":"u","emails":[{"value":"a@x","type":"work"},{"value":"b@x","type":"home"}]}`,
			body: patchBody(`{"op":"replace","path":"emails[type eq \"work\"]","value":null}`),
			want: `{"userName":"u","emails":[{"value":"b@x","type":"home"}]}`,
		},
		{
			name: "replace a matched sub-attribute with null removes it",
			doc:  `{"userName":"u","emails":[{"value":"a@x","type":"work","display":"A"}]}`,
			body: patchBody(`{"op":"replace","path":"emails[type eq \"work\"].display","value":null}`),
			want: `{"userName":"u","emails":[{"value":"a@x","type":"work"}]}`,
		},
		{
			name:   "remove by value of other multi-valued attributes",
			doc:    `{"userName":"u","emails":[{"value":"a@x"},{"value":"b@x"}]}`,
			body:   patchBody(`{"op":"remove","path":"emails","value":[{"value":"a@x"}]}`),
			want:   `{"userName":"u","emails":[{"value":"b@x"}]}`,
			quirks: []quirk.Quirk{quirk.MemberRemoveByValue},
			strict: `{"userName":"u"}`,
		},
		{
			name: "a stored single object under a multi-valued name is read as one element",
			doc:  `{"userName":"u","emails":{"value":"a@x"}}`,
			body: patchBody(`{"op":"add","path":"emails","value":[{"value":"b@x"}]}`),
			want: `{"userName":"u","emails":[{"value":"a@x"},{"value":"b@x"}]}`,
		},
		{
			name: "a value that is not valid JSON inside a path-less object",
			body: patchBody(`{"op":"replace","value":{"title":"x","title2":}}`),
			want: "err:invalidSyntax",
		},
	})
}

// TestTypes checks every SCIM data type against a resource type with one attribute of each,
// since the standard schemas have no writable integer, decimal or dateTime.
func TestTypes(t *testing.T) {
	attr := func(name string, typ schema.Type, mut string, multi bool) *schema.Attribute {
		return &schema.Attribute{Name: name, Type: typ, Mutability: mut, MultiValued: multi}
	}
	rt := &schema.ResourceType{ID: "Device", Name: "Device", Schema: &schema.Schema{
		ID: "urn:example:schemas:core:1.0:Device", Name: "Device",
		Attributes: []*schema.Attribute{
			attr("count", schema.Integer, schema.ReadWrite, false),
			attr("ratio", schema.Decimal, schema.ReadWrite, false),
			attr("seen", schema.DateTime, schema.ReadWrite, false),
			attr("blob", schema.Binary, schema.ReadWrite, false),
			attr("serial", schema.String, schema.Immutable, false),
			attr("ports", schema.Integer, schema.ReadWrite, true),
		},
	}}
	tests := []struct {
		value string
		attr  string
		ok    bool
	}{
		{`5`, "count", true},
		{`5.0`, "count", true},
		{`5.5`, "count", false},
		{`"5"`, "count", false},
		{`1e400`, "count", false},
		{`0.25`, "ratio", true},
		{`"0.25"`, "ratio", false},
		{`true`, "ratio", false},
		{`"2024-05-01T12:00:00Z"`, "seen", true},
		{`"2024-05-01T12:00:00.5+02:00"`, "seen", true},
		{`"2024-05-01T12:00:00"`, "seen", true},
		{`"yesterday"`, "seen", false},
		{`"AAEC"`, "blob", true},
		{`[1]`, "blob", false},
		{`[1, 2.0, 3]`, "ports", true},
		{`["1"]`, "ports", false},
	}
	for _, tt := range tests {
		doc := map[string]any{}
		ops := []Operation{{Op: "add", Path: tt.attr, Value: json.RawMessage(tt.value)}}
		err := Apply(doc, ops, Options{Resource: rt, Strict: true})
		if tt.ok && err != nil {
			t.Errorf("%s = %s: %v", tt.attr, tt.value, err)
		}
		var pe *Error
		if !tt.ok && (!errors.As(err, &pe) || pe.ScimType != invalidValue) {
			t.Errorf("%s = %s: err %v; want invalidValue", tt.attr, tt.value, err)
		}
	}

	// Numbers compare by value whatever their encoding: a stored float64 2 and a sent
	// json.Number "2.0" are the same port, and the same serial is no change.
	doc := map[string]any{"ports": []any{float64(1), float64(2)}, "serial": "S1"}
	ops := []Operation{
		{Op: "add", Path: "ports", Value: json.RawMessage(`[2.0, 3]`)},
		{Op: "replace", Path: "serial", Value: json.RawMessage(`"S1"`)},
	}
	if err := Apply(doc, ops, Options{Resource: rt}); err != nil {
		t.Fatal(err)
	}
	if got := canonical(t, doc); !reflect.DeepEqual(got, canonical(t, map[string]any{"ports": []any{1, 2, 3}, "serial": "S1"})) {
		t.Errorf("doc = %v", got)
	}
	err := Apply(doc, []Operation{{Op: "replace", Path: "serial", Value: json.RawMessage(`"S2"`)}}, Options{Resource: rt})
	var pe *Error
	if !errors.As(err, &pe) || pe.ScimType != mutability {
		t.Errorf("changing an immutable attribute: %v; want mutability", err)
	}
	doc = map[string]any{}
	if err := Apply(doc, []Operation{{Op: "add", Path: "serial", Value: json.RawMessage(`"S9"`)}}, Options{Resource: rt}); err != nil || doc["serial"] != "S9" {
		t.Errorf("setting an unassigned immutable attribute: %v, %v", err, doc)
	}
}

func TestAbbreviate(t *testing.T) {
	long := strings.Repeat("é", 100)
	got := abbreviate(long)
	if !strings.HasSuffix(got, "…") || len(got) > 90 || !json.Valid([]byte(strings.TrimSuffix(got, "…")+`"`)) {
		t.Errorf("abbreviate = %q", got)
	}
	if abbreviate(map[string]any{"a": 1}) != `{"a":1}` {
		t.Error("short values are not abbreviated")
	}
}
