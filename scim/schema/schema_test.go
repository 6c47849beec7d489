package schema

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/scim/filter"
)

func flipCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i%2 == 0 {
			b.WriteString(strings.ToUpper(string(r)))
		} else {
			b.WriteString(strings.ToLower(string(r)))
		}
	}
	return b.String()
}

// TestResolveEveryAttribute walks every definition and resolves it bare, URN-qualified and
// in altered case, so an attribute added later cannot be unreachable.
func TestResolveEveryAttribute(t *testing.T) {
	for _, rt := range ResourceTypes() {
		schemas := []*Schema{rt.Schema}
		for _, ext := range rt.Extensions {
			schemas = append(schemas, ext.Schema)
		}
		type entry struct {
			urn string
			a   *Attribute
		}
		var all []entry
		for _, s := range schemas {
			for _, a := range s.Attributes {
				all = append(all, entry{s.ID, a})
			}
		}
		for _, a := range CommonAttributes() {
			all = append(all, entry{rt.Schema.ID, a})
		}
		for _, e := range all {
			for _, name := range []string{e.a.Name, strings.ToLower(e.a.Name), strings.ToUpper(e.a.Name), flipCase(e.a.Name)} {
				for _, urn := range []string{"", e.urn, strings.ToLower(e.urn)} {
					p := filter.AttrPath{URN: urn, Name: name}
					got, parent, gotURN, ok := rt.Resolve(p)
					if !ok || got != e.a || parent != nil || gotURN != e.urn {
						t.Errorf("%s: Resolve(%+v) = %v, %v, %q, %v; want %s in %s", rt.Name, p, got, parent, gotURN, ok, e.a.Name, e.urn)
					}
				}
				for _, sub := range e.a.SubAttributes {
					p := filter.AttrPath{URN: e.urn, Name: name, Sub: flipCase(sub.Name)}
					got, parent, gotURN, ok := rt.Resolve(p)
					if !ok || got != sub || parent != e.a || gotURN != e.urn {
						t.Errorf("%s: Resolve(%+v) = %v, %v, %q, %v; want %s.%s", rt.Name, p, got, parent, gotURN, ok, e.a.Name, sub.Name)
					}
				}
			}
			if e.a.Type == Complex && len(e.a.SubAttributes) == 0 {
				t.Errorf("%s: complex attribute %s has no sub-attributes", rt.Name, e.a.Name)
			}
			if e.a.Type != Complex && len(e.a.SubAttributes) != 0 {
				t.Errorf("%s: %s of type %s has sub-attributes", rt.Name, e.a.Name, e.a.Type)
			}
		}
	}
}

func TestResolve(t *testing.T) {
	user, group := UserResourceType(), GroupResourceType()
	tests := []struct {
		name    string
		rt      *ResourceType
		path    filter.AttrPath
		want    string // "name" or "parent.sub"; "" = not resolvable
		wantURN string
	}{
		{"bare core", user, filter.AttrPath{Name: "username"}, "userName", UserURN},
		{"bare extension", user, filter.AttrPath{Name: "department"}, "department", EnterpriseUserURN},
		{"extension qualified", user, filter.AttrPath{URN: EnterpriseUserURN, Name: "manager", Sub: "value"}, "manager.value", EnterpriseUserURN},
		{"extension URN in other case", user, filter.AttrPath{URN: strings.ToUpper(EnterpriseUserURN), Name: "EMPLOYEENUMBER"}, "employeeNumber", EnterpriseUserURN},
		{"core qualified", user, filter.AttrPath{URN: UserURN, Name: "name", Sub: "givenName"}, "name.givenName", UserURN},
		{"common qualified by core URN", user, filter.AttrPath{URN: UserURN, Name: "ID"}, "id", UserURN},
		{"common meta sub", group, filter.AttrPath{Name: "meta", Sub: "lastmodified"}, "meta.lastModified", GroupURN},
		{"members value", group, filter.AttrPath{Name: "Members", Sub: "VALUE"}, "members.value", GroupURN},
		{"members $ref", group, filter.AttrPath{Name: "members", Sub: "$ref"}, "members.$ref", GroupURN},
		{"core attr under extension URN", user, filter.AttrPath{URN: EnterpriseUserURN, Name: "userName"}, "", ""},
		{"extension attr under core URN", user, filter.AttrPath{URN: UserURN, Name: "department"}, "", ""},
		{"common attr under extension URN", user, filter.AttrPath{URN: EnterpriseUserURN, Name: "id"}, "", ""},
		{"unknown URN", user, filter.AttrPath{URN: "urn:example:ext", Name: "department"}, "", ""},
		{"enterprise on group", group, filter.AttrPath{Name: "department"}, "", ""},
		{"group URN on user", user, filter.AttrPath{URN: GroupURN, Name: "displayName"}, "", ""},
		{"unknown name", user, filter.AttrPath{Name: "nickname2"}, "", ""},
		{"unknown sub", user, filter.AttrPath{Name: "emails", Sub: "nope"}, "", ""},
		{"sub of simple", user, filter.AttrPath{Name: "userName", Sub: "value"}, "", ""},
		{"empty", user, filter.AttrPath{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, parent, urn, ok := tt.rt.Resolve(tt.path)
			got := ""
			if ok {
				got = a.Name
				if parent != nil {
					got = parent.Name + "." + a.Name
				}
			}
			if got != tt.want || urn != tt.wantURN || ok != (tt.want != "") {
				t.Errorf("Resolve(%+v) = %q, %q, %v; want %q, %q", tt.path, got, urn, ok, tt.want, tt.wantURN)
			}
		})
	}
}

