package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimlab/scimlab/app"
	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/idp/fixture"
	"github.com/scimlab/scimlab/scim/quirk"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
)

// replayFixtures are the recorded lifecycles, the IdP whose walkthrough each one
// completes on its own, and the quirks for which strict mode refuses its requests. Okta
// sends nothing a strict server refuses; Entra's capitalised ops come before its string
// booleans and bare manager in the same body, so those are refused as capitalised ops.
var replayFixtures = []struct {
	file          string
	idp           exchange.IdP
	strictRefuses []quirk.Quirk
}{
	{"okta-aiw.jsonl", exchange.Okta, nil},
	{"okta-oin.jsonl", exchange.Okta, nil},
	{"entra.jsonl", exchange.Entra, []quirk.Quirk{quirk.CapitalisedOp, quirk.UnknownSchemaURN}},
	{"entra-aadoptscim062020.jsonl", exchange.Entra, []quirk.Quirk{quirk.DottedPatchKeys, quirk.UnknownSchemaURN}},
}

// strictAnswer is the error a strict RFC 7644 server gives a request relying on a quirk.
type strictAnswer struct {
	status   int
	scimType string
}

// strictRefusals are the quirks strict mode refuses, with the answer quirk.Describe
// promises for each.
var strictRefusals = map[quirk.Quirk]strictAnswer{
	quirk.StringBoolean:        {400, scimserver.ScimTypeInvalidValue},
	quirk.CapitalisedOp:        {400, scimserver.ScimTypeInvalidSyntax},
	quirk.BareManager:          {400, scimserver.ScimTypeInvalidValue},
	quirk.ManagerArray:         {400, scimserver.ScimTypeInvalidValue},
	quirk.UnquotedFilterValue:  {400, scimserver.ScimTypeInvalidFilter},
	quirk.DottedPatchKeys:      {400, scimserver.ScimTypeInvalidPath},
	quirk.UnknownSchemaURN:     {400, scimserver.ScimTypeInvalidValue},
	quirk.FilterNoMatchCreates: {400, scimserver.ScimTypeNoTarget},
	quirk.RemoveAbsentValue:    {400, scimserver.ScimTypeNoTarget},
	quirk.ReadOnlyEcho:         {400, scimserver.ScimTypeMutability},
	quirk.PatchOpSchemaMissing: {400, scimserver.ScimTypeInvalidSyntax},
	quirk.ValuePathSubAttr:     {400, scimserver.ScimTypeInvalidFilter},
	quirk.BareToken:            {401, ""},
}

// strictAccepts are the quirks a strict server lets through: it accepts a missing
// User-Agent, ignores "groups" in a User body, and reads a member removal by value as
// "remove every member" (which a replay sees as a group emptied, not as an error).
var strictAccepts = map[quirk.Quirk]bool{
	quirk.MissingUserAgent:     true,
	quirk.MembershipInUserBody: true,
	quirk.MemberRemoveByValue:  true,
	quirk.AttributesFilter:     true,
}

// TestReplayQuirkTablesCoverTheCatalogue keeps the tables above honest: every quirk is
// either refused or accepted in strict mode, and a refusal answers what the catalogue
// tells the admin it answers.
func TestReplayQuirkTablesCoverTheCatalogue(t *testing.T) {
	for _, q := range quirk.All() {
		ans, refused := strictRefusals[q]
		if refused == strictAccepts[q] {
			t.Errorf("%s: list it in exactly one of strictRefusals and strictAccepts", q)
			continue
		}
		if refused {
			if s := quirk.Describe(q).Strict; !strings.Contains(s, fmt.Sprintf("%d %s", ans.status, ans.scimType)) {
				t.Errorf("%s: the catalogue says %q, the replay expects %d %s", q, s, ans.status, ans.scimType)
			}
		}
	}
}

// replayApp is one scimlab started the way serve and the console start it.
type replayApp struct {
	*app.App
	db     *store.DB
	base   string
	client *http.Client
	once   sync.Once
}

func startReplayApp(t *testing.T, dbPath string, strict bool) *replayApp {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.Start(context.Background(), app.Options{
		Listen:       "127.0.0.1:0",
		DB:           dbPath,
		NoTunnel:     true,
		Strict:       strict,
		MaxBody:      scimserver.DefaultMaxBodyBytes,
		LogRetention: scimserver.DefaultLogRetention,
	}, noEnv, logger)
	if err != nil {
		t.Fatal(err)
	}
	// A second handle on the file reads the log as another process would.
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	r := &replayApp{
		App:    a,
		db:     db,
		base:   strings.TrimSuffix(a.LocalURL(), scimserver.BasePath),
		client: &http.Client{Timeout: 30 * time.Second},
	}
	t.Cleanup(r.stop)
	return r
}

