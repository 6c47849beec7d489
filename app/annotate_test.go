package app_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp"
)

// entraJWT has the shape of the token Entra sends when its Secret Token field is blank;
// the signature is made up.
const entraJWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiI4YWRmOGU2ZS02N2IyLTRjZjItYTI1OS1lM2RjNTQ3NmM2MjEiLCJpc3MiOiJodHRwczovL3N0cy53aW5kb3dzLm5ldC90ZW5hbnQvIn0.c2lnbmF0dXJl"

// sendRaw sends one request as an IdP would and returns its status.
func (r *replayApp) sendRaw(t *testing.T, method, path, ua, authorization, body string) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, r.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", ua) // "" sends none, as Entra's Test Connection
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
	}
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func causes(hs []exchange.Hint) []exchange.Cause {
	var out []exchange.Cause
	for _, h := range hs {
		out = append(out, h.Cause)
	}
	return out
}

func hasCause(hs []exchange.Hint, c exchange.Cause) bool {
	for _, h := range hs {
		if h.Cause == c {
			return true
		}
	}
	return false
}

// The diagnosis of a JWT is made from the header's shape before it is redacted, so it
// reaches the log although the token itself never does.
func TestEntraJWTIsDiagnosedAsABlankSecretToken(t *testing.T) {
	a := startReplayApp(t, filepath.Join(t.TempDir(), "s.db"), false)
	probe := "/scim/v2/Users?filter=userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22"
	if st := a.sendRaw(t, "GET", probe, "", "Bearer "+entraJWT, ""); st != 401 {
		t.Fatalf("status %d, want 401", st)
	}
	// The same mistake from Okta is no Entra Secret Token.
	if st := a.sendRaw(t, "GET", "/scim/v2/Users?startIndex=1&count=2", "Okta SCIM Client 1.0.0", "Bearer "+entraJWT, ""); st != 401 {
		t.Fatalf("status %d, want 401", st)
	}
	rows := waitForLog(t, a.db, 0, 2)
	entra, okta := rows[0], rows[1]
	if entra.Auth != exchange.AuthJWT || entra.IdP != exchange.Entra || !hasCause(entra.Hints, idp.HintAuthEntraJWT) {
		t.Errorf("Entra's JWT: auth %q, IdP %q, hints %v; want jwt, entra, %s", entra.Auth, entra.IdP, causes(entra.Hints), idp.HintAuthEntraJWT)
	}
	if !strings.Contains(entra.Summary, "Secret Token field is blank") {
		t.Errorf("summary %q", entra.Summary)
	}
	if okta.Auth != exchange.AuthJWT || okta.IdP != exchange.Okta || hasCause(okta.Hints, idp.HintAuthEntraJWT) {
		t.Errorf("Okta's JWT: auth %q, IdP %q, hints %v; want no Entra diagnosis", okta.Auth, okta.IdP, causes(okta.Hints))
	}
	for _, row := range rows {
		if got := row.ReqHeaders.Get("Authorization"); got != "Bearer [redacted]" {
			t.Errorf("stored Authorization %q", got)
		}
		for _, h := range row.Hints {
			if strings.Contains(h.Text, entraJWT[:20]) {
				t.Errorf("a hint quotes the token: %s", h.Text)
			}
		}
	}
}

// In tolerant mode a request can carry quirks and still be refused for something else:
// the advice is about what was refused, never about switching modes.
func TestTolerantRefusalsGiveNoStrictModeAdvice(t *testing.T) {
	a := startReplayApp(t, filepath.Join(t.TempDir(), "s.db"), false)
	bearer := "Bearer " + a.Token()
	group := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales"}`
	if st := a.sendRaw(t, "POST", "/scim/v2/Groups", "", bearer, group); st != 201 {
		t.Fatalf("create group: %d", st)
	}
	created := waitForLog(t, a.db, 0, 1)[0]
	addUnknown := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"no-such-user"}]}]}`
	if st := a.sendRaw(t, "PATCH", "/scim/v2/Groups/"+created.ResourceID, "", bearer, addUnknown); st != 400 {
		t.Fatalf("add unknown member: %d", st)
	}
	user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann@example.com"}`
	if st := a.sendRaw(t, "POST", "/scim/v2/Users", "", bearer, user); st != 201 {
		t.Fatalf("create user: %d", st)
	}
	rows := waitForLog(t, a.db, 0, 3)
	emptyName := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"userName","value":""}]}`
	if st := a.sendRaw(t, "PATCH", "/scim/v2/Users/"+rows[2].ResourceID, "", bearer, emptyName); st != 400 {
		t.Fatalf("empty userName: %d", st)
	}
	rows = waitForLog(t, a.db, 0, 4)
	for _, row := range []*exchange.Record{rows[1], rows[3]} {
		if row.Strict || row.RefusedBy != "" {
			t.Errorf("%s %s: recorded strict %v, refused by %q in tolerant mode", row.Method, row.Path, row.Strict, row.RefusedBy)
		}
		if hasCause(row.Hints, idp.HintStrictRejected) || !hasCause(row.Hints, idp.HintRejected) {
			t.Errorf("%s %s: hints %v, want %s and no strict-mode advice", row.Method, row.Path, causes(row.Hints), idp.HintRejected)
		}
		for _, h := range row.Hints {
			if strings.Contains(h.Text, "tolerant mode") || strings.Contains(h.Text, "Strict RFC mode") {
				t.Errorf("%s %s: hint speaks of modes: %s", row.Method, row.Path, h.Text)
			}
		}
	}
}

// A strict refusal names the quirk it refused, not another quirk the request carried.
func TestStrictRefusalNamesTheRefusedQuirk(t *testing.T) {
	a := startReplayApp(t, filepath.Join(t.TempDir(), "s.db"), true)
	bearer := "Bearer " + a.Token()
	user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bo@example.com"}`
	if st := a.sendRaw(t, "POST", "/scim/v2/Users", "", bearer, user); st != 201 {
		t.Fatalf("create user: %d", st)
	}
	uid := waitForLog(t, a.db, 0, 1)[0].ResourceID
	group := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Ops","members":[{"value":"` + uid + `"}]}`
	if st := a.sendRaw(t, "POST", "/scim/v2/Groups", "", bearer, group); st != 201 {
		t.Fatalf("create group: %d", st)
	}
	gid := waitForLog(t, a.db, 1, 1)[0].ResourceID
	// Strict mode lets the remove by value through (badged: it empties the group), then
	// refuses the remove of a member that is not there; the whole PATCH is undone.
	body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` +
		`{"op":"remove","path":"members","value":[{"value":"` + uid + `"}]},` +
		`{"op":"remove","path":"members[value eq \"nobody\"]"}]}`
	if st := a.sendRaw(t, "PATCH", "/scim/v2/Groups/"+gid, "", bearer, body); st != 400 {
		t.Fatalf("status %d, want 400", st)
	}
	row := waitForLog(t, a.db, 2, 1)[0]
	if !row.Strict || row.RefusedBy != "remove-absent-value" {
		t.Fatalf("strict %v, refused by %q, quirks %v; want strict, remove-absent-value", row.Strict, row.RefusedBy, row.Quirks)
	}
	strict := 0
	for _, h := range row.Hints {
		if h.Cause != idp.HintStrictRejected {
			continue
		}
		strict++
		if !strings.Contains(h.Text, "a remove targeted a value that was not there") || strings.Contains(h.Text, "value list") {
			t.Errorf("strict hint names the wrong quirk: %s", h.Text)
		}
	}
	if strict != 1 {
		t.Errorf("%d strict-mode hints, want 1: %v", strict, causes(row.Hints))
	}
}
