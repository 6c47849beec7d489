package scimserver

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scim/quirk"

	"github.com/scimlab/scimlab/store"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t, Config{})
	tests := []struct {
		name       string
		path       string
		auth       string // "" sends no Authorization header
		wantStatus int
		wantAuth   exchange.Auth
		wantDetail string
	}{
		{"valid token", "/Users", "Bearer " + testToken, 200, exchange.AuthOK, ""},
		{"scheme is case-insensitive", "/Users", "bearer " + testToken, 200, exchange.AuthOK, ""},
		{"no header", "/Users", "", 401, exchange.AuthMissing, "no Authorization header"},
		{"basic auth", "/Users", "Basic dXNlcjpwYXNz", 401, exchange.AuthBasic, "Basic scheme"},
		{"another scheme", "/Users", "Digest username=x", 401, exchange.AuthScheme, "Digest scheme"},
		{"single word (Okta spec test)", "/Users", "non-token", 401, exchange.AuthWrongBare, "does not match"},
		{"right token without Bearer (Okta Header Auth), tolerant", "/Users", testToken, 200, exchange.AuthOK, ""},
		{"previous-looking JWT without Bearer", "/Users", entraStyleJWT, 401, exchange.AuthJWT, "JSON Web Token"},
		{"Bearer twice", "/Users", "Bearer Bearer " + testToken, 401, exchange.AuthDoubleBearer, `"Bearer" twice`},
		{"Bearer twice, wrong token", "/Users", "Bearer Bearer nope", 401, exchange.AuthDoubleBearer, `"Bearer" twice`},
		{"wrong token", "/Users", "Bearer nope", 401, exchange.AuthWrongToken, "does not match the one scimlab shows"},
		{"empty bearer", "/Users", "Bearer ", 401, exchange.AuthEmpty, "carries no token"},
		{"quoted token", "/Users", `Bearer "` + testToken + `"`, 401, exchange.AuthQuoted, "inside quotes"},
		{"a JWT (Entra with Secret Token left blank)", "/Users", "Bearer " + entraStyleJWT, 401, exchange.AuthJWT, "JSON Web Token"},
		{"something JWT-like but not one", "/Users", "Bearer eyJ.notbase64!.x", 401, exchange.AuthWrongToken, "does not match"},
		{"groups need a token", "/Groups", "", 401, exchange.AuthMissing, ""},
		{"search needs a token", "/.search", "", 401, exchange.AuthMissing, ""},
		{"discovery without token", "/ServiceProviderConfig", "", 200, exchange.AuthPublic, ""},
		{"schemas without token", "/Schemas", "", 200, exchange.AuthPublic, ""},
		{"resource types without token", "/ResourceTypes/User", "", 200, exchange.AuthPublic, ""},
		{"discovery with token", "/Schemas", "Bearer " + testToken, 200, exchange.AuthOK, ""},
		{"discovery with a wrong token is refused", "/Schemas", "Bearer nope", 401, exchange.AuthWrongToken, ""},
	}
	events, cancel := e.srv.Subscribe(64)
	defer cancel()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", tc.path, nil, hdr{"Authorization": tc.auth})
			if tc.wantStatus == 401 {
				checkError(t, r, 401, "")
				if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="scimlab"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
				if !strings.Contains(r.str("detail"), tc.wantDetail) {
					t.Errorf("detail %q does not mention %q", r.str("detail"), tc.wantDetail)
				}
				if strings.Contains(r.str("detail"), testToken) {
					t.Errorf("detail leaks the token: %q", r.str("detail"))
				}
			} else {
				e.must(r, tc.wantStatus)
			}
			// The verdict is what the recorder kept, read before the header was redacted.
			if ev := <-events; ev.Auth != tc.wantAuth {
				t.Errorf("recorded auth %q, want %q", ev.Auth, tc.wantAuth)
			}
		})
	}
}

// entraStyleJWT has the shape of the token Entra sends when Secret Token is blank
// (header {"alg":"RS256","typ":"JWT"}, payload with Entra's issuer); its signature is made up.
const entraStyleJWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiI4YWRmOGU2ZS02N2IyLTRjZjItYTI1OS1lM2RjNTQ3NmM2MjEiLCJpc3MiOiJodHRwczovL3N0cy53aW5kb3dzLm5ldC90ZW5hbnQvIn0.c2lnbmF0dXJl"

