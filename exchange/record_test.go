package exchange

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/scim/quirk"
)

// The JSON form is what scripts read from `scimlab log --json`: every field present,
// durations in milliseconds, quirks explained, and bodies only when the record has them.
func TestRecordJSON(t *testing.T) {
	r := Record{
		Seq: 7, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Duration: 1500 * time.Microsecond,
		Method: "PATCH", Path: "/scim/v2/Users/u1", Query: "a=<b>&c", Status: 400,
		Auth: AuthOK, Strict: true, Quirks: []quirk.Quirk{quirk.CapitalisedOp}, RefusedBy: quirk.CapitalisedOp,
		ScimType: "invalidSyntax", ErrorDetail: `op "Replace" must be spelled "replace"`,
		Annotation: Annotation{IdP: Entra, Step: StepUpdateUser, Subject: "bob", Failed: true,
			Hints: []Hint{{Severity: SeverityWarn, Text: "t", Cause: "strict-rejected"}}},
	}
	b, err := encode(r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `\u003c`) {
		t.Errorf("HTML-escaped: %s", b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"seq", "time", "method", "path", "query", "status", "durationMs", "idp", "flavour", "step",
		"subject", "summary", "failed", "auth", "strict", "refusedBy", "scimType", "quirks", "error", "hints",
		"viaTunnel", "remoteAddr", "userAgent", "resourceType", "resourceId", "related"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	for _, k := range []string{"request", "response", "ReqBody", "Annotation", "Duration"} {
		if _, ok := m[k]; ok {
			t.Errorf("%q in a record without bodies: %s", k, b)
		}
	}
	if m["durationMs"] != 1.5 || m["idp"] != "entra" || m["refusedBy"] != "capitalised-op" || m["query"] != "a=<b>&c" {
		t.Errorf("values: %s", b)
	}
	q := m["quirks"].([]any)[0].(map[string]any)
	if q["id"] != "capitalised-op" || q["badge"] != "Op case" || q["what"] == "" {
		t.Errorf("quirk: %v", q)
	}
	h := m["hints"].([]any)[0].(map[string]any)
	if h["severity"] != "warn" || h["cause"] != "strict-rejected" || h["text"] != "t" {
		t.Errorf("hint: %v", h)
	}

	r.ReqHeaders = http.Header{"Authorization": {"Bearer [redacted]"}}
	r.ReqBody = []byte(`{"x":1}`)
	b, _ = json.Marshal(r)
	m = nil
	json.Unmarshal(b, &m)
	req, ok := m["request"].(map[string]any)
	if !ok || req["body"] != `{"x":1}` || m["response"] == nil {
		t.Errorf("bodies: %s", b)
	}

	var empty Record
	b, _ = json.Marshal(empty)
	if !strings.Contains(string(b), `"quirks":[]`) || !strings.Contains(string(b), `"hints":[]`) || !strings.Contains(string(b), `"related":[]`) {
		t.Errorf("empty lists must be [] not null: %s", b)
	}
}

// encode writes r the way `scimlab log --json` does: filters and bodies are full of
// < > &, which must stay readable.
func encode(r Record) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(r)
	return buf.Bytes(), err
}

func TestParseIdP(t *testing.T) {
	for in, want := range map[string]IdP{"okta": Okta, " Entra ": Entra, "": Unknown, "unknown": Unknown} {
		if got, ok := ParseIdP(in); !ok || got != want {
			t.Errorf("ParseIdP(%q) = %q, %v", in, got, ok)
		}
	}
	if _, ok := ParseIdP("azure"); ok {
		t.Error("ParseIdP accepted azure")
	}
}

func TestAuthRefused(t *testing.T) {
	for _, a := range []Auth{AuthOK, AuthPublic, ""} {
		if a.Refused() || a.Short() != "" {
			t.Errorf("%q refused", a)
		}
	}
	for _, a := range []Auth{AuthMissing, AuthSeveral, AuthBasic, AuthScheme, AuthBare, AuthEmpty, AuthDoubleBearer, AuthQuoted, AuthJWT, AuthPrevious, AuthWrongToken, AuthWrongBare} {
		if !a.Refused() || a.Short() == "" {
			t.Errorf("%q not refused, or not explained", a)
		}
	}
}
