package filter

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// userJSON follows the full User example of RFC 7643 §8.2 with an enterprise extension
// and a custom extension carrying numbers.
const userJSON = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "id": "2819c223-7f76-453a-919d-413861904646",
  "externalId": "bjensen",
  "userName": "bjensen@example.com",
  "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara",
           "middleName": "Jane", "honorificPrefix": ""},
  "displayName": "Babs Jensen",
  "nickName": null,
  "title": null,
  "userType": "Employee",
  "active": true,
  "emails": [
    {"value": "bjensen@example.com", "type": "work", "primary": true},
    {"value": "babs@jensen.org", "type": "home"}
  ],
  "ims": [],
  "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
  "groups": [{"value": "e9e30dba-f08f-4109-8486-d5c6a331660a", "display": "Tour Guides"}],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "701984",
    "department": "Tour Operations",
    "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
  },
  "urn:example:params:scim:schemas:extension:lab:2.0:User": {
    "level": 3, "score": 2.5, "tags": ["alpha", "beta"]
  },
  "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z",
           "lastModified": "2024-05-13T04:42:34.123Z", "version": "W/\"3694e05e9dff591\""}
}`

const groupJSON = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
  "displayName": "Tour Guides",
  "members": [
    {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen", "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"},
    {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge"}
  ]
}`

// caseExactAttrs mirrors RFC 7643: ids, externalId and references are case-exact.
func caseExactAttrs(p AttrPath) bool {
	switch strings.ToLower(p.Name + "." + p.Sub) {
	case "id.", "externalid.", "members.value", "groups.value", "manager.value", "members.$ref":
		return true
	}
	return false
}

func decode(t testing.TB, s string, useNumber bool) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	if useNumber {
		d.UseNumber()
	}
	var doc map[string]any
	if err := d.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

