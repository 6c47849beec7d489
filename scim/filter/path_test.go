package filter

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/scim/quirk"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Path
		str  string // canonical form; "" means the input
	}{
		{"attribute", `members`, Path{Attr: AttrPath{Name: "members"}}, ""},
		{"sub-attribute", `name.familyName`, Path{Attr: AttrPath{Name: "name", Sub: "familyName"}}, ""},
		{"Okta member remove", `members[value eq "2819c223"]`,
			Path{Attr: AttrPath{Name: "members"}, Filter: cmp("value", Eq, StringValue("2819c223"))}, ""},
		{"Entra e-mail", `emails[type eq "work"].value`,
			Path{Attr: AttrPath{Name: "emails"}, Filter: cmp("type", Eq, StringValue("work")), Sub: "value"}, ""},
		{"Entra address", `addresses[type eq "work"].streetAddress`,
			Path{Attr: AttrPath{Name: "addresses"}, Filter: cmp("type", Eq, StringValue("work")), Sub: "streetAddress"}, ""},
		{"enterprise manager", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`,
			Path{Attr: AttrPath{URN: enterpriseURN, Name: "manager"}}, ""},
		{"enterprise employee number", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`,
			Path{Attr: AttrPath{URN: enterpriseURN, Name: "employeeNumber"}}, ""},
		{"enterprise manager value", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`,
			Path{Attr: AttrPath{URN: enterpriseURN, Name: "manager", Sub: "value"}}, ""},
		{"core URN", `urn:ietf:params:scim:schemas:core:2.0:User:name.givenName`,
			Path{Attr: AttrPath{URN: coreUserURN, Name: "name", Sub: "givenName"}}, ""},
		{"URN with value filter", `urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value`,
			Path{Attr: AttrPath{URN: coreUserURN, Name: "emails"}, Filter: cmp("type", Eq, StringValue("work")), Sub: "value"}, ""},
		{"or of members", `members[value eq "a" or value eq "b"]`,
			Path{Attr: AttrPath{Name: "members"}, Filter: &Or{Left: cmp("value", Eq, StringValue("a")), Right: cmp("value", Eq, StringValue("b"))}}, ""},
		{"and with boolean", `emails[type eq "work" and primary eq true].value`,
			Path{Attr: AttrPath{Name: "emails"}, Filter: &And{Left: cmp("type", Eq, StringValue("work")), Right: cmp("primary", Eq, BoolValue(true))}, Sub: "value"}, ""},
		{"case kept, operator lowered", `Members[Value EQ "x"]`,
			Path{Attr: AttrPath{Name: "Members"}, Filter: cmp("Value", Eq, StringValue("x"))}, `Members[Value eq "x"]`},
		{"surrounding space", ` members `, Path{Attr: AttrPath{Name: "members"}}, `members`},
		{"space before bracket", `members [value eq "x"]`,
			Path{Attr: AttrPath{Name: "members"}, Filter: cmp("value", Eq, StringValue("x"))}, `members[value eq "x"]`},
		{"$ref", `members.$ref`, Path{Attr: AttrPath{Name: "members", Sub: "$ref"}}, ""},
		{"$ref after filter", `members[value eq "x"].$ref`,
			Path{Attr: AttrPath{Name: "members"}, Filter: cmp("value", Eq, StringValue("x")), Sub: "$ref"}, ""},
		{"escaped quotes from JSON", "members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]",
			Path{Attr: AttrPath{Name: "members"}, Filter: cmp("value", Eq, StringValue("89bb1940-b905-4575-9e7f-6f887cfb368e"))}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePath(tt.in)
			if err != nil {
				t.Fatalf("ParsePath(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParsePath(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			want := tt.str
			if want == "" {
				want = tt.in
			}
			if got.String() != want {
				t.Errorf("ParsePath(%q).String() = %q, want %q", tt.in, got.String(), want)
			}
		})
	}
}

func TestParsePathErrors(t *testing.T) {
	tests := []struct {
		name, in string
		pos      int
		msg      string
	}{
		{"empty", ``, 0, "the path is empty"},
		{"blank", `  `, 2, "the path is empty"},
		{"unclosed bracket", `members[`, 8, `expected an attribute name`},
		{"unclosed filter", `members[value eq "x"`, 20, `missing "]" to close the "[" at position 8`},
		{"unopened bracket", `members]`, 7, `unexpected "]" after the path "members"`},
		{"filter on sub-attribute", `name.givenName[x eq 1]`, 14, `not the sub-attribute "name.givenName"`},
		{"two sub-attributes", `emails[type eq "work"].value.x`, 28, `at most one sub-attribute`},
		{"missing sub-attribute", `emails[type eq "work"].`, 23, `expected a sub-attribute name after "].", found the end of the path`},
		{"two filters", `emails[type eq "work"][value pr]`, 22, `at most one value filter`},
		{"unquoted strict", `members[value eq 2819c223]`, 17, `must be quoted`},
		{"space in path", `members value`, 8, `unexpected "value" after the path "members"`},
		{"nested filter", `emails[type[x eq 1]]`, 11, `value filters cannot be nested`},
		{"double dot", `a..b`, 2, `at most one sub-attribute`},
		{"garbage after filter", `members[value eq "x"]x`, 21, `unexpected "x"`},
		{"space before sub-attribute", `emails[type eq "work"] .value`, 23, `unexpected "."`},
		{"URN only prefix", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:`, 59, `expected an attribute name after the schema URI`},
		{"sub-attribute name", `emails[type eq "work"].1x`, 23, `a name starts with a letter`},
		{"quoted path", `"members"`, 0, `expected an attribute name, found "members"`},
		{"too long", strings.Repeat("a", MaxLen+1), MaxLen, `at most 8192`},
		{"too deep", "a[" + deep(MaxDepth) + "]", 2 + MaxDepth - 1, `nests more than 64`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePath(tt.in)
			if err == nil {
				t.Fatalf("ParsePath(%q) = %v, want error", tt.in, p)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParsePath(%q) error %T, want *SyntaxError", tt.in, err)
			}
			if se.Pos != tt.pos {
				t.Errorf("ParsePath(%q) error at %d, want %d: %v", tt.in, se.Pos, tt.pos, err)
			}
			if !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("ParsePath(%q) error %q, want it to contain %q", tt.in, se.Msg, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "invalid path at position ") {
				t.Errorf("error %q does not say it is about a path", err)
			}
		})
	}
}

func TestParsePathTolerant(t *testing.T) {
	var seen quirk.Set
	p, err := ParsePathTolerant(`members[value eq 2819c223-7f76]`, &seen)
	if err != nil {
		t.Fatal(err)
	}
	want := Path{Attr: AttrPath{Name: "members"}, Filter: cmp("value", Eq, StringValue("2819c223-7f76"))}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got %#v, want %#v", p, want)
	}
	if got := seen.List(); len(got) != 1 || got[0] != quirk.UnquotedFilterValue {
		t.Errorf("quirks = %v", got)
	}
}
