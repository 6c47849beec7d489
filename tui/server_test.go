package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimlab/scimlab/scim/quirk"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
)

// storeReader is the Reader main gives the console, over the real store.
type storeReader struct{ db *store.DB }

func (s storeReader) Requests(ctx context.Context, before int64, limit int) ([]exchange.Record, error) {
	rs, err := s.db.ListRequests(ctx, before, limit)
	out := make([]exchange.Record, 0, len(rs))
	for _, r := range rs {
		out = append(out, *r)
	}
	return out, err
}

func (s storeReader) Request(ctx context.Context, seq int64) (*exchange.Record, error) {
	return s.db.GetRequest(ctx, seq)
}

func (s storeReader) search(ctx context.Context, kind store.Kind, q string, limit int) ([]ResourceRow, error) {
	query := store.Query{Kind: kind, Count: limit, SortBy: &store.Field{Path: []string{"meta", "lastModified"}}, Descending: true}
	if q != "" {
		name := []string{"userName"}
		if kind == store.KindGroup {
			name = []string{"displayName"}
		}
		query.Where = store.CondOr{
			L: store.CondCmp{Field: store.Field{Path: name}, Op: "co", Value: q},
			R: store.CondCmp{Field: store.Field{Path: []string{"externalId"}, CaseExact: true}, Op: "co", Value: q},
		}
	}
	_, page, err := s.db.Search(ctx, query)
	out := make([]ResourceRow, 0, len(page))
	for _, r := range page {
		row := ResourceRow{Kind: string(kind), ID: r.ID, ExternalID: r.ExternalID, Active: r.Active, Modified: r.LastModified, Members: -1}
		if kind == store.KindGroup {
			row.Name = r.DisplayName
			if n, err := s.db.MemberCount(ctx, r.ID); err == nil {
				row.Members = n
			}
		} else {
			row.Name, row.DisplayName = r.UserName, r.DisplayName
		}
		out = append(out, row)
	}
	return out, err
}

func (s storeReader) Users(ctx context.Context, q string, limit int) ([]ResourceRow, error) {
	return s.search(ctx, store.KindUser, q, limit)
}

func (s storeReader) Groups(ctx context.Context, q string, limit int) ([]ResourceRow, error) {
	return s.search(ctx, store.KindGroup, q, limit)
}

func (s storeReader) Resource(ctx context.Context, kind, id string) (*ResourceDetail, error) {
	var (
		r   *store.Resource
		err error
		d   = &ResourceDetail{}
	)
	if kind == KindGroup {
		r, err = s.db.GetGroup(ctx, id)
	} else {
		r, err = s.db.GetUser(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	d.Row = ResourceRow{Kind: kind, ID: r.ID, Name: r.UserName, DisplayName: r.DisplayName, ExternalID: r.ExternalID, Active: r.Active, Modified: r.LastModified}
	var doc map[string]any
	if err := json.Unmarshal(r.Doc, &doc); err != nil {
		return nil, err
	}
	doc["id"] = r.ID
	if kind == KindGroup {
		d.Row.Name = r.DisplayName
		ms, err := s.db.Members(ctx, id, 500)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			d.Memberships = append(d.Memberships, MemberRef{Kind: KindUser, ID: m.UserID, Display: m.Display})
		}
		d.MembershipTotal, _ = s.db.MemberCount(ctx, id)
	} else {
		gs, err := s.db.GroupsOfUser(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			d.Memberships = append(d.Memberships, MemberRef{Kind: KindGroup, ID: g.ID, Display: g.DisplayName})
		}
		d.MembershipTotal = len(gs)
	}
	d.JSON, _ = json.Marshal(doc)
	hist, err := s.db.RequestsForResource(ctx, store.Kind(kind), id, 100)
	for _, h := range hist {
		d.History = append(d.History, *h)
	}
	return d, err
}

// liveServer is a real SCIM server over a real store on a temporary file.
type liveServer struct {
	db    *store.DB
	srv   *scimserver.Server
	http  *httptest.Server
	token string
}

func newLiveServer(t testing.TB) *liveServer {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "scimlab.db"))
	if err != nil {
		t.Fatal(err)
	}
	ls := &liveServer{db: db, token: "live-test-token-0123456789"}
	ls.srv = scimserver.New(scimserver.Config{Token: ls.token}, db, nil)
	ls.http = httptest.NewServer(ls.srv.Handler())
	t.Cleanup(func() {
		ls.http.Close()
		_ = ls.srv.Close()
		_ = db.Close()
	})
	return ls
}