func TestAuthResultAndRedactionAreRecorded(t *testing.T) {
	e := newEnv(t, Config{})
	events, cancel := e.srv.Subscribe(16)
	defer cancel()
	e.do("GET", "/Users", nil, hdr{"Authorization": "Bearer wrong-token-value"})
	ev := <-events
	if ev.Auth != exchange.AuthWrongToken || ev.Status != 401 {
		t.Fatalf("event auth=%q status=%d, want bad-token 401", ev.Auth, ev.Status)
	}
	req, err := e.db.GetRequest(context.Background(), ev.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if got := req.ReqHeaders.Get("Authorization"); got != "Bearer [redacted]" {
		t.Errorf("recorded Authorization = %q, want Bearer [redacted]", got)
	}
	if req.Auth != exchange.AuthWrongToken || !strings.Contains(req.ErrorDetail, "does not match") {
		t.Errorf("recorded auth=%q detail=%q", req.Auth, req.ErrorDetail)
	}
	for _, leak := range []string{"wrong-token-value", testToken} {
		if strings.Contains(string(req.RespBody), leak) || strings.Contains(e.logBuf.String(), leak) {
			t.Errorf("token %q leaked into the log or response", leak)
		}
	}
}

func TestSetTokenRotatesAtOnce(t *testing.T) {
	e := newEnv(t, Config{})
	// Subscribed first and drained, so the event read below cannot be the first
	// request's, published late by the recorder.
	events, cancel := e.srv.Subscribe(8)
	defer cancel()
	e.must(e.do("GET", "/Users", nil, nil), 200)
	if ev := <-events; ev.Auth != exchange.AuthOK {
		t.Fatalf("first request recorded auth %q, want %q", ev.Auth, exchange.AuthOK)
	}
	e.srv.SetToken("second-token")
	r := e.do("GET", "/Users", nil, nil)
	checkError(t, r, 401, "")
	if !strings.Contains(r.str("detail"), "previous token") {
		t.Errorf("detail %q should say the token was replaced", r.str("detail"))
	}
	// The first request's event may still be on its way: the recorder is asynchronous.
	ev := <-events
	for ev.Status != 401 {
		ev = <-events
	}
	if ev.Auth != exchange.AuthPrevious {
		t.Errorf("recorded auth %q, want %q", ev.Auth, exchange.AuthPrevious)
	}
	e.must(e.do("GET", "/Users", nil, hdr{"Authorization": "Bearer second-token"}), 200)
}

func TestEmptyTokenRefusesEverything(t *testing.T) {
	db := openStore(t)
	s := New(Config{}, db, nil)
	defer s.Close()
	if res, _ := s.checkAuth([]string{"Bearer "}); res == exchange.AuthOK {
		t.Fatal("an empty configured token must not accept an empty bearer token")
	}
	if res, _ := s.checkAuth([]string{"Bearer x"}); res == exchange.AuthOK {
		t.Fatal("an empty configured token must not accept any token")
	}
}

func TestRouting(t *testing.T) {
	e := newEnv(t, Config{})
	id := e.createUser("route@example.com", nil)
	tests := []struct {
		name       string
		method     string
		path       string // relative to the server root
		wantStatus int
		wantAllow  string
		wantDetail string
	}{
		{"base URL", "GET", "/scim/v2", 200, "", ""},
		{"base URL with slash", "GET", "/scim/v2/", 200, "", ""},
		{"trailing slash on collection", "GET", "/scim/v2/Users/", 200, "", ""},
		{"trailing slash on resource", "GET", "/scim/v2/Users/" + id + "/", 200, "", ""},
		{"double slash", "GET", "/scim/v2//Users", 200, "", ""},
		{"POST on a resource", "POST", "/scim/v2/Users/" + id, 405, "DELETE, GET, HEAD, PATCH, PUT", "POST is not allowed"},
		{"DELETE on a collection", "DELETE", "/scim/v2/Users", 405, "GET, HEAD, POST", ""},
		{"PUT on ServiceProviderConfig", "PUT", "/scim/v2/ServiceProviderConfig", 405, "GET, HEAD", ""},
		{"GET on .search", "GET", "/scim/v2/Users/.search", 405, "POST", "POST"},
		{"GET on root .search", "GET", "/scim/v2/.search", 405, "POST", ""},
		{"no /scim/v2 prefix", "GET", "/Users", 404, "", "the right path is /scim/v2/Users"},
		{"/scim without v2", "GET", "/scim/Users/abc", 404, "", "the right path is /scim/v2/Users/abc"},
		{"prefix given twice", "GET", "/scim/v2/scim/v2/Users", 404, "", "repeats /scim/v2"},
		{"wrong case", "GET", "/scim/v2/users", 404, "", "case-sensitive; use /scim/v2/Users"},
		{"unknown endpoint", "GET", "/scim/v2/Bulk", 404, "", "/scim/v2/Users, /Groups"},
		{"root", "GET", "/", 404, "", "under /scim/v2"},
		{"unknown user", "GET", "/scim/v2/Users/nope", 404, "", `"nope"`},
		{"unknown group", "GET", "/scim/v2/Groups/nope", 404, "", `Group with id "nope"`},
		{"unknown schema", "GET", "/scim/v2/Schemas/urn:x", 404, "", "no schema"},
		{"unknown resource type", "GET", "/scim/v2/ResourceTypes/Device", 404, "", "no resource type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, e.http.URL+tc.path, nil, nil)
			if tc.wantStatus >= 400 {
				checkError(t, r, tc.wantStatus, "")
			} else {
				e.must(r, tc.wantStatus)
			}
			if got := r.header.Get("Allow"); got != tc.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tc.wantAllow)
			}
			if !strings.Contains(r.str("detail"), tc.wantDetail) {
				t.Errorf("detail %q does not contain %q", r.str("detail"), tc.wantDetail)
			}
		})
	}
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t, Config{})
	spc := e.must(e.do("GET", "/ServiceProviderConfig", nil, nil), 200)
	checks := map[string]string{
		"patch.supported":          "true",
		"bulk.supported":           "false",
		"filter.supported":         "true",
		"filter.maxResults":        "1000",
		"changePassword.supported": "false",
		"sort.supported":           "true",
		"etag.supported":           "true",
		"meta.location":            e.base + "/ServiceProviderConfig",
	}
	for path, want := range checks {
		if got := spc.str(path); got != want {
			t.Errorf("ServiceProviderConfig %s = %q, want %q", path, got, want)
		}
	}
	if !strings.Contains(string(spc.raw), `"oauthbearertoken"`) {
		t.Errorf("authenticationSchemes lacks oauthbearertoken: %s", spc.raw)
	}

	rts := e.must(e.do("GET", "/ResourceTypes", nil, nil), 200)
	if rts.str("totalResults") != "2" {
		t.Errorf("ResourceTypes totalResults = %s", rts.str("totalResults"))
	}
	user := e.must(e.do("GET", "/ResourceTypes/User", nil, nil), 200)
	if user.str("endpoint") != "/Users" || user.str("meta.location") != e.base+"/ResourceTypes/User" {
		t.Errorf("ResourceTypes/User = %s", user.raw)
	}

	schemas := e.must(e.do("GET", "/Schemas", nil, nil), 200)
	list, _ := schemas.body["Resources"].([]any)
	if len(list) != 3 {
		t.Fatalf("Schemas lists %d schemas, want 3", len(list))
	}
	for _, s := range list {
		m := s.(map[string]any)
		loc := lookup(m, "meta.location")
		if loc != e.base+"/Schemas/"+m["id"].(string) {
			t.Errorf("schema %v location %v", m["id"], loc)
		}
	}
	ent := e.must(e.do("GET", "/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", nil, nil), 200)
	if ent.str("name") != "EnterpriseUser" {
		t.Errorf("enterprise schema name %q", ent.str("name"))
	}
}