var userMatches = []struct {
	name, filter string
	want         bool
}{
	{"eq", `userName eq "bjensen@example.com"`, true},
	{"eq ignores case where not case-exact", `userName eq "BJensen@Example.COM"`, true},
	{"eq respects case-exact", `externalId eq "BJENSEN"`, false},
	{"eq case-exact", `externalId eq "bjensen"`, true},
	{"id case-exact", `id eq "2819C223-7F76-453A-919D-413861904646"`, false},
	{"ne", `userName ne "someone@example.com"`, true},
	{"ne same value", `userName ne "BJENSEN@example.com"`, false},
	{"co", `userName co "JENSEN"`, true},
	{"co case-exact", `externalId co "JENSEN"`, false},
	{"sw", `userName sw "bj"`, true},
	{"sw miss", `userName sw "jensen"`, false},
	{"ew", `userName ew "@EXAMPLE.com"`, true},
	{"gt string", `userName gt "B"`, true},
	{"lt string", `userName lt "B"`, false},
	{"ge equal string", `displayName ge "babs jensen"`, true},
	{"le string", `displayName le "Babs"`, false},
	{"sub-attribute", `name.familyName eq "jensen"`, true},
	{"attribute names ignore case", `NAME.FAMILYNAME eq "Jensen" and USERNAME pr`, true},
	{"pr", `name.givenName pr`, true},
	{"pr missing", `name.honorificSuffix pr`, false},
	{"pr empty string", `name.honorificPrefix pr`, false},
	{"pr null", `title pr`, false},
	{"pr empty array", `ims pr`, false},
	{"pr array", `emails pr`, true},
	{"pr complex", `name pr`, true},
	{"ne on missing", `profileUrl ne "x"`, true},
	{"ne on null", `nickName ne "x"`, true},
	{"eq on missing", `profileUrl eq "x"`, false},
	{"co on missing", `profileUrl co ""`, false},
	{"gt on missing", `profileUrl gt "a"`, false},
	{"eq null on null", `title eq null`, true},
	{"eq null on missing", `profileUrl eq null`, true},
	{"eq null on present", `userName eq null`, false},
	{"ne null on present", `userName ne null`, true},
	{"ne null on missing", `title ne null`, false},
	{"gt null", `userName gt null`, false},
	{"bool eq", `active eq true`, true},
	{"bool eq false", `active eq false`, false},
	{"bool ne", `active ne false`, true},
	{"bool gt", `active gt false`, false},
	{"bool against string", `active eq "true"`, false},
	{"bool ne string", `active ne "true"`, true},
	{"string against number", `userName eq 1`, false},
	{"value filter", `emails[type eq "work" and value co "@example.com"]`, true},
	{"value filter miss", `emails[type eq "work" and value co "@jensen.org"]`, false},
	{"value filter other element", `emails[type eq "home" and value ew ".org"]`, true},
	{"value filter ignores case", `emails[type eq "WORK"]`, true},
	{"value filter names ignore case", `EMAILS[TYPE eq "work" and PRIMARY eq true]`, true},
	{"value filter not", `emails[not (type eq "work")]`, true},
	{"value filter on missing", `addresses[type eq "work"]`, false},
	{"value filter on empty", `ims[type eq "xmpp"]`, false},
	{"value filter on complex", `name[givenName eq "barbara"]`, true},
	{"multi-valued default value", `emails co "jensen.org"`, true},
	{"multi-valued default value eq", `emails eq "BJENSEN@example.com"`, true},
	{"multi-valued sub-attribute", `emails.value ew ".org"`, true},
	{"multi-valued sub-attribute miss", `emails.type eq "fax"`, false},
	{"multi-valued ne is any", `emails.type ne "work"`, true},
	{"multi-valued simple", `schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, true},
	{"groups", `groups.value eq "e9e30dba-f08f-4109-8486-d5c6a331660a"`, true},
	{"groups case-exact", `groups.value eq "E9E30DBA-F08F-4109-8486-D5C6A331660A"`, false},
	{"groups display", `groups[display eq "tour guides"]`, true},
	{"enterprise URN", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`, true},
	{"enterprise URN ignores case", `URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department eq "tour operations"`, true},
	{"enterprise manager value", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true},
	{"enterprise manager default value", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true},
	{"bare manager found in extension", `id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true},
	{"bare manager case-exact", `manager eq "26118915-6090-4610-87E4-49D8CA9F808D"`, false},
	{"bare department", `department sw "tour"`, true},
	{"core URN", `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen@example.com"`, true},
	{"core URN sub-attribute", `urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "Barbara"`, true},
	{"extension URN does not see core", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName pr`, false},
	{"unknown extension", `urn:example:other:2.0:User:level pr`, false},
	{"number gt", `urn:example:params:scim:schemas:extension:lab:2.0:User:level gt 2`, true},
	{"number ge", `level ge 3`, true},
	{"number lt", `level lt 3`, false},
	{"number le", `level le 2.99`, false},
	{"number eq other spelling", `level eq 3.0e0`, true},
	{"number ne", `level ne 4`, true},
	{"decimal", `score gt 2.4 and score lt 2.6`, true},
	{"number co", `level co 3`, false},
	{"number against string", `level eq "3"`, false},
	{"number ne string", `level ne "3"`, true},
	{"simple multi-valued value filter", `tags[value eq "beta"]`, true},
	{"simple multi-valued sw", `tags sw "BE"`, true},
	{"dateTime gt", `meta.lastModified gt "2011-05-13T04:42:34Z"`, true},
	{"dateTime lt", `meta.created lt "2010-01-01T00:00:00Z"`, false},
	{"dateTime eq other precision", `meta.created eq "2010-01-23T04:56:22.000Z"`, true},
	{"dateTime ge other zone", `meta.created ge "2010-01-23T05:56:22+01:00"`, true},
	{"dateTime gt other zone", `meta.created gt "2010-01-23T05:56:22+01:00"`, false},
	{"dateTime compared with text", `meta.created lt "z"`, true},
	{"not", `not (userName eq "x")`, true},
	{"not pr", `not (nickName pr)`, true},
	{"or", `userName eq "x" or displayName eq "Babs Jensen"`, true},
	{"and", `userName eq "bjensen@example.com" and active eq false`, false},
	{"precedence", `userName eq "x" or active eq true and title eq null`, true},
	{"group", `(userName eq "x" or active eq true) and title pr`, false},
	{"RFC example", `userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`, true},
}

func TestMatchUser(t *testing.T) {
	for _, useNumber := range []bool{false, true} {
		doc := decode(t, userJSON, useNumber)
		for _, tt := range userMatches {
			e, err := Parse(tt.filter)
			if err != nil {
				t.Fatalf("%s: Parse(%q): %v", tt.name, tt.filter, err)
			}
			if got := Match(e, doc, caseExactAttrs); got != tt.want {
				t.Errorf("%s (UseNumber=%v): Match(%s) = %v, want %v", tt.name, useNumber, tt.filter, got, tt.want)
			}
		}
	}
}

func TestMatchGroup(t *testing.T) {
	doc := decode(t, groupJSON, false)
	tests := []struct {
		name, filter string
		want         bool
	}{
		{"member", `members[value eq "2819c223-7f76-453a-919d-413861904646"]`, true},
		{"member case-exact", `members[value eq "2819C223-7F76-453A-919D-413861904646"]`, false},
		{"member or", `members[value eq "x" or value eq "902c246b-6245-4190-8e05-00816be7344a"]`, true},
		{"member absent", `members[value eq "00000000-0000-0000-0000-000000000000"]`, false},
		{"member display", `members.display co "pepper"`, true},
		{"member $ref", `members[$ref sw "https://example.com/"]`, true},
		{"member $ref pr", `members.$ref pr`, true},
		{"displayName", `displayName eq "tour guides"`, true},
		{"core Group URN", `urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "Tour Guides"`, true},
		{"members default value", `members eq "902c246b-6245-4190-8e05-00816be7344a"`, true},
	}
	for _, tt := range tests {
		e, err := Parse(tt.filter)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := Match(e, doc, caseExactAttrs); got != tt.want {
			t.Errorf("%s: Match(%s) = %v, want %v", tt.name, tt.filter, got, tt.want)
		}
	}
}

func TestMatchAsksCaseExactWithFullPath(t *testing.T) {
	doc := decode(t, userJSON, false)
	tests := []struct {
		filter string
		want   []AttrPath
	}{
		{`userName eq "x"`, []AttrPath{{Name: "userName"}}},
		{`emails[value eq "x"]`, []AttrPath{{Name: "emails", Sub: "value"}, {Name: "emails", Sub: "value"}}},
		{`emails[type sw "w"]`, []AttrPath{{Name: "emails", Sub: "type"}}},
		{`manager eq "x"`, []AttrPath{{Name: "manager", Sub: "value"}}},
		{enterpriseURN + `:manager eq "x"`, []AttrPath{{URN: enterpriseURN, Name: "manager", Sub: "value"}}},
		{`name.familyName co "x"`, []AttrPath{{Name: "name", Sub: "familyName"}}},
		// Numbers, booleans, dates and absent values never depend on case.
		{`active eq true and level gt 1 and meta.created gt "2000-01-01T00:00:00Z" and nickName eq "x"`, nil},
	}
	for _, tt := range tests {
		var asked []AttrPath
		Match(mustParse(t, tt.filter), doc, func(p AttrPath) bool {
			asked = append(asked, p)
			return false
		})
		if !reflect.DeepEqual(asked, tt.want) {
			t.Errorf("Match(%s) asked about %v, want %v", tt.filter, asked, tt.want)
		}
	}
}

func mustParse(t testing.TB, s string) Expr {
	t.Helper()
	e, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestMatchNilCaseExact(t *testing.T) {
	doc := decode(t, userJSON, false)
	if !Match(mustParse(t, `externalId eq "BJENSEN"`), doc, nil) {
		t.Error("nil caseExact should compare without case")
	}
}

func TestMatchGoValues(t *testing.T) {
	// Documents built in Go rather than decoded from JSON, as the PATCH engine may hold.
	doc := map[string]any{
		"count":   int64(7),
		"ratio":   float32(0.5),
		"aliases": []string{"Ann", "Anna"},
		"emails":  []map[string]any{{"value": "a@example.com", "type": "work"}},
		"bad":     json.Number("not a number"),
		"empty":   map[string]any{},
		"nested":  []any{[]any{}, []any{nil}},
		"nan":     math.NaN(),
	}
	tests := []struct {
		filter string
		want   bool
	}{
		{`count eq 7`, true},
		{`count gt 6.5`, true},
		{`ratio eq 0.5`, true},
		{`aliases eq "anna"`, true},
		{`aliases[value sw "ann"]`, true},
		{`emails[type eq "work"]`, true},
		{`emails.value ew "@example.com"`, true},
		{`bad eq 1`, false},
		{`bad ne 1`, true},
		{`Count EQ 7`, true},
		{`empty pr`, false},
		{`nested pr`, false},
		{`nan eq 1`, false},
		{`nan ne 1`, true},
		{`nan gt 1`, false},
	}
	for _, tt := range tests {
		if got := Match(mustParse(t, tt.filter), doc, nil); got != tt.want {
			t.Errorf("Match(%s) = %v, want %v", tt.filter, got, tt.want)
		}
	}
}

func TestMatchAmbiguousCase(t *testing.T) {
	// Keys that differ only in case are invalid SCIM, but the answer must still not
	// depend on map iteration order.
	doc := map[string]any{"Title": "b", "TITLE": "a"}
	e := mustParse(t, `title eq "a"`)
	for range 50 {
		if !Match(e, doc, nil) {
			t.Fatal("lookup among case variants is not stable")
		}
	}
}

func TestMatchTolerantRewrite(t *testing.T) {
	// Entra's e-mail matching filter must find the user after the tolerant rewrite.
	doc := decode(t, userJSON, false)
	e, err := ParseTolerant(`emails[type eq "work"].value eq "bjensen@example.com"`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !Match(e, doc, caseExactAttrs) {
		t.Error("work e-mail filter did not match")
	}
	e, _ = ParseTolerant(`emails[type eq "work"].value eq "babs@jensen.org"`, nil)
	if Match(e, doc, caseExactAttrs) {
		t.Error("home e-mail matched a work e-mail filter")
	}
}

func BenchmarkMatch(b *testing.B) {
	var doc map[string]any
	if err := json.NewDecoder(bytes.NewReader([]byte(userJSON))).Decode(&doc); err != nil {
		b.Fatal(err)
	}
	e := mustParse(b, `userType eq "Employee" and emails[type eq "work" and value co "@example.com"] and meta.lastModified gt "2011-05-13T04:42:34Z"`)
	b.ReportAllocs()
	for b.Loop() {
		if !Match(e, doc, caseExactAttrs) {
			b.Fatal("no match")
		}
	}
}
