package filter

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/scim/quirk"
)

const (
	enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	coreUserURN   = "urn:ietf:params:scim:schemas:core:2.0:User"
)

// validFilters maps filters to their canonical form. Many come from RFC 7644 §3.4.2.2
// and from the Okta and Entra wire captures.
var validFilters = []struct {
	name, in, want string
}{
	{"eq", `userName eq "bjensen"`, `userName eq "bjensen"`},
	{"ne", `userName ne "bjensen"`, `userName ne "bjensen"`},
	{"co", `name.familyName co "O'Malley"`, `name.familyName co "O'Malley"`},
	{"sw", `userName sw "J"`, `userName sw "J"`},
	{"ew", `userName ew "@example.com"`, `userName ew "@example.com"`},
	{"gt", `meta.lastModified gt "2011-05-13T04:42:34Z"`, `meta.lastModified gt "2011-05-13T04:42:34Z"`},
	{"ge", `meta.lastModified ge "2011-05-13T04:42:34Z"`, `meta.lastModified ge "2011-05-13T04:42:34Z"`},
	{"lt", `meta.lastModified lt "2011-05-13T04:42:34Z"`, `meta.lastModified lt "2011-05-13T04:42:34Z"`},
	{"le", `meta.lastModified le "2011-05-13T04:42:34Z"`, `meta.lastModified le "2011-05-13T04:42:34Z"`},
	{"pr", `title pr`, `title pr`},
	{"upper case operator", `userName EQ "bjensen"`, `userName eq "bjensen"`},
	{"mixed case operators", `userName Sw "J" AND title PR oR nickName Ne "x"`, `userName sw "J" and title pr or nickName ne "x"`},
	{"core URN path", `urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, `urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`},
	{"enterprise URN with sub-attribute", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`},
	{"enterprise URN", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`},
	{"schemas value", `schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, `schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`},
	{"and", `title pr and userType eq "Employee"`, `title pr and userType eq "Employee"`},
	{"or", `title pr or userType eq "Intern"`, `title pr or userType eq "Intern"`},
	{"RFC grouping", `userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
		`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`},
	{"RFC not", `userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
		`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`},
	{"redundant group", `userType eq "Employee" and (emails.type eq "work")`, `userType eq "Employee" and emails.type eq "work"`},
	{"RFC value path", `userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`,
		`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`},
	{"two value paths", `emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
		`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`},
	{"and binds tighter than or", `a pr or b pr and c pr`, `a pr or b pr and c pr`},
	{"and before or", `a pr and b pr or c pr`, `a pr and b pr or c pr`},
	{"or group under and", `(a pr or b pr) and c pr`, `(a pr or b pr) and c pr`},
	{"right nested and", `a pr and (b pr and c pr)`, `a pr and (b pr and c pr)`},
	{"left nested and", `(a pr and b pr) and c pr`, `a pr and b pr and c pr`},
	{"right nested or", `a pr or (b pr or c pr)`, `a pr or (b pr or c pr)`},
	{"and group under or", `a pr or (b pr and c pr)`, `a pr or b pr and c pr`},
	{"deep groups", `((((a pr))))`, `a pr`},
	{"not", `not (a pr)`, `not (a pr)`},
	{"not upper case without space", `NOT(a pr)`, `not (a pr)`},
	{"not with spaces", `not   (  a pr  )`, `not (a pr)`},
	{"double not", `not (not (a pr))`, `not (not (a pr))`},
	{"not in value filter", `emails[not (type eq "work")]`, `emails[not (type eq "work")]`},
	{"group in value filter", `emails[(type eq "work" or type eq "home") and primary eq true]`, `emails[(type eq "work" or type eq "home") and primary eq true]`},
	{"escaped quote", `displayName eq "say \"hi\""`, `displayName eq "say \"hi\""`},
	{"escaped backslash", `displayName eq "a\\b"`, `displayName eq "a\\b"`},
	{"escaped solidus", `displayName eq "a\/b"`, `displayName eq "a/b"`},
	{"control escapes", `displayName eq "\b\f\n\r\t"`, `displayName eq "\b\f\n\r\t"`},
	{"unicode escape", `displayName eq "Andr\u00e9"`, `displayName eq "André"`},
	{"upper case unicode escape", `displayName eq "\u00C9"`, `displayName eq "É"`},
	{"surrogate pair", `displayName eq "\ud83d\ude00"`, `displayName eq "😀"`},
	{"lone surrogate", `displayName eq "\ud800x"`, `displayName eq "` + "\ufffd" + `x"`},
	{"escaped control character", `displayName eq "\u0001"`, `displayName eq "\u0001"`},
	{"raw unicode", `displayName eq "Zoë 日本"`, `displayName eq "Zoë 日本"`},
	{"empty string", `nickName eq ""`, `nickName eq ""`},
	{"integer", `x eq 42`, `x eq 42`},
	{"zero", `x eq 0`, `x eq 0`},
	{"negative", `x eq -1`, `x eq -1`},
	{"decimal", `x gt 1.50`, `x gt 1.50`},
	{"exponent", `x lt 1e3`, `x lt 1e3`},
	{"signed exponent", `x le 1E+3`, `x le 1E+3`},
	{"negative decimal exponent", `x ge -0.5e-2`, `x ge -0.5e-2`},
	{"true", `active eq true`, `active eq true`},
	{"false", `active eq false`, `active eq false`},
	{"null", `manager eq null`, `manager eq null`},
	{"upper case literals", `active eq TRUE or active eq False or x ne Null`, `active eq true or active eq false or x ne null`},
	{"$ref in value filter", `members[$ref eq "https://example.com/v2/Users/1"]`, `members[$ref eq "https://example.com/v2/Users/1"]`},
	{"$ref sub-attribute", `members.$ref pr`, `members.$ref pr`},
	{"name characters", `x-y_z9 eq 1`, `x-y_z9 eq 1`},
	{"extra spaces", "  userName   eq   \"a b\"  ", `userName eq "a b"`},
	{"tabs and newlines", "userName\teq\n\"a\"\r\nand\ttitle pr", `userName eq "a" and title pr`},
	{"no space before value", `userName eq"x"`, `userName eq "x"`},
	{"no space around parentheses", `(a pr)and(b pr)`, `a pr and b pr`},
	{"space before value filter", `emails [type eq "work"]`, `emails[type eq "work"]`},
	{"attribute called not", `not eq "x"`, `not eq "x"`},
	{"attribute called not, present", `not pr`, `not pr`},
	{"attribute called and", `and pr and or pr`, `and pr and or pr`},
	{"Entra probe", `userName eq "7d420df3-9995-4831-a406-ecf8166f5f6a"`, `userName eq "7d420df3-9995-4831-a406-ecf8166f5f6a"`},
	{"Entra manager check", `id eq "6764549bef60420686bc" and manager eq "f648f8d5ea4e4cd38e9c"`, `id eq "6764549bef60420686bc" and manager eq "f648f8d5ea4e4cd38e9c"`},
	{"Entra group lookup", `displayName eq "Sales"`, `displayName eq "Sales"`},
	{"Okta lookup", `userName eq "test.user@okta.local"`, `userName eq "test.user@okta.local"`},
	{"members value path", `members[value eq "2819c223-7f76-453a-919d-413861904646"]`, `members[value eq "2819c223-7f76-453a-919d-413861904646"]`},
	{"URN in value filter", `emails[urn:ietf:params:scim:schemas:core:2.0:User:type eq "work"]`, `emails[urn:ietf:params:scim:schemas:core:2.0:User:type eq "work"]`},
	{"URN value path", `urn:example:lab:2.0:User:badges[level gt 2]`, `urn:example:lab:2.0:User:badges[level gt 2]`},
}

func TestParse(t *testing.T) {
	for _, tt := range validFilters {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
			}
			again, err := Parse(e.String())
			if err != nil {
				t.Fatalf("Parse(%q) of canonical form: %v", e.String(), err)
			}
			if !reflect.DeepEqual(again, e) {
				t.Errorf("canonical form %q parses to a different tree", e.String())
			}
		})
	}
}

func cmp(name string, op Op, v Value) *Compare {
	return &Compare{Attr: AttrPath{Name: name}, Op: op, Value: v}
}

func pr(name string) *Present { return &Present{Attr: AttrPath{Name: name}} }

func TestParseTree(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Expr
	}{
		{"compare", `userName eq "bjensen"`, cmp("userName", Eq, StringValue("bjensen"))},
		{"names keep their case", `UserName EQ "x"`, cmp("UserName", Eq, StringValue("x"))},
		{"sub-attribute", `name.familyName pr`, &Present{Attr: AttrPath{Name: "name", Sub: "familyName"}}},
		{"enterprise manager", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"`,
			&Compare{Attr: AttrPath{URN: enterpriseURN, Name: "manager", Sub: "value"}, Op: Eq, Value: StringValue("x")}},
		{"core URN", `urn:ietf:params:scim:schemas:core:2.0:User:name.givenName pr`,
			&Present{Attr: AttrPath{URN: coreUserURN, Name: "name", Sub: "givenName"}}},
		{"precedence", `a pr or b pr and c pr`, &Or{Left: pr("a"), Right: &And{Left: pr("b"), Right: pr("c")}}},
		{"left associative and", `a pr and b pr and c pr`, &And{Left: &And{Left: pr("a"), Right: pr("b")}, Right: pr("c")}},
		{"left associative or", `a pr or b pr or c pr`, &Or{Left: &Or{Left: pr("a"), Right: pr("b")}, Right: pr("c")}},
		{"group", `(a pr or b pr) and c pr`, &And{Left: &Or{Left: pr("a"), Right: pr("b")}, Right: pr("c")}},
		{"not", `not (a pr)`, &Not{X: pr("a")}},
		{"value path", `emails[type eq "work" and value co "@example.com"]`, &ValuePath{
			Attr:   AttrPath{Name: "emails"},
			Filter: &And{Left: cmp("type", Eq, StringValue("work")), Right: cmp("value", Co, StringValue("@example.com"))},
		}},
		{"number keeps its text", `x ge -0.5e-2`, cmp("x", Ge, Value{Kind: Number, Num: -0.005, Raw: "-0.5e-2"})},
		{"integer", `x eq 42`, cmp("x", Eq, Value{Kind: Number, Num: 42, Raw: "42"})},
		{"true", `x eq true`, cmp("x", Eq, BoolValue(true))},
		{"false", `x eq false`, cmp("x", Eq, BoolValue(false))},
		{"null", `x eq null`, cmp("x", Eq, NullValue())},
		{"escapes", `x eq "\"\\\u00e9"`, cmp("x", Eq, StringValue(`"\é`))},
		{"$ref", `members[$ref pr]`, &ValuePath{Attr: AttrPath{Name: "members"}, Filter: pr("$ref")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

// deep returns n "(" then a filter then n ")".
func deep(n int) string {
	return strings.Repeat("(", n) + "a pr" + strings.Repeat(")", n)
}

var invalidFilters = []struct {
	name, in string
	pos      int
	msg      string // a part of the message
}{
	{"empty", ``, 0, "the filter is empty"},
	{"blank", `   `, 3, "the filter is empty"},
	{"unclosed parenthesis", `(userName eq "x"`, 16, `missing ")" to close the "(" at position 1`},
	{"unopened parenthesis", `userName eq "x")`, 15, `unbalanced ")"`},
	{"unclosed bracket", `emails[type eq "work"`, 21, `missing "]" to close the "[" at position 7`},
	{"bracket closed by parenthesis", `emails[type eq "work")`, 21, `found ")" but the "[" at position 7 is still open`},
	{"parenthesis closed by bracket", `(a pr]`, 5, `found "]" but the "(" at position 1 is still open`},
	{"unopened bracket", `a pr]`, 4, `unbalanced "]"`},
	{"missing value", `userName eq`, 11, `expected a value after "eq", found the end of the filter`},
	{"missing value before parenthesis", `(userName eq)`, 12, `expected a value after "eq", found ")"`},
	{"missing value before bracket", `x eq [1]`, 5, `expected a value after "eq", found "["`},
	{"unknown operator", `userName eqq "x"`, 9, `expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or pr after "userName", found "eqq"`},
	{"missing operator", `userName "x"`, 9, `after "userName", found "x"`},
	{"attribute alone", `userName`, 8, `after "userName", found the end of the filter`},
	{"operator glued to value", `x eq1`, 2, `found "eq1"`},
	{"pr with a value", `title pr "x"`, 9, `"pr" (present) takes no value`},
	{"pr with a number", `title pr 1`, 9, `"pr" (present) takes no value`},
	{"not without parentheses", `not userName eq "x"`, 0, `"not" must be followed by a filter in parentheses`},
	{"not at the end", `a pr and not`, 9, `"not" must be followed by a filter in parentheses`},
	{"trailing garbage", `userName eq "x" garbage`, 16, `expected "and", "or" or the end of the filter, found "garbage"`},
	{"trailing string", `userName eq "x" "y"`, 16, `found "y"`},
	{"unterminated string", `userName eq "x`, 12, `no closing quote`},
	{"bad escape", `userName eq "a\qb"`, 14, `invalid escape \q`},
	{"short unicode escape", `userName eq "\u12"`, 13, `\u needs four hex digits`},
	{"escape at end", `userName eq "\`, 13, `ends inside an escape sequence`},
	{"raw control character", "userName eq \"a\x01\"", 14, `control character 0x01`},
	{"raw tab in string", "userName eq \"a\tb\"", 14, `control character 0x09`},
	{"nested value paths", `a[b[c eq 1]]`, 3, `value filters cannot be nested`},
	{"sub-attribute after value filter", `emails[type eq "work"].value eq "x"`, 22, `allowed only in PATCH paths`},
	{"value filter on sub-attribute", `name.familyName[x eq 1]`, 15, `not the sub-attribute "name.familyName"`},
	{"compare value filter", `emails[type eq "work"] eq "x"`, 23, `expected "and", "or" or the end of the filter, found "eq"`},
	{"empty parentheses", `()`, 1, `empty parentheses`},
	{"empty value filter", `emails[]`, 7, `empty value filter`},
	{"dangling and", `userName eq "x" and`, 19, `expected an attribute name, "(" or "not (", found the end of the filter`},
	{"dangling or in group", `(a pr or )`, 9, `found ")"`},
	{"leading and", `and userName pr`, 4, `after "and", found "userName"`},
	{"quoted attribute", `"userName" eq "x"`, 0, `expected an attribute name`},
	{"two sub-attributes", `name.familyName.x eq 1`, 15, `at most one sub-attribute`},
	{"empty sub-attribute", `name. eq 1`, 5, `expected a sub-attribute name`},
	{"name starts with digit", `1abc eq 1`, 0, `a name starts with a letter`},
	{"dollar alone", `$ eq 1`, 1, `a name starts with a letter`},
	{"bad name character", `user@name eq "x"`, 4, `after "user", found "@name"`},
	{"slash in name", `a/b eq 1`, 1, `invalid character '/' in attribute name "a/b"`},
	{"URN without name", `urn:ietf:params:scim:schemas:core:2.0:User: eq "x"`, 43, `expected an attribute name after the schema URI`},
	{"not a URI", `foo:bar eq 1`, 0, `"foo" is not a schema URI`},
	{"empty URN segment", `urn::x:y eq 1`, 4, `empty segment between colons`},
	{"empty last URN segment", `urn:x::y eq 1`, 5, `empty segment between colons`},
	{"URN scheme starts with digit", `1urn:x:y eq 1`, 0, `it must start with a scheme such as urn:`},
	{"bad URN scheme character", `u_rn:x:y eq 1`, 1, `it must start with a scheme such as urn:`},
	{"unquoted value", `userName eq alice@example.com`, 12, `the value alice@example.com must be quoted: write "alice@example.com"`},
	{"unquoted GUID", `externalId eq 7d420df3-9995-4831-a406-ecf8166f5f6a`, 14, `must be quoted`},
	{"leading zero", `x eq 01`, 5, `the value 01 must be quoted`},
	{"trailing dot", `x eq 1.`, 5, `must be quoted`},
	{"lone minus", `x eq -`, 5, `must be quoted`},
	{"literal with suffix", `x eq true1`, 5, `must be quoted`},
	{"huge number", `x eq 1e999`, 5, `out of range`},
	{"invalid UTF-8", "x eq \"\xff\"", 6, `not valid UTF-8`},
	{"too long", `userName eq "` + strings.Repeat("x", MaxLen) + `"`, MaxLen, `at most 8192 are allowed`},
	{"too deep", deep(MaxDepth + 1), MaxDepth, `nests more than 64 levels`},
	{"too deep with not", strings.Repeat("not (", MaxDepth+1) + "a pr" + strings.Repeat(")", MaxDepth+1), 5*MaxDepth + 4, `nests more than 64 levels`},
	{"too deep in value filter", "x[" + deep(MaxDepth) + "]", 2 + MaxDepth - 1, `nests more than 64 levels`},
	{"hostile depth", strings.Repeat("(", MaxLen), MaxDepth, `nests more than 64 levels`},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range invalidFilters {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want error", tt.in, e)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T, want *SyntaxError", tt.in, err)
			}
			if se.Pos != tt.pos {
				t.Errorf("Parse(%q) error at %d, want %d: %v", tt.in, se.Pos, tt.pos, err)
			}
			if !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("Parse(%q) error %q, want it to contain %q", tt.in, se.Msg, tt.msg)
			}
			if se.Input != tt.in {
				t.Errorf("SyntaxError.Input = %q, want the input", se.Input)
			}
		})
	}
}

func TestDepthLimitIsInclusive(t *testing.T) {
	if _, err := Parse(deep(MaxDepth)); err != nil {
		t.Errorf("nesting of exactly %d levels: %v", MaxDepth, err)
	}
	long := `userName eq "` + strings.Repeat("x", MaxLen-len(`userName eq ""`)) + `"`
	if _, err := Parse(long); err != nil {
		t.Errorf("filter of exactly %d bytes: %v", MaxLen, err)
	}
}

func TestLongChainsDoNotRecurse(t *testing.T) {
	// A flat and/or chain is not nesting: the longest that fits into MaxLen parses and
	// prints without trouble.
	in := "a pr" + strings.Repeat(" and a pr or a pr", (MaxLen-4)/17)
	e, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if e.String() != in {
		t.Error("long chain did not print back unchanged")
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	_, err := Parse(`userName eqq "x"`)
	want := `invalid filter at position 10: expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or pr after "userName", found "eqq"`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}

	// Positions count characters, not bytes, so they match what the admin sees.
	_, err = Parse(`displayName eq "Zoë" nonsense`)
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error %v, want *SyntaxError", err)
	}
	if se.Pos != 22 || se.Column() != 22 {
		t.Errorf("Pos, Column = %d, %d; want byte 22, character 22", se.Pos, se.Column())
	}
	if !strings.HasPrefix(err.Error(), "invalid filter at position 22: ") {
		t.Errorf("error = %v", err)
	}
	caret := "displayName eq \"Zoë\" nonsense\n                     ^"
	if got := se.Caret(); got != caret {
		t.Errorf("Caret() =\n%s\nwant\n%s", got, caret)
	}

	_, err = ParsePath(`members[`)
	if err == nil || !strings.HasPrefix(err.Error(), "invalid path at position 9: ") {
		t.Errorf("path error = %v", err)
	}
}

func TestLongInputIsClippedInMessages(t *testing.T) {
	name := strings.Repeat("a", 4000)
	_, err := Parse(name + " eqq 1")
	if err == nil {
		t.Fatal("no error")
	}
	if len(err.Error()) > 300 {
		t.Errorf("error message is %d bytes long: %.100s…", len(err.Error()), err)
	}
	if !strings.Contains(err.Error(), `after "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…", found "eqq"`) {
		t.Errorf("error = %v", err)
	}
}

func TestCaretLongInput(t *testing.T) {
	in := `userName eq "` + strings.Repeat("x", 100) + `" junk ` + strings.Repeat("y", 100)
	_, err := Parse(in)
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error %v", err)
	}
	lines := strings.Split(se.Caret(), "\n")
	if len(lines) != 2 {
		t.Fatalf("Caret() has %d lines", len(lines))
	}
	col := strings.Index(lines[1], "^")
	if got := string([]rune(lines[0])[col:]); !strings.HasPrefix(got, "junk") {
		t.Errorf("caret points at %q, want junk", got)
	}
	if !strings.HasPrefix(lines[0], "…") || !strings.HasSuffix(lines[0], "…") {
		t.Errorf("long input not elided: %q", lines[0])
	}
}

func TestParseTolerant(t *testing.T) {
	tests := []struct {
		name, in, want string
		quirks         []quirk.Quirk
	}{
		{"quoted", `userName eq "alice"`, `userName eq "alice"`, nil},
		{"unquoted e-mail", `userName eq alice@example.com`, `userName eq "alice@example.com"`, []quirk.Quirk{quirk.UnquotedFilterValue}},
		{"unquoted GUID", `externalId eq 7d420df3-9995-4831-a406-ecf8166f5f6a`, `externalId eq "7d420df3-9995-4831-a406-ecf8166f5f6a"`, []quirk.Quirk{quirk.UnquotedFilterValue}},
		{"unquoted in a chain", `userName eq alice and active eq true`, `userName eq "alice" and active eq true`, []quirk.Quirk{quirk.UnquotedFilterValue}},
		{"unquoted in a group", `(userName eq alice)`, `userName eq "alice"`, []quirk.Quirk{quirk.UnquotedFilterValue}},
		{"unquoted in a value filter", `members[value eq 2819c223]`, `members[value eq "2819c223"]`, []quirk.Quirk{quirk.UnquotedFilterValue}},
		{"leading zero stays text", `employeeNumber eq 0123`, `employeeNumber eq "0123"`, []quirk.Quirk{quirk.UnquotedFilterValue}},
		{"backslash in bareword", `x eq a\b`, `x eq "a\\b"`, []quirk.Quirk{quirk.UnquotedFilterValue}},
		{"numbers stay numbers", `x eq 42`, `x eq 42`, nil},
		{"literals stay literals", `active eq True`, `active eq true`, nil},
		{"sub-attribute after value filter", `emails[type eq "work"].value eq "x@example.com"`,
			`emails[type eq "work" and value eq "x@example.com"]`, []quirk.Quirk{quirk.ValuePathSubAttr}},
		{"sub-attribute after or filter", `emails[type eq "work" or type eq "home"].value pr`,
			`emails[(type eq "work" or type eq "home") and value pr]`, []quirk.Quirk{quirk.ValuePathSubAttr}},
		{"both quirks", `emails[type eq work].value eq x@example.com and active eq true`,
			`emails[type eq "work" and value eq "x@example.com"] and active eq true`, []quirk.Quirk{quirk.ValuePathSubAttr, quirk.UnquotedFilterValue}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen quirk.Set
			e, err := ParseTolerant(tt.in, &seen)
			if err != nil {
				t.Fatalf("ParseTolerant(%q): %v", tt.in, err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("ParseTolerant(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := seen.List(); !equalQuirks(got, tt.quirks) {
				t.Errorf("quirks = %v, want %v", got, tt.quirks)
			}
			// The canonical form is strict RFC syntax.
			if _, err := Parse(e.String()); err != nil {
				t.Errorf("canonical form %q is not strict: %v", e.String(), err)
			}
		})
	}
}

func equalQuirks(got, want []quirk.Quirk) bool {
	if len(got) != len(want) {
		return false
	}
	w := map[quirk.Quirk]bool{}
	for _, q := range want {
		w[q] = true
	}
	for _, q := range got {
		if !w[q] {
			return false
		}
	}
	return true
}

func TestParseTolerantStillRejects(t *testing.T) {
	for _, in := range []string{
		``, `userName eq`, `userName eqq alice`, `(userName eq alice`, `a[b[c eq 1]]`,
		`emails[type eq "work"].value`, `emails[type eq "work"].`, `title pr alice`,
		`userName eq "x`, deep(MaxDepth + 1),
	} {
		var seen quirk.Set
		if e, err := ParseTolerant(in, &seen); err == nil {
			t.Errorf("ParseTolerant(%q) = %v, want error", in, e)
		}
	}
	// A nil set is fine.
	if _, err := ParseTolerant(`userName eq bob`, nil); err != nil {
		t.Errorf("ParseTolerant with nil set: %v", err)
	}
}

func TestValueAndPathStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"string value", StringValue("a\"b\x7f\u2028").String(), "\"a\\\"b\x7f\u2028\""},
		{"invalid UTF-8 in a built value", StringValue("a\xffb").String(), `"a\ufffdb"`},
		{"number value", NumberValue(2.5).String(), "2.5"},
		{"number without text", Value{Kind: Number, Num: 1e21}.String(), "1e+21"},
		{"bool value", BoolValue(true).String(), "true"},
		{"null value", NullValue().String(), "null"},
		{"attr path", AttrPath{URN: enterpriseURN, Name: "manager", Sub: "value"}.String(), enterpriseURN + ":manager.value"},
		{"kind", Bool.String(), "boolean"},
		{"nil operand", (&And{Left: pr("a")}).String(), "a pr and <nil>"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if v := NumberValue(3).Interface(); v != 3.0 {
		t.Errorf("NumberValue(3).Interface() = %#v", v)
	}
	if v := NullValue().Interface(); v != nil {
		t.Errorf("NullValue().Interface() = %#v", v)
	}
}

func BenchmarkParseEntraProbe(b *testing.B) {
	const in = `userName eq "7d420df3-9995-4831-a406-ecf8166f5f6a"`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseEntraManagerCheck(b *testing.B) {
	const in = `id eq "6764549bef60420686bc" and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "f648f8d5ea4e4cd38e9c"`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseTolerantEmailMatch(b *testing.B) {
	const in = `emails[type eq "work"].value eq "Test_User_00aa00aa@testuser.com"`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseTolerant(in, nil); err != nil {
			b.Fatal(err)
		}
	}
}
