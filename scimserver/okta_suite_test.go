package scimserver

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The Runscope export format of Okta's spec test (see testdata/okta/README.md).
type runscopeSuite struct {
	Name  string         `json:"name"`
	Steps []runscopeStep `json:"steps"`
}

type runscopeStep struct {
	StepType   string              `json:"step_type"`
	Skipped    bool                `json:"skipped"`
	Note       string              `json:"note"`
	Method     string              `json:"method"`
	URL        string              `json:"url"`
	Headers    map[string][]string `json:"headers"`
	Body       string              `json:"body"`
	Assertions []runscopeAssertion `json:"assertions"`
	Variables  []runscopeVariable  `json:"variables"`
}

type runscopeAssertion struct {
	Comparison string  `json:"comparison"`
	Source     string  `json:"source"`
	Value      *string `json:"value"`
	Property   string  `json:"property"`
}

type runscopeVariable struct {
	Source   string `json:"source"`
	Name     string `json:"name"`
	Property string `json:"property"`
}

func loadOktaSuite(t *testing.T) runscopeSuite {
	t.Helper()
	const local = "testdata/okta/Okta-SCIM-20-SPEC-Test.json"
	data, err := os.ReadFile(local)
	if err != nil {
		t.Fatalf("reading the suite: %v", err)
	}
	// In CI the shared reference tree sits beside the repository; note drift from it.
	if shared, err := os.ReadFile(filepath.Join("..", "..", "shared", "peers", "okta", "Okta-SCIM-20-SPEC-Test.json")); err == nil && !bytes.Equal(shared, data) {
		t.Logf("note: %s differs from the shared copy; running the committed one", local)
	}
	var s runscopeSuite
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("parsing the suite: %v", err)
	}
	return s
}

func randomWord(t *testing.T, prefix string) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b)
}

var placeholder = regexp.MustCompile(`\{\{([A-Za-z0-9_]+)\}\}`)

func TestOktaSpecSuite(t *testing.T) {
	suite := loadOktaSuite(t)
	e := newEnv(t, Config{})

	// Okta's instructions: create at least one user with name, email and active first.
	e.createUser("seed.user@example.com", map[string]any{
		"name": map[string]any{"givenName": "Seed", "familyName": "User"},
	})

	given, family := randomWord(t, "Given"), randomWord(t, "Family")
	username := strings.ToLower(given + family + "@atko.com")
	vars := map[string]string{
		"SCIMBaseURL":            e.base,
		"auth":                   "Bearer " + testToken,
		"randomGivenName":        given,
		"randomFamilyName":       family,
		"randomUsername":         username,
		"randomEmail":            username,
		"randomUsernameCaps":     strings.ToUpper(username),
		"InvalidUserEmail":       randomWord(t, "nobody") + "@example.invalid",
		"UserIdThatDoesNotExist": randomWord(t, "010101"),
	}
	fill := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			if v, ok := vars[m[2:len(m)-2]]; ok {
				return v
			}
			t.Errorf("suite uses undefined variable %s", m)
			return m
		})
	}

	requests, passed, failed := 0, 0, 0
	for _, step := range suite.Steps {
		if step.StepType != "request" || step.Skipped {
			continue
		}
		requests++
		res, body, elapsed := runscopeSend(t, e, step.Method, encodeQuery(fill(step.URL)), step.Headers, fill(step.Body), fill)
		for _, a := range step.Assertions {
			ok, got := runscopeCheck(a, res, body, elapsed, fill)
			desc := fmt.Sprintf("%s: %s %s %s %v", step.Note, a.Source, a.Property, a.Comparison, deref(a.Value, fill))
			switch {
			case a.Source == "response_time":
				t.Logf("%s (took %s; reported, not enforced)", desc, elapsed.Round(time.Millisecond))
			case ok:
				passed++
			default:
				failed++
				t.Errorf("FAIL %s — got %s\nresponse %d: %s", desc, got, res, body)
			}
		}
		for _, v := range step.Variables {
			val, found := jsonPath(body, v.Property)
			if !found {
				t.Errorf("%s: variable %s: %s not in response %s", step.Note, v.Name, v.Property, body)
				continue
			}
			vars[v.Name] = scalarText(val)
		}
	}
	if requests != 12 {
		t.Errorf("ran %d requests, the suite has 12", requests)
	}
	t.Logf("Okta SCIM 2.0 spec test: %d requests, %d assertions passed, %d failed", requests, passed, failed)
}

func deref(p *string, fill func(string) string) string {
	if p == nil {
		return ""
	}
	return fill(*p)
}

// encodeQuery percent-encodes the query of a suite URL, which the export writes
// unencoded (userName eq "x"), the way Okta's runner sends it.
func encodeQuery(raw string) string {
	base, query, ok := strings.Cut(raw, "?")
	if !ok {
		return raw
	}
	var parts []string
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		parts = append(parts, url.QueryEscape(k)+"="+strings.ReplaceAll(url.QueryEscape(v), "+", "%20"))
	}
	return base + "?" + strings.Join(parts, "&")
}

