package scimserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/fault"
	"github.com/scimlab/scimlab/store"
)

// faultEnv is a server whose fault rules are the given ones.
func faultEnv(t *testing.T, seed uint64, rules ...string) (*testEnv, *fault.Set) {
	t.Helper()
	set := fault.NewSet(seed)
	for _, s := range rules {
		r, err := fault.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		set.Add(r)
	}
	e := newEnv(t, Config{Faults: set, SenderIdP: func(rec *exchange.Record) exchange.IdP {
		switch {
		case strings.HasPrefix(rec.UserAgent, "Okta"):
			return exchange.Okta
		case strings.Contains(rec.UserAgent, "Azure"):
			return exchange.Entra
		}
		return exchange.Unknown
	}})
	return e, set
}

// snapshot is everything stored about users and groups, versions and timestamps
// included, so that any write, even a half-done one, changes it.
func (e *testEnv) snapshot() string {
	e.t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, kind := range []store.Kind{store.KindUser, store.KindGroup} {
		_, page, err := e.db.Search(ctx, store.Query{Kind: kind, StartIndex: 1, Count: 10_000})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, r := range page {
			fmt.Fprintf(&b, "%s %s v%d %s %s %s\n", kind, r.ID, r.Version, r.LastModified.Format(time.RFC3339Nano), r.Doc, r.UserName+r.DisplayName)
			if kind == store.KindGroup {
				ms, err := e.db.Members(ctx, r.ID, 0)
				if err != nil {
					e.t.Fatal(err)
				}
				for _, m := range ms {
					fmt.Fprintf(&b, "  member %s %s\n", m.UserID, m.Display)
				}
			}
		}
	}
	return b.String()
}

// logged waits for the next recorded exchange and returns it as the log keeps it.
func (e *testEnv) logged(events <-chan exchange.Event) *exchange.Record {
	e.t.Helper()
	select {
	case ev := <-events:
		rec, err := e.db.GetRequest(context.Background(), ev.Seq)
		if err != nil {
			e.t.Fatal(err)
		}
		return rec
	case <-time.After(10 * time.Second):
		e.t.Fatal("no request was recorded")
		return nil
	}
}

func userBody(name string) map[string]any {
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": name, "active": true}
}

// A status rule answers with a SCIM error and Retry-After in place of the handler,
// only as often as times= says, and the log says which rule answered.
func TestFaultStatusRetryAfterAndTimes(t *testing.T) {
	e, set := faultEnv(t, fault.DefaultSeed, "POST /Users 429 retry-after=30 times=2")
	events, cancel := e.srv.Subscribe(16)
	defer cancel()
	before := e.snapshot()
	for i := range 2 {
		r := e.do("POST", "/Users", userBody("alice@example.com"), nil)
		checkError(t, r, http.StatusTooManyRequests, "")
		if got := r.header.Get("Retry-After"); got != "30" {
			t.Errorf("attempt %d: Retry-After %q, want 30", i+1, got)
		}
		if d := r.str("detail"); !strings.Contains(d, "fault injection") || !strings.Contains(d, `"POST /Users 429 retry-after=30 times=2"`) || !strings.Contains(d, "not applied") {
			t.Errorf("detail %q does not say the failure was injected and by which rule", d)
		}
		if r.str("scimType") != "" {
			t.Errorf("429 answered with scimType %q, which RFC 7644 does not define for it", r.str("scimType"))
		}
		rec := e.logged(events)
		want := &exchange.Injected{Rule: "POST /Users 429 retry-after=30 times=2", Status: 429, RetryAfter: 30}
		if rec.Fault == nil || *rec.Fault != *want || rec.Status != 429 || !strings.Contains(rec.ErrorDetail, "fault injection") {
			t.Errorf("logged fault %+v status %d detail %q", rec.Fault, rec.Status, rec.ErrorDetail)
		}
	}
	if after := e.snapshot(); after != before {
		t.Errorf("an injected 429 changed stored data:\nbefore %s\nafter  %s", before, after)
	}
	e.must(e.do("POST", "/Users", userBody("alice@example.com"), nil), http.StatusCreated)
	if rec := e.logged(events); rec.Fault != nil || rec.Status != 201 {
		t.Errorf("the third attempt: status %d, fault %+v; the rule is spent", rec.Status, rec.Fault)
	}
	if got := set.Entries()[0]; got.Fired != 2 || got.Matched != 3 {
		t.Errorf("counters %+v", got)
	}
}

// Statuses with an RFC 7644 error type carry it, and nothing is written.
func TestFaultStatusesCarryTheirSCIMType(t *testing.T) {
	e, _ := faultEnv(t, fault.DefaultSeed, "POST /Users 409 after=1", "PUT /Users/* 400", "DELETE /Groups/* 503")
	id := e.createUser("bob@example.com", nil)
	gid := e.createGroup("Sales", id)
	before := e.snapshot()
	checkError(t, e.do("POST", "/Users", userBody("carol@example.com"), nil), http.StatusConflict, "uniqueness")
	checkError(t, e.do("PUT", "/Users/"+id, userBody("bobby@example.com"), nil), http.StatusBadRequest, "invalidValue")
	checkError(t, e.do("DELETE", "/Groups/"+gid, nil, nil), http.StatusServiceUnavailable, "")
	if after := e.snapshot(); after != before {
		t.Errorf("injected 409, 400 and 503 changed stored data:\nbefore %s\nafter  %s", before, after)
	}
}

