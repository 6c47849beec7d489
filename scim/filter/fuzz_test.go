package filter

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzDoc is evaluated against every filter the fuzzer finds, so Match sees arbitrary
// trees over values of every JSON type.
var fuzzDoc = map[string]any{
	"userName": "bjensen@example.com",
	"active":   true,
	"level":    3.0,
	"title":    nil,
	"ims":      []any{},
	"name":     map[string]any{"givenName": "Barbara", "familyName": "Jensen"},
	"emails": []any{
		map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true},
		"stray",
		nil,
	},
	"meta": map[string]any{"created": "2010-01-23T04:56:22Z"},
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
		"manager": map[string]any{"value": "26118915"},
	},
}

func addFilterSeeds(f *testing.F) {
	for _, tt := range validFilters {
		f.Add(tt.in)
	}
	for _, tt := range invalidFilters {
		if len(tt.in) < 512 {
			f.Add(tt.in)
		}
	}
	for _, s := range []string{
		`userName eq alice@example.com`,
		`emails[type eq "work"].value eq "x"`,
		`emails[type eq work].value pr and (a pr or not (b eq -1.5e3))`,
		`not (a pr) and not[b pr] or not eq null`,
		`a eq "\ud83d\ude00\u0000\"" or b ne 0`,
	} {
		f.Add(s)
	}
}

// FuzzParse checks that no input panics the parser or the evaluator, that errors carry a
// position inside the input, and that the canonical text of every parsed filter parses
// to the same tree and prints the same way.
func FuzzParse(f *testing.F) {
	addFilterSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		checkResult(t, s, e, err, true)
		te, terr := ParseTolerant(s, nil)
		checkResult(t, s, te, terr, false)
		if err == nil && (terr != nil || !reflect.DeepEqual(e, te)) {
			t.Fatalf("ParseTolerant(%q) differs from Parse on a strict filter: %v, %v", s, te, terr)
		}
	})
}

func checkResult(t *testing.T, s string, e Expr, err error, strict bool) {
	t.Helper()
	if err != nil {
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("error %T %v, want *SyntaxError", err, err)
		}
		if se.Pos < 0 || se.Pos > len(s) || se.Input != s {
			t.Fatalf("error position %d outside input of %d bytes", se.Pos, len(s))
		}
		_ = se.Error()
		if c := se.Caret(); !utf8.ValidString(c) && utf8.ValidString(s) {
			t.Fatalf("Caret() is not valid UTF-8: %q", c)
		}
		return
	}
	out := e.String()
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("canonical form %q of %q does not parse (strict=%v): %v", out, s, strict, err)
	}
	if !reflect.DeepEqual(again, e) {
		t.Fatalf("canonical form %q of %q parses to a different tree:\n%#v\n%#v", out, s, again, e)
	}
	if again.String() != out {
		t.Fatalf("canonical form is not stable: %q then %q", out, again.String())
	}
	Match(e, fuzzDoc, func(p AttrPath) bool { return len(p.Name)%2 == 0 })
}

// FuzzParsePath checks ParsePath the same way: no panics, positions inside the input,
// and a canonical form that parses back to the same Path.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		`members`, `name.familyName`, `members[value eq "2819c223"]`, `emails[type eq "work"].value`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`,
		`urn:ietf:params:scim:schemas:core:2.0:User:name.givenName`,
		`addresses[type eq "work" and (primary eq true or not (formatted pr))].formatted`,
		`members[value eq 2819c223]`, `members.$ref`, `members[`, `a..b`, `emails[type eq "work"].`,
		` members [value eq "x"] `, `urn:x:y:`, `emails[type[x eq 1]]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v, want *SyntaxError", err, err)
			}
			if se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("error position %d outside input of %d bytes", se.Pos, len(s))
			}
			_ = se.Caret()
			return
		}
		out := p.String()
		again, err := ParsePath(out)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", out, s, err)
		}
		if !reflect.DeepEqual(again, p) {
			t.Fatalf("canonical form %q of %q parses to a different path", out, s)
		}
		if p.Filter == nil && p.Sub != "" {
			t.Fatalf("ParsePath(%q) has a Sub without a filter", s)
		}
		if p.Filter != nil && p.Attr.Sub != "" {
			t.Fatalf("ParsePath(%q) has a filter on a sub-attribute", s)
		}
		if strings.TrimSpace(s) != s && strings.TrimSpace(out) != out {
			t.Fatalf("canonical form %q keeps surrounding space", out)
		}
	})
}
