package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// TestLoadRunCountsAndPercentiles sizes the load scenarios up and checks the counts
// and latency figures against what the scenario must have sent.
func TestLoadRunCountsAndPercentiles(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		kinds map[string]int // request kind → exact count
	}{
		{"entra", Config{IdP: exchange.Entra, Scenario: "entra-load", Users: 40, Groups: 4, Members: 5, Concurrency: 4}, map[string]int{
			kindUsersCreate: 40, kindUsersFilter: 2 + 40, kindUserGet: 40, kindUserPatch: 40 * 3,
			kindGroupsCreate: 4, kindGroupPatch: 4, kindGroupDelete: 4, kindUserDelete: 40,
		}},
		{"okta oin", Config{IdP: exchange.Okta, OktaFlavour: exchange.FlavourOIN, Scenario: "okta-load", Users: 30, Groups: 3, Members: 4, Concurrency: 3}, map[string]int{
			kindUsersCreate: 30, kindUsersFilter: 30 * 2, kindUserGet: 30, kindUserPut: 30, kindUserPatch: 30 * 2,
			kindGroupsCreate: 3, kindGroupPatch: 3 * 2, kindGroupDelete: 3,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Target = newServer(t, false, nil)
			rep := play(t, tt.cfg)
			out := text(t, rep)
			if !rep.Passed() || !rep.Load || rep.Users != tt.cfg.Users || rep.Groups != tt.cfg.Groups {
				t.Fatalf("want a passed load run of %d users and %d groups:\n%s", tt.cfg.Users, tt.cfg.Groups, out)
			}
			assign := stepNamed(t, rep, StepAssign, "users")
			if assign.Targets != tt.cfg.Users || assign.Passed != tt.cfg.Users || len(assign.Outcomes) != 0 || assign.Omitted != tt.cfg.Users {
				t.Errorf("assign: %d targets, %d passed, %d kept, %d omitted; a load run keeps only failures", assign.Targets, assign.Passed, len(assign.Outcomes), assign.Omitted)
			}
			var total int64
			for _, k := range rep.Latency {
				total += int64(k.Count)
				if want, ok := tt.kinds[k.Kind]; ok && k.Count != want {
					t.Errorf("%s: %d requests, want %d", k.Kind, k.Count, want)
				}
				if k.Errors != 0 || k.P50 <= 0 || k.P50 > k.P90 || k.P90 > k.P99 || k.P99 > k.Max {
					t.Errorf("%s: errors %d, p50 %v p90 %v p99 %v max %v: want ordered positive percentiles", k.Kind, k.Errors, k.P50, k.P90, k.P99, k.Max)
				}
			}
			if total != rep.Requests || rep.RequestsPerSecond <= 0 {
				t.Errorf("latency rows count %d requests, the report %d at %.0f/s", total, rep.Requests, rep.RequestsPerSecond)
			}
			if !strings.Contains(out, "p50") || !strings.Contains(out, "POST /Users") {
				t.Errorf("the text report lacks the latency table:\n%s", out)
			}
		})
	}
}

// TestBenchPhases: the bench scenario sends one kind of request per step, and each
// step counts its own requests and rate.
func TestBenchPhases(t *testing.T) {
	for _, head := range []string{"idp: okta\nflavour: oin", "idp: entra"} {
		idp := exchange.IdP(strings.Fields(head)[1])
		t.Run(string(idp), func(t *testing.T) {
			file := writeScenario(t, "phases.yaml", head+"\ngenerate: {users: 12}\nsteps:\n"+
				"  - do: create\n    users: all\n  - do: lookup\n    users: all\n  - do: deactivate\n    users: all\n")
			rep := play(t, Config{IdP: idp, Target: newServer(t, false, nil), Scenario: file, Concurrency: 3})
			if !rep.Passed() {
				t.Fatalf("the phases failed:\n%s", text(t, rep))
			}
			want := []string{kindUsersCreate, kindUsersFilter, kindUserPatch}
			if len(rep.Latency) != len(want) {
				t.Fatalf("latency rows %+v, want one per phase %v", rep.Latency, want)
			}
			for i, k := range rep.Latency {
				if k.Kind != want[i] || k.Count != 12 {
					t.Errorf("row %d: %s ×%d, want %s ×12", i, k.Kind, k.Count, want[i])
				}
				st := rep.Steps[i]
				if st.Requests != 12 || st.Elapsed <= 0 || st.RequestsPerSecond <= 0 {
					t.Errorf("step %d: %d requests in %v (%.0f/s), want 12 with a rate", st.Index, st.Requests, st.Elapsed, st.RequestsPerSecond)
				}
			}
			if out := text(t, rep); !strings.Contains(out, "12 requests in") {
				t.Errorf("the text report lacks the steps' rates:\n%s", out)
			}
		})
	}
}