// A delay holds the request before the handler: a client that waits gets the
// handler's answer, and one that gives up (as Okta does after 60 s) has nothing done
// on its behalf.
func TestFaultDelayHoldsTheRequestBeforeTheHandler(t *testing.T) {
	e, _ := faultEnv(t, fault.DefaultSeed, "PATCH /Users/* delay=40ms times=1", "PATCH /Groups/* delay=10m")
	events, cancel := e.srv.Subscribe(16)
	defer cancel()
	id := e.createUser("dave@example.com", nil)
	gid := e.createGroup("Ops")
	e.logged(events)
	e.logged(events)

	deactivate := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}}
	r := e.must(e.do("PATCH", "/Users/"+id, deactivate, nil), http.StatusOK)
	if r.body["active"] != false {
		t.Errorf("the delayed PATCH was not applied: %s", r.raw)
	}
	if rec := e.logged(events); rec.Fault == nil || rec.Fault.Delay != 40*time.Millisecond || rec.Fault.Status != 0 || rec.Status != 200 {
		t.Errorf("logged %d with fault %+v", rec.Status, rec.Fault)
	}

	before := e.snapshot()
	addMember := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": id}}}}}
	body, _ := json.Marshal(addMember)
	req, _ := http.NewRequest("PATCH", e.base+"/Groups/"+gid, strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/scim+json")
	impatient := &http.Client{Timeout: 50 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	if res, err := impatient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("the client got %d instead of waiting out a 10-minute delay", res.StatusCode)
	}
	rec := e.logged(events)
	if rec.Status != statusClientClosed || rec.Fault == nil || rec.Fault.Delay != 10*time.Minute {
		t.Errorf("logged %d with fault %+v, want 499 with the delay", rec.Status, rec.Fault)
	}
	if after := e.snapshot(); after != before {
		t.Errorf("a request abandoned during its delay changed stored data:\nbefore %s\nafter  %s", before, after)
	}
}

// Stopping the server answers the requests a delay holds instead of waiting for it.
func TestStoppingEndsInjectedDelays(t *testing.T) {
	e, set := faultEnv(t, fault.DefaultSeed, "POST /Users delay=10m")
	before := e.snapshot()
	answered := make(chan resp, 1)
	go func() { answered <- e.do("POST", "/Users", userBody("erin@example.com"), nil) }()
	for deadline := time.Now().Add(10 * time.Second); set.Entries()[0].Fired == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the request never reached the fault layer")
		}
		time.Sleep(time.Millisecond)
	}
	e.srv.Stopping()
	select {
	case r := <-answered:
		checkError(t, r, http.StatusServiceUnavailable, "")
	case <-time.After(10 * time.Second):
		t.Fatal("Stopping did not end the delay")
	}
	if after := e.snapshot(); after != before {
		t.Errorf("a request ended by Stopping changed stored data:\nbefore %s\nafter  %s", before, after)
	}
}

// drop closes the connection without an answer; the log records it as 444 with the
// rule, and nothing is written.
func TestFaultDropClosesTheConnection(t *testing.T) {
	e, _ := faultEnv(t, fault.DefaultSeed, "POST /Groups drop")
	events, cancel := e.srv.Subscribe(16)
	defer cancel()
	before := e.snapshot()
	req, _ := http.NewRequest("POST", e.base+"/Groups", strings.NewReader(`{"displayName":"Engineering","members":[]}`))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/scim+json")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("got %d, want the connection closed without an answer", res.StatusCode)
	}
	rec := e.logged(events)
	if rec.Status != statusDropped || rec.Fault == nil || !rec.Fault.Drop || !strings.Contains(rec.ErrorDetail, "without an answer") {
		t.Errorf("logged %d, fault %+v, detail %q", rec.Status, rec.Fault, rec.ErrorDetail)
	}
	if len(rec.RespBody) != 0 {
		t.Errorf("a dropped request logged a response body: %s", rec.RespBody)
	}
	if after := e.snapshot(); after != before {
		t.Errorf("a dropped request changed stored data:\nbefore %s\nafter  %s", before, after)
	}
	e.must(e.do("GET", "/Groups", nil, nil), http.StatusOK)
}

