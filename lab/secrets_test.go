package lab

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/store"
)

// Secrets of a lab under test. The bearer token has characters that URL and JSON
// encodings change, so each encoded form must be caught too.
const (
	leakToken    = "tok+en/with=chars-<&>-0123456789"
	leakNgrok    = "2abcNGROKauthtoken_0123456789XYZ"
	leakPassword = "P4ssw0rd!-never-export-me"
)

// leakyLab is a lab whose bearer token, an ngrok token and a password were put in
// every place they could reach: request and response headers (credential-named, the
// profile's token header, and others), query, path, bodies (text and not UTF-8), the
// classifier's texts, the injected fault, the profile's effects, related resources,
// user and group documents, a membership's display, a tombstone, an independent
// account, the app admin's actions, the profile's file path and text, the fault rules,
// settings. Its requests are appended as an older scimlab, or a damaged recorder,
// might have kept them: unredacted.
func leakyLab(t *testing.T, d Dir) *store.DB {
	t.Helper()
	ctx := context.Background()
	path, _ := d.Path("leaky")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.SetBearerToken(ctx, leakToken))
	must(db.SetSetting(ctx, "ngrok.authtoken", leakNgrok))
	must(db.SetSetting(ctx, "note", "the token is "+leakToken+" and ngrok's "+leakNgrok))
	must(db.SetSetting(ctx, "db.password", leakPassword))
	must(db.SetSetting(ctx, WalkthroughSetting(exchange.Okta), `{"version":1,"idp":"okta","steps":[]}`))

	// The profile reads the token from a header of its own, and its file's path and
	// text hold secrets; the fault rules too, as an older scimlab might have kept them.
	must(db.SetSetting(ctx, ProfileSetting, profile.Stored{Name: "leaky", Source: "/home/ada/" + leakNgrok + ".yaml",
		Text: "name: leaky\ntoken:\n  header: X-Tenant\n# our token: " + leakToken + "\n"}.Encode()))
	must(db.SetSetting(ctx, FaultsSetting, `[{"rule":"GET /Users/`+jsonEsc(leakToken)+` 500","enabled":true},`+
		`{"rule":"DELETE /Groups/`+leakNgrok+` 503","enabled":false}]`))

	user := &store.Resource{Doc: []byte(`{"userName":"alice@example.com","displayName":"` + jsonEsc(leakToken) + `","password":"` + leakPassword +
		`","nickName":"` + leakNgrok + `"}`)}
	must(db.CreateUser(ctx, user))
	must(db.CreateGroup(ctx, &store.Resource{Doc: []byte(`{"displayName":"G ` + leakNgrok + `"}`)},
		[]store.Member{{UserID: user.ID, Display: "escaped " + jsonEsc(leakToken) + " and not " + leakToken}}))
	// The app-side state: a deleted user kept as a tombstone, an independent account,
	// the app admin's actions.
	gone := &store.Resource{Doc: []byte(`{"userName":"gone@example.com","title":"` + jsonEsc(leakToken) + `","password":"` + leakPassword + `"}`)}
	must(db.CreateUser(ctx, gone))
	must(db.DeleteUser(ctx, gone.ID, 0))
	_, err = db.Seed(ctx, nil, [][]byte{[]byte(`{"userName":"partner@elsewhere.example","displayName":"` + leakNgrok + `","password":"` + leakPassword +
		`","title":"` + jsonEsc(leakToken) + `"}`)}, nil)
	must(err)
	must(db.AppendAppAction(ctx, &store.AppAction{Action: "seed", Name: leakToken + ".csv", Detail: "seeded with " + leakNgrok}))

	binary := append([]byte{0xff, 0xfe}, []byte(leakNgrok+" "+leakToken)...)
	must(db.AppendRequests(ctx, []*exchange.Record{{
		Time: time.Now(), Method: "POST", Path: "/scim/v2/Users/" + url.PathEscape(leakToken),
		Query: "note=" + url.QueryEscape(leakToken) + "&access_token=" + leakNgrok + "&plain=" + leakNgrok,
		ReqHeaders: http.Header{
			"Authorization":   {"Bearer " + leakToken},
			"X-Tenant":        {leakToken},
			"X-Debug":         {leakToken},
			"X-Ngrok-Session": {leakNgrok},
			"Cookie":          {"sid=" + leakNgrok},
			"X-Forwarded-For": {leakNgrok},
		},
		ReqBody: []byte(`{"userName":"` + jsonEsc(leakToken) + `","password":"` + leakPassword + `","Operations":[{"op":"replace","path":"password","value":"` +
			leakPassword + `"}]}`),
		Status:      400,
		RespHeaders: http.Header{"X-Echo": {leakNgrok}, "Content-Type": {"application/scim+json"}},
		RespBody:    []byte(`{"detail":"bad token ` + jsonEsc(leakToken) + `"}`),
		ErrorDetail: "bad token " + leakToken,
		UserAgent:   "agent/" + leakNgrok,
		Fault:       &exchange.Injected{Rule: "GET /Users/" + leakToken + " 500", Status: 500},
		Profile:     "leaky " + leakNgrok,
		Effects:     []exchange.Effect{{Kind: exchange.EffectAttributeDropped, Detail: leakToken}},
		Related:     []exchange.ResourceRef{{Type: "User", ID: leakNgrok}},
		Annotation: exchange.Annotation{IdP: exchange.Okta, Subject: leakToken, Summary: "Okta sent " + leakNgrok, Failed: true,
			Hints: []exchange.Hint{{Severity: exchange.SeverityError, Text: "the token " + leakToken + " leaked", Cause: "x"}}},
	}, {
		Time: time.Now(), Method: "PUT", Path: "/scim/v2/Users/x", Status: 200, ReqBody: binary, RespBody: binary,
	}}))
	return db
}

