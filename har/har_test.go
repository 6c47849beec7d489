package har

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/har/hartest"
	"github.com/scimlab/scimlab/scim/quirk"
)

func sampleRecords() []*exchange.Record {
	at := time.Date(2024, 5, 2, 9, 30, 15, 123456789, time.UTC)
	return []*exchange.Record{
		{
			Seq: 7, Time: at, Duration: 1500 * time.Microsecond, Method: "PATCH", Path: "/scim/v2/Users/abc",
			Query:      "aadOptscim062020",
			ReqHeaders: http.Header{"Content-Type": {"application/scim+json"}, "Authorization": {"Bearer [redacted]"}, "Content-Length": {"200000"}},
			ReqBody:    []byte(`{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`),
			Status:     400, RespHeaders: http.Header{"Content-Type": {"application/scim+json"}},
			RespBody: []byte(`{"status":"400","scimType":"invalidSyntax"}`),
			Auth:     exchange.AuthOK, Strict: true, Quirks: []quirk.Quirk{quirk.CapitalisedOp}, RefusedBy: quirk.CapitalisedOp,
			ScimType: "invalidSyntax", ErrorDetail: "op must be lower-case",
			Annotation: exchange.Annotation{IdP: exchange.Entra, Step: exchange.StepDeactivateUser, Subject: "alice@example.com",
				Summary: "Entra deactivated alice@example.com", Failed: true,
				Hints: []exchange.Hint{{Severity: exchange.SeverityError, Text: "Strict mode refused", Cause: "strict-rejected"}}},
		},
		{
			Seq: 8, Time: at.Add(time.Second), Method: "GET", Path: "/scim/v2/Users",
			Query:  "filter=userName%20eq%20%22a%26b%22&count=1&flag",
			Status: 200, RespBody: []byte{0xff, 0xfe, 'x'},
		},
		{
			Seq: 9, Time: at.Add(2 * time.Second), Method: "GET", Path: "/scim/v2", Status: 301,
			RespHeaders: http.Header{"Location": {"/scim/v2/ServiceProviderConfig"}},
		},
	}
}

func writeAll(t *testing.T, rs []*exchange.Record, o Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := w.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Entries() != len(rs) {
		t.Errorf("Entries() = %d, want %d", w.Entries(), len(rs))
	}
	return buf.Bytes()
}

func TestArchiveConforms(t *testing.T) {
	for _, tc := range []struct {
		name string
		rs   []*exchange.Record
	}{{"empty log", nil}, {"one", sampleRecords()[:1]}, {"several", sampleRecords()}} {
		t.Run(tc.name, func(t *testing.T) {
			data := writeAll(t, tc.rs, Options{Creator: Creator{Name: "scimlab", Version: "test"}, Comment: "lab demo"})
			if err := hartest.Check(data); err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
		})
	}
}

// archive is what the tests read back.
type archive struct {
	Log struct {
		Creator Creator `json:"creator"`
		Comment string  `json:"comment"`
		Entries []struct {
			StartedDateTime string  `json:"startedDateTime"`
			Time            float64 `json:"time"`
			Request         struct {
				URL         string      `json:"url"`
				Headers     []nameValue `json:"headers"`
				QueryString []nameValue `json:"queryString"`
				PostData    *postData   `json:"postData"`
				BodySize    int64       `json:"bodySize"`
			} `json:"request"`
			Response struct {
				Status      int     `json:"status"`
				StatusText  string  `json:"statusText"`
				Content     content `json:"content"`
				RedirectURL string  `json:"redirectURL"`
			} `json:"response"`
			Scimlab map[string]any `json:"_scimlab"`
		} `json:"entries"`
	} `json:"log"`
}

