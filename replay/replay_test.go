package replay

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/idp/fixture"
	"github.com/scimlab/scimlab/profile"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
)

const token = "replay-test-token-0123456789"

// server is a real scimlab SCIM server over a real SQLite file, on a real socket.
type server struct {
	db   *store.DB
	srv  *scimserver.Server
	http *httptest.Server
}

func newServer(t *testing.T, strict bool) *server {
	t.Helper()
	return newProfiledServer(t, strict, nil)
}

// newProfiledServer is newServer playing the app profile p (generic when nil), told
// which IdP sends each request as the running app tells it.
func newProfiledServer(t *testing.T, strict bool, p *profile.Profile) *server {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "lab.db"))
	if err != nil {
		t.Fatal(err)
	}
	classifier := idp.NewClassifier()
	srv := scimserver.New(scimserver.Config{Token: token, Strict: strict, Annotate: classifier.Annotate, Profile: p,
		SenderIdP: classifier.Sender}, db, nil)
	s := &server{db: db, srv: srv, http: httptest.NewServer(srv.Handler())}
	t.Cleanup(s.close)
	return s
}

func (s *server) close() {
	s.http.Close()
	s.srv.Close()
	s.db.Close()
}

func (s *server) target() Target {
	return Target{BaseURL: s.http.URL + scimserver.BasePath, Token: token}
}