func TestPanicBecomesRecorded500(t *testing.T) {
	e := newEnvWithStore(t, Config{}, func(db *store.DB) Store { return panickingStore{db} })
	events, cancel := e.srv.Subscribe(4)
	defer cancel()
	r := e.do("GET", "/Users/any", nil, nil)
	checkError(t, r, 500, "")
	if strings.Contains(string(r.raw), "boom") {
		t.Errorf("500 body leaks internals: %s", r.raw)
	}
	ev := <-events
	if ev.Status != 500 {
		t.Errorf("recorded status %d, want 500", ev.Status)
	}
	if !strings.Contains(e.logBuf.String(), "boom") {
		t.Errorf("the panic is not in the server log")
	}
	e.must(e.do("GET", "/Users", nil, nil), 200)
}

type panickingStore struct{ *store.DB }

func (panickingStore) GetUser(context.Context, string) (*store.Resource, error) { panic("boom") }

func TestInternalErrorHidesDetails(t *testing.T) {
	e := newEnvWithStore(t, Config{}, func(db *store.DB) Store { return failingStore{db} })
	r := e.do("GET", "/Users/any", nil, nil)
	checkError(t, r, 500, "")
	if strings.Contains(string(r.raw), "disk on fire") {
		t.Errorf("500 body leaks internals: %s", r.raw)
	}
	if !strings.Contains(e.logBuf.String(), "disk on fire") {
		t.Errorf("the cause is not in the server log")
	}
}

type failingStore struct{ *store.DB }

func (failingStore) GetUser(context.Context, string) (*store.Resource, error) {
	return nil, errDisk
}

var errDisk = &diskError{}

type diskError struct{}

func (*diskError) Error() string { return "disk on fire" }

