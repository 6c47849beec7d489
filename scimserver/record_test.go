package scimserver

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"

	"github.com/scimlab/scimlab/store"
)

func TestEventsAreOrderedAndRecorded(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	annotate := func(x *exchange.Record) exchange.Annotation {
		mu.Lock()
		seen = append(seen, x.Method+" "+x.Path)
		mu.Unlock()
		a := exchange.Annotation{IdP: exchange.Okta, Step: exchange.StepOther, Summary: x.Method + " " + x.Path,
			Hints: []exchange.Hint{{Severity: exchange.SeverityInfo, Text: "hint"}}}
		if x.Status == 201 && !strings.Contains(string(x.RespBody), `"userName"`) {
			a.Hints = append(a.Hints, exchange.Hint{Severity: exchange.SeverityError, Text: "response body missing"})
		}
		return a
	}
	e := newEnv(t, Config{Annotate: annotate})
	events, cancel := e.srv.Subscribe(64)
	defer cancel()
	id := e.createUser("ev@example.com", nil)
	e.do("GET", "/Users/"+id+"?attributes=userName", nil, hdr{"User-Agent": "Okta SCIM Client 1.0.0"})
	e.do("GET", "/Users/missing", nil, nil)

	var evs []exchange.Event
	for range 3 {
		select {
		case ev := <-events:
			evs = append(evs, ev)
		case <-time.After(10 * time.Second):
			t.Fatal("no event")
		}
	}
	for i, ev := range evs {
		if i > 0 && ev.Seq != evs[i-1].Seq+1 {
			t.Errorf("sequence not gap-free: %d after %d", ev.Seq, evs[i-1].Seq)
		}
		if ev.IdP != exchange.Okta || ev.Summary != ev.Method+" "+ev.Path || len(ev.Hints) != 1 {
			t.Errorf("annotation not carried: %+v", ev)
		}
		if ev.Duration <= 0 || ev.Time.IsZero() || ev.RemoteAddr == "" || ev.ViaTunnel {
			t.Errorf("event fields: %+v", ev)
		}
	}
	if evs[0].Method != "POST" || evs[0].Status != 201 || evs[0].ResourceType != "User" || evs[0].ResourceID != id {
		t.Errorf("create event %+v", evs[0])
	}
	if evs[1].Query != "attributes=userName" || evs[1].UserAgent != "Okta SCIM Client 1.0.0" || evs[1].ResourceID != id {
		t.Errorf("get event %+v", evs[1])
	}
	if evs[2].Status != 404 || evs[2].ResourceID != "missing" || !strings.Contains(evs[2].ErrorDetail, "missing") {
		t.Errorf("404 event %+v", evs[2])
	}
	mu.Lock()
	if len(seen) != 3 || !strings.HasPrefix(seen[0], "POST") {
		t.Errorf("annotator calls %v", seen)
	}
	mu.Unlock()

	req, err := e.db.GetRequest(context.Background(), evs[0].Seq)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(req.ReqBody), "ev@example.com") || !strings.Contains(string(req.RespBody), id) {
		t.Errorf("bodies not recorded: %s / %s", req.ReqBody, req.RespBody)
	}
	if req.RespHeaders.Get("Location") == "" || req.ReqHeaders.Get("Content-Type") == "" {
		t.Errorf("headers not recorded: %v %v", req.ReqHeaders, req.RespHeaders)
	}
	if req.IdP != exchange.Okta || req.Step != exchange.StepOther || len(req.Hints) != 1 || req.Hints[0].Text != "hint" {
		t.Errorf("annotation not stored: %+v", req)
	}
	hist, err := e.db.RequestsForResource(context.Background(), store.KindUser, id, 10)
	if err != nil || len(hist) != 2 {
		t.Errorf("resource history: %d rows, err %v", len(hist), err)
	}
}

func TestSlowSubscriberLosesEventsNotRequests(t *testing.T) {
	e := newEnv(t, Config{})
	slow, cancelSlow := e.srv.Subscribe(1)
	defer cancelSlow()
	fast, cancelFast := e.srv.Subscribe(100)
	defer cancelFast()
	for range 5 {
		e.must(e.do("GET", "/Users", nil, nil), 200)
	}
	var last exchange.Event
	for range 5 {
		last = <-fast
	}
	first := <-slow
	if first.Dropped != 0 {
		t.Errorf("first event Dropped = %d", first.Dropped)
	}
	e.must(e.do("GET", "/Groups", nil, nil), 200)
	next := <-slow
	if next.Dropped != 4 || next.Seq != last.Seq+1 {
		t.Errorf("after a full buffer: Dropped %d Seq %d (last %d); want 4 dropped and the next seq", next.Dropped, next.Seq, last.Seq)
	}
	// Cancel is idempotent and closes the channel.
	cancelSlow()
	cancelSlow()
	if _, open := <-slow; open {
		t.Error("channel still open after cancel")
	}
}