func (ls *liveServer) deps() Deps {
	return Deps{
		Subscribe: ls.srv.Subscribe,
		Reader:    storeReader{ls.db},
		LocalURL:  ls.http.URL + scimserver.BasePath,
		Token:     func() string { return ls.token },
		Strict:    ls.srv.Strict,
		SetStrict: ls.srv.SetStrict,
	}
}

// do sends one SCIM request and returns the status (0 after reporting an
// error). It is safe to call from several goroutines.
func (ls *liveServer) do(t testing.TB, method, path, token, body string) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ls.http.URL+scimserver.BasePath+path, rd)
	if err != nil {
		t.Error(err)
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func (ls *liveServer) createUser(t *testing.T, name string) string {
	t.Helper()
	body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"active":true}`, name)
	req, _ := http.NewRequest("POST", ls.http.URL+scimserver.BasePath+"/Users", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+ls.token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create %s: %d %v", name, resp.StatusCode, err)
	}
	return out.ID
}

// TestRealServerRequestsAppearInTheConsole subscribes the console to a real
// server and sends it real HTTP requests, including a bad token and an
// Entra-style PATCH, and checks what the console shows.
func TestRealServerRequestsAppearInTheConsole(t *testing.T) {
	ls := newLiveServer(t)
	tm := teatest.NewTestModel(t, New(ls.deps()), teatest.WithInitialTermSize(200, 50))
	waitScreen(t, tm, "SCIM base URL", ls.http.URL+"/scim/v2")
	tm.Send(keyPress("2"))
	waitScreen(t, tm, "No requests yet")

	id := ls.createUser(t, "alice@example.com")
	if got := ls.do(t, "GET", "/Users?filter="+strings.ReplaceAll(`userName eq "alice@example.com"`, " ", "%20"), ls.token, ""); got != 200 {
		t.Fatalf("lookup: %d", got)
	}
	if got := ls.do(t, "GET", "/Users", "stale-token", ""); got != 401 {
		t.Fatalf("bad token: %d", got)
	}
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`
	if got := ls.do(t, "PATCH", "/Users/"+id, ls.token, patch); got != 200 && got != 204 {
		t.Fatalf("patch: %d", got)
	}
	waitScreen(t, tm, "unauthenticated: wrong token", "/Users/"+id[:8])

	tm.Send(keyPress("3"))
	waitScreen(t, tm, "alice@example.com", "○ no")
	tm.Send(keyPress("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	final := tm.FinalModel(t).(Model)

	var got []string
	for _, r := range final.reqs.rows {
		got = append(got, fmt.Sprintf("%d %s %d", r.Seq, r.Method, r.Status))
	}
	want := []string{"1 POST 201", "2 GET 200", "3 GET 401"}
	if len(got) != 4 || strings.Join(got[:3], ",") != strings.Join(want, ",") || !strings.HasPrefix(got[3], "4 PATCH 20") {
		t.Fatalf("console rows %v, want %v and the PATCH", got, want)
	}
	quirks := final.reqs.rows[3].Quirks
	if !slices.Contains(quirks, quirk.CapitalisedOp) || !slices.Contains(quirks, quirk.StringBoolean) {
		t.Fatalf("PATCH quirks %v, want the Entra quirks badged", quirks)
	}
	if len(final.users.rows) != 1 || final.users.rows[0].Active {
		t.Fatalf("users table %+v, want alice, deactivated", final.users.rows)
	}
}

// watched reports, after every update of the running program, whether cond
// holds for the model; cond runs on the program's goroutine, so it may read
// the tabs without racing.
type watched struct {
	Model
	cond func(Model) bool
	met  chan struct{}
}

func (w watched) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := w.Model.Update(msg)
	w.Model = next.(Model)
	if w.cond(w.Model) {
		select {
		case w.met <- struct{}{}:
		default:
		}
	}
	return w, cmd
}

func watch(m Model, cond func(Model) bool) (watched, <-chan struct{}) {
	met := make(chan struct{}, 1)
	return watched{Model: m, cond: cond, met: met}, met
}

func waitMet(t *testing.T, met <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-met:
	case <-time.After(10 * time.Second):
		t.Fatalf("the console never got to %s", what)
	}
}