// percent fails the same requests for the same seed, and every request it fails
// leaves no trace: the users stored are exactly those of the requests that passed.
func TestFaultPercentIsDeterministicAndLeavesNoHalfWrites(t *testing.T) {
	run := func(seed uint64) (failed []int, stored []string) {
		e, _ := faultEnv(t, seed, "POST /Users 500 percent=50")
		for i := 1; i <= 16; i++ {
			r := e.do("POST", "/Users", userBody(fmt.Sprintf("user%02d@example.com", i)), nil)
			switch r.status {
			case http.StatusCreated:
			case http.StatusInternalServerError:
				failed = append(failed, i)
			default:
				t.Fatalf("request %d: %d %s", i, r.status, r.raw)
			}
		}
		_, page, err := e.db.Search(context.Background(), store.Query{Kind: store.KindUser, StartIndex: 1, Count: 100,
			SortBy: &store.Field{Path: []string{"userName"}, Type: "string"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page {
			stored = append(stored, u.UserName)
		}
		return failed, stored
	}
	failed, stored := run(42)
	if want := []int{4, 5, 6, 8, 9, 11, 13, 14}; !reflect.DeepEqual(failed, want) {
		t.Errorf("seed 42 failed requests %v, want %v", failed, want)
	}
	var want []string
	for i := 1; i <= 16; i++ {
		if !contains(failed, i) {
			want = append(want, fmt.Sprintf("user%02d@example.com", i))
		}
	}
	if !reflect.DeepEqual(stored, want) {
		t.Errorf("stored %v, want exactly the users whose create was not failed: %v", stored, want)
	}
	if again, _ := run(42); !reflect.DeepEqual(again, failed) {
		t.Errorf("the same seed failed %v, then %v", failed, again)
	}
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// idp= asks which IdP sent the request: Entra's requests fail, Okta's pass.
func TestFaultMatchesByIdP(t *testing.T) {
	e, set := faultEnv(t, fault.DefaultSeed, "PATCH /Groups/* 500 idp=entra")
	id := e.createUser("frank@example.com", nil)
	gid := e.createGroup("Finance")
	before := e.snapshot()
	add := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "Add", "path": "members", "value": []any{map[string]any{"value": id}}}}}
	checkError(t, e.do("PATCH", "/Groups/"+gid, add, hdr{"User-Agent": "Microsoft Azure AD SCIM provisioning"}), http.StatusInternalServerError, "")
	if after := e.snapshot(); after != before {
		t.Errorf("an injected 500 on a member PATCH changed the group:\nbefore %s\nafter  %s", before, after)
	}
	e.must(e.do("PATCH", "/Groups/"+gid, add, hdr{"User-Agent": "Okta SCIM Client 1.0.0"}), http.StatusNoContent)
	if got := e.memberIDs(gid); !reflect.DeepEqual(got, []string{id}) {
		t.Errorf("Okta's PATCH was not applied: members %v", got)
	}
	if got := set.Entries()[0]; got.Matched != 1 || got.Fired != 1 {
		t.Errorf("counters %+v: only Entra's request matches", got)
	}
}

// Rules apply after authentication: a wrong token gets its 401 and does not use the
// rule up.
func TestFaultAfterAuthentication(t *testing.T) {
	e, set := faultEnv(t, fault.DefaultSeed, "GET /Users 503 times=1")
	checkError(t, e.do("GET", "/Users", nil, hdr{"Authorization": "Bearer wrong"}), http.StatusUnauthorized, "")
	if got := set.Entries()[0]; got.Matched != 0 {
		t.Errorf("an unauthenticated request counted against the rule: %+v", got)
	}
	checkError(t, e.do("GET", "/Users", nil, nil), http.StatusServiceUnavailable, "")
	e.must(e.do("GET", "/Users", nil, nil), http.StatusOK)
}

// With no rule set the layer is absent, and a Set's rules can change while serving.
func TestFaultRulesChangeWhileServing(t *testing.T) {
	e, set := faultEnv(t, fault.DefaultSeed)
	e.must(e.do("GET", "/Groups", nil, nil), http.StatusOK)
	r, _ := fault.Parse("GET /Groups 502")
	added := set.Add(r)
	checkError(t, e.do("GET", "/Groups", nil, nil), http.StatusBadGateway, "")
	if err := set.SetEnabled(added.ID, false); err != nil {
		t.Fatal(err)
	}
	e.must(e.do("GET", "/Groups", nil, nil), http.StatusOK)
	if err := set.Remove(added.ID); err != nil {
		t.Fatal(err)
	}
	e.must(e.do("GET", "/Groups", nil, nil), http.StatusOK)
}

// A writer that cannot hand its connection over (HTTP/2) has the handler aborted
// instead, and the exchange is logged all the same.
func TestFaultDropWithoutHijackAbortsAndIsLogged(t *testing.T) {
	e, _ := faultEnv(t, fault.DefaultSeed, "GET /Groups drop")
	events, cancel := e.srv.Subscribe(4)
	defer cancel()
	req := httptest.NewRequest("GET", BasePath+"/Groups", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	func() {
		defer func() {
			if p := recover(); p != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler", p)
			}
		}()
		e.srv.Handler().ServeHTTP(httptest.NewRecorder(), req)
	}()
	if rec := e.logged(events); rec.Status != statusDropped || rec.Fault == nil || !rec.Fault.Drop {
		t.Errorf("logged %d with fault %+v", rec.Status, rec.Fault)
	}
}