func jsonEsc(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// forms are the ways a secret can be written in a file.
func forms(secret string) []string {
	return []string{secret, url.QueryEscape(secret), url.PathEscape(secret), jsonEsc(secret)}
}

// checkClean fails for every form of every secret in data.
func checkClean(t *testing.T, where string, data []byte) {
	t.Helper()
	for _, secret := range []string{leakToken, leakNgrok, leakPassword} {
		for _, f := range forms(secret) {
			if bytes.Contains(data, []byte(f)) {
				i := bytes.Index(data, []byte(f))
				t.Errorf("%s holds %q: …%s…", where, f, data[max(0, i-60):min(len(data), i+len(f)+20)])
			}
		}
	}
}

// checkZip checks the zip file's bytes and each file in it, decompressed.
func checkZip(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkClean(t, filepath.Base(path), raw)
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		checkClean(t, filepath.Base(path)+":"+f.Name, data)
	}
}

// TestSecretsNeverLeave exports a lab holding its secrets everywhere and checks every
// byte written: the HAR file, the bundle file, each file in the bundle, the lab
// imported from it (bodies decoded from base64 included) and that lab's database files.
func TestSecretsNeverLeave(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	db := leakyLab(t, d)
	ctx := context.Background()
	out := t.TempDir()
	o := ExportOptions{Lab: "leaky", Secrets: []string{leakNgrok}}

	harPath := filepath.Join(out, "leaky.har")
	if _, err := ExportHAR(ctx, db, harPath, o); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(harPath)
	if err != nil {
		t.Fatal(err)
	}
	checkClean(t, "leaky.har", data)

	bundlePath := filepath.Join(out, "leaky.zip")
	res, err := ExportBundle(ctx, db, bundlePath, o)
	if err != nil {
		t.Fatal(err)
	}
	checkZip(t, bundlePath)
	if res.Settings != 4 || res.Tombstones != 1 || res.Independent != 1 || res.AppActions != 1 {
		t.Errorf("exported %+v; want 4 settings (note, walkthrough.okta, the profile and the fault rules, not the token, ngrok's "+
			"or the password), the tombstone, the independent account and the app action", res)
	}

	imp, err := d.Import(ctx, bundlePath, "imported", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	idb, err := store.Open(ctx, imp.Path)
	if err != nil {
		t.Fatal(err)
	}
	recs := allRequests(t, idb, store.RequestFilter{})
	settings, _ := idb.Settings(ctx)
	var users []string
	idb.EachResource(ctx, store.KindUser, func(r *store.Resource) error { users = append(users, string(r.Doc)); return nil })
	tombs, _ := idb.Tombstones(ctx, store.KindUser, "", 0)
	indep, _ := idb.IndependentAccounts(ctx, "", 0)
	actions, _ := idb.AppActions(ctx, "", "", 0)
	p, perr := labProfile(ctx, idb)
	idb.Close()
	appSide, _ := json.Marshal([]any{tombs, indep, actions})
	checkClean(t, "the imported app-side state", appSide)
	if len(tombs) != 1 || len(indep) != 1 || len(actions) != 1 {
		t.Errorf("imported %d tombstones, %d independent accounts, %d app actions", len(tombs), len(indep), len(actions))
	}
	// The profile still plays, its token header with it.
	if perr != nil || p.Name != "leaky" || p.TokenHeader() != "X-Tenant" {
		t.Errorf("the imported profile: %v, %v", p, perr)
	}
	if len(recs) != 2 || len(users) != 1 {
		t.Fatalf("imported %d requests, %d users", len(recs), len(users))
	}
	for _, r := range recs {
		line, _ := json.Marshal(r)
		checkClean(t, "an imported request", append(append(line, r.ReqBody...), r.RespBody...))
		if r.Seq == 2 && (!bytes.HasPrefix(r.ReqBody, []byte{0xff, 0xfe}) || !bytes.Contains(r.ReqBody, []byte(exchange.Redacted))) {
			t.Errorf("the binary body came back as %q", r.ReqBody)
		}
	}
	checkClean(t, "the imported users", []byte(strings.Join(users, "\n")))
	sj, _ := json.Marshal(settings)
	checkClean(t, "the imported settings", sj)
	for _, f := range store.Files(imp.Path) {
		if data, err := os.ReadFile(f); err == nil {
			checkClean(t, filepath.Base(f), data)
		}
	}

	// The test would see a leak: the secrets are where it looks.
	raw, _ := json.Marshal(allRequests(t, db, store.RequestFilter{}))
	if !bytes.Contains(raw, []byte(leakNgrok)) {
		t.Fatal("the lab under test holds no ngrok token")
	}
	if b64 := base64.StdEncoding.EncodeToString([]byte(leakToken)); strings.Contains(string(data), b64) {
		t.Errorf("the HAR holds the token in base64")
	}
}

// A secret too short to replace by value is still removed by name: in the headers
// named like a credential, and in the header the lab's profile reads the token from.
func TestShortSecretsAreRemovedByName(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	ctx := context.Background()
	path, _ := d.Path("short")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetBearerToken(ctx, "abc")
	// The lab's profile reads the token from X-Tenant, a name no rule calls a credential.
	db.SetSetting(ctx, ProfileSetting, profile.Stored{Name: "tenant", Text: "name: tenant\ntoken:\n  header: X-Tenant\n"}.Encode())
	db.AppendRequests(ctx, []*exchange.Record{{Method: "GET", Path: "/scim/v2/Users", Status: 200,
		ReqHeaders: http.Header{"Authorization": {"Bearer abc"}, "X-Tenant": {"abc"}}, RespBody: []byte(`{"totalResults":0,"abcd":1}`)}})
	dest := filepath.Join(t.TempDir(), "s.zip")
	if _, err := ExportBundle(ctx, db, dest, ExportOptions{Lab: "short"}); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(dest)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if bytes.Contains(data, []byte("Bearer abc")) || bytes.Contains(data, []byte(`"scim.token"`)) || bytes.Contains(data, []byte(`"X-Tenant":["abc"]`)) ||
			bytes.Contains(data, []byte(`"name":"X-Tenant","value":"abc"`)) {
			t.Errorf("%s holds the short token", f.Name)
		}
		if f.Name == "requests.jsonl" && !bytes.Contains(data, []byte(`"abcd\":1`)) {
			t.Errorf("a short token was replaced inside ordinary text: %s", data)
		}
	}
}