// TestRealServerDroppedEventsAreReloaded gives the console a one-event
// subscription buffer so a burst of concurrent requests overflows it, and
// checks the console still shows every request, read back from the log.
func TestRealServerDroppedEventsAreReloaded(t *testing.T) {
	ls := newLiveServer(t)
	d := ls.deps()
	d.Subscribe = func(int) (<-chan exchange.Event, func()) { return ls.srv.Subscribe(1) }
	const n, workers = 200, 8
	m, met := watch(New(d), func(m Model) bool {
		// The last event can arrive before the reload of the gaps before it:
		// wait for the whole window, which never comes if a hole stays.
		r := m.reqs.rows
		return len(r) == n+1 && r[len(r)-1].Seq == n+1 && m.reqs.sel == n+1
	})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(200, 50))
	tm.Send(keyPress("2"))
	waitScreen(t, tm, "No requests yet")
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				ls.do(t, "GET", fmt.Sprintf("/Users?startIndex=%d&count=1", i+1), ls.token, "")
			}
		}()
	}
	wg.Wait()
	ls.do(t, "GET", "/Groups/finale", ls.token, "")
	waitMet(t, met, "the last request")
	tm.Send(keyPress("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	final := tm.FinalModel(t).(watched).Model
	if final.sh.seen >= n+1 {
		t.Fatal("every event reached the console; the test did not exercise the reload")
	}
	if len(final.reqs.rows) != n+1 {
		t.Fatalf("console holds %d rows, want all %d", len(final.reqs.rows), n+1)
	}
	for i, r := range final.reqs.rows {
		if r.Seq != int64(i+1) {
			t.Fatalf("row %d is #%d: the window has a hole", i, r.Seq)
		}
	}
	if final.sh.dropped > 0 && !strings.Contains(ansi.Strip(final.View().Content), "events dropped, reloaded from the log") {
		t.Fatal("the console does not say events were dropped")
	}
}

// TestRealServerTrailingDropsAreFound loses the last events of a burst (no
// later event reports them) and checks the console finds them in the log.
func TestRealServerTrailingDropsAreFound(t *testing.T) {
	ls := newLiveServer(t)
	d := ls.deps()
	sub, cancel := ls.srv.Subscribe(64)
	defer cancel()
	// The console's subscription delivers the first event and then nothing:
	// the server's events 2..5 are lost without a later event to say so.
	ch := make(chan exchange.Event, 1)
	d.Subscribe = func(int) (<-chan exchange.Event, func()) { return ch, func() {} }
	m, met := watch(New(d), func(m Model) bool { return len(m.reqs.rows) == 5 })
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(200, 50))
	tm.Send(keyPress("2"))
	waitScreen(t, tm, "No requests yet")
	for i := 0; i < 5; i++ {
		ls.do(t, "GET", fmt.Sprintf("/Groups/trail-%d", i+1), ls.token, "")
	}
	// The server publishes an event only once the request is in the log, so a
	// dropped event is always readable there; forwarding the first one only
	// after all five were published keeps that true here.
	first := <-sub
	for i := 1; i < 5; i++ {
		<-sub
	}
	ch <- first
	waitMet(t, met, "the fifth request")
	tm.Send(keyPress("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	rows := tm.FinalModel(t).(watched).Model.reqs.rows
	if len(rows) != 5 || rows[4].Path != "/scim/v2/Groups/trail-5" {
		t.Fatalf("console holds %d rows, want the 5 requests", len(rows))
	}
}
