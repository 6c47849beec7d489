package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/logview"
	"github.com/scimlab/scimlab/store"
)

const (
	oktaUA  = "Okta SCIM Client 1.0.0"
	entraUA = "Microsoft.AAD.Provisioning/1.0"
	// Secrets that must never reach the output of scimlab log.
	wrongToken   = "wrong-token-0123456789abcdef"
	userPassword = "Pa55word-never-logged"
)

// recordedTraffic is what recordTraffic sends, in order; seq i+1 is entry i.
var recordedTraffic = []struct{ idp, step string }{
	{"okta", "user-lookup"},
	{"okta", "create-user"},
	{"", "auth-failure"},
	{"", "auth-failure"},
	{"entra", "create-user"},
	{"entra", "deactivate-user"},
	{"okta", ""},
}

// recordTraffic runs "scimlab serve" on a new database, sends a short Okta and Entra
// session with two refused requests, and stops the server so every request is written.
func recordTraffic(t *testing.T) (dbPath, token string) {
	t.Helper()
	dbPath = filepath.Join(t.TempDir(), "scimlab.db")
	base, token, _, stop := startServe(t, []string{"--listen", "127.0.0.1:0", "--db", dbPath, "--no-tunnel"}, noEnv)
	bearer := "Bearer " + token

	if st, body := send(t, "GET", base+`/Users?filter=userName%20eq%20%22alice%40example.com%22&startIndex=1&count=100`, oktaUA, bearer, ""); st != 200 {
		t.Fatalf("Okta lookup: %d %s", st, body)
	}
	if st, body := send(t, "POST", base+"/Users", oktaUA, bearer,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@example.com","active":true,"password":"`+userPassword+`"}`); st != 201 {
		t.Fatalf("Okta create: %d %s", st, body)
	}
	if st, _ := send(t, "GET", base+"/Users", "curl/8.5.0", "", ""); st != 401 {
		t.Fatalf("unauthenticated: %d", st)
	}
	if st, _ := send(t, "GET", base+"/Users", "curl/8.5.0", "Bearer "+wrongToken, ""); st != 401 {
		t.Fatalf("wrong token: %d", st)
	}
	st, body := send(t, "POST", base+"/Users", entraUA, bearer,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob@example.com","externalId":"bob","active":true}`)
	if st != 201 {
		t.Fatalf("Entra create: %d %s", st, body)
	}
	var created struct{ ID string }
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.ID == "" {
		t.Fatalf("Entra create answered %s (%v)", body, err)
	}
	if st, body := send(t, "PATCH", base+"/Users/"+created.ID, entraUA, bearer,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`); st != 200 {
		t.Fatalf("Entra deactivate: %d %s", st, body)
	}
	// A client configured to put the token in the URL as well: the log must not
	// repeat it.
	if st, body := send(t, "GET", base+"/ServiceProviderConfig?access_token="+token, oktaUA, bearer, ""); st != 200 {
		t.Fatalf("ServiceProviderConfig: %d %s", st, body)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}
	return dbPath, token
}

func runLogCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"log"}, args...), noEnv, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// assertNoSecrets fails if out holds the server's token, the wrong token a client sent,
// or a password.
func assertNoSecrets(t *testing.T, what, out, token string) {
	t.Helper()
	for name, secret := range map[string]string{"the bearer token": token, "the wrong token": wrongToken, "the password": userPassword} {
		if strings.Contains(out, secret) {
			t.Errorf("%s prints %s:\n%s", what, name, out)
		}
	}
}

// rows splits text output into request rows, each with its indented detail lines.
func rows(out string) [][]string {
	var rs [][]string
	for line := range strings.SplitSeq(strings.TrimRight(out, "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			rs = append(rs, []string{line})
		} else if len(rs) > 0 {
			rs[len(rs)-1] = append(rs[len(rs)-1], line)
		}
	}
	return rs
}

func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for i, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", i+1, err, line)
		}
		recs = append(recs, m)
	}
	return recs
}

func seqs(recs []map[string]any) []int {
	var out []int
	for _, r := range recs {
		out = append(out, int(r["seq"].(float64)))
	}
	return out
}

func TestLogText(t *testing.T) {
	dbPath, token := recordTraffic(t)
	out, stderr, err := runLogCmd(t, "--db", dbPath)
	if err != nil {
		t.Fatalf("log: %v\n%s", err, stderr)
	}
	assertNoSecrets(t, "log", out, token)
	if strings.Contains(out, "\x1b[") {
		t.Errorf("output to a buffer is coloured:\n%q", out)
	}
	rs := rows(out)
	if len(rs) != len(recordedTraffic) {
		t.Fatalf("%d rows, want %d:\n%s", len(rs), len(recordedTraffic), out)
	}
	want := [][]string{
		{"#1 ", "Okta", "GET", `/scim/v2/Users?filter=userName eq "alice@example.com"&startIndex=1&count=100`, " 200 ", "user-lookup", "alice@example.com"},
		{"#2 ", "Okta", "POST", "/scim/v2/Users", " 201 ", "create-user", "alice@example.com"},
		{"#3 ", "GET", " 401 ", "auth-failure"},
		{"#4 ", "GET", " 401 ", "auth-failure"},
		{"#5 ", "Entra", "POST", " 201 ", "create-user", "bob@example.com"},
		{"#6 ", "Entra", "PATCH", " 200 ", "deactivate-user", "bob@example.com", "[string bool]", "[Op case]"},
		{"#7 ", "Okta", "/scim/v2/ServiceProviderConfig?access_token=[redacted]", " 200 "},
	}
	for i, r := range rs {
		for _, w := range want[i] {
			if !strings.Contains(r[0], w) {
				t.Errorf("row %d lacks %q:\n%s", i+1, w, r[0])
			}
		}
	}
	for _, i := range []int{2, 3} {
		if len(rs[i]) < 2 || !strings.HasPrefix(rs[i][1], "    detail: ") {
			t.Errorf("refused request %d is not followed by its error detail:\n%s", i+1, strings.Join(rs[i], "\n"))
		}
	}
	if !strings.Contains(strings.Join(rs[3], "\n"), "does not match") {
		t.Errorf("wrong-token row does not say the token does not match:\n%s", strings.Join(rs[3], "\n"))
	}
	if len(rs[0]) != 1 || len(rs[5]) != 1 {
		t.Errorf("successful requests have detail lines:\n%s", out)
	}
	// The status column lines up across rows whose path fits the column; the first
	// row's long filter overflows it rather than pushing every row right.
	statuses := []string{" 200 ", " 201 ", " 401 ", " 401 ", " 201 ", " 200 ", " 200 "}
	col := strings.Index(rs[1][0], statuses[1])
	for i, st := range statuses[1:] {
		if got := strings.Index(rs[i+1][0], st); got != col {
			t.Errorf("row %d status at column %d, row 2 at %d:\n%s", i+2, got, col, out)
		}
	}
	if got := strings.Index(rs[0][0], statuses[0]); got <= col {
		t.Errorf("row 1's %d-character path did not overflow its column:\n%s", len(`/scim/v2/Users?filter=userName eq "alice@example.com"&startIndex=1&count=100`), out)
	}
}

func TestLogJSON(t *testing.T) {
	dbPath, token := recordTraffic(t)
	out, stderr, err := runLogCmd(t, "--db", dbPath, "--json")
	if err != nil {
		t.Fatalf("log --json: %v\n%s", err, stderr)
	}
	assertNoSecrets(t, "log --json", out, token)
	recs := jsonLines(t, out)
	if got, want := seqs(recs), []int{1, 2, 3, 4, 5, 6, 7}; !slices.Equal(got, want) {
		t.Fatalf("seqs %v, want %v", got, want)
	}
	keys := []string{"seq", "time", "method", "path", "query", "status", "durationMs", "idp", "step", "subject",
		"summary", "auth", "quirks", "error", "hints", "viaTunnel", "remoteAddr", "userAgent", "resourceType", "resourceId"}
	var prev time.Time
	for i, r := range recs {
		for _, k := range keys {
			if _, ok := r[k]; !ok {
				t.Errorf("record %d lacks %q: %v", i+1, k, r)
			}
		}
		for _, k := range []string{"request", "response"} {
			if _, ok := r[k]; ok {
				t.Errorf("record %d has %q without --bodies", i+1, k)
			}
		}
		ts, err := time.Parse(time.RFC3339Nano, r["time"].(string))
		if err != nil {
			t.Errorf("record %d time: %v", i+1, err)
		}
		if ts.Before(prev) {
			t.Errorf("record %d is older than the one before it", i+1)
		}
		prev = ts
		if r["idp"] != recordedTraffic[i].idp {
			t.Errorf("record %d idp %v, want %q", i+1, r["idp"], recordedTraffic[i].idp)
		}
		if s := recordedTraffic[i].step; s != "" && r["step"] != s {
			t.Errorf("record %d step %v, want %q", i+1, r["step"], s)
		}
	}
	lookup := recs[0]
	if lookup["query"] != "filter=userName%20eq%20%22alice%40example.com%22&startIndex=1&count=100" || lookup["userAgent"] != oktaUA || lookup["status"] != 200.0 {
		t.Errorf("Okta lookup record: %v", lookup)
	}
	if recs[1]["resourceType"] != "User" || recs[1]["resourceId"] == "" || recs[1]["subject"] != "alice@example.com" {
		t.Errorf("Okta create record: %v", recs[1])
	}
	for _, r := range recs[2:4] {
		if r["status"] != 401.0 || r["error"] == "" || len(r["hints"].([]any)) == 0 {
			t.Errorf("refused request record lacks status, error or hints: %v", r)
		}
	}
	if recs[2]["auth"] != "missing" || recs[3]["auth"] != "bad-token" {
		t.Errorf("auth results %v and %v, want missing and bad-token", recs[2]["auth"], recs[3]["auth"])
	}
	var quirks []string
	for _, q := range recs[5]["quirks"].([]any) {
		q := q.(map[string]any)
		if q["what"] == "" {
			t.Errorf("quirk %v has no explanation", q)
		}
		quirks = append(quirks, q["id"].(string)+"="+q["badge"].(string))
	}
	if want := []string{"capitalised-op=Op case", "string-boolean=string bool"}; !slices.Equal(quirks, want) {
		t.Errorf("Entra PATCH quirks %v, want %v", quirks, want)
	}
	if !strings.Contains(recs[6]["query"].(string), "access_token=[redacted]") {
		t.Errorf("token in the query string was not redacted: %v", recs[6]["query"])
	}
}

func TestLogBodies(t *testing.T) {
	dbPath, token := recordTraffic(t)

	out, stderr, err := runLogCmd(t, "--db", dbPath, "--json", "--bodies")
	if err != nil {
		t.Fatalf("log --json --bodies: %v\n%s", err, stderr)
	}
	assertNoSecrets(t, "log --json --bodies", out, token)
	recs := jsonLines(t, out)
	if len(recs) != len(recordedTraffic) {
		t.Fatalf("%d records, want %d", len(recs), len(recordedTraffic))
	}
	create := recs[1]["request"].(map[string]any)
	if !strings.Contains(create["body"].(string), `"userName":"alice@example.com"`) {
		t.Errorf("create request body: %v", create["body"])
	}
	if auth := create["headers"].(map[string]any)["Authorization"].([]any); len(auth) != 1 || auth[0] != "Bearer [redacted]" {
		t.Errorf("create Authorization header %v, want Bearer [redacted]", auth)
	}
	if resp := recs[1]["response"].(map[string]any); !strings.Contains(resp["body"].(string), `"id"`) {
		t.Errorf("create response body: %v", resp["body"])
	}
	wrong := recs[3]["request"].(map[string]any)["headers"].(map[string]any)["Authorization"].([]any)
	if len(wrong) != 1 || wrong[0] != "Bearer [redacted]" {
		t.Errorf("wrong-token Authorization header %v, want Bearer [redacted]", wrong)
	}

	out, stderr, err = runLogCmd(t, "--db", dbPath, "--bodies")
	if err != nil {
		t.Fatalf("log --bodies: %v\n%s", err, stderr)
	}
	assertNoSecrets(t, "log --bodies", out, token)
	rs := rows(out)
	createText := strings.Join(rs[1], "\n")
	for _, want := range []string{"    > Authorization: Bearer [redacted]", "    > User-Agent: " + oktaUA, `"userName":"alice@example.com"`, "    < Content-Type: application/scim+json"} {
		if !strings.Contains(createText, want) {
			t.Errorf("create with --bodies lacks %q:\n%s", want, createText)
		}
	}
}

func TestLogLimitAndFilters(t *testing.T) {
	dbPath, _ := recordTraffic(t)
	all, _, err := runLogCmd(t, "--db", dbPath, "--json", "--limit", "0")
	if err != nil {
		t.Fatal(err)
	}
	recs := jsonLines(t, all)
	fourth := recs[3]["time"].(string)
	var fromFourth []int
	t4, _ := time.Parse(time.RFC3339Nano, fourth)
	for _, r := range recs {
		if ts, _ := time.Parse(time.RFC3339Nano, r["time"].(string)); !ts.Before(t4) {
			fromFourth = append(fromFourth, int(r["seq"].(float64)))
		}
	}

	tests := []struct {
		name string
		args []string
		want []int
	}{
		{"newest two, oldest first", []string{"--limit", "2"}, []int{6, 7}},
		{"all", []string{"--limit", "0"}, []int{1, 2, 3, 4, 5, 6, 7}},
		{"failed", []string{"--failed"}, []int{3, 4}},
		{"entra", []string{"--idp", "Entra"}, []int{5, 6}},
		{"unknown IdP", []string{"--idp", "unknown"}, []int{3, 4}},
		{"newest Okta", []string{"--idp", "okta", "--limit", "1"}, []int{7}},
		{"newest failure", []string{"--failed", "--limit", "1"}, []int{4}},
		{"since a time", []string{"--since", fourth}, fromFourth},
		{"since a time, newest one", []string{"--since", fourth, "--limit", "1"}, []int{7}},
		{"since an hour ago", []string{"--since", "1h"}, []int{1, 2, 3, 4, 5, 6, 7}},
		{"since tomorrow", []string{"--since", time.Now().Add(24 * time.Hour).Format(time.RFC3339)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, err := runLogCmd(t, append([]string{"--db", dbPath, "--json"}, tc.args...)...)
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			if got := seqs(jsonLines(t, out)); !slices.Equal(got, tc.want) {
				t.Errorf("seqs %v, want %v", got, tc.want)
			}
		})
	}

	// Text mode says on stderr why nothing was printed.
	out, stderr, err := runLogCmd(t, "--db", dbPath, "--since", time.Now().Add(time.Hour).Format(time.RFC3339))
	if err != nil || out != "" || !strings.Contains(stderr, "no recorded requests match") {
		t.Errorf("empty selection: err %v, stdout %q, stderr %q", err, out, stderr)
	}
}

func TestLogDefaultLimit(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-10 * time.Minute)
	var batch []*exchange.Record
	for i := range logview.DefaultLimit + 30 {
		batch = append(batch, &exchange.Record{Time: start.Add(time.Duration(i) * time.Second), Method: "GET", Path: "/scim/v2/Users", Status: 200})
	}
	if err := db.AppendRequests(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out, _, err := runLogCmd(t, "--db", dbPath, "--json")
	if err != nil {
		t.Fatal(err)
	}
	got := seqs(jsonLines(t, out))
	if len(got) != logview.DefaultLimit || got[0] != 31 || got[len(got)-1] != logview.DefaultLimit+30 {
		t.Errorf("default: %d requests from %v to %v, want the newest %d", len(got), got[0], got[len(got)-1], logview.DefaultLimit)
	}
	// --since lifts the default limit: the whole last hour, not its newest 50.
	out, _, err = runLogCmd(t, "--db", dbPath, "--json", "--since", "1h")
	if err != nil {
		t.Fatal(err)
	}
	if got := seqs(jsonLines(t, out)); len(got) != logview.DefaultLimit+30 {
		t.Errorf("--since 1h printed %d requests, want %d", len(got), logview.DefaultLimit+30)
	}
	// Rows more than a day old carry their date.
	db, err = store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Date(2024, 5, 1, 9, 30, 0, 0, time.Local)
	if err := db.AppendRequests(context.Background(), []*exchange.Record{{Time: old, Method: "GET", Path: "/old", Status: 200}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, _, err = runLogCmd(t, "--db", dbPath, "--limit", "2")
	if err != nil {
		t.Fatal(err)
	}
	newest := start.Add(time.Duration(logview.DefaultLimit+29) * time.Second).Local().Format("2006-01-02 15:04:05")
	if !strings.Contains(out, "2024-05-01 09:30:00.000") || !strings.Contains(out, newest) {
		t.Errorf("rows from different days lack their dates:\n%s", out)
	}
}

func TestLogMissingDatabase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nowhere")
	dbPath := filepath.Join(dir, "scimlab.db")
	_, _, err := runLogCmd(t, "--db", dbPath)
	if err == nil || !strings.Contains(err.Error(), "no database at "+dbPath) || !strings.Contains(err.Error(), "scimlab serve") {
		t.Fatalf("error %v, want one naming %s and how to create it", err, dbPath)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("log created %s (stat: %v)", dir, err)
	}
	_, _, err = runLogCmd(t, "--db", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory as --db: error %v", err)
	}
}

func TestLogEmptyDatabase(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, stderr, err := runLogCmd(t, "--db", dbPath)
	if err != nil || out != "" || !strings.Contains(stderr, "no requests recorded in") {
		t.Errorf("err %v, stdout %q, stderr %q", err, out, stderr)
	}
	out, stderr, err = runLogCmd(t, "--db", dbPath, "--json")
	if err != nil || out != "" || stderr != "" {
		t.Errorf("--json on an empty log: err %v, stdout %q, stderr %q", err, out, stderr)
	}
}

func TestLogFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--limit", "-1"}, "--limit"},
		{[]string{"--idp", "onelogin"}, "--idp"},
		{[]string{"--since", "yesterday"}, "--since"},
		{[]string{"--since", "-5m"}, "positive"},
		{[]string{"now"}, `unexpected argument "now"`},
		{[]string{"--tail"}, "unknown flag: --tail"},
	}
	for _, tc := range tests {
		_, stderr, err := runLogCmd(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, errUsage) {
			t.Errorf("log %v: error %v, want a usage error mentioning %q", tc.args, err, tc.want)
		}
		if !strings.Contains(stderr, "Run 'scimlab log --help' for usage.") {
			t.Errorf("log %v: stderr %q does not point to the help", tc.args, stderr)
		}
	}
	stdout, _, err := runLogCmd(t, "-h")
	if err != nil || !strings.Contains(stdout, "-f --follow") {
		t.Errorf("-h: error %v, stdout %q", err, stdout)
	}
}

func TestLogFollow(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	base, token, _, _ := startServe(t, []string{"--listen", "127.0.0.1:0", "--db", dbPath, "--no-tunnel"}, noEnv)
	bearer := "Bearer " + token
	if st, _ := send(t, "GET", base+"/Users?startIndex=1&count=2", oktaUA, bearer, ""); st != 200 {
		t.Fatalf("test connection: %d", st)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"log", "--db", dbPath, "-f"}, noEnv, strings.NewReader(""), stdout, stderr)
	}()
	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(stdout.String(), what) {
			select {
			case err := <-done:
				t.Fatalf("log -f ended while waiting for %q: %v\nstdout:\n%s\nstderr:\n%s", what, err, stdout.String(), stderr.String())
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("log -f did not print %q:\n%s", what, stdout.String())
			}
		}
	}
	waitFor("/scim/v2/Users?startIndex=1&count=2")

	if st, _ := send(t, "GET", base+"/Users/follow-marker", oktaUA, bearer, ""); st != 404 {
		t.Fatalf("marker request: %d", st)
	}
	if st, _ := send(t, "GET", base+"/Users", entraUA, "Bearer "+wrongToken, ""); st != 401 {
		t.Fatalf("wrong token: %d", st)
	}
	waitFor("/scim/v2/Users/follow-marker")
	waitFor("detail: the token in the Authorization header does not match")

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("log -f returned %v on cancel", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("log -f did not stop when its context was cancelled")
	}
	out := stdout.String()
	assertNoSecrets(t, "log -f", out, token)
	rs := rows(out)
	if len(rs) != 3 {
		t.Fatalf("%d rows, want 3 (each request once):\n%s", len(rs), out)
	}
	for i, r := range rs {
		if want := "#" + string(rune('1'+i)) + " "; !strings.HasPrefix(r[0], want) {
			t.Errorf("row %d starts %q, want %q", i+1, r[0], want)
		}
	}
	if !strings.Contains(rs[1][0], " 404 ") {
		t.Errorf("marker row: %s", rs[1][0])
	}
}

// A secret an IdP or script sends outside Authorization — in the query or an API-key
// header or cookie — is not in `scimlab log --bodies` in any form: the server redacts it
// when it records the request, whatever the token is.
func TestLogHasNoCredentialsFromOtherHeaders(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scimlab.db")
	base, token, _, stop := startServe(t, []string{"--listen", "127.0.0.1:0", "--db", dbPath, "--no-tunnel"}, noEnv)
	const secret = "unrelated-secret-7c1d2e"
	req, err := http.NewRequest("GET", base+"/Users?access_token="+secret+"&filter=userName%20eq%20%22a%22", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for _, h := range []string{"X-Api-Key", "Api-Key", "X-Auth-Token", "Proxy-Authorization"} {
		req.Header.Set(h, secret)
	}
	req.Header.Set("Cookie", "sid="+secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}
	for _, args := range [][]string{{"--json", "--bodies"}, {"--bodies"}} {
		out, stderr, err := runLogCmd(t, append([]string{"--db", dbPath}, args...)...)
		if err != nil {
			t.Fatalf("log %v: %v\n%s", args, err, stderr)
		}
		if strings.Contains(out, secret) {
			t.Errorf("log %v prints the secret:\n%s", args, out)
		}
		if !strings.Contains(out, "access_token=[redacted]") || !strings.Contains(out, "[redacted]") {
			t.Errorf("log %v does not show where a credential was:\n%s", args, out)
		}
	}
}