func TestEntriesCarryTheRecord(t *testing.T) {
	data := writeAll(t, sampleRecords(), Options{Creator: Creator{Name: "scimlab", Version: "v1"}, Origin: "https://demo.ngrok.app/", Comment: "lab demo"})
	var a archive
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	if a.Log.Creator != (Creator{"scimlab", "v1"}) || a.Log.Comment != "lab demo" || len(a.Log.Entries) != 3 {
		t.Fatalf("log head %+v %q, %d entries", a.Log.Creator, a.Log.Comment, len(a.Log.Entries))
	}
	e := a.Log.Entries[0]
	if e.StartedDateTime != "2024-05-02T09:30:15.123Z" || e.Time != 1.5 {
		t.Errorf("started %s, time %v", e.StartedDateTime, e.Time)
	}
	if e.Request.URL != "https://demo.ngrok.app/scim/v2/Users/abc?aadOptscim062020" {
		t.Errorf("url %s", e.Request.URL)
	}
	if e.Request.PostData == nil || e.Request.PostData.Text != string(sampleRecords()[0].ReqBody) ||
		e.Request.PostData.MimeType != "application/scim+json" || e.Request.BodySize != 200000 ||
		e.Request.PostData.Comment != "the request log kept the first 65 of 200000 bytes" {
		t.Errorf("postData %+v, bodySize %d", e.Request.PostData, e.Request.BodySize)
	}
	wantHeaders := []nameValue{{"Authorization", "Bearer [redacted]"}, {"Content-Length", "200000"}, {"Content-Type", "application/scim+json"}}
	if len(e.Request.Headers) != 3 || e.Request.Headers[0] != wantHeaders[0] || e.Request.Headers[2] != wantHeaders[2] {
		t.Errorf("headers %v, want %v", e.Request.Headers, wantHeaders)
	}
	if e.Response.Status != 400 || e.Response.StatusText != "Bad Request" {
		t.Errorf("response %d %q", e.Response.Status, e.Response.StatusText)
	}
	s := e.Scimlab
	if s["seq"] != 7.0 || s["idp"] != "entra" || s["step"] != "deactivate-user" || s["refusedBy"] != string(quirk.CapitalisedOp) ||
		s["auth"] != "ok" || s["failed"] != true || s["strict"] != true {
		t.Errorf("_scimlab %v", s)
	}
	if hints, _ := s["hints"].([]any); len(hints) != 1 || hints[0].(map[string]any)["cause"] != "strict-rejected" {
		t.Errorf("_scimlab hints %v", s["hints"])
	}
	if qs, _ := s["quirks"].([]any); len(qs) != 1 || qs[0].(map[string]any)["id"] != string(quirk.CapitalisedOp) {
		t.Errorf("_scimlab quirks %v", s["quirks"])
	}
	if _, hasBodies := s["request"]; hasBodies {
		t.Error("_scimlab repeats the bodies the entry holds")
	}

	second := a.Log.Entries[1]
	wantQuery := []nameValue{{"filter", `userName eq "a&b"`}, {"count", "1"}, {"flag", ""}}
	if len(second.Request.QueryString) != 3 || second.Request.QueryString[0] != wantQuery[0] || second.Request.QueryString[2] != wantQuery[2] {
		t.Errorf("queryString %v, want %v", second.Request.QueryString, wantQuery)
	}
	c := second.Response.Content
	if c.Encoding != "base64" || c.Text != base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe, 'x'}) || c.MimeType != "x-unknown" || c.Size != 3 {
		t.Errorf("binary content %+v", c)
	}
	if second.Request.PostData != nil {
		t.Errorf("a GET without a body has postData %+v", second.Request.PostData)
	}
	if a.Log.Entries[2].Response.RedirectURL != "/scim/v2/ServiceProviderConfig" || a.Log.Entries[0].Response.RedirectURL != "" {
		t.Errorf("redirectURL %q / %q", a.Log.Entries[2].Response.RedirectURL, a.Log.Entries[0].Response.RedirectURL)
	}
}

func TestDefaultOrigin(t *testing.T) {
	b, err := Entry(&exchange.Record{Method: "GET", Path: "/scim/v2/Users", Status: 200}, DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"url":"http://scimlab.invalid/scim/v2/Users"`)) {
		t.Errorf("entry %s", b)
	}
}