func runscopeSend(t *testing.T, e *testEnv, method, target string, headers map[string][]string, body string, fill func(string) string) (int, any, time.Duration) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	for k, vs := range headers {
		for _, v := range vs {
			req.Header.Add(k, fill(v))
		}
	}
	start := time.Now()
	res, err := e.http.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	elapsed := time.Since(start)
	var doc any
	if len(bytes.TrimSpace(raw)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			t.Errorf("%s %s: response is not JSON: %s", method, target, raw)
		}
	}
	return res.StatusCode, doc, elapsed
}

var pathPart = regexp.MustCompile(`^([^\[\]]+)((?:\[\d+\])*)$`)

// jsonPath follows a Runscope property such as "Resources[0].emails[0].value".
func jsonPath(doc any, path string) (any, bool) {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		m := pathPart.FindStringSubmatch(part)
		if m == nil {
			return nil, false
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[m[1]]; !ok {
			return nil, false
		}
		for _, idx := range regexp.MustCompile(`\d+`).FindAllString(m[2], -1) {
			i, _ := strconv.Atoi(idx)
			arr, ok := cur.([]any)
			if !ok || i >= len(arr) {
				return nil, false
			}
			cur = arr[i]
		}
	}
	return cur, true
}

func scalarText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// runscopeCheck evaluates one assertion; got describes what was found.
func runscopeCheck(a runscopeAssertion, status int, body any, elapsed time.Duration, fill func(string) string) (ok bool, got string) {
	want := deref(a.Value, fill)
	switch a.Source {
	case "response_status":
		n, err := strconv.Atoi(want)
		return err == nil && a.Comparison == "equal_number" && status == n, strconv.Itoa(status)
	case "response_time":
		limit, err := strconv.Atoi(want)
		return err == nil && elapsed < time.Duration(limit)*time.Millisecond, elapsed.String()
	case "response_json":
	default:
		return false, "unknown source " + a.Source
	}
	v, found := jsonPath(body, a.Property)
	got = "(absent)"
	if found {
		got = scalarText(v)
	}
	switch a.Comparison {
	case "not_empty":
		switch t := v.(type) {
		case nil:
			return false, got
		case string:
			return t != "", got
		case []any:
			return len(t) > 0, got
		case map[string]any:
			return len(t) > 0, got
		}
		return found, got
	case "equal":
		return found && scalarText(v) == want, got
	case "equal_number":
		n, ok := v.(json.Number)
		if !ok {
			return false, got
		}
		f, err1 := n.Float64()
		w, err2 := strconv.ParseFloat(want, 64)
		return err1 == nil && err2 == nil && f == w, got
	case "has_value", "contains":
		if arr, ok := v.([]any); ok {
			for _, e := range arr {
				if scalarText(e) == want {
					return true, got
				}
			}
			return false, got
		}
		return found && a.Comparison == "contains" && strings.Contains(scalarText(v), want), got
	case "is_a_number":
		_, ok := v.(json.Number)
		return ok, got
	}
	return false, "unknown comparison " + a.Comparison
}

// The runner must be able to fail, or a green suite means nothing.
func TestRunscopeCheck(t *testing.T) {
	body := map[string]any{
		"schemas":      []any{"urn:a", "urn:b"},
		"totalResults": json.Number("0"),
		"active":       true,
		"name":         map[string]any{"givenName": "Ann"},
		"Resources":    []any{},
		"emails":       []any{map[string]any{"value": "x@y"}},
	}
	s := func(v string) *string { return &v }
	id := func(x string) string { return x }
	tests := []struct {
		name string
		a    runscopeAssertion
		want bool
	}{
		{"status equal", runscopeAssertion{"equal_number", "response_status", s("200"), ""}, true},
		{"status differs", runscopeAssertion{"equal_number", "response_status", s("201"), ""}, false},
		{"not_empty string", runscopeAssertion{"not_empty", "response_json", nil, "name.givenName"}, true},
		{"not_empty missing", runscopeAssertion{"not_empty", "response_json", nil, "name.familyName"}, false},
		{"not_empty empty array", runscopeAssertion{"not_empty", "response_json", nil, "Resources"}, false},
		{"not_empty boolean", runscopeAssertion{"not_empty", "response_json", nil, "active"}, true},
		{"indexed path", runscopeAssertion{"equal", "response_json", s("x@y"), "emails[0].value"}, true},
		{"index out of range", runscopeAssertion{"not_empty", "response_json", nil, "emails[3].value"}, false},
		{"equal as text", runscopeAssertion{"equal", "response_json", s("true"), "active"}, true},
		{"equal mismatch", runscopeAssertion{"equal", "response_json", s("Bob"), "name.givenName"}, false},
		{"equal_number json", runscopeAssertion{"equal_number", "response_json", s("0"), "totalResults"}, true},
		{"has_value", runscopeAssertion{"has_value", "response_json", s("urn:b"), "schemas"}, true},
		{"has_value missing", runscopeAssertion{"has_value", "response_json", s("urn:c"), "schemas"}, false},
		{"is_a_number", runscopeAssertion{"is_a_number", "response_json", nil, "totalResults"}, true},
		{"is_a_number on a string", runscopeAssertion{"is_a_number", "response_json", nil, "name.givenName"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if ok, got := runscopeCheck(tc.a, 200, body, time.Millisecond, id); ok != tc.want {
				t.Errorf("got %v (found %s), want %v", ok, got, tc.want)
			}
		})
	}
}