func TestNilSafety(t *testing.T) {
	var a *Attribute
	var s *Schema
	var rt *ResourceType
	if a.Sub("x") != nil || s.Attr("x") != nil || rt.SchemaFor(UserURN) != nil {
		t.Error("nil receivers must answer nil")
	}
	if _, _, _, ok := rt.Resolve(filter.AttrPath{Name: "userName"}); ok {
		t.Error("nil resource type resolved a name")
	}
}

func TestCharacteristics(t *testing.T) {
	user, group := UserResourceType(), GroupResourceType()
	get := func(rt *ResourceType, urn, name, sub string) *Attribute {
		t.Helper()
		a, _, _, ok := rt.Resolve(filter.AttrPath{URN: urn, Name: name, Sub: sub})
		if !ok {
			t.Fatalf("cannot resolve %s %s.%s", urn, name, sub)
		}
		return a
	}
	tests := []struct {
		name string
		a    *Attribute
		want Attribute // only the fields compared below
	}{
		{"userName", get(user, "", "userName", ""), Attribute{Type: String, Required: true, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueServer}},
		{"id", get(user, "", "id", ""), Attribute{Type: String, CaseExact: true, Mutability: ReadOnly, Returned: ReturnedAlways, Uniqueness: UniqueServer}},
		{"externalId", get(user, "", "externalId", ""), Attribute{Type: String, CaseExact: true, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone}},
		{"password", get(user, "", "password", ""), Attribute{Type: String, Mutability: WriteOnly, Returned: ReturnedNever, Uniqueness: UniqueNone}},
		{"active", get(user, "", "active", ""), Attribute{Type: Boolean, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone}},
		{"emails", get(user, "", "emails", ""), Attribute{Type: Complex, MultiValued: true, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone}},
		{"emails.primary", get(user, "", "emails", "primary"), Attribute{Type: Boolean, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone}},
		{"groups", get(user, "", "groups", ""), Attribute{Type: Complex, MultiValued: true, Mutability: ReadOnly, Returned: ReturnedDefault, Uniqueness: UniqueNone}},
		{"groups.$ref", get(user, "", "groups", "$ref"), Attribute{Type: Reference, Mutability: ReadOnly, Returned: ReturnedDefault, Uniqueness: UniqueNone}},
		{"x509Certificates.value", get(user, "", "x509Certificates", "value"), Attribute{Type: Binary, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone}},
		{"meta.created", get(user, "", "meta", "created"), Attribute{Type: DateTime, Mutability: ReadOnly, Returned: ReturnedDefault, Uniqueness: UniqueNone}},
		{"manager", get(user, EnterpriseUserURN, "manager", ""), Attribute{Type: Complex, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone}},
		{"manager.displayName", get(user, EnterpriseUserURN, "manager", "displayName"), Attribute{Type: String, Mutability: ReadOnly, Returned: ReturnedDefault, Uniqueness: UniqueNone}},
		{"group displayName", get(group, "", "displayName", ""), Attribute{Type: String, Required: true, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone}},
		{"members.value", get(group, "", "members", "value"), Attribute{Type: String, Mutability: Immutable, Returned: ReturnedDefault, Uniqueness: UniqueNone}},
	}
	for _, tt := range tests {
		a := tt.a
		if a.Type != tt.want.Type || a.MultiValued != tt.want.MultiValued || a.Required != tt.want.Required ||
			a.CaseExact != tt.want.CaseExact || a.Mutability != tt.want.Mutability || a.Returned != tt.want.Returned ||
			a.Uniqueness != tt.want.Uniqueness {
			t.Errorf("%s = %+v; want %+v", tt.name, *a, tt.want)
		}
	}
	if got := strings.Join(get(user, "", "phoneNumbers", "type").CanonicalValues, ","); got != "work,home,mobile,fax,pager,other" {
		t.Errorf("phoneNumbers.type canonical values = %s", got)
	}
	if got := strings.Join(get(user, "", "emails", "type").CanonicalValues, ","); got != "work,home,other" {
		t.Errorf("emails.type canonical values = %s", got)
	}
}