func TestAnnotatorPanicDoesNotStopTheLog(t *testing.T) {
	e := newEnv(t, Config{Annotate: func(x *exchange.Record) exchange.Annotation {
		if x.Path == BasePath+"/Groups" {
			panic("classifier bug")
		}
		return exchange.Annotation{Step: exchange.StepOther}
	}})
	events, cancel := e.srv.Subscribe(8)
	defer cancel()
	e.do("GET", "/Groups", nil, nil)
	e.do("GET", "/Users", nil, nil)
	a, b := <-events, <-events
	if a.Step != "" || b.Step != exchange.StepOther || b.Seq != a.Seq+1 {
		t.Errorf("events after annotator panic: %+v %+v", a, b)
	}
	if !strings.Contains(e.logBuf.String(), "classifier bug") {
		t.Error("annotator panic not logged")
	}
}

// The annotator sees each request's number before anything is written, so whatever it
// points back at (a walkthrough's "seen in #12") names the logged request; numbering
// goes on across restarts and never reuses a pruned number.
func TestAnnotatorSeesTheNumberTheLogGives(t *testing.T) {
	var mu sync.Mutex
	numbered := map[string]int64{}
	annotate := func(x *exchange.Record) exchange.Annotation {
		mu.Lock()
		numbered[x.Path] = x.Seq
		mu.Unlock()
		return exchange.Annotation{Step: exchange.StepOther}
	}
	db := openStore(t)
	s := New(Config{Token: testToken, Annotate: annotate, LogRetention: 2}, db, nil)
	hs := httptest.NewServer(s.Handler())
	events, cancel := s.Subscribe(8)
	get := func(path string) {
		req, _ := http.NewRequest("GET", hs.URL+BasePath+path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		res, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	for _, p := range []string{"/Users", "/Groups", "/ServiceProviderConfig"} {
		get(p)
		ev := <-events
		mu.Lock()
		seq := numbered[ev.Path]
		mu.Unlock()
		if seq == 0 || seq != ev.Seq {
			t.Errorf("%s: the annotator saw #%d, the event says #%d", ev.Path, seq, ev.Seq)
		}
		row, err := db.GetRequest(context.Background(), ev.Seq)
		if err != nil || row.Path != ev.Path {
			t.Errorf("%s: log entry #%d is %v (%v)", ev.Path, ev.Seq, row, err)
		}
	}
	cancel()
	hs.Close()
	s.Close()

	// Retention pruned #1; a restarted server goes on from #4.
	again := New(Config{Token: testToken, Annotate: annotate}, db, nil)
	defer again.Close()
	hs2 := httptest.NewServer(again.Handler())
	defer hs2.Close()
	events2, cancel2 := again.Subscribe(8)
	defer cancel2()
	hs = hs2
	get("/Users/after-restart")
	if ev := <-events2; ev.Seq != 4 {
		t.Errorf("first request after a restart is #%d, want #4", ev.Seq)
	}
}

func TestCloseFlushesAndRetentionPrunes(t *testing.T) {
	db := openStore(t)
	s := New(Config{Token: testToken, LogRetention: 5}, db, nil)
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	events, cancel := s.Subscribe(1)
	defer cancel()
	for range 12 {
		req, _ := http.NewRequest("GET", hs.URL+BasePath+"/Users", nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		res, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	s.Close()
	rows, err := db.ListRequests(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[0].Seq != 12 {
		t.Fatalf("after Close: %d rows, newest seq %d; want the 5 newest of 12", len(rows), rows[0].Seq)
	}
	// Subscriptions end with the server; requests after Close are still answered.
	for range events {
	}
	req, _ := http.NewRequest("GET", hs.URL+BasePath+"/Users", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := hs.Client().Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("request after Close: %v %v", res, err)
	}
	res.Body.Close()
	s.Close() // idempotent
}

// Flush returns only once every request answered before it is in the store, however
// slow the annotator; after Close it returns at once.
func TestFlushWritesWhatWasAnswered(t *testing.T) {
	db := openStore(t)
	slow := func(*exchange.Record) exchange.Annotation {
		time.Sleep(5 * time.Millisecond)
		return exchange.Annotation{}
	}
	s := New(Config{Token: testToken, Annotate: slow}, db, nil)
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	for range 10 {
		req, _ := http.NewRequest("GET", hs.URL+BasePath+"/Users", nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		res, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rows, err := db.ListRequests(context.Background(), 0, 100); err != nil || len(rows) != 10 {
		t.Fatalf("after Flush: %d rows, %v; want all 10", len(rows), err)
	}
	s.Close()
	if err := s.Flush(context.Background()); err != nil {
		t.Errorf("Flush after Close: %v", err)
	}
}

// LogMaxAge reaches the store: on Close, requests older than the age are trimmed.
func TestRetentionByAge(t *testing.T) {
	db := openStore(t)
	old := time.Now().Add(-2 * time.Hour)
	if err := db.AppendRequests(context.Background(), []*exchange.Record{
		{Time: old, Method: "GET", Path: "/scim/v2/Users"}, {Time: old, Method: "GET", Path: "/scim/v2/Groups"},
	}); err != nil {
		t.Fatal(err)
	}
	s := New(Config{Token: testToken, LogMaxAge: time.Hour}, db, nil)
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	req, _ := http.NewRequest("GET", hs.URL+BasePath+"/Users", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	s.Close()
	rows, err := db.ListRequests(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Seq != 3 {
		t.Fatalf("after Close: %d rows; want only #3, the two older than an hour gone", len(rows))
	}
}

func TestLogBodyCap(t *testing.T) {
	e := newEnv(t, Config{LogBodyBytes: 64})
	events, cancel := e.srv.Subscribe(4)
	defer cancel()
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"cap@example.com","title":"` + strings.Repeat("t", 500) + `"}`
	r := e.must(e.do("POST", "/Users", body, nil), 201)
	if len(r.str("title")) != 500 {
		t.Fatalf("the handler did not get the whole body")
	}
	ev := <-events
	req, err := e.db.GetRequest(context.Background(), ev.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.ReqBody) != 64 || len(req.RespBody) != 64 {
		t.Errorf("recorded bodies %d / %d bytes, want 64 each", len(req.ReqBody), len(req.RespBody))
	}
}

func TestPasswordsAreRedactedInTheLog(t *testing.T) {
	e := newEnv(t, Config{})
	events, cancel := e.srv.Subscribe(4)
	defer cancel()
	id := e.createUser("pw@example.com", map[string]any{"password": "Hunter2-create"})
	e.must(e.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"value":"Hunter2-patch","op":"replace","path":"password"}]}`, nil), 200)
	for range 2 {
		ev := <-events
		req, err := e.db.GetRequest(context.Background(), ev.Seq)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(req.ReqBody), "Hunter2") || !strings.Contains(string(req.ReqBody), `"[redacted]"`) {
			t.Errorf("recorded body: %s", req.ReqBody)
		}
	}
}

// tunnelListener marks its connections the way the tunnel package does.
type tunnelListener struct{ net.Listener }

func (l tunnelListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return tunnelConn{c}, nil
}

type tunnelConn struct{ net.Conn }

func (tunnelConn) TunnelClientIP() string { return "203.0.113.9" }

func TestTunnelConnections(t *testing.T) {
	db := openStore(t)
	s := New(Config{Token: testToken}, db, nil)
	defer s.Close()
	serve := func(tunnel bool) *httptest.Server {
		hs := httptest.NewUnstartedServer(s.Handler())
		if tunnel {
			hs.Listener = tunnelListener{hs.Listener}
		}
		hs.Config.ConnContext = ConnContext
		hs.Start()
		t.Cleanup(hs.Close)
		return hs
	}
	post := func(hs *httptest.Server, userName string) (resp, exchange.Event) {
		events, cancel := s.Subscribe(4)
		defer cancel()
		req, _ := http.NewRequest("POST", hs.URL+BasePath+"/Users", strings.NewReader(`{"userName":"`+userName+`"}`))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", "demo.ngrok.app")
		res, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return readResp(t, res), <-events
	}
	r, ev := post(serve(true), "tunnel@example.com")
	if want := "https://demo.ngrok.app" + BasePath + "/Users/" + r.str("id"); r.str("meta.location") != want || r.header.Get("Location") != want {
		t.Errorf("tunnel location %q, want %q", r.str("meta.location"), want)
	}
	if !ev.ViaTunnel || ev.RemoteAddr != "203.0.113.9" {
		t.Errorf("tunnel event: ViaTunnel %v RemoteAddr %q", ev.ViaTunnel, ev.RemoteAddr)
	}
	local := serve(false)
	r, ev = post(local, "local@example.com")
	if want := local.URL + BasePath + "/Users/" + r.str("id"); r.str("meta.location") != want {
		t.Errorf("a local request's forwarding headers must be ignored: location %q, want %q", r.str("meta.location"), want)
	}
	if ev.ViaTunnel || !strings.HasPrefix(ev.RemoteAddr, "127.0.0.1:") {
		t.Errorf("local event: ViaTunnel %v RemoteAddr %q", ev.ViaTunnel, ev.RemoteAddr)
	}
}

func TestRedactPasswords(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"no password", `{"userName":"a"}`, `{"userName":"a"}`},
		{"create", `{"userName":"a", "password" : "x\"y","active":true}`, `{"userName":"a", "password" : "[redacted]","active":true}`},
		{"case-insensitive key", `{"Password":"p"}`, `{"Password":"[redacted]"}`},
		{"path-less PATCH", `{"Operations":[{"op":"replace","value":{"password":"p"}}]}`, `{"Operations":[{"op":"replace","value":{"password":"[redacted]"}}]}`},
		{"PATCH path password, value first", `{"Operations":[{"value":"p","op":"replace","path":"password"},{"op":"replace","path":"title","value":"keep"}]}`, `{"Operations":[{"value":"[redacted]","op":"replace","path":"password"},{"op":"replace","path":"title","value":"keep"}]}`},
		{"a title that says password is kept", `{"title":"password"}`, `{"title":"password"}`},
		{"cut off by the log cap", `{"password":"secret","na`, `{"password":"[redacted]","na`},
		{"not JSON", `password=secret`, `password=secret`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(redactPasswords([]byte(tc.in))); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