// records returns everything the server logged, oldest first, once the recorder has
// written it.
func (s *server) records(t *testing.T) []*exchange.Record {
	t.Helper()
	s.srv.Close() // flushes the log
	var out []*exchange.Record
	if err := s.db.EachRequest(context.Background(), store.RequestFilter{}, func(r *exchange.Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// play sends IdP lifecycles (files of idp/testdata) to s as the IdP sends them and
// returns each request's answer in order. Each file after the first provisions its
// people in its own domain, as two tenants would. A line whose bind fails (strict mode
// refused a create) leaves its placeholder unbound, and lines that need it are
// answered as skipped (status 0).
func play(t *testing.T, s *server, files ...string) []int {
	t.Helper()
	var statuses []int
	for _, a := range playAnswers(t, s, files...) {
		statuses = append(statuses, a.status)
	}
	return statuses
}

// answer is a server's answer to one line of a lifecycle.
type answer struct {
	status int
	body   []byte
}

// playAnswers is play, returning each answer's status and body.
func playAnswers(t *testing.T, s *server, files ...string) []answer {
	t.Helper()
	domains := []string{"example.com", "example.net"}
	var answers []answer
	for n, file := range files {
		lines, err := fixture.LoadFile(filepath.Join("..", "idp", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		ids := fixture.IDs{}
		for _, line := range lines {
			line.Path = strings.ReplaceAll(line.Path, "example.com", domains[n])
			line.Query = strings.ReplaceAll(line.Query, "example.com", domains[n])
			line.Body = json.RawMessage(strings.ReplaceAll(string(line.Body), "example.com", domains[n]))
			x, err := line.Expanded(ids, token)
			if err != nil {
				answers = append(answers, answer{})
				continue
			}
			hr, err := x.HTTPRequest(context.Background(), s.http.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			_ = ids.Bind(line, body)
			answers = append(answers, answer{status: resp.StatusCode, body: body})
		}
	}
	return answers
}

func source(recs []*exchange.Record) Source {
	return func(yield func(*exchange.Record) error) error {
		for _, r := range recs {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}
}

// TestReplayAgainstTheSameKindOfServer replays Okta's and Entra's lifecycles against a
// fresh scimlab in the same mode: every answer is the same, though every id differs.
func TestReplayAgainstTheSameKindOfServer(t *testing.T) {
	rec := newServer(t, false)
	play(t, rec, "okta-oin.jsonl", "entra.jsonl")
	recs := rec.records(t)

	target := newServer(t, false)
	var calls, lastDone, lastTotal int
	rep, err := Run(context.Background(), source(recs), len(recs), target.target(), func(done, total int) { calls++; lastDone, lastTotal = done, total })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Differs() || rep.Summary.Same != len(recs) {
		var b strings.Builder
		rep.WriteText(&b, false)
		t.Fatalf("replaying against an identical server:\n%s", b.String())
	}
	if calls != len(recs) || lastDone != len(recs) || lastTotal != len(recs) {
		t.Errorf("progress: %d calls, last %d/%d", calls, lastDone, lastTotal)
	}
	// The target really assigned its own ids, which the replay followed.
	got := target.records(t)
	if len(got) != len(recs) {
		t.Fatalf("the target logged %d requests, want %d", len(got), len(recs))
	}
	differentIDs := 0
	for i := range recs {
		if recs[i].ResourceID != "" && got[i].ResourceID != "" && recs[i].ResourceID != got[i].ResourceID {
			differentIDs++
		}
		if got[i].IdP != recs[i].IdP || got[i].Step != recs[i].Step {
			t.Errorf("#%d was read as %s %s on the target, %s %s when recorded", recs[i].Seq, got[i].IdP, got[i].Step, recs[i].IdP, recs[i].Step)
		}
	}
	if differentIDs == 0 {
		t.Error("no id differs between recording and target; the id rewriting is untested")
	}
}

// TestReplayReportsExactlyTheAnswersThatDiffer records Okta's and Entra's lifecycles on
// a tolerant scimlab and replays them against a strict one. The requests whose answers
// must differ are found without the replay: the same lifecycles played directly against
// a strict scimlab answer them with another status. The replay must report those, as
// different statuses, and nothing else.
func TestReplayReportsExactlyTheAnswersThatDiffer(t *testing.T) {
	files := []string{"okta-aiw.jsonl", "entra.jsonl"}
	rec := newServer(t, false)
	tolerant := play(t, rec, files...)
	recs := rec.records(t)
	strict := play(t, newServer(t, true), files...)
	if len(tolerant) != len(recs) || len(strict) != len(recs) {
		t.Fatalf("%d recorded, %d tolerant answers, %d strict answers", len(recs), len(tolerant), len(strict))
	}
	want := map[int64]bool{}
	for i := range recs {
		if strict[i] != tolerant[i] {
			want[recs[i].Seq] = true
		}
	}
	if len(want) == 0 {
		t.Fatal("strict mode answers every request as tolerant mode does; the test proves nothing")
	}

	rep, err := Run(context.Background(), source(recs), len(recs), newServer(t, true).target(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.WriteText(&b, false)
	for _, res := range rep.Results {
		switch {
		case want[res.Seq] && res.Outcome != DifferentStatus:
			t.Errorf("#%d %s %s: %s, want different status (direct: %d)", res.Seq, res.Method, res.Path, res.Outcome, strict[res.Seq-1])
		case !want[res.Seq] && res.Outcome != Same:
			t.Errorf("#%d %s %s: %s %v, want same", res.Seq, res.Method, res.Path, res.Outcome, res.Differences)
		}
		if want[res.Seq] && res.IdP != exchange.Entra {
			t.Errorf("#%d: a %s request differs; strict mode refuses only Entra's quirks", res.Seq, res.IdP)
		}
	}
	if rep.Summary.DifferentStatus != len(want) || !rep.Differs() {
		t.Errorf("summary %+v, want %d different statuses", rep.Summary, len(want))
	}
	if t.Failed() || testing.Verbose() {
		t.Log(b.String())
	}
	if !strings.Contains(b.String(), "invalidSyntax") {
		t.Errorf("the report does not say why strict mode refused:\n%s", b.String())
	}
}

func TestRequestsRefusedForAuthAreNotSent(t *testing.T) {
	rec := newServer(t, false)
	play(t, rec, "okta-oin.jsonl")
	// The IdP's first attempt used a wrong token.
	req, _ := http.NewRequest("GET", rec.http.URL+"/scim/v2/Users?filter=userName%20eq%20%22x%22", nil)
	req.Header.Set("Authorization", "Bearer wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	recs := rec.records(t)
	last := recs[len(recs)-1]
	if last.Status != 401 {
		t.Fatalf("the wrong token was answered %d", last.Status)
	}
	rep, err := Run(context.Background(), source(recs), len(recs), newServer(t, false).target(), nil)
	if err != nil {
		t.Fatal(err)
	}
	res := rep.Results[len(rep.Results)-1]
	if res.Outcome != NotSent || !res.AuthRefused || !strings.Contains(res.Note, "bad-token") || res.Status != 0 {
		t.Errorf("the refused request: %+v", res)
	}
	if rep.Summary.AuthRefused != 1 || rep.Summary.NotSent != 1 || rep.Differs() {
		t.Errorf("summary %+v", rep.Summary)
	}
	if line := rep.SummaryLine(); !strings.Contains(line, "1 not sent (1 refused for authentication when recorded)") {
		t.Errorf("summary line %q", line)
	}
}

func TestTargetRefusingTheToken(t *testing.T) {
	rec := newServer(t, false)
	play(t, rec, "okta-oin.jsonl")
	recs := rec.records(t)
	target := newServer(t, false).target()
	target.Token = "not-the-token"
	rep, err := Run(context.Background(), source(recs), len(recs), target, nil)
	if !errors.Is(err, ErrTokenRefused) || !strings.Contains(err.Error(), "check the token") {
		t.Errorf("got %v", err)
	}
	if rep == nil || len(rep.Results) != 0 {
		t.Errorf("report %+v", rep)
	}
}

func TestUnsendable(t *testing.T) {
	for _, tc := range []struct {
		name string
		rec  exchange.Record
		want string
	}{
		{"cut body", exchange.Record{Auth: exchange.AuthOK, Path: "/scim/v2/Users", ReqHeaders: http.Header{"Content-Length": {"100000"}}, ReqBody: []byte("{")},
			"kept only the first 1 bytes"},
		{"outside SCIM", exchange.Record{Auth: exchange.AuthOK, Path: "/favicon.ico"}, "not a SCIM request"},
		{"basic auth", exchange.Record{Auth: exchange.AuthBasic, Path: "/scim/v2/Users"}, "refused for authentication when recorded (basic)"},
		{"fine", exchange.Record{Auth: exchange.AuthOK, Path: "/scim/v2/Users", ReqBody: []byte("{}"), ReqHeaders: http.Header{"Content-Length": {"2"}}}, ""},
		{"older log without a verdict", exchange.Record{Path: "/scim/v2"}, ""},
		{"injected failure", exchange.Record{Auth: exchange.AuthOK, Path: "/scim/v2/Users", Fault: &exchange.Injected{Rule: "POST /Users 503", Status: 503}},
			`answered by the fault rule "POST /Users 503" when recorded`},
		{"injected delay only", exchange.Record{Auth: exchange.AuthOK, Path: "/scim/v2/Users", Fault: &exchange.Injected{Rule: "GET /Users delay=2s", Delay: 2e9}}, ""},
	} {
		why, _ := unsendable(&tc.rec)
		if tc.want == "" && why != "" || tc.want != "" && !strings.Contains(why, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, why, tc.want)
		}
	}
	if recordedBase != scimserver.BasePath {
		t.Errorf("recordedBase %q, scimserver.BasePath %q", recordedBase, scimserver.BasePath)
	}
}

// Send passes the IdP's headers on, except credentials and connection headers, and
// puts the target's token in place of the redacted one.
func TestSendHeaders(t *testing.T) {
	var got http.Header
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(204)
	}))
	defer hs.Close()
	rec := &exchange.Record{Method: "PATCH", Path: "/scim/v2/Users/x", ReqBody: []byte(`{}`), ReqHeaders: http.Header{
		"Authorization": {"Bearer [redacted]"}, "X-Api-Key": {"[redacted]"}, "Content-Type": {"application/scim+json"},
		"Content-Length": {"2"}, "Accept-Encoding": {"gzip"}, "X-Ms-Client-Request-Id": {"abc"}}}
	ans, err := Send(context.Background(), Target{BaseURL: hs.URL + "/base", Token: "T0KEN-abcdefgh"}, rec)
	if err != nil || ans.Status != 204 {
		t.Fatalf("%v %+v", err, ans)
	}
	if got.Get("Authorization") != "Bearer T0KEN-abcdefgh" || got.Get("X-Api-Key") != "" || got.Get("Content-Type") != "application/scim+json" ||
		got.Get("X-Ms-Client-Request-Id") != "abc" || got.Get("User-Agent") != "" {
		t.Errorf("headers sent: %v", got)
	}
	// A profile's token header carries the token alone; the header the log redacted
	// under another name is not sent as "[redacted]".
	rec.ReqHeaders["X-Tenant-Key"] = []string{"[redacted]"}
	if _, err := Send(context.Background(), Target{BaseURL: hs.URL, Token: "T0KEN-abcdefgh", TokenHeader: "x-scim-token"}, rec); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Scim-Token") != "T0KEN-abcdefgh" || got.Get("Authorization") != "" || got.Get("X-Tenant-Key") != "" {
		t.Errorf("headers sent with a token header: %v", got)
	}
}

// Requests a fault rule answered when recorded are not sent, counted apart from those
// refused for authentication, and the summary says which are which.
func TestRequestsAFaultRuleAnsweredAreNotSent(t *testing.T) {
	recs := []*exchange.Record{
		{Seq: 1, Method: "GET", Path: "/scim/v2/Users", Auth: exchange.AuthOK, Status: 503,
			Fault: &exchange.Injected{Rule: "GET /Users 503 times=1", Status: 503}},
		{Seq: 2, Method: "GET", Path: "/scim/v2/Users", Auth: exchange.AuthWrongToken, Status: 401},
		{Seq: 3, Method: "GET", Path: "/scim/v2/Users", Auth: exchange.AuthOK, Status: 200,
			Fault: &exchange.Injected{Rule: "GET /Users delay=10ms", Delay: 1e7}},
	}
	s := newServer(t, false)
	rep, err := Run(context.Background(), source(recs), len(recs), s.target(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Results[0]; r.Outcome != NotSent || !r.FaultAnswered || r.AuthRefused {
		t.Errorf("#1: %+v", r)
	}
	if r := rep.Results[1]; r.Outcome != NotSent || r.FaultAnswered || !r.AuthRefused {
		t.Errorf("#2: %+v", r)
	}
	if r := rep.Results[2]; r.Status != 200 || r.FaultAnswered {
		t.Errorf("#3, only delayed by its rule, was not sent: %+v", r)
	}
	want := "3 requests: 0 same, 0 different status, 1 different body, 2 not sent (1 refused for authentication, 1 answered by a fault rule when recorded), 0 failed"
	if got := rep.SummaryLine(); got != want {
		t.Errorf("summary line\n got %s\nwant %s", got, want)
	}
}