func TestSchemaNames(t *testing.T) {
	want := map[string][]string{
		UserURN: {"userName", "name", "displayName", "nickName", "profileUrl", "title", "userType", "preferredLanguage",
			"locale", "timezone", "active", "password", "emails", "phoneNumbers", "ims", "photos", "addresses", "groups",
			"entitlements", "roles", "x509Certificates"},
		EnterpriseUserURN: {"employeeNumber", "costCenter", "organization", "division", "department", "manager"},
		GroupURN:          {"displayName", "members"},
	}
	for _, s := range Schemas() {
		var got []string
		for _, a := range s.Attributes {
			got = append(got, a.Name)
		}
		if strings.Join(got, " ") != strings.Join(want[s.ID], " ") {
			t.Errorf("%s attributes = %v; want %v", s.ID, got, want[s.ID])
		}
		if Lookup(strings.ToUpper(s.ID)) != s {
			t.Errorf("Lookup(%s) did not find it", s.ID)
		}
	}
}

// TestSchemaJSON checks the /Schemas representation against the shape of RFC 7643 §8.7.1.
func TestSchemaJSON(t *testing.T) {
	b, err := json.Marshal(Schemas())
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d schemas", len(got))
	}
	user := got[0]
	if user["id"] != UserURN || user["name"] != "User" || user["description"] != "User Account" {
		t.Errorf("user schema header = %v %v %v", user["id"], user["name"], user["description"])
	}
	if s, _ := user["schemas"].([]any); len(s) != 1 || s[0] != SchemaURN {
		t.Errorf("schemas = %v", user["schemas"])
	}
	if m, _ := user["meta"].(map[string]any); m["resourceType"] != "Schema" {
		t.Errorf("meta = %v", user["meta"])
	}
	attrs, _ := user["attributes"].([]any)
	byName := map[string]map[string]any{}
	for _, a := range attrs {
		m := a.(map[string]any)
		byName[m["name"].(string)] = m
		for _, key := range []string{"name", "type", "multiValued", "description", "required", "mutability", "returned", "uniqueness"} {
			if _, ok := m[key]; !ok {
				t.Errorf("attribute %v lacks %q", m["name"], key)
			}
		}
	}
	userName := byName["userName"]
	if userName["type"] != "string" || userName["required"] != true || userName["caseExact"] != false ||
		userName["uniqueness"] != "server" || userName["mutability"] != "readWrite" || userName["multiValued"] != false {
		t.Errorf("userName = %v", userName)
	}
	emails := byName["emails"]
	if _, ok := emails["caseExact"]; ok {
		t.Error("complex attribute emails carries caseExact")
	}
	subs, _ := emails["subAttributes"].([]any)
	if len(subs) != 4 {
		t.Fatalf("emails subAttributes = %v", subs)
	}
	typ := subs[2].(map[string]any)
	if typ["name"] != "type" || len(typ["canonicalValues"].([]any)) != 3 {
		t.Errorf("emails.type = %v", typ)
	}
	if p := byName["profileUrl"]; p["type"] != "reference" || p["referenceTypes"].([]any)[0] != "external" {
		t.Errorf("profileUrl = %v", p)
	}
	if p := byName["password"]; p["mutability"] != "writeOnly" || p["returned"] != "never" {
		t.Errorf("password = %v", p)
	}
	if _, ok := byName["id"]; ok {
		t.Error("common attribute id listed in the User schema; RFC 7643 §3.1 keeps it out")
	}

	loc := "https://x.example/scim/v2/Schemas/" + GroupURN
	b, err = Lookup(GroupURN).JSON(loc)
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if g["meta"].(map[string]any)["location"] != loc {
		t.Errorf("group meta = %v", g["meta"])
	}
}

func TestResourceTypeJSON(t *testing.T) {
	b, err := json.Marshal(UserResourceType())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["endpoint"] != "/Users" || got["schema"] != UserURN {
		t.Errorf("user resource type = %v", got)
	}
	exts, _ := got["schemaExtensions"].([]any)
	if len(exts) != 1 || exts[0].(map[string]any)["schema"] != EnterpriseUserURN || exts[0].(map[string]any)["required"] != false {
		t.Errorf("schemaExtensions = %v", got["schemaExtensions"])
	}
	b, _ = json.Marshal(GroupResourceType())
	if strings.Contains(string(b), "schemaExtensions") {
		t.Errorf("group resource type lists extensions: %s", b)
	}
}