// stop shuts the app down; the walkthrough progress is saved on the way.
func (r *replayApp) stop() {
	r.once.Do(func() {
		r.Close()
		r.db.Close()
	})
}

// sent is one fixture line as it went over the wire and what came back.
type sent struct {
	file   string
	index  int
	req    fixture.Request // expanded: real ids and token
	status int
	body   []byte
}

// where names the line in a failure message.
func (s sent) where() string {
	return fmt.Sprintf("%s line %d (%s) %s %s", s.file, s.index+1, s.req.Name, s.req.Method, s.req.Path)
}

// send expands line i of a fixture with the ids bound so far and sends it.
func (r *replayApp) send(t *testing.T, file string, i int, line fixture.Request, ids fixture.IDs) sent {
	t.Helper()
	x, err := line.Expanded(ids, r.Token())
	if err != nil {
		t.Fatalf("%s line %d: %v", file, i+1, err)
	}
	hr, err := x.HTTPRequest(context.Background(), r.base)
	if err != nil {
		t.Fatalf("%s line %d: %v", file, i+1, err)
	}
	resp, err := r.client.Do(hr)
	if err != nil {
		t.Fatalf("%s line %d: %v", file, i+1, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s line %d: reading the response: %v", file, i+1, err)
	}
	return sent{file: file, index: i, req: x, status: resp.StatusCode, body: body}
}

// statusMatches treats 200 and 204 as equal for PATCH, as the fixture format says.
func statusMatches(method string, got, want int) bool {
	if got == want {
		return true
	}
	return method == http.MethodPatch && (got == 200 || got == 204) && (want == 200 || want == 204)
}

// bind learns the id a line defines, and fails the test when the response has none.
func bind(t *testing.T, ids fixture.IDs, line fixture.Request, s sent) {
	t.Helper()
	if err := ids.Bind(line, s.body); err != nil {
		t.Fatalf("%s: %v\nresponse %d: %s", s.where(), err, s.status, s.body)
	}
}

// waitForLog waits until the recorder has written n requests after afterSeq and returns
// them oldest first. The log is written behind the responses, so it lags a little.
func waitForLog(t *testing.T, db *store.DB, afterSeq int64, n int) []*exchange.Record {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rows, err := db.RequestsSince(context.Background(), afterSeq, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) >= n {
			return rows
		}
		if time.Now().After(deadline) {
			t.Fatalf("the request log holds %d requests after #%d, want %d", len(rows), afterSeq, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logRow returns the log entry of s, checking that it is the request that was sent.
func logRow(t *testing.T, rows []*exchange.Record, i int, s sent) *exchange.Record {
	t.Helper()
	if i >= len(rows) {
		t.Fatalf("%s: no request log entry", s.where())
	}
	row := rows[i]
	if row.Method != s.req.Method || row.Path != s.req.Path || row.Query != s.req.Query {
		t.Fatalf("%s: log entry #%d is %s %s?%s", s.where(), row.Seq, row.Method, row.Path, row.Query)
	}
	return row
}

// checkAnnotation compares what the request log says about a line with what the
// fixture expects the classifier to say.
func checkAnnotation(t *testing.T, s sent, row *exchange.Record, want fixture.Expect) {
	t.Helper()
	if string(row.IdP) != want.IdP {
		t.Errorf("%s: logged IdP %q, want %q (summary %q)", s.where(), row.IdP, want.IdP, row.Summary)
	}
	if string(row.Step) != want.Step {
		t.Errorf("%s: logged step %q, want %q (summary %q)", s.where(), row.Step, want.Step, row.Summary)
	}
	if want.Subject != "" && row.Subject != want.Subject {
		t.Errorf("%s: logged subject %q, want %q", s.where(), row.Subject, want.Subject)
	}
}

// checkWalkthroughDone fails for every step of w that is not done.
func checkWalkthroughDone(t *testing.T, w *idp.Walkthrough, when string) {
	t.Helper()
	if w == nil {
		t.Fatalf("%s: no walkthrough", when)
	}
	for _, st := range w.Steps() {
		if st.Status != idp.StatusDone {
			t.Errorf("%s: walkthrough step %q is %s (%s)", when, st.Title, st.Status, st.Diagnosis)
		}
	}
	if done, total := w.Progress(); done != total || total == 0 {
		t.Errorf("%s: walkthrough progress %d/%d", when, done, total)
	}
}

func noEnv(string) string { return "" }

func otherIdP(p exchange.IdP) exchange.IdP {
	if p == exchange.Okta {
		return exchange.Entra
	}
	return exchange.Okta
}

// TestReplayFixtures sends every recorded lifecycle over HTTP to a real scimlab, first in
// tolerant mode (everything succeeds, every step is named, the walkthrough ends ticked
// and stays ticked across a restart) and then in strict mode (each quirky request is
// refused the way a strict RFC server refuses it, and its log entry says why).
func TestReplayFixtures(t *testing.T) {
	for _, f := range replayFixtures {
		t.Run(f.file, func(t *testing.T) {
			lines, err := fixture.LoadFile(filepath.Join("..", "idp", "testdata", f.file))
			if err != nil {
				t.Fatal(err)
			}
			var quirks [][]quirk.Quirk
			ok := t.Run("tolerant", func(t *testing.T) {
				quirks = replayTolerant(t, f.file, f.idp, lines)
			})
			if !ok {
				return
			}
			t.Run("strict", func(t *testing.T) {
				causes := replayStrict(t, f.file, f.idp, lines, quirks)
				if !slices.Equal(causes, f.strictRefuses) {
					t.Errorf("strict mode refused requests for %v, want %v", causes, f.strictRefuses)
				}
			})
		})
	}
}

// replayTolerant replays a lifecycle against a tolerant scimlab and returns the quirks
// the server noted on each line.
func replayTolerant(t *testing.T, file string, p exchange.IdP, lines []fixture.Request) [][]quirk.Quirk {
	dbPath := filepath.Join(t.TempDir(), "s.db")
	a := startReplayApp(t, dbPath, false)
	ids := fixture.IDs{}
	var sends []sent
	for i, line := range lines {
		s := a.send(t, file, i, line, ids)
		if !statusMatches(s.req.Method, s.status, line.Expect.Status) {
			t.Fatalf("%s: status %d, want %d\nresponse: %s", s.where(), s.status, line.Expect.Status, s.body)
		}
		bind(t, ids, line, s)
		sends = append(sends, s)
	}

	rows := waitForLog(t, a.db, 0, len(lines))
	if len(rows) != len(lines) {
		t.Fatalf("the request log holds %d requests, want %d", len(rows), len(lines))
	}
	quirks := make([][]quirk.Quirk, len(lines))
	for i, s := range sends {
		row := logRow(t, rows, i, s)
		checkAnnotation(t, s, row, lines[i].Expect)
		for _, h := range row.Hints {
			if h.Severity != exchange.SeverityInfo {
				t.Errorf("%s: hint %+v on a request a tolerant server accepted", s.where(), h)
			}
		}
		quirks[i] = row.Quirks
	}

	checkWalkthroughDone(t, a.Walkthrough(p), "after the lifecycle")
	if done, _ := a.Walkthrough(otherIdP(p)).Progress(); done != 0 {
		t.Errorf("%s traffic ticked %d steps of the %s walkthrough", p.Title(), done, otherIdP(p).Title())
	}
	before := a.Walkthrough(p).Steps()

	a.stop()
	again := startReplayApp(t, dbPath, false)
	w := again.Walkthrough(p)
	checkWalkthroughDone(t, w, "after a restart")
	after := w.Steps()
	for i := range min(len(before), len(after)) {
		if before[i].Seen != after[i].Seen || before[i].SeenSeq != after[i].SeenSeq {
			t.Errorf("after a restart step %q shows %q (#%d), before it showed %q (#%d)",
				after[i].Title, after[i].Seen, after[i].SeenSeq, before[i].Seen, before[i].SeenSeq)
		}
	}
	return quirks
}

// refusedQuirks returns the quirks among qs that strict mode refuses.
func refusedQuirks(qs []quirk.Quirk) []quirk.Quirk {
	var out []quirk.Quirk
	for _, q := range qs {
		if _, ok := strictRefusals[q]; ok {
			out = append(out, q)
		}
	}
	return out
}

// scimError is the part of a SCIM error response the replay checks.
type scimError struct {
	Status   string `json:"status"`
	ScimType string `json:"scimType"`
	Detail   string `json:"detail"`
}

// replayStrict replays a lifecycle against a strict scimlab. A line that relied on a
// refused quirk in tolerant mode must fail as a strict server fails and be logged with
// that quirk and the hint explaining it; the admin then retries it in tolerant mode, as
// the console's mode switch allows, so the lifecycle goes on from the state the IdP
// expects. Every other line must succeed in strict mode as it did in tolerant mode.
// replayStrict returns the quirks it saw refused, sorted.
func replayStrict(t *testing.T, file string, p exchange.IdP, lines []fixture.Request, tolerantQuirks [][]quirk.Quirk) []quirk.Quirk {
	a := startReplayApp(t, filepath.Join(t.TempDir(), "s.db"), true)
	ids := fixture.IDs{}
	var seq int64
	causes := map[quirk.Quirk]bool{}
	for i, line := range lines {
		refused := refusedQuirks(tolerantQuirks[i])
		s := a.send(t, file, i, line, ids)
		seq++
		if len(refused) == 0 {
			if !statusMatches(s.req.Method, s.status, line.Expect.Status) {
				t.Fatalf("%s uses no quirk strict mode refuses (tolerant mode noted %v), yet strict mode answered %d, want %d\nresponse: %s",
					s.where(), tolerantQuirks[i], s.status, line.Expect.Status, s.body)
			}
			bind(t, ids, line, s)
			continue
		}
		if cause := checkStrictRefusal(t, a, s, seq, refused); cause != "" {
			causes[cause] = true
		}

		a.SetStrict(false)
		retry := a.send(t, file, i, line, ids)
		seq++
		a.SetStrict(true)
		if !statusMatches(retry.req.Method, retry.status, line.Expect.Status) {
			t.Fatalf("%s: retried in tolerant mode, status %d, want %d\nresponse: %s", retry.where(), retry.status, line.Expect.Status, retry.body)
		}
		bind(t, ids, line, retry)
	}
	waitForLog(t, a.db, 0, int(seq))
	// A refusal fails its step; the tolerant retry must tick it again.
	checkWalkthroughDone(t, a.Walkthrough(p), "after the strict lifecycle with retries")
	return slices.Sorted(maps.Keys(causes))
}

// checkStrictRefusal checks the answer to a request strict mode must refuse, and its
// entry (number seq) in the request log. It returns the quirk the request was refused
// for, or "" when the answer fits none of them.
func checkStrictRefusal(t *testing.T, a *replayApp, s sent, seq int64, refused []quirk.Quirk) quirk.Quirk {
	t.Helper()
	var answers []string
	for _, q := range refused {
		ans := strictRefusals[q]
		answers = append(answers, fmt.Sprintf("%s: %d %s", q, ans.status, ans.scimType))
	}
	var e scimError
	if err := json.Unmarshal(s.body, &e); err != nil {
		t.Fatalf("%s: strict mode answered %d with a body that is no SCIM error: %s", s.where(), s.status, s.body)
	}
	// A request relying on several quirks is refused for the first one the server meets.
	var cause quirk.Quirk
	for _, q := range refused {
		if ans := strictRefusals[q]; ans.status == s.status && ans.scimType == e.ScimType {
			cause = q
			break
		}
	}
	if cause == "" {
		t.Errorf("%s: strict mode answered %d %s (%s), want one of [%s]", s.where(), s.status, e.ScimType, e.Detail, strings.Join(answers, ", "))
		return ""
	}
	if e.Status != fmt.Sprint(s.status) || e.Detail == "" {
		t.Errorf("%s: error body %s: want status %q and a detail", s.where(), s.body, fmt.Sprint(s.status))
	}

	row := logRow(t, waitForLog(t, a.db, seq-1, 1), 0, s)
	if row.Status != s.status {
		t.Errorf("%s: logged status %d, answered %d", s.where(), row.Status, s.status)
	}
	if !slices.Contains(row.Quirks, cause) {
		t.Errorf("%s: refused for %s, but the log entry's badges are %v", s.where(), cause, row.Quirks)
	}
	if !row.Strict || row.RefusedBy != cause {
		t.Errorf("%s: refused for %s, but the log entry says strict %v, refused by %q", s.where(), cause, row.Strict, row.RefusedBy)
	}
	info := quirk.Describe(cause)
	explained := false
	for _, h := range row.Hints {
		if h.Cause == idp.HintStrictRejected && strings.Contains(h.Text, info.What) && strings.Contains(h.Text, info.Strict) {
			explained = true
		}
	}
	if !explained {
		t.Errorf("%s: no hint explains the %q badge (%s; %s); hints %+v", s.where(), info.Badge, info.What, info.Strict, row.Hints)
	}
	if row.ErrorDetail == "" {
		t.Errorf("%s: the log entry records no error detail", s.where())
	}
	return cause
}