func TestBodyLimitsAndContentTypes(t *testing.T) {
	e := newEnv(t, Config{MaxBodyBytes: 2048})
	big := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"big","title":"` + strings.Repeat("x", 4096) + `"}`
	tests := []struct {
		name        string
		method      string
		path        string
		body        string
		contentType string // "-" sends none
		chunked     bool
		wantStatus  int
		wantType    string
		wantDetail  string
	}{
		{"too large", "POST", "/Users", big, "application/scim+json", false, 413, "", "2 KiB"},
		{"too large, chunked", "POST", "/Users", big, "application/scim+json", true, 413, "", "2 KiB"},
		{"too large PATCH", "PATCH", "/Users/x", big, "application/scim+json", false, 413, "", ""},
		{"form encoded (curl -d)", "POST", "/Users", `{"userName":"a"}`, "application/x-www-form-urlencoded", false, 415, "", "curl"},
		{"text/plain", "POST", "/Users", `{"userName":"a"}`, "text/plain", false, 415, "", "not JSON"},
		{"latin-1", "POST", "/Users", `{"userName":"a"}`, "application/json; charset=iso-8859-1", false, 415, "", "UTF-8"},
		{"malformed JSON", "POST", "/Users", "{\n  \"userName\": \"a\",\n}", "application/json", false, 400, "invalidSyntax", "line 3"},
		{"truncated JSON", "POST", "/Users", `{"userName": "a"`, "application/json", false, 400, "invalidSyntax", "ends before"},
		{"array body", "POST", "/Users", `[1]`, "application/json", false, 400, "invalidSyntax", "array"},
		{"empty body", "POST", "/Users", ``, "application/json", false, 400, "invalidSyntax", "empty"},
		{"two objects", "POST", "/Users", `{"userName":"a"}{"userName":"b"}`, "application/json", false, 400, "invalidSyntax", "more than one"},
		{"missing content type is fine", "POST", "/Users", `{"userName":"noct@example.com"}`, "-", false, 201, "", ""},
		{"application/json is fine", "POST", "/Users", `{"userName":"json@example.com"}`, "application/json", false, 201, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, e.base+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.chunked {
				req.ContentLength = -1
				req.Body = readerOnly{strings.NewReader(tc.body)}
			}
			req.Header.Set("Authorization", "Bearer "+testToken)
			if tc.contentType != "-" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			res, err := e.http.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r := readResp(t, res)
			if tc.wantStatus >= 400 {
				checkError(t, r, tc.wantStatus, tc.wantType)
			} else {
				e.must(r, tc.wantStatus)
			}
			if !strings.Contains(r.str("detail"), tc.wantDetail) {
				t.Errorf("detail %q does not contain %q", r.str("detail"), tc.wantDetail)
			}
		})
	}
}

// Okta's "SCIM 2.0 Test App (Header Auth)" template sends the API Token field verbatim.
// Tolerant mode accepts the right token that way and badges it; strict mode refuses it
// and records the quirk it refused. A wrong bare token is refused for being wrong.
func TestBareToken(t *testing.T) {
	for _, tc := range []struct {
		name      string
		strict    bool
		auth      string
		status    int
		verdict   exchange.Auth
		refusedBy quirk.Quirk
		quirk     bool
	}{
		{"tolerant accepts the right token", false, testToken, 200, exchange.AuthOK, "", true},
		{"strict refuses the right token", true, testToken, 401, exchange.AuthBare, quirk.BareToken, true},
		{"tolerant refuses a wrong token as wrong", false, "not-the-token", 401, exchange.AuthWrongBare, "", false},
		{"strict refuses a wrong token as wrong", true, "not-the-token", 401, exchange.AuthWrongBare, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Config{Strict: tc.strict})
			events, cancel := e.srv.Subscribe(4)
			defer cancel()
			r := e.do("GET", "/Users", nil, hdr{"Authorization": tc.auth})
			if tc.status == 401 {
				checkError(t, r, 401, "")
			} else {
				e.must(r, tc.status)
			}
			ev := <-events
			if ev.Auth != tc.verdict || ev.RefusedBy != tc.refusedBy || slices.Contains(ev.Quirks, quirk.BareToken) != tc.quirk {
				t.Errorf("recorded auth %q refusedBy %q quirks %v; want %q, %q, bare-token %v", ev.Auth, ev.RefusedBy, ev.Quirks, tc.verdict, tc.refusedBy, tc.quirk)
			}
			row, err := e.db.GetRequest(context.Background(), ev.Seq)
			if err != nil {
				t.Fatal(err)
			}
			if got := row.ReqHeaders.Get("Authorization"); got != "[redacted]" {
				t.Errorf("stored Authorization %q", got)
			}
		})
	}
}