// TestLookupStepFindsWhatCreateMade: a lookup that misses a user the run created is
// the duplicate-in-the-making the assign step reports too.
func TestLookupStepFindsWhatCreateMade(t *testing.T) {
	file := writeScenario(t, "lookup.yaml", "idp: okta\nusers:\n  - userName: ann@example.com\nsteps:\n"+
		"  - do: create\n    user: ann\n  - do: lookup\n    user: ann\n")
	rep := play(t, Config{IdP: exchange.Okta, Target: newServer(t, false, nil), Scenario: file})
	if !rep.Passed() {
		t.Fatalf("create then lookup failed against a server that finds users:\n%s", text(t, rep))
	}
	hiding := newServer(t, false, intercept(isFilter("Users", "ann"), func(w http.ResponseWriter, _ *http.Request, _ []byte, _ http.Handler) {
		w.Header().Set("Content-Type", "application/scim+json")
		fmt.Fprint(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}`)
	}))
	rep = play(t, Config{IdP: exchange.Okta, Target: hiding, Scenario: file})
	if rep.Passed() || !strings.Contains(allNotes(rep.Steps[1]), "would create a duplicate") {
		t.Fatalf("a lookup missing a created user must fail as a duplicate in the making:\n%s", text(t, rep))
	}
}

func TestPercentile(t *testing.T) {
	d := make([]time.Duration, 100)
	for i := range d {
		d[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		in   []time.Duration
		p    int
		want time.Duration
	}{
		{d, 50, 50 * time.Millisecond},
		{d, 90, 90 * time.Millisecond},
		{d, 99, 99 * time.Millisecond},
		{d, 100, 100 * time.Millisecond},
		{d[:1], 99, time.Millisecond},
		{nil, 50, 0},
	}
	for _, tt := range tests {
		if got := percentile(tt.in, tt.p); got != tt.want {
			t.Errorf("p%d of %d values = %v, want %v", tt.p, len(tt.in), got, tt.want)
		}
	}
}

// TestRateSpacesRequests: with a rate, the pacer asks for waits that space the
// requests at 1/rate; the fake sleep records them without waiting.
func TestRateSpacesRequests(t *testing.T) {
	var s sleeps
	rep := play(t, Config{IdP: exchange.Okta, Target: newServer(t, false, nil), Rate: 100, Concurrency: 2, Sleep: s.sleep})
	waits := s.all()
	if len(waits) == 0 {
		t.Fatalf("a rate of 100/s over %d requests asked for no wait", rep.Requests)
	}
	limit := time.Duration(rep.Requests) * 10 * time.Millisecond
	for _, w := range waits {
		if w <= 0 || w > limit {
			t.Errorf("wait %v outside (0, %v]", w, limit)
		}
	}
	play(t, Config{IdP: exchange.Okta, Target: newServer(t, false, nil), Sleep: s.sleep})
	if n := len(s.all()); n != len(waits) {
		t.Errorf("without a rate the run waited %d more times", n-len(waits))
	}
}

// TestObserverSeesEveryRequestAndCanStop: Sending comes before Answered for each
// request, in order; an error from Sending ends the run with the report so far.
func TestObserverSeesEveryRequestAndCanStop(t *testing.T) {
	target := newServer(t, false, nil)
	var events []string
	obs := Funcs{
		OnStepStarted:  func(s *StepResult) { events = append(events, "start") },
		OnSending:      func(_ context.Context, ex *Exchange) error { events = append(events, "send"); return nil },
		OnAnswered:     func(ex *Exchange) { events = append(events, fmt.Sprint(ex.Status)) },
		OnStepFinished: func(s *StepResult) { events = append(events, "end") },
	}
	rep, err := Run(context.Background(), Config{IdP: exchange.Entra, Target: target, Token: testToken}, obs)
	if err != nil || !rep.Passed() {
		t.Fatalf("Run: %v", err)
	}
	sends, answers := strings.Count(strings.Join(events, " "), "send"), 0
	for i, e := range events {
		if e != "send" && e != "start" && e != "end" {
			answers++
			if events[i-1] != "send" {
				t.Fatalf("answer %s at %d does not follow its send: %v", e, i, events)
			}
		}
	}
	if int64(sends) != rep.Requests || answers != sends || strings.Count(strings.Join(events, " "), "start") != len(rep.Steps) {
		t.Errorf("%d sends, %d answers, %d requests", sends, answers, rep.Requests)
	}

	quit := errors.New("the presenter quit")
	var n atomic.Int32
	stop := Funcs{OnSending: func(context.Context, *Exchange) error {
		if n.Add(1) == 4 {
			return quit
		}
		return nil
	}}
	rep, err = Run(context.Background(), Config{IdP: exchange.Entra, Target: newServer(t, false, nil), Token: testToken}, stop)
	if !errors.Is(err, quit) || rep == nil || rep.Requests != 3 || len(rep.Steps) == 0 || len(rep.Steps) == 14 {
		t.Errorf("want the quit error with a partial report of 3 requests, got %v, %+v", err, rep)
	}
	if ExitStatus(rep, err) != ExitFailed {
		t.Errorf("an interrupted run must not exit 0")
	}
}

func TestExitStatus(t *testing.T) {
	passed := &Report{Steps: []*StepResult{{Status: StatusPassed}, {Status: StatusSkipped}}}
	failed := &Report{Steps: []*StepResult{{Status: StatusPassed}, {Status: StatusFailed}}}
	notRun := &Report{Steps: []*StepResult{{Status: StatusNotRun}}}
	tests := []struct {
		name string
		rep  *Report
		err  error
		want int
	}{
		{"passed", passed, nil, ExitPassed},
		{"a step failed", failed, nil, ExitFailed},
		{"a step did not run", notRun, nil, ExitFailed},
		{"usage", nil, usagef("bad"), ExitUsage},
		{"interrupted", passed, context.Canceled, ExitFailed},
	}
	for _, tt := range tests {
		if got := ExitStatus(tt.rep, tt.err); got != tt.want {
			t.Errorf("%s: exit %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestJSONReport: --json output is one document with bodies embedded as JSON and the
// credential masked everywhere.
func TestJSONReport(t *testing.T) {
	rep := play(t, Config{IdP: exchange.Okta, Target: newServer(t, false, nil)})
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), testToken) || strings.Contains(text(t, rep), testToken) {
		t.Fatalf("the token appears in the report")
	}
	var doc struct {
		IdP   string `json:"idp"`
		Steps []struct {
			Status   string `json:"status"`
			Outcomes []struct {
				Exchanges []struct {
					Header map[string][]string `json:"header"`
					Body   any                 `json:"body"`
					Status int                 `json:"status"`
				} `json:"exchanges"`
			} `json:"outcomes"`
		} `json:"steps"`
		Requests int `json:"requests"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.IdP != "okta" || len(doc.Steps) != len(rep.Steps) || doc.Requests != int(rep.Requests) {
		t.Fatalf("decoded %+v", doc)
	}
	create := doc.Steps[3].Outcomes[0].Exchanges[1]
	if _, ok := create.Body.(map[string]any); !ok || create.Status != 201 {
		t.Errorf("the create's body should be embedded as a JSON object: %#v", create.Body)
	}
	if got := create.Header["Authorization"]; len(got) != 1 || got[0] != "Bearer si****89" {
		t.Errorf("Authorization shown as %v, want masked", got)
	}
}

// TestProgress: plain lines for logs, one rewritten line on a terminal.
func TestProgress(t *testing.T) {
	for _, live := range []bool{false, true} {
		var buf bytes.Buffer
		p := NewProgress(&buf, live, 12, time.Hour)
		rep, err := Run(context.Background(), Config{IdP: exchange.Okta, Target: newServer(t, false, nil), Token: testToken, Users: 12}, p)
		if err != nil || !rep.Passed() {
			t.Fatalf("Run: %v", err)
		}
		p.Done()
		out := buf.String()
		if !strings.Contains(out, "step 4/12 assign 12 users [####################] 12/12") || !strings.Contains(out, "requests") {
			t.Errorf("live=%v: progress lacks the finished assign step:\n%q", live, out)
		}
		if got := strings.Contains(out, "\r\033[K"); got != live {
			t.Errorf("live=%v: in-place rewrite = %v", live, got)
		}
		if lines := strings.Count(out, "\n"); live && lines != 0 || !live && lines != len(rep.Steps) {
			t.Errorf("live=%v: %d lines for %d steps", live, lines, len(rep.Steps))
		}
	}
}

// trivialSCIM answers every request the way a fast SCIM server would, without storing
// anything, so a benchmark measures the client loop.
func trivialSCIM() http.Handler {
	var n atomic.Int64
	empty := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		switch r.Method {
		case http.MethodGet:
			if strings.Count(r.URL.Path, "/") > 3 {
				w.Write([]byte(`{"id":"` + strings.TrimPrefix(r.URL.Path[strings.LastIndex(r.URL.Path, "/"):], "/") + `","userName":"x","active":true}`))
				return
			}
			w.Write(empty)
		case http.MethodPost:
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"id":"%d"}`, n.Add(1))
		case http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Write([]byte(`{"id":"1"}`))
		}
	})
}

// BenchmarkClientLoop measures the simulator's cost per request: one Entra
// assignment (lookup + create) per user, four workers, against an in-process
// handler that does no work.
func BenchmarkClientLoop(b *testing.B) {
	hs := httptest.NewServer(trivialSCIM())
	defer hs.Close()
	file := writeScenario(b, "bench.yaml", "idp: entra\nsteps:\n  - do: assign\n    users: all\n")
	b.ReportAllocs()
	b.ResetTimer()
	rep, err := Run(context.Background(), Config{IdP: exchange.Entra, Target: hs.URL + "/scim/v2", Token: testToken, Scenario: file, Users: b.N, Concurrency: 4}, nil)
	if err != nil || !rep.Passed() {
		b.Fatalf("Run: %v", err)
	}
	b.ReportMetric(float64(rep.Requests)/b.Elapsed().Seconds(), "req/s")
}
