package fault

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

func TestParseReadsTheDocumentedRules(t *testing.T) {
	tests := []struct {
		in   string
		want Rule
		text string // canonical form
	}{
		{"POST /Users 429 retry-after=30 times=2", Rule{Method: "POST", Path: "/Users", Status: 429, RetryAfter: 30, Times: 2},
			"POST /Users 429 retry-after=30 times=2"},
		{"PATCH /Groups/* 500 percent=50", Rule{Method: "PATCH", Path: "/Groups/*", Status: 500, Percent: 50}, "PATCH /Groups/* 500 percent=50"},
		{"GET /Users delay=70s", Rule{Method: "GET", Path: "/Users", Delay: 70 * time.Second}, "GET /Users delay=70s"},
		{"POST /Users drop", Rule{Method: "POST", Path: "/Users", Drop: true}, "POST /Users drop"},
		{"POST /Users 409 after=5", Rule{Method: "POST", Path: "/Users", Status: 409, After: 5}, "POST /Users 409 after=5"},
		{"  patch /scim/v2/Users/*  idp=Entra 503  # Entra only ", Rule{Method: "PATCH", Path: "/Users/*", Status: 503, IdP: exchange.Entra},
			"PATCH /Users/* 503 idp=entra"},
		{"* * 500 percent=100", Rule{Method: "*", Path: "*", Status: 500}, "* * 500"},
		{"GET /Users 400 scim-type=invalidFilter percent=25%", Rule{Method: "GET", Path: "/Users", Status: 400, ScimType: "invalidFilter", Percent: 25},
			"GET /Users 400 scim-type=invalidFilter percent=25"},
		{"DELETE /Groups/ drop delay=1500ms", Rule{Method: "DELETE", Path: "/Groups", Drop: true, Delay: 1500 * time.Millisecond}, "DELETE /Groups drop delay=1500ms"},
		{"POST /Users/.search 500", Rule{Method: "POST", Path: "/Users/.search", Status: 500}, "POST /Users/.search 500"},
		{"GET /*/* 404", Rule{Method: "GET", Path: "/*/*", Status: 404}, "GET /*/* 404"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tt.want {
				t.Errorf("Parse = %+v, want %+v", got, tt.want)
			}
			if s := got.String(); s != tt.text {
				t.Errorf("String = %q, want %q", s, tt.text)
			}
			again, err := Parse(got.String())
			if err != nil || again != got {
				t.Errorf("the canonical form %q reads back as %+v, %v", got.String(), again, err)
			}
		})
	}
}

// Every refusal names the part that is wrong and says what to write instead.
func TestParseRefusesBadRulesNamingThePart(t *testing.T) {
	tests := []struct{ in, part, problem string }{
		{"", "", "the rule is empty"},
		{"POST", "", "a method, a path and what happens"},
		{"FETCH /Users 500", `method "FETCH"`, "GET, POST, PUT, PATCH, DELETE"},
		{"POST Users 500", `path "Users"`, "starts with /"},
		{"POST /users 500", `path "/users"`, "case-sensitive: write /Users"},
		{"POST /Accounts 500", `path "/Accounts"`, "no SCIM endpoint is called Accounts"},
		{"GET /Users?filter=x 500", `path "/Users?filter=x"`, "no query"},
		{"GET /Users/a/b 500", `path "/Users/a/b"`, "at most one more segment"},
		{"POST /Users 4299", `status "4299"`, "three digits"},
		{"POST /Users 302", `status "302"`, "from 400 to 599"},
		{"POST /Users 429 500", `status "500"`, "one status"},
		{"POST /Users", "", "say what happens"},
		{"POST /Users times=2", "", "say what happens"},
		{"POST /Users 500 drop", "", "not both"},
		{"POST /Users drop drop", `"drop"`, "twice"},
		{"POST /Users retry-after=30 delay=1s", "", "retry-after goes with a status"},
		{"POST /Users 429 retry-after=soon", `option "retry-after=soon"`, "whole seconds"},
		{"POST /Users 429 retry-after=0", `option "retry-after=0"`, "from 1 to 86400"},
		{"POST /Users 500 times=0", `option "times=0"`, "from 1"},
		{"POST /Users 500 times=2 times=3", `option "times=3"`, "given twice"},
		{"POST /Users 500 percent=150", `option "percent=150"`, "percentage from 1 to 100"},
		{"GET /Users delay=70", `option "delay=70"`, "e.g. 70s"},
		{"GET /Users delay=soon", `option "delay=soon"`, "duration such as 70s"},
		{"GET /Users delay=11m", `option "delay=11m"`, "at most 600s"},
		{"GET /Users 500 idp=onelogin", `option "idp=onelogin"`, "okta or entra"},
		{"GET /Users 500 color=red", `option "color=red"`, `unknown option "color"`},
		{"GET /Users 500 times=", `option "times="`, "needs a value"},
		{"GET /Users 500 soon", `"soon"`, "not a status"},
		{"POST /Users 500 scim-type=uniqueness", "", "uniqueness for status 409"},
		{"POST /Users 409 scim-type=conflict", `option "scim-type=conflict"`, "RFC 7644"},
		{"POST /Users drop scim-type=uniqueness", "", "scim-type goes with a status"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("Parse(%q) = %v, want a *fault.Error", tt.in, err)
			}
			if fe.Part != tt.part {
				t.Errorf("part %q, want %q (%v)", fe.Part, tt.part, err)
			}
			if !strings.Contains(fe.Problem, tt.problem) {
				t.Errorf("problem %q lacks %q", fe.Problem, tt.problem)
			}
			if !strings.Contains(err.Error(), `fault rule "`) {
				t.Errorf("message %q does not quote the rule", err)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		rule, method, path string
		want               bool
	}{
		{"POST /Users 500", "POST", "/scim/v2/Users", true},
		{"POST /Users 500", "post", "/scim/v2/Users", true},
		{"POST /Users 500", "GET", "/scim/v2/Users", false},
		{"POST /Users 500", "POST", "/scim/v2/Users/42", false},
		{"POST /Users 500", "POST", "/scim/v2/Groups", false},
		{"POST /Users 500", "POST", "/Users", false},
		{"PATCH /Groups/* 500", "PATCH", "/scim/v2/Groups/e9e30dba", true},
		{"PATCH /Groups/* 500", "PATCH", "/scim/v2/Groups", false},
		{"PATCH /Groups/e9e30dba 500", "PATCH", "/scim/v2/Groups/e9e30dba", true},
		{"PATCH /Groups/e9e30dba 500", "PATCH", "/scim/v2/Groups/other", false},
		{"* * 500", "DELETE", "/scim/v2/Groups/1", true},
		{"* * 500", "GET", "/elsewhere", true},
		{"GET /* 500", "GET", "/scim/v2/Schemas", true},
		{"GET /* 500", "GET", "/scim/v2/Schemas/urn:x", false},
	}
	for _, tt := range tests {
		r, err := Parse(tt.rule)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Matches(tt.method, tt.path); got != tt.want {
			t.Errorf("%q matches %s %s = %v, want %v", tt.rule, tt.method, tt.path, got, tt.want)
		}
	}
}

func TestErrorTypeFollowsRFC7644(t *testing.T) {
	for rule, want := range map[string]string{
		"POST /Users 409":                       "uniqueness",
		"POST /Users 400":                       "invalidValue",
		"POST /Users 400 scim-type=invalidPath": "invalidPath",
		"POST /Users 429":                       "",
		"POST /Users 500":                       "",
		"POST /Users 403":                       "",
	} {
		r, err := Parse(rule)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.ErrorType(); got != want {
			t.Errorf("%q: scimType %q, want %q", rule, got, want)
		}
	}
}

func TestDescribe(t *testing.T) {
	for rule, want := range map[string]string{
		"POST /Users 429 retry-after=30 times=2": "POST /Users: answer 429 Too Many Requests with Retry-After: 30, at most 2 times.",
		"GET /Users delay=70s idp=okta":          "GET /Users: wait 70s, then answer as usual, only when Okta sends it.",
		"* * drop after=5":                       "any method any path: close the connection without an answer, after letting 5 matching requests through.",
		"PATCH /Groups/* 500 percent=50":         "PATCH /Groups/*: answer 500 Internal Server Error, on about 50% of matching requests (picked by the fault seed).",
	} {
		r, err := Parse(rule)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Describe(); got != want {
			t.Errorf("%q:\n got %q\nwant %q", rule, got, want)
		}
	}
}

func TestParseFileNamesTheLine(t *testing.T) {
	good := "\uFEFF# Okta's 429 rehearsal\n\nPOST /Users 429 retry-after=30 times=2\r\nPATCH /Groups/* 500 percent=50  # flaky groups\n"
	rules, err := ParseFile("faults.txt", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 || rules[0].String() != "POST /Users 429 retry-after=30 times=2" || rules[1].Percent != 50 {
		t.Errorf("rules %v", rules)
	}
	_, err = ParseFile("faults.txt", []byte("POST /Users 429\n\nGET /Users delay=70\n"))
	if err == nil {
		t.Fatal("a bad line was accepted")
	}
	const want = `faults.txt line 3: fault rule "GET /Users delay=70": option "delay=70": delay takes a duration with its unit`
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q\nwant it to start %q", err, want)
	}
	rules, err = ParseFile("empty.txt", []byte("# nothing yet\n"))
	if err != nil || len(rules) != 0 {
		t.Errorf("a file of comments: %v, %v", rules, err)
	}
}
